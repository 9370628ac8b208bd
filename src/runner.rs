//! Running an experiment into an output folder, in pieces that survive
//! interruption and spread across machines.
//!
//! Each run writes its own part files into `OUT/parts/`: its group rows
//! step by step as they are made, its member rows some groups at a time
//! when it ends, and then its time-series rows (and panel rows, when
//! asked for) and its
//! end-of-run score moments, a few thousand rows at a time; then its parts
//! are flushed to disk and sealed with their row counts and checksums, on
//! a few threads of their own while the next runs go on ([`parts::sealing`]);
//! a run counts as done only
//! when its parts match its seal, so `--resume` runs again any run a crash
//! cut short or damaged. Nothing of
//! a run is held once its parts are written, so memory stays bounded however
//! many runs an experiment has. When every run is complete, [`assemble`]
//! concatenates the parts in run order into the final files, which are
//! therefore byte-identical whether the runs went in one go, in several
//! interrupted sessions (`--resume`) or on several machines (`--shard`, then
//! `bonfire merge`).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rayon::prelude::*;

use crate::conditions::{self, FinalRow};
use crate::engine::{self, NetworkExport, ReplicateResult, RowSinks};
use crate::error::{Error, Result};
use crate::experiment::{Experiment, RunSpec};
use crate::output::group_lines::GroupLines;
use crate::output::manifest::{self, MANIFEST};
use crate::output::member_lines;
use crate::output::parts::{self, OutsideFile, RunParts, RunWriter};
use crate::output::rows::{self, headerless};
use crate::output::{
    EndRecord, GroupRow, MEMBER_SCORES, MemberRow, NetworkRow, OutputFolder, PARTS_DIR, PanelRow,
    RunRow, SHARD_FILE, SummaryRow, TimeseriesRow, durable, write_atomically,
};
use crate::scenario::Scenario;
use crate::sensitivity;

