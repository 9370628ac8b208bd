//! How much memory an experiment needs, estimated before anything runs, so
//! that a run too large for the machine is refused with the estimate
//! instead of dying part way with an allocation failure.
//!
//! The estimate of one run is linear in what it holds: every member's state
//! (with its share of its group's tie matrix), the panel rows it keeps
//! until its parts are written, the community network, the graph of a
//! network export while it is written (its text goes to its file as it
//! is made, one export at a time), and with
//! `groups.csv` each group's character kept as text and the figures of
//! the group rows held until a segment of sessions ends
//! ([`engine::held_rows_bytes`]; its group and member rows go to its parts
//! as they are made, and cost nothing else that grows with them).
//! The coefficients come from the layout of a group's state (one array of
//! members, one of pairs, the tie figures) and were checked against the
//! peak resident memory of a release build (`/usr/bin/time -f %M`,
//! `benches/year_1m.toml`: 1,000,000 members in groups of 10, about 301
//! bytes per member, 126 of them the ties; `docs/performance.md`, "Memory"), then
//! rounded up, so the estimate errs high. Runs
//! go in parallel only when they are small ([`engine::runs_in_parallel`]),
//! so the experiment's estimate is its largest run times the runs at once,
//! or, where it draws them, what its charts and report hold once the runs
//! are done ([`charts_bytes`]: every row of `timeseries.csv`), where that
//! is more.

use crate::engine;
use crate::error::Error;
use crate::experiment::Experiment;
use crate::output::METRICS;
use crate::scenario::Scenario;
use crate::scenario::keys::grouped_count;

/// Bytes per panel row (one member, one session) kept for panel.csv;
/// measured 161.
const PANEL_ROW: u64 = 180;
/// Bytes per end of a community tie (each tie has two); measured 15.4.
const COMMUNITY_TIE_END: u64 = 18;
/// Bytes per group whose `groups.csv` rows are written: its character's
/// text and its slot in the table of texts (`output::group_lines`;
/// measured about 140).
const GROUP_CHARACTER_TEXT: u64 = 200;
/// Bytes per person of a network export while it is written (one at a
/// time, its text made as it goes to its file): the graph's node, and
/// with a community network the person's entry in its list; measured
/// about 60 (500,000 members in groups of ten, an export at the last
/// session; `docs/performance.md`).
const EXPORT_NODE: u64 = 100;
/// Bytes per pair of places in a group while an export is written: the
/// graph holds a tie for each pair at or above the tie level, at most
/// every pair; a tie measured about 42 there.
const EXPORT_PAIR: u64 = 48;
/// The program itself, the thread pool and the files' buffers.
const FIXED: u64 = 64 << 20;
/// Bytes per row of `timeseries.csv` while the charts and the report are
/// drawn, which hold its rows (`plot::data::RunData`): the row, 616
/// bytes, and its arm's name; measured about 650 (the shipped sensitivity
/// analysis at 16 samples, 40,704 rows: 43 MiB peak against 19 MiB for a
/// run of 208 rows).
const CHART_ROW: u64 = 720;
/// Bytes per row of `summary.csv` held while the charts are drawn (a
/// run's summary, printed once they are): the row (about 290 bytes) and
/// its arm's and metric's names.
const SUMMARY_ROW: u64 = 400;
/// Bytes per row of `members.csv` the charts hold (its tenure and how it
/// ended, for the retention curves).
const CHART_MEMBER: u64 = 24;

/// The estimated peak memory of one run of `scenario`, in bytes: its
/// state ([`Scenario::state_bytes`]) and what its outputs and community
/// network hold.
pub fn run_bytes(scenario: &Scenario) -> u64 {
    let members = scenario.total_members();
    let group_members = u64::from(scenario.community.groups) * u64::from(scenario.pool_size());
    let mut bytes = scenario.state_bytes();
    if scenario.output.groups_csv {
        let texts = u64::from(scenario.community.groups).saturating_mul(GROUP_CHARACTER_TEXT);
        bytes = bytes.saturating_add(texts);
        bytes = bytes.saturating_add(crate::engine::held_rows_bytes(scenario));
    }
    if scenario.output.panel_csv {
        let rows = group_members.saturating_mul(u64::from(scenario.format.sessions));
        bytes = bytes.saturating_add(rows.saturating_mul(PANEL_ROW));
    }
    if !scenario.network.export_steps.is_empty() {
        let pairs =
            group_members.saturating_mul(u64::from(scenario.pool_size()).saturating_sub(1)) / 2;
        bytes = bytes
            .saturating_add(members.saturating_mul(EXPORT_NODE))
            .saturating_add(pairs.saturating_mul(EXPORT_PAIR));
    }
    let tie_ends = 2 * scenario.community_ties().unwrap_or(0);
    bytes
        .saturating_add(tie_ends.saturating_mul(COMMUNITY_TIE_END))
        .saturating_add(FIXED)
}

