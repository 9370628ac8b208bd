//! How much disk an experiment's files take, estimated before anything
//! runs, so that an experiment whose files would not fit is refused with
//! the estimate instead of stopping part way with a full disk.
//!
//! The estimate counts each file's rows from the scenario (a row of
//! `timeseries.csv` per condition and session, of `groups.csv` per group and
//! measured session, of `members.csv` per member, of `panel.csv` per member
//! and session, of `network.csv` per measured session) and gives each row the
//! bytes of the longest rows measured in the shipped scenarios and the
//! sensitivity analysis, rounded up; it counts every pair of a group as a
//! tie in the network exports, and every member of an open group's catchment
//! as joining. So it errs high. Each run's rows go first to its part files
//! (`OUT/parts/`), which are copied into the output's files at the end and
//! then removed: while an experiment of several runs puts its files
//! together, the disk holds both, so the need is the parts and the files.
//! An experiment of one run puts its `groups.csv` and `members.csv` part in
//! place without a copy; a shard of several writes its parts only.
//! `docs/performance.md` ("Disk") has the measurements.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::experiment::Experiment;
use crate::memory::in_words;
use crate::runner::Shard;
use crate::scenario::Scenario;

/// Bytes of a row of `timeseries.csv`; measured 224–439 in the shipped
/// scenarios (the most in the forum's, whose posting figures are filled).
const TIMESERIES_ROW: u64 = 450;
/// Bytes of a row of `groups.csv`; measured 173–196.
const GROUPS_ROW: u64 = 210;
/// Bytes of a row of `members.csv`; measured 122–166.
const MEMBERS_ROW: u64 = 190;
/// Bytes of a row of `network.csv`; measured 134–192.
const NETWORK_ROW: u64 = 210;
/// Bytes of a row of `panel.csv`; measured 79.
const PANEL_ROW: u64 = 95;
/// Bytes of a node of a network export's GraphML; measured 220.
const EXPORT_NODE: u64 = 250;
/// Bytes of a tie of a network export, GraphML and edge list together;
/// measured 193 and 34.
const EXPORT_TIE: u64 = 250;
/// Bytes of a tie of the community network's export, GraphML and edge
/// list together; measured about 60.
const EXPORT_COMMUNITY_TIE: u64 = 80;
/// Bytes of `summary.csv` for each point and arm (about forty rows);
/// measured 3.6–6.8 KiB.
const SUMMARY_PER_CONDITION: u64 = 8 << 10;
/// Bytes of a run's row in `runs.csv` and of a point's in a sensitivity
/// analysis' `design.csv` and `points.csv`; measured 144, 75 and 270.
const RUN_ROWS: u64 = 500;
/// The charts, the report, the manifest and the resolved scenario;
/// measured up to 5.1 MiB (six sweep points of two conditions).
const FIXED: u64 = 8 << 20;

/// The name the estimate gives the small files together.
const SMALL_FILES: &str = "the charts, the report and the other files";

/// The files of an experiment's output, each with its estimated bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// Each file (or group of files) and its estimated bytes, largest
    /// first: `groups.csv`, `members.csv`, …, `network/` for the exports,
    /// and the charts and report with the small files.
    pub files: Vec<(&'static str, u64)>,
    /// The output's bytes once it is finished.
    pub total: u64,
    /// The most the disk holds at once: the parts and, while they are put
    /// together, the files they are copied into.
    pub peak: u64,
}