/// A deterministic slice of an experiment's runs: those whose id modulo
/// `count` is `index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Parses `I/N` with 0 <= I < N.
    pub fn parse(text: &str) -> std::result::Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("--shard {text:?}: expected I/N, for example 0/4"))?;
        let parse = |s: &str| {
            s.trim()
                .parse::<u64>()
                .map_err(|_| format!("--shard {text:?}: {s:?} is not a whole number"))
        };
        let (index, count) = (parse(i)?, parse(n)?);
        if count == 0 || index >= count {
            return Err(format!("--shard {text:?}: need 0 <= I < N"));
        }
        Ok(Shard { index, count })
    }

    /// The shard of a Slurm array task: `SLURM_ARRAY_TASK_ID` (offset by
    /// `SLURM_ARRAY_TASK_MIN`) of `SLURM_ARRAY_TASK_COUNT`. `None` outside a
    /// Slurm array.
    pub fn from_slurm(
        var: impl Fn(&str) -> Option<String>,
    ) -> std::result::Result<Option<Shard>, String> {
        let (Some(id), Some(count)) = (var("SLURM_ARRAY_TASK_ID"), var("SLURM_ARRAY_TASK_COUNT"))
        else {
            return Ok(None);
        };
        let num = |name: &str, v: &str| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| format!("{name}={v:?} is not a whole number"))
        };
        let id = num("SLURM_ARRAY_TASK_ID", &id)?;
        let count = num("SLURM_ARRAY_TASK_COUNT", &count)?;
        let min = match var("SLURM_ARRAY_TASK_MIN") {
            Some(m) => num("SLURM_ARRAY_TASK_MIN", &m)?,
            None => 0,
        };
        let index = id
            .checked_sub(min)
            .ok_or("SLURM_ARRAY_TASK_ID is below SLURM_ARRAY_TASK_MIN")?;
        if count == 0 || index >= count {
            return Err(format!(
                "Slurm array task {id} (min {min}) is not one of {count} tasks: use a contiguous array such as --array=0-{}",
                count.saturating_sub(1)
            ));
        }
        Ok(Some(Shard { index, count }))
    }

    /// The shard a shard folder remembers (its `shard.txt`), `None` for a
    /// folder that is not a shard's.
    pub fn remembered(dir: &Path) -> Result<Option<Shard>> {
        let path = dir.join(SHARD_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        Shard::parse(text.trim())
            .map(Some)
            .map_err(|why| Error::BadShardFile {
                path,
                why: why.replace("--shard ", ""),
            })
    }

    /// Writes the shard into its folder, so that `--resume` and `merge`
    /// know it.
    pub fn remember(&self, dir: &Path) -> Result<()> {
        write_atomically(&dir.join(SHARD_FILE), format!("{self}\n").as_bytes())
    }

    pub fn includes(&self, run: u64) -> bool {
        run % self.count == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Where network exports (GraphML, edge lists) go.
pub const NETWORK_DIR: &str = "network";

/// Runs one run, its group rows written to its parts as they are made
/// (a segment of sessions' at a time, in step order); the rest of its
/// parts are written when it ends, and returned
/// to be sealed. The part files are written by a thread of their own, so
/// that the sessions go on while a block of rows goes to disk (a million
/// members' `groups.csv` is a gigabyte); blocks reach it in the order they
/// are made.
fn run_into_parts(
    dir: &Path,
    experiment: &Experiment,
    spec: &RunSpec,
    step_done: &(dyn Fn() + Sync),
) -> Result<RunWriter> {
    let scenario = experiment.scenario(spec.point, spec.arm);
    let writer = RunWriter::new(dir, spec.id, scenario.seed, part_columns());
    std::thread::scope(|scope| {
        // A few blocks in flight at most: what waits to be written is
        // bounded.
        let (send, receive) = std::sync::mpsc::sync_channel::<(&str, Vec<Vec<u8>>)>(4);
        let writing = scope.spawn(move || -> Result<RunWriter> {
            let mut writer = writer;
            for (kind, blocks) in receive {
                for block in &blocks {
                    writer.write(kind, block)?;
                }
            }
            Ok(writer)
        });
        let failed = std::cell::RefCell::new(None);
        // A block that cannot be made is remembered; one the writer cannot
        // take (it stopped on an error) is dropped: its error comes with
        // the writer.
        let write = |kind: &'static str, blocks: Result<Vec<Vec<u8>>>| match blocks {
            Ok(blocks) => {
                let _ = send.send((kind, blocks));
            }
            Err(e) => {
                failed.borrow_mut().get_or_insert(e);
            }
        };
        // Run 0's groups and members parts begin with their file's header,
        // so that the part of a one-run experiment is the whole file (the
        // parts are created first, so that a run without rows still has
        // them). A file not asked for has no parts: each part is a file
        // created, flushed and renamed, a cost a run of a few hundred
        // members feels.
        let header =
            |header: fn() -> Vec<u8>| Ok(vec![if spec.id == 0 { header() } else { Vec::new() }]);
        if scenario.output.groups_csv {
            write("groups", header(rows::header::<GroupRow>));
        }
        if scenario.output.members_csv {
            write("members", header(rows::header::<MemberRow>));
        }
        let mut group_lines = GroupLines::default();
        // Each network export is written as soon as it is made, so that
        // the run holds one at a time; the seal records them at the end.
        let mut exported = Vec::new();
        let mut export = |export: NetworkExport| {
            if failed.borrow().is_none() {
                match write_export(dir, spec.id, &export) {
                    Ok(files) => exported.extend(files),
                    Err(e) => {
                        failed.borrow_mut().get_or_insert(e);
                    }
                }
            }
        };
        let result = engine::run_one_with(
            scenario,
            spec.id,
            spec.replicate,
            step_done,
            RowSinks {
                groups: &mut |rows: &[GroupRow]| write("groups", group_lines.blocks(rows)),
                members: &mut |rows: &[MemberRow]| write("members", member_lines::blocks(rows)),
                exports: &mut export,
            },
        );
        drop(send);
        let mut parts = match writing.join() {
            Ok(parts) => parts?,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        if let Some(e) = failed.into_inner() {
            return Err(e);
        }
        for file in exported {
            parts.record_outside(file);
        }
        write_parts(&result, scenario, parts)
    })
}

/// Writes the parts a run writes when it ends (panel, network, end-of-run
/// scores, time series); returns its parts, whole but not sealed.
fn write_parts(
    result: &ReplicateResult,
    scenario: &Scenario,
    mut parts: RunWriter,
) -> Result<RunWriter> {
    if scenario.output.panel_csv {
        write_rows(&mut parts, "panel", &result.panel)?;
    }
    write_rows(&mut parts, "network", &result.network)?;
    let labels = [scenario.arm_name(), "control"];
    let ends: Vec<EndRecord> = result
        .end_scores
        .iter()
        .zip(labels)
        .flat_map(|(scores, arm)| {
            scores
                .iter()
                .zip(MEMBER_SCORES)
                .filter(|(m, _)| m.n > 0)
                .map(move |(m, metric)| EndRecord {
                    run: result.run,
                    arm: arm.to_string(),
                    metric: metric.to_string(),
                    n: m.n,
                    sum: m.sum,
                    sum_sq: m.sum_sq,
                })
        })
        .collect();
    write_rows(&mut parts, "end", &ends)?;
    write_rows(&mut parts, "timeseries", &result.timeseries)?;
    Ok(parts)
}

/// Writes run `run`'s network export `e` into `OUT/network/`, each file
/// whole and flushed, its text made as it is written; returns what its
/// seal is to record of them. (Those it wrote before, if it is run again,
/// went with [`run_pending`]'s look at the folder.)
fn write_export(dir: &Path, run: u64, e: &NetworkExport) -> Result<Vec<OutsideFile>> {
    use std::fmt::Write as Text;
    let folder = dir.join(NETWORK_DIR);
    durable::create_dir(&folder)?;
    let stem = export_stem(run, e.step);
    let mut files = Vec::new();
    let mut write = |ending: &str, text: &dyn Fn(&mut dyn Text) -> std::fmt::Result| {
        let name = format!("{stem}{ending}");
        let from_parts = format!("../{NETWORK_DIR}/{name}");
        files.push(OutsideFile::write(&folder.join(&name), from_parts, text)?);
        Ok::<(), Error>(())
    };
    write(GRAPHML, &|out| e.bonds.write_graphml(e.arm, out))?;
    write(EDGE_LIST, &|out| e.bonds.write_edge_list(out))?;
    if let Some((people, graph)) = &e.community {
        write(COMMUNITY_GRAPHML, &|out| people.write_graphml(graph, out))?;
        write(COMMUNITY_EDGE_LIST, &|out| {
            people.write_edge_list(graph, out)
        })?;
    }
    Ok(files)
}

/// The endings of a network export's name, after its stem
/// ([`export_stem`]).
const GRAPHML: &str = ".graphml";
const EDGE_LIST: &str = ".edges.csv";
const COMMUNITY_GRAPHML: &str = ".community.graphml";
const COMMUNITY_EDGE_LIST: &str = ".community.edges.csv";

/// The start of the names of run `run`'s exports after step `step`.
fn export_stem(run: u64, step: u32) -> String {
    format!("run-{run:07}-step-{step:04}")
}

/// The run whose export `name` is (`run-0000003-step-0026.graphml`, or
/// one of the other endings); `None` for any other name.
fn export_run(name: &str) -> Option<u64> {
    let (run, rest) = name.strip_prefix("run-")?.split_once("-step-")?;
    let step_digits = rest.find(|c: char| !c.is_ascii_digit())?;
    let ending = &rest[step_digits..];
    let digits = |d: &str, at_least| d.len() >= at_least && d.bytes().all(|b| b.is_ascii_digit());
    let ends = [GRAPHML, EDGE_LIST, COMMUNITY_GRAPHML, COMMUNITY_EDGE_LIST];
    (digits(run, 7) && digits(&rest[..step_digits], 4) && ends.contains(&ending))
        .then(|| run.parse().ok())
        .flatten()
}

/// Removes the network exports in `folder` of the runs `of` picks, known
/// by their names ([`export_run`]), and every export a crash left under
/// its temporary name ([`durable::partial_name`]: the caller holds the
/// folder's lock, so no run is writing one); every other file is left. A
/// missing folder holds none.
fn remove_exports(folder: &Path, of: impl Fn(u64) -> bool) -> Result<()> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(Error::io("list", folder)(source)),
    };
    for entry in entries {
        let entry = entry.map_err(Error::io("list", folder))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let unfinished = durable::unfinished_name(&name).is_some_and(|n| export_run(n).is_some());
        if unfinished || export_run(&name).is_some_and(&of) {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(Error::io("remove", &path))?;
        }
    }
    Ok(())
}