/// What an experiment is estimated to need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    /// Peak bytes: the largest run times the runs at once, or drawing
    /// the charts and the report where that needs more.
    pub bytes: u64,
    /// The largest run's bytes.
    pub largest_run: u64,
    /// How many runs go at once.
    pub at_once: u64,
    /// Drawing the charts and the report once the runs are done (0 where
    /// they are not drawn).
    pub charts: u64,
}

/// The estimate for `experiment` on `threads` worker threads; with
/// `charts`, the charts and the report drawn at the end too.
pub fn estimate(experiment: &Experiment, threads: usize, charts: bool) -> Estimate {
    let largest_run = experiment.scenarios().map(run_bytes).max().unwrap_or(FIXED);
    // Runs go several at once only while their members together stay under
    // the engine's bound, counted over the runs still to do (a resume, a
    // shard): at most that many, and no more than threads or runs.
    let members = experiment.base.total_members().max(1);
    let at_once = (engine::PARALLEL_REPLICATES_MAX_MEMBERS / members)
        .min(threads as u64)
        .min(experiment.run_count())
        .max(1);
    let charts = if charts { charts_bytes(experiment) } else { 0 };
    Estimate {
        bytes: largest_run.saturating_mul(at_once).max(charts),
        largest_run,
        at_once,
        charts,
    }
}

/// The peak memory of drawing the charts and the report of `experiment`,
/// which hold every row of `timeseries.csv` and, where it is written,
/// what they read of each row of `members.csv`, beside the run's
/// summary (a row per condition and metric).
pub fn charts_bytes(experiment: &Experiment) -> u64 {
    let replicates = u64::from(experiment.replicates);
    let rows: u64 = experiment
        .scenarios()
        .map(|s| {
            let conditions = 1 + u64::from(s.community.control_members > 0);
            let series = (u64::from(s.format.sessions) + 1) * conditions * CHART_ROW;
            let members = if s.output.members_csv {
                s.total_members().saturating_mul(CHART_MEMBER)
            } else {
                0
            };
            let summary = conditions * METRICS.len() as u64 * SUMMARY_ROW;
            let runs = series.saturating_add(members).saturating_mul(replicates);
            runs.saturating_add(summary)
        })
        .fold(0, u64::saturating_add);
    rows.saturating_add(FIXED)
}

/// The memory free for this process (Linux): the machine's
/// `MemAvailable`, or less where this process's control group has a
/// memory limit (a Slurm job's `--mem`, a container's): the limit less
/// what the group already uses. `None` where neither can be read.
pub fn available_bytes() -> Option<u64> {
    let machine = machine_available();
    let group = cgroup_available();
    match (machine, group) {
        (Some(m), Some(g)) => Some(m.min(g)),
        (m, g) => m.or(g),
    }
}

fn machine_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The memory left under this process's cgroup limit: v2
/// (`memory.max` − `memory.current` of the group /proc/self/cgroup names),
/// else v1 (`memory.limit_in_bytes` − `memory.usage_in_bytes` of the
/// memory controller's group, or of the namespace's root). An unlimited
/// group reads as a huge limit, so the machine's figure is the smaller.
fn cgroup_available() -> Option<u64> {
    let read =
        |path: &str| -> Option<u64> { std::fs::read_to_string(path).ok()?.trim().parse().ok() };
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let v2 = own
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .map(|group| format!("/sys/fs/cgroup{}", group.trim_end_matches('/')));
    if let Some(dir) = v2
        && let Some(max) = read(&format!("{dir}/memory.max"))
    {
        let used = read(&format!("{dir}/memory.current")).unwrap_or(0);
        return Some(max.saturating_sub(used));
    }
    let v1 = own
        .lines()
        .find_map(|l| l.split_once(":memory:").map(|(_, group)| group))
        .map(|group| format!("/sys/fs/cgroup/memory{}", group.trim_end_matches('/')));
    for dir in v1.into_iter().chain(["/sys/fs/cgroup/memory".to_string()]) {
        if let Some(limit) = read(&format!("{dir}/memory.limit_in_bytes")) {
            let used = read(&format!("{dir}/memory.usage_in_bytes")).unwrap_or(0);
            return Some(limit.saturating_sub(used));
        }
    }
    None
}