/// The rows a run of `scenario` writes to the files made from parts, in
/// bytes, by file.
fn run_part_bytes(scenario: &Scenario) -> [(&'static str, u64); 5] {
    let sessions = u64::from(scenario.format.sessions);
    let conditions = 1 + u64::from(scenario.community.control_members > 0);
    let measured = (0..=scenario.format.sessions)
        .filter(|&step| scenario.network.measures(step, scenario.format.sessions))
        .count() as u64;
    let groups = u64::from(scenario.community.groups);
    let members = scenario.total_members();
    let group_members = groups * u64::from(scenario.pool_size());
    let output = &scenario.output;
    let rows = |on: bool, rows: u64, bytes: u64| if on { rows.saturating_mul(bytes) } else { 0 };
    [
        (
            "groups.csv",
            rows(output.groups_csv, groups * measured, GROUPS_ROW),
        ),
        (
            "members.csv",
            rows(output.members_csv, members, MEMBERS_ROW),
        ),
        (
            "panel.csv",
            rows(output.panel_csv, group_members * sessions, PANEL_ROW),
        ),
        (
            "timeseries.csv",
            (sessions + 1) * conditions * TIMESERIES_ROW,
        ),
        ("network.csv", measured * NETWORK_ROW),
    ]
}

/// The bytes of a run's network exports: at each export step it reaches,
/// every member who joined a group a node and every pair of places a tie,
/// and with a community network everyone in it and its ties.
fn run_export_bytes(scenario: &Scenario) -> u64 {
    let sessions = scenario.format.sessions;
    let exports = scenario
        .network
        .export_steps
        .iter()
        .filter(|&&s| s <= sessions)
        .count() as u64;
    if exports == 0 {
        return 0;
    }
    let places = u64::from(scenario.pool_size());
    let group_members = u64::from(scenario.community.groups) * places;
    let pairs = group_members.saturating_mul(places.saturating_sub(1)) / 2;
    let mut bytes = group_members * EXPORT_NODE + pairs.saturating_mul(EXPORT_TIE);
    if let Some(ties) = scenario.community_ties() {
        let people = scenario.total_members();
        bytes += people * EXPORT_NODE + (ties + pairs).saturating_mul(EXPORT_COMMUNITY_TIE);
    }
    bytes.saturating_mul(exports)
}

/// The estimate for the runs of `experiment` that `shard` runs (all where
/// `None`): a shard of several writes its parts only; the rest put their
/// files together too. A calibration's generations each write their runs'
/// parts, read them into the generation's `particles.csv` and remove them
/// before the next begins: one generation's parts at most.
pub fn estimate(experiment: &Experiment, shard: Option<Shard>) -> Estimate {
    let mut parts = [("", 0u64); 5];
    let mut exports = 0u64;
    let runs = experiment
        .runs()
        .filter(|r| shard.is_none_or(|s| s.includes(r.id)));
    for run in runs {
        let scenario = experiment.scenario(run.point, run.arm);
        for (sum, (name, bytes)) in parts.iter_mut().zip(run_part_bytes(scenario)) {
            *sum = (name, sum.1.saturating_add(bytes));
        }
        exports = exports.saturating_add(run_export_bytes(scenario));
    }
    let part_bytes: u64 = parts.iter().map(|(_, b)| b).sum();
    let conditions = experiment.points.len() as u64 * experiment.arms.len() as u64;
    let small = FIXED + conditions * SUMMARY_PER_CONDITION + experiment.run_count() * RUN_ROWS;
    if experiment.calibration.is_some() {
        return Estimate {
            files: vec![(SMALL_FILES, small)],
            total: small,
            peak: small.saturating_add(part_bytes),
        };
    }
    let mut files: Vec<(&'static str, u64)> = parts.into_iter().filter(|(_, b)| *b > 0).collect();
    if exports > 0 {
        files.push(("network/", exports));
    }
    let assembled = shard.is_none_or(|s| s.count <= 1);
    if assembled {
        files.push((SMALL_FILES, small));
    }
    files.sort_by_key(|&(_, bytes)| std::cmp::Reverse(bytes));
    let total: u64 = files.iter().map(|(_, b)| b).sum();
    // One run's groups and members parts become its files as they are.
    let copied = match (assembled, experiment.run_count()) {
        (false, _) => 0,
        (true, 1) => part_bytes - parts[0].1 - parts[1].1,
        (true, _) => part_bytes,
    };
    Estimate {
        files,
        total,
        peak: total.saturating_add(copied),
    }
}

/// The bytes free to this user on the disk that holds `folder` (or would:
/// its nearest existing parent), `None` where that cannot be read.
/// `BONFIRE_FREE_DISK_BYTES` stands in for the disk's figure in the tests.
pub fn available_bytes(folder: &Path) -> Option<u64> {
    if let Some(given) = std::env::var_os("BONFIRE_FREE_DISK_BYTES") {
        return given.to_str()?.parse().ok();
    }
    let existing = folder
        .ancestors()
        .find(|p| !p.as_os_str().is_empty() && p.exists())
        .unwrap_or(Path::new("."));
    free_on(existing)
}

#[cfg(unix)]
fn free_on(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is a NUL-terminated path and `stat` a struct of the
    // type statvfs fills.
    if unsafe { libc::statvfs(name.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    // u64 on Linux; narrower on some other systems.
    #[allow(clippy::useless_conversion)]
    let free = u64::from(stat.f_bavail).saturating_mul(u64::from(stat.f_frsize));
    Some(free)
}

#[cfg(not(unix))]
fn free_on(_path: &Path) -> Option<u64> {
    None
}

/// The bytes an earlier start already wrote into `folder`'s parts, which a
/// resume does not write again (those of runs it runs again are replaced).
pub fn bytes_written(folder: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(folder.join(crate::output::PARTS_DIR)) else {
        return 0;
    };
    entries
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// Refuses a merge of `shards` into `folder` where its disk has less free
/// than the merge takes at most, measured from the shards rather than
/// estimated: a copy of every shard's parts and network exports, then
/// the files put together from the parts (as large as them; the parts go
/// once they are in), before anything is created.
pub fn check_merge(shards: &[PathBuf], folder: &Path) -> Result<(), Error> {
    let parts: u64 = shards.iter().map(|s| bytes_written(s)).sum();
    let exports: u64 = shards
        .iter()
        .map(|s| bytes_beneath(&s.join(crate::runner::NETWORK_DIR)))
        .sum();
    let peak = parts.saturating_mul(2).saturating_add(exports);
    match available_bytes(folder) {
        Some(free) if peak > free => Err(Error::NotEnoughDisk {
            origin: format!(
                "merging {}",
                shards
                    .iter()
                    .map(|s| s.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            estimate: format!(
                "take up to {} while they are merged ({} of runs' parts and {} of network exports copied from the shards, then the files put together from the parts), more than the {} free",
                size_in_words(peak),
                size_in_words(parts),
                size_in_words(exports),
                size_in_words(free)
            ),
            folder: folder.to_path_buf(),
            ways: "use an --out folder on a disk with more room, or pass --no-disk-check to merge anyway".to_string(),
        }),
        _ => Ok(()),
    }
}

/// The bytes of every file beneath `folder` (0 where it is missing).
fn bytes_beneath(folder: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => bytes_beneath(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

/// Refuses an experiment whose files (`estimate`) are estimated to need
/// more of the disk than `folder`'s has free (where that can be read),
/// less what is `already` written there (a resume's parts), before
/// anything is created.
pub fn check(
    estimate: Estimate,
    origin: &str,
    folder: &Path,
    already: u64,
) -> Result<Estimate, Error> {
    let needed = estimate.peak.saturating_sub(already);
    match available_bytes(folder) {
        Some(free) if needed > free => Err(Error::NotEnoughDisk {
            origin: origin.to_string(),
            estimate: format!(
                "take about {} ({}) and up to {} of the disk while it runs (its runs' parts, then the files put together from them), more than the {} free",
                size_in_words(estimate.total),
                estimate.describe(),
                size_in_words(needed),
                size_in_words(free)
            ),
            folder: folder.to_path_buf(),
            ways: ways_to_less(&estimate, already > 0),
        }),
        _ => Ok(estimate),
    }
}

/// What would make the files fit, as the refusal says it, by the largest.
fn ways_to_less(estimate: &Estimate, resumed: bool) -> String {
    let mut ways = Vec::new();
    if !resumed {
        for (name, _) in estimate.files.iter().take(2) {
            match *name {
                "groups.csv" => ways.push(
                    "a larger network.metrics_every (groups.csv and network.csv every so many sessions) or output.groups_csv = false",
                ),
                "members.csv" => ways.push("output.members_csv = false"),
                "panel.csv" => ways.push("output.panel_csv = false"),
                "network/" => ways.push("fewer network.export_steps"),
                "timeseries.csv" => ways.push("fewer replicates or points"),
                _ => {}
            }
        }
    }
    ways.push("an --out folder on a disk with more room");
    format!(
        "use {}, or pass --no-disk-check to run anyway",
        ways.join(", ")
    )
}

/// Bytes in words for files: 12 KiB, 3.4 MiB, 512 MiB, 1.2 GiB.
pub fn size_in_words(bytes: u64) -> String {
    if bytes < 1 << 20 {
        format!("{} KiB", bytes.div_ceil(1 << 10))
    } else if bytes < 10 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    } else {
        in_words(bytes)
    }
}

impl Estimate {
    /// The files in words, largest first: `groups.csv 865 MiB, members.csv
    /// 160 MiB, …` (the two largest, and the rest together).
    pub fn describe(&self) -> String {
        let mut named: Vec<String> = self
            .files
            .iter()
            .take(2)
            .map(|(name, bytes)| format!("{name} {}", size_in_words(*bytes)))
            .collect();
        let rest: u64 = self.files.iter().skip(2).map(|(_, b)| b).sum();
        if rest > 0 {
            named.push(format!("the rest {}", size_in_words(rest)));
        }
        named.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Origin;
    use crate::experiment::Overrides;

    fn experiment(text: &str) -> Experiment {
        Experiment::parse(text, &Origin::Embedded, &Overrides::default()).unwrap()
    }

    fn bytes_of(estimate: &Estimate, name: &str) -> u64 {
        estimate
            .files
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, b)| *b)
    }

    /// The rows each file gets from the scenario, the files a run leaves
    /// out, and the settings that write fewer.
    #[test]
    fn each_file_counts_its_rows() {
        let one = "replicates = 1\n[format]\nsessions = 10\n[community]\ngroups = 100\ngroup_size = 8\ncontrol_members = 50\n";
        let e = estimate(&experiment(one), None);
        assert_eq!(bytes_of(&e, "groups.csv"), 100 * 11 * GROUPS_ROW);
        assert_eq!(bytes_of(&e, "members.csv"), 850 * MEMBERS_ROW);
        assert_eq!(bytes_of(&e, "timeseries.csv"), 11 * 2 * TIMESERIES_ROW);
        assert_eq!(bytes_of(&e, "network.csv"), 11 * NETWORK_ROW);
        assert_eq!(bytes_of(&e, "panel.csv"), 0);
        assert_eq!(bytes_of(&e, "network/"), 0);
        // Measured every fourth session (and at the last): 0, 4, 8, 10.
        let every_fourth = estimate(
            &experiment(&format!("{one}[network]\nmetrics_every = 4\n")),
            None,
        );
        assert_eq!(bytes_of(&every_fourth, "groups.csv"), 100 * 4 * GROUPS_ROW);
        let off =
            format!("{one}[output]\ngroups_csv = false\nmembers_csv = false\npanel_csv = true\n");
        let off = estimate(&experiment(&off), None);
        assert_eq!(
            bytes_of(&off, "groups.csv") + bytes_of(&off, "members.csv"),
            0
        );
        assert_eq!(bytes_of(&off, "panel.csv"), 800 * 10 * PANEL_ROW);
        // Two exports, each its nodes and every pair of places as a tie.
        let export = estimate(
            &experiment(&format!("{one}[network]\nexport_steps = [5, 10]\n")),
            None,
        );
        let (nodes, pairs) = (800, 100 * 8 * 7 / 2);
        assert_eq!(
            bytes_of(&export, "network/"),
            2 * (nodes * EXPORT_NODE + pairs * EXPORT_TIE)
        );
        // Largest first: the charts and report (8 MiB allowed) before
        // this small run's groups.csv.
        assert_eq!(e.files[0].0, SMALL_FILES);
        assert_eq!(e.files[1].0, "groups.csv");
        assert!(e.files.windows(2).all(|w| w[0].1 >= w[1].1));
    }

    /// The disk holds the parts and the files put together from them: one
    /// run's groups and members parts become its files; a shard of several
    /// writes its parts only; a calibration one generation's parts.
    #[test]
    fn the_peak_counts_the_parts_and_the_files_they_make() {
        let text = "replicates = 4\n[community]\ngroups = 100\n";
        let several = estimate(&experiment(text), None);
        let row_files: u64 = ["groups.csv", "members.csv", "timeseries.csv", "network.csv"]
            .iter()
            .map(|n| bytes_of(&several, n))
            .sum();
        assert_eq!(several.peak, several.total + row_files);
        let one = estimate(
            &experiment("replicates = 1\n[community]\ngroups = 100\n"),
            None,
        );
        let copied = bytes_of(&one, "timeseries.csv") + bytes_of(&one, "network.csv");
        assert_eq!(one.peak, one.total + copied);
        let shard = Shard { index: 1, count: 2 };
        let half = estimate(&experiment(text), Some(shard));
        assert_eq!(half.peak, half.total);
        assert_eq!(half.total, row_files / 2);
        assert_eq!(bytes_of(&half, SMALL_FILES), 0);
        let whole_shard = estimate(&experiment(text), Some(Shard { index: 0, count: 1 }));
        assert_eq!(whole_shard, several);
    }

    /// A refusal names the settings that write less of its largest files,
    /// and for a resume, which cannot change them, only the disk and the
    /// flag; what a resume's parts already hold is not needed again.
    #[test]
    fn a_refusal_names_what_writes_less() {
        let e = estimate(&experiment("[community]\ngroups = 100\n"), None);
        let ways = ways_to_less(&e, false);
        assert!(ways.contains("network.metrics_every"), "{ways}");
        assert!(ways.contains("output.groups_csv = false"), "{ways}");
        assert!(
            ways.ends_with("or pass --no-disk-check to run anyway"),
            "{ways}"
        );
        let resumed = ways_to_less(&e, true);
        assert_eq!(
            resumed,
            "use an --out folder on a disk with more room, or pass --no-disk-check to run anyway"
        );
        let panel = "[community]\ngroups = 100\n[output]\npanel_csv = true\n";
        let ways = ways_to_less(&estimate(&experiment(panel), None), false);
        assert!(ways.starts_with("use output.panel_csv = false"), "{ways}");
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(size_in_words(1), "1 KiB");
        assert_eq!(size_in_words(3 << 19), "1.5 MiB");
        assert_eq!(size_in_words(300 << 20), "300 MiB");
        assert_eq!(size_in_words(3 << 30), "3.0 GiB");
    }
}