/// Writes rows to a run's part as CSV, some thousands at a time, so that
/// the part's bytes are never all in memory at once.
fn write_rows<T: serde::Serialize>(parts: &mut RunWriter, kind: &str, rows: &[T]) -> Result<()> {
    parts.write(kind, &[])?;
    for chunk in rows.chunks(4096) {
        parts.write(kind, &headerless(chunk)?)?;
    }
    Ok(())
}

/// Runs every run of the experiment (or of one shard) whose parts are not
/// sealed and verified; a run whose parts do not match their seal is
/// reported to `damaged` (run id, what is wrong) and run again. Returns
/// how many ran.
pub fn run_pending(
    experiment: &Experiment,
    dir: &Path,
    shard: Option<Shard>,
    step_done: &(dyn Fn() + Sync),
    damaged: &dyn Fn(u64, &str),
) -> Result<u64> {
    let parts_dir = dir.join(PARTS_DIR);
    durable::create_dir(&parts_dir)?;
    durable::remove_partials(&parts_dir)?;
    let mut pending = Vec::new();
    for spec in experiment
        .runs()
        .filter(|r| shard.is_none_or(|s| s.includes(r.id)))
    {
        match verify_run(experiment, dir, &spec) {
            RunParts::Verified => continue,
            RunParts::NotDone => {}
            RunParts::Damaged(why) => {
                damaged(spec.id, &why);
                parts::unseal(dir, spec.id)?;
            }
        }
        pending.push(spec);
    }
    // Exports the runs to do wrote before (a crash before their seal, a
    // seal since found damaged, a scenario since edited) go, so that none
    // of another try's steps is left: the folder is looked at once.
    let to_do: std::collections::BTreeSet<u64> = pending.iter().map(|r| r.id).collect();
    remove_exports(&dir.join(NETWORK_DIR), |run| to_do.contains(&run))?;
    // Each run's parts are sealed on threads of their own while the next
    // runs go on.
    parts::sealing(dir, |seal| {
        let one = |spec: &RunSpec| seal(run_into_parts(dir, experiment, spec, step_done)?);
        if engine::runs_in_parallel(&experiment.base, pending.len() as u64) {
            pending.par_iter().try_for_each(one)
        } else {
            pending.iter().try_for_each(one)
        }
    })?;
    Ok(pending.len() as u64)
}