/// Whether the experiment checked starts now, from its scenario, or is
/// resumed (its scenario fixed in its folder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    New,
    Resumed,
}

/// Refuses an experiment estimated to need more memory than this machine
/// has free (where that can be read), before anything is created.
pub fn check(
    experiment: &Experiment,
    threads: usize,
    charts: bool,
    origin: &str,
    start: Start,
) -> Result<Estimate, Error> {
    let estimate = estimate(experiment, threads, charts);
    match available_bytes() {
        Some(free) if estimate.bytes > free => {
            let largest = experiment.scenarios().max_by_key(|s| s.total_members());
            Err(Error::NotEnoughMemory {
                origin: origin.to_string(),
                estimate: estimate.describe(),
                available: in_words(free),
                largest_and_ways: format!(
                    "(its largest run has {} members); {}",
                    grouped_count(largest.map_or(0, Scenario::total_members)),
                    ways_to_less(largest, &estimate, start)
                ),
            })
        }
        _ => Ok(estimate),
    }
}

/// What would make the experiment fit, as the refusal says it: a smaller
/// scenario where it starts now (a smaller catchment where open groups'
/// room for their catchment makes most of the largest run), fewer
/// threads where runs go several at once, or no check.
fn ways_to_less(largest: Option<&Scenario>, estimate: &Estimate, start: Start) -> String {
    let mut ways = Vec::new();
    if start == Start::New {
        let catchment = largest.filter(|s| {
            s.format.membership == crate::scenario::Membership::Open
                && 2 * s.open.catchment > s.pool_size()
        });
        ways.push(match catchment {
            Some(s) => format!(
                "a smaller open.catchment (each open group keeps room for everyone who may join it: {} of its {} places)",
                s.open.catchment,
                s.pool_size()
            ),
            None => "fewer groups or control members".to_string(),
        });
    }
    if estimate.charts == estimate.bytes {
        ways.push("--no-charts (drawing the charts and the report holds timeseries.csv whole; `bonfire plot` draws them later)".to_string());
    }
    if estimate.at_once > 1 && estimate.charts < estimate.bytes {
        ways.push(format!(
            "fewer --threads ({} runs go at once; one at a time needs about {})",
            estimate.at_once,
            in_words(estimate.largest_run)
        ));
    }
    let anyway = "pass --no-memory-check to run it anyway";
    if ways.is_empty() {
        anyway.to_string()
    } else {
        format!("use {}, or {anyway}", ways.join(", "))
    }
}

/// Bytes in words: 512 MiB, 3.4 GiB, 1.2 TiB.
pub fn in_words(bytes: u64) -> String {
    const MIB: f64 = (1u64 << 20) as f64;
    let mib = bytes as f64 / MIB;
    if mib < 1024.0 {
        format!("{mib:.0} MiB")
    } else if mib < 1024.0 * 1024.0 {
        format!("{:.1} GiB", mib / 1024.0)
    } else {
        format!("{:.1} TiB", mib / (1024.0 * 1024.0))
    }
}