/// The columns of every kind of part a run writes, as one checksum of
/// their headers, which its seal records ([`parts::Expected::columns`]):
/// parts written by a build with other columns cannot be put in one file
/// with this build's, nor read back as its rows, so a resume runs them
/// again and a merge refuses them.
pub fn part_columns() -> u64 {
    static COLUMNS: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
        let headers = [
            rows::header::<TimeseriesRow>(),
            rows::header::<EndRecord>(),
            rows::header::<NetworkRow>(),
            rows::header::<PanelRow>(),
            rows::header::<GroupRow>(),
            rows::header::<MemberRow>(),
        ];
        twox_hash::XxHash3_64::oneshot(&headers.concat())
    });
    *COLUMNS
}

/// Checks a run's parts against its seal, and that it ran on the seed the
/// experiment gives it ([`parts::verify`]).
pub fn verify_run(experiment: &Experiment, dir: &Path, spec: &RunSpec) -> RunParts {
    let expected = parts::Expected {
        seed: experiment.scenario(spec.point, spec.arm).seed,
        columns: part_columns(),
    };
    parts::verify(dir, spec.id, expected)
}

/// Fails unless every run of the experiment (or of one shard) is sealed and
/// verified: with [`Error::IncompleteRun`] when some have not finished, with
/// [`Error::DamagedRun`] when a finished run's parts do not match its seal.
pub fn check_all_sealed(experiment: &Experiment, dir: &Path, shard: Option<Shard>) -> Result<()> {
    let mut missing = Vec::new();
    for r in experiment
        .runs()
        .filter(|r| shard.is_none_or(|s| s.includes(r.id)))
    {
        match verify_run(experiment, dir, &r) {
            RunParts::Verified => {}
            RunParts::NotDone => missing.push(r.id),
            RunParts::Damaged(why) => {
                return Err(Error::DamagedRun {
                    path: dir.to_path_buf(),
                    run: r.id,
                    why,
                });
            }
        }
    }
    all_done(dir, &missing)
}