impl Estimate {
    /// The estimate in words, with how it is made up.
    pub fn describe(&self) -> String {
        if self.charts == self.bytes {
            return format!(
                "{} of memory (drawing the charts and the report, which hold timeseries.csv whole; the runs need {})",
                in_words(self.bytes),
                in_words(self.largest_run.saturating_mul(self.at_once))
            );
        }
        let runs = if self.at_once > 1 {
            format!(
                "{} runs at once, {} each",
                self.at_once,
                in_words(self.largest_run)
            )
        } else {
            "one run at a time".to_string()
        };
        let charts = if self.charts > 0 {
            format!(
                "; the charts and the report afterwards {}",
                in_words(self.charts)
            )
        } else {
            String::new()
        };
        format!("{} of memory ({runs}{charts})", in_words(self.bytes))
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

    #[test]
    fn the_estimate_grows_with_members_ties_rows_and_runs_at_once() {
        let small = experiment("[community]\ngroups = 100\n");
        let large = experiment("[community]\ngroups = 100000\n");
        let (s, l) = (estimate(&small, 1, false), estimate(&large, 1, false));
        assert!(l.bytes > 500 * (s.bytes - FIXED), "{s:?} {l:?}");
        let panel = experiment("[community]\ngroups = 100000\n[output]\npanel_csv = true\n");
        assert!(estimate(&panel, 1, false).bytes > l.bytes * 3);
        // Small runs go several at once; large ones one at a time.
        let many = experiment("replicates = 8\n[community]\ngroups = 100\n");
        assert_eq!(estimate(&many, 4, false).at_once, 4);
        let huge = experiment("replicates = 8\n[community]\ngroups = 1000000\n");
        assert_eq!(estimate(&huge, 4, false).at_once, 1);
        // An export's graph, one at a time however many steps export: its
        // nodes and every pair of places that could be a tie.
        let exports = |steps: &str| {
            let text =
                format!("[community]\ngroups = 100000\n[network]\nexport_steps = [{steps}]\n");
            estimate(&experiment(&text), 1, false).bytes
        };
        let base = &large.base;
        let places = u64::from(base.pool_size());
        let pairs = u64::from(base.community.groups) * places * (places - 1) / 2;
        let graph = base.total_members() * EXPORT_NODE + pairs * EXPORT_PAIR;
        assert_eq!(exports("52"), l.bytes + graph);
        assert_eq!(exports("0, 26, 52"), exports("52"));
    }

    #[test]
    fn a_refusal_names_only_what_would_make_the_experiment_fit() {
        let estimate = |at_once| Estimate {
            bytes: at_once << 30,
            largest_run: 1 << 30,
            at_once,
            charts: 0,
        };
        let closed = experiment("[community]\ngroups = 100\n");
        let ways = |e: &Experiment, at_once, start| {
            let largest = e.scenarios().max_by_key(|s| s.total_members());
            ways_to_less(largest, &estimate(at_once), start)
        };
        assert_eq!(
            ways(&closed, 2, Start::New),
            "use fewer groups or control members, fewer --threads (2 runs go at once; one at a time needs about 1.0 GiB), or pass --no-memory-check to run it anyway"
        );
        // A resume cannot change the scenario, nor fewer threads help one
        // run at a time.
        assert_eq!(
            ways(&closed, 1, Start::Resumed),
            "pass --no-memory-check to run it anyway"
        );
        let open = experiment(
            "[community]\ngroups = 500\ngroup_size = 10\n[format]\nmembership = \"open\"\n[open]\ninitial_members = 10\ncatchment = 4990\n",
        );
        assert_eq!(
            ways(&open, 1, Start::New),
            "use a smaller open.catchment (each open group keeps room for everyone who may join it: 4990 of its 5000 places), or pass --no-memory-check to run it anyway"
        );
    }

    /// Drawing the charts and the report holds every row of
    /// timeseries.csv: a design of many small runs needs more for that
    /// than for its runs, and a refusal then names --no-charts.
    #[test]
    fn drawing_the_charts_of_many_runs_can_need_more_than_the_runs() {
        let text = "replicates = 4\n[community]\ngroups = 10\ncontrol_members = 20\n[format]\nsessions = 52\n[output]\nmembers_csv = false\n[sweep]\ncommunity.group_size = { from = 4, to = 400 }\n";
        let e = experiment(text);
        let (drawn, not) = (estimate(&e, 2, true), estimate(&e, 2, false));
        assert_eq!(not.charts, 0);
        // 397 points × 4 replicates × 53 steps × (the group and control).
        let rows = 397 * 4 * 53 * 2;
        let summary = 397 * 2 * METRICS.len() as u64 * SUMMARY_ROW;
        assert_eq!(drawn.charts, FIXED + rows * CHART_ROW + summary);
        assert!(drawn.charts > not.bytes, "{drawn:?} {not:?}");
        assert_eq!(drawn.bytes, drawn.charts);
        assert!(
            drawn
                .describe()
                .contains("drawing the charts and the report")
        );
        let largest = e.scenarios().max_by_key(|s| s.total_members());
        let ways = ways_to_less(largest, &drawn, Start::New);
        assert!(ways.contains("--no-charts"), "{ways}");
        assert!(!ways.contains("--threads"), "{ways}");
        // members.csv adds what the charts read of each member.
        let with_members = experiment(&text.replace("members_csv = false", "members_csv = true"));
        let members: u64 = with_members.scenarios().map(|s| s.total_members()).sum();
        let more = estimate(&with_members, 2, true).charts - drawn.charts;
        assert_eq!(more, members * 4 * CHART_MEMBER);
    }

    #[test]
    fn ten_million_groups_need_more_than_twenty_five_gib() {
        // 90 million members in groups of nine: about 280 bytes each at
        // peak (groups of ten take 301, `docs/performance.md`), 23.5 GiB;
        // the estimate errs high.
        let e = experiment("[community]\ngroups = 10000000\n");
        assert!(estimate(&e, 16, false).bytes > 25 << 30);
        assert_eq!(in_words(3 << 29), "1.5 GiB");
        assert_eq!(in_words(5 << 20), "5 MiB");
    }
}