/// Fails with [`Error::IncompleteRun`] unless every run of the experiment
/// has its seal (its parts are not read).
fn check_all_have_seals(experiment: &Experiment, dir: &Path) -> Result<()> {
    let missing: Vec<u64> = experiment
        .runs()
        .map(|r| r.id)
        .filter(|&id| !parts::is_sealed(dir, id))
        .collect();
    all_done(dir, &missing)
}

/// How many of the experiment's sealed runs each build made, by the commit
/// their seals name ([`parts::made_by`]; `unknown` where none is named).
fn runs_made_by(experiment: &Experiment, dir: &Path) -> BTreeMap<String, u64> {
    let mut made_by = BTreeMap::new();
    for r in experiment.runs() {
        let commit = parts::made_by(dir, r.id).unwrap_or_else(|| "unknown".into());
        *made_by.entry(commit).or_default() += 1;
    }
    made_by
}

/// Fails with [`Error::IncompleteRun`] when some runs (`missing`) have not
/// finished.
fn all_done(dir: &Path, missing: &[u64]) -> Result<()> {
    match missing.first() {
        Some(&first) => Err(Error::IncompleteRun {
            path: dir.to_path_buf(),
            missing: missing.len() as u64,
            first,
        }),
        None => Ok(()),
    }
}

/// Whether the file at `path` begins with `header`.
fn starts_with(path: &Path, header: &[u8]) -> Result<bool> {
    use std::io::Read;
    let mut start = Vec::with_capacity(header.len());
    File::open(path)
        .and_then(|f| f.take(header.len() as u64).read_to_end(&mut start))
        .map_err(|source| Error::Io {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
    Ok(start == header)
}

/// Appends a part file to an open file, a buffer at a time.
fn append(out: &mut BufWriter<File>, from: &Path, to: &Path) -> Result<()> {
    let mut part = File::open(from).map_err(|source| Error::Io {
        action: "read",
        path: from.to_path_buf(),
        source,
    })?;
    std::io::copy(&mut part, out).map_err(|source| Error::Io {
        action: "copy into",
        path: to.to_path_buf(),
        source,
    })?;
    Ok(())
}

/// What assembling produced, for the summary on stdout.
#[derive(Debug, Clone)]
pub struct Assembled {
    pub files: Vec<String>,
    /// Every arm of every run at its last session.
    pub finals: Vec<FinalRow>,
    /// The rows of summary.csv.
    pub summary: Vec<SummaryRow>,
    /// The rows of sensitivity.csv (empty without a sensitivity analysis).
    pub sensitivity: Vec<sensitivity::results::IndexRow>,
    /// How many runs each build made, by its commit (the manifest's
    /// `runs_made_by`).
    pub made_by: BTreeMap<String, u64>,
}

/// runs.csv: one row per run, with its point's swept values.
fn write_runs_csv(experiment: &Experiment, folder: &mut OutputFolder) -> Result<()> {
    let (w, path) = folder.create("runs.csv")?;
    let keys = experiment.point_keys();
    let runs = experiment.runs().map(|r| {
        let s = experiment.scenario(r.point, r.arm);
        RunRow {
            run: r.id,
            point: r.point,
            replicate: r.replicate,
            arm: s.arm_name().to_string(),
            attends: s.attends(),
            seed: s.seed,
            swept: experiment.point_values(r.point),
        }
        .record()
    });
    rows::write_records(w, &path, &RunRow::header(&keys), runs)
}

/// What `summary.csv` and a sensitivity analysis's files are made from.
struct ReadBack {
    /// Every run's rows of its last step, in run order.
    finals: Vec<FinalRow>,
    /// Every run's members' end scores, in run order.
    ends: Vec<EndRecord>,
    /// A sensitivity analysis's readings of each run it reads.
    readings: Vec<(RunSpec, sensitivity::results::RunReadings)>,
}

/// Each run's time-series and end parts read back once (the runs in
/// parallel, in run order), for `summary.csv` and, in a sensitivity
/// analysis, its outcomes together.
fn read_back(experiment: &Experiment, dir: &Path) -> Result<ReadBack> {
    let analysis = experiment.sensitivity.as_ref();
    let read = experiment.read_each_run(|r| {
        let series = rows::read_part::<TimeseriesRow>(&parts::part_path(dir, r.id, "timeseries"))?;
        let ends = rows::read_part::<EndRecord>(&parts::part_path(dir, r.id, "end"))?;
        let readings = analysis.and_then(|analysis| {
            sensitivity::results::run_readings(experiment, analysis, r, &series, &ends)
                .map(|readings| (r, readings))
        });
        Ok((conditions::final_rows(&series), ends, readings))
    })?;
    let mut all = ReadBack {
        finals: Vec::new(),
        ends: Vec::new(),
        readings: Vec::new(),
    };
    for (finals, ends, readings) in read {
        all.finals.extend(finals);
        all.ends.extend(ends);
        all.readings.extend(readings);
    }
    Ok(all)
}

/// Writes the final files from the parts of every run, then removes the
/// parts. Called after [`run_pending`] has run the whole experiment in
/// this process, under the folder's lock: every run's parts were then
/// verified against their seal or written and sealed, so they are not read
/// back again; a run without its seal fails, leaving the parts.
/// `scenario.resolved.toml` is not written here: it went down before the
/// first run (so that `--resume` can read the experiment back) and is left
/// as it is.
pub fn assemble(
    experiment: &Experiment,
    dir: &Path,
    manifest: impl FnOnce(&[String], BTreeMap<String, u64>, BTreeMap<String, u64>) -> String,
) -> Result<Assembled> {
    check_all_have_seals(experiment, dir)?;
    let made_by = runs_made_by(experiment, dir);
    let mut folder = OutputFolder::reopen(dir);
    let members = experiment.base.output.members_csv;
    let mut files = vec!["runs.csv".to_string(), "timeseries.csv".to_string()];

    write_runs_csv(experiment, &mut folder)?;

    // Each file: its header, then every run's part in order. Run 0's
    // groups and members parts begin with the header (looked for, not
    // assumed); when the experiment is that one run, its part is the file,
    // put in place without a copy.
    let one_run = experiment.runs().nth(1).is_none();
    let mut concatenate = |name: &str, kind: &str, header: Vec<u8>| -> Result<()> {
        let first = parts::part_path(dir, 0, kind);
        let headed = matches!(kind, "groups" | "members") && starts_with(&first, &header)?;
        if headed && one_run {
            return folder.link(name, &first);
        }
        let (mut w, path) = folder.create(name)?;
        if !headed {
            w.write_all(&header).map_err(|source| Error::Io {
                action: "write",
                path: path.clone(),
                source,
            })?;
        }
        for r in experiment.runs() {
            append(&mut w, &parts::part_path(dir, r.id, kind), &path)?;
        }
        w.flush().map_err(|source| Error::Io {
            action: "write",
            path,
            source,
        })
    };
    concatenate(
        "timeseries.csv",
        "timeseries",
        rows::header::<TimeseriesRow>(),
    )?;
    if members {
        concatenate("members.csv", "members", rows::header::<MemberRow>())?;
        files.push("members.csv".into());
    }
    concatenate("network.csv", "network", rows::header::<NetworkRow>())?;
    files.push("network.csv".into());
    if experiment.base.output.groups_csv {
        concatenate("groups.csv", "groups", rows::header::<GroupRow>())?;
        files.push("groups.csv".into());
    }
    if experiment.base.output.panel_csv {
        concatenate("panel.csv", "panel", rows::header::<PanelRow>())?;
        files.push("panel.csv".into());
    }

    let ReadBack {
        finals,
        ends,
        readings,
    } = read_back(experiment, dir)?;
    let summary = conditions::summarise(experiment, &finals, &ends);
    let (w, path) = folder.create("summary.csv")?;
    conditions::write_summary(experiment, &summary, w, &path)?;
    files.push("summary.csv".into());
    let mut indices = Vec::new();
    if let Some(analysis) = &experiment.sensitivity {
        let values = sensitivity::results::values(experiment, analysis, readings);
        let (written, rows) =
            sensitivity::results::write(experiment, analysis, &values, &mut folder)?;
        files.extend(written);
        indices = rows;
    }
    files.extend(["scenario.resolved.toml".to_string(), MANIFEST.to_string()]);
    let mut lengths = folder.lengths(&files)?;
    // The network exports, which the runs themselves wrote; those of runs
    // the experiment no longer has (its scenario edited to fewer) go.
    let runs = experiment.run_count();
    remove_exports(&dir.join(NETWORK_DIR), |run| run >= runs)?;
    // Only bonfire's own: a file of the user's there is theirs to change.
    let exports = |name: &str| export_run(name).is_some();
    lengths.extend(manifest::lengths_in(dir, NETWORK_DIR, exports)?);
    folder.write_text(MANIFEST, &manifest(&files, lengths, made_by.clone()))?;
    folder.commit()?;
    // The run is whole once its manifest is in place; the parts go after,
    // and a crash while they go is finished by `--resume`.
    durable::remove_dir_durably(&dir.join(PARTS_DIR))?;
    Ok(Assembled {
        files,
        finals,
        summary,
        sensitivity: indices,
        made_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_are_known_by_their_whole_name_and_no_other_file_is() {
        for (name, run) in [
            ("run-0000003-step-0026.graphml", Some(3)),
            ("run-0000003-step-0026.edges.csv", Some(3)),
            ("run-0012345-step-0000.community.graphml", Some(12_345)),
            ("run-0000000-step-0052.community.edges.csv", Some(0)),
            ("run-12345678-step-10000.graphml", Some(12_345_678)),
            ("run-0000003-my-notes.txt", None),
            ("run-0000003-step-0026.graphml.bak", None),
            ("run-0000003-step-0026.png", None),
            ("run-000003-step-0026.graphml", None),
            ("run-0000003-step-26.graphml", None),
            ("run-0000003-step-.graphml", None),
            ("notes.txt", None),
        ] {
            assert_eq!(export_run(name), run, "{name}");
        }
        assert_eq!(
            export_run(&format!("{}{COMMUNITY_EDGE_LIST}", export_stem(7, 3))),
            Some(7)
        );
    }
}
