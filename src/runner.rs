//! Running an experiment into an output folder, in pieces that survive
//! interruption and spread across machines.
//!
//! Each run writes its own part files into `OUT/parts/` as soon as it
//! finishes: its time-series rows, its member rows (and panel rows, when
//! asked for) and its end-of-run loneliness moments, each under a temporary name renamed into place, the
//! time-series part last (its presence marks the run complete). Nothing of
//! a run is held once its parts are written, so memory stays bounded however
//! many runs an experiment has. When every run is complete, [`assemble`]
//! concatenates the parts in run order into the final files, which are
//! therefore byte-identical whether the runs went in one go, in several
//! interrupted sessions (`--resume`) or on several machines (`--shard`, then
//! `bonfire merge`).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::conditions::{self, FinalRow};
use crate::engine::{self, ReplicateResult};
use crate::error::{Error, Result};
use crate::experiment::{Experiment, RunSpec};
use crate::output::rows::{self, headerless};
use crate::output::{
    EndRecord, GroupRow, MEMBER_SCORES, MemberRow, NetworkRow, OutputFolder, PARTS_DIR, PanelRow,
    RunRow, SummaryRow, TimeseriesRow, write_atomically,
};

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

    pub fn includes(&self, run: u64) -> bool {
        run % self.count == self.index
    }
}

/// Where network exports (GraphML, edge lists) go.
pub const NETWORK_DIR: &str = "network";

fn part(dir: &Path, run: u64, kind: &str) -> PathBuf {
    dir.join(PARTS_DIR).join(format!("run-{run:07}.{kind}.csv"))
}

/// Whether a run's parts are all in place.
pub fn is_complete(dir: &Path, run: u64) -> bool {
    part(dir, run, "timeseries").is_file()
}

fn write_parts(
    dir: &Path,
    result: &ReplicateResult,
    experiment: &Experiment,
    spec: &RunSpec,
) -> Result<()> {
    let scenario = experiment.scenario(spec.point, spec.arm);
    if scenario.output.members_csv {
        write_atomically(
            &part(dir, result.run, "members"),
            &headerless(&result.members)?,
        )?;
    }
    if scenario.output.panel_csv {
        write_atomically(&part(dir, result.run, "panel"), &headerless(&result.panel)?)?;
    }
    write_atomically(
        &part(dir, result.run, "network"),
        &headerless(&result.network)?,
    )?;
    write_atomically(
        &part(dir, result.run, "groups"),
        &headerless(&result.groups)?,
    )?;
    if !result.exports.is_empty() {
        let folder = dir.join(NETWORK_DIR);
        std::fs::create_dir_all(&folder).map_err(|source| Error::Io {
            action: "create",
            path: folder.clone(),
            source,
        })?;
        for e in &result.exports {
            let stem = format!("run-{:07}-step-{:04}", result.run, e.step);
            write_atomically(
                &folder.join(format!("{stem}.graphml")),
                e.graphml.as_bytes(),
            )?;
            write_atomically(
                &folder.join(format!("{stem}.edges.csv")),
                e.edge_list_csv.as_bytes(),
            )?;
            if let Some((graphml, edges)) = &e.community {
                write_atomically(
                    &folder.join(format!("{stem}.community.graphml")),
                    graphml.as_bytes(),
                )?;
                write_atomically(
                    &folder.join(format!("{stem}.community.edges.csv")),
                    edges.as_bytes(),
                )?;
            }
        }
    }
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
    write_atomically(&part(dir, result.run, "end"), &headerless(&ends)?)?;
    // Last: its presence marks the run complete.
    write_atomically(
        &part(dir, result.run, "timeseries"),
        &headerless(&result.timeseries)?,
    )
}

/// Runs every run of the experiment (or of one shard) that has no parts yet.
/// Returns how many ran.
pub fn run_pending(
    experiment: &Experiment,
    dir: &Path,
    shard: Option<Shard>,
    step_done: &(dyn Fn() + Sync),
) -> Result<u64> {
    let parts = dir.join(PARTS_DIR);
    std::fs::create_dir_all(&parts).map_err(|source| Error::Io {
        action: "create",
        path: parts,
        source,
    })?;
    let pending: Vec<RunSpec> = experiment
        .runs()
        .filter(|r| shard.is_none_or(|s| s.includes(r.id)))
        .filter(|r| !is_complete(dir, r.id))
        .collect();
    let one = |spec: &RunSpec| -> Result<()> {
        let scenario = experiment.scenario(spec.point, spec.arm);
        let result = engine::run_one(scenario, spec.id, spec.replicate, step_done);
        write_parts(dir, &result, experiment, spec)
    };
    if engine::runs_in_parallel(&experiment.base, pending.len() as u64) {
        pending.par_iter().try_for_each(one)?;
    } else {
        pending.iter().try_for_each(one)?;
    }
    Ok(pending.len() as u64)
}

/// How many runs still lack their parts.
pub fn missing_runs(experiment: &Experiment, dir: &Path) -> Vec<u64> {
    experiment
        .runs()
        .map(|r| r.id)
        .filter(|&id| !is_complete(dir, id))
        .collect()
}

/// Appends a part file to an open file.
fn append(out: &mut BufWriter<File>, from: &Path, to: &Path) -> Result<()> {
    let mut bytes = Vec::new();
    File::open(from)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|source| Error::Io {
            action: "read",
            path: from.to_path_buf(),
            source,
        })?;
    out.write_all(&bytes).map_err(|source| Error::Io {
        action: "write",
        path: to.to_path_buf(),
        source,
    })
}

/// What assembling produced, for the summary on stdout.
#[derive(Debug, Clone)]
pub struct Assembled {
    pub files: Vec<String>,
    /// Every arm of every run at its last session.
    pub finals: Vec<FinalRow>,
    /// The rows of summary.csv.
    pub summary: Vec<SummaryRow>,
}

/// Writes the final files from the parts of every run, then removes the
/// parts. Fails, leaving the parts, when a run is missing.
/// `scenario.resolved.toml` is not written here: it went down before the
/// first run (so that `--resume` can read the experiment back) and is left
/// as it is.
/// runs.csv: one row per run, with its point's swept values.
fn write_runs_csv(experiment: &Experiment, folder: &mut OutputFolder) -> Result<()> {
    let (w, path) = folder.create("runs.csv")?;
    let keys: Vec<String> = experiment.sweep.iter().map(|s| s.key.clone()).collect();
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

pub fn assemble(
    experiment: &Experiment,
    dir: &Path,
    manifest: impl FnOnce(&[String]) -> String,
) -> Result<Assembled> {
    let missing = missing_runs(experiment, dir);
    if let Some(&first) = missing.first() {
        return Err(Error::IncompleteRun {
            path: dir.to_path_buf(),
            missing: missing.len() as u64,
            first,
        });
    }
    let mut folder = OutputFolder::reopen(dir);
    let members = experiment.base.output.members_csv;
    let mut files = vec!["runs.csv".to_string(), "timeseries.csv".to_string()];

    write_runs_csv(experiment, &mut folder)?;

    // timeseries.csv and members.csv: header, then every run's part in order.
    let mut concatenate = |name: &str, kind: &str, header: Vec<u8>| -> Result<()> {
        let (mut w, path) = folder.create(name)?;
        w.write_all(&header).map_err(|source| Error::Io {
            action: "write",
            path: path.clone(),
            source,
        })?;
        for r in experiment.runs() {
            append(&mut w, &part(dir, r.id, kind), &path)?;
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

    // summary.csv from the last step of every run, read back part by part.
    let mut finals = Vec::new();
    let mut ends = Vec::new();
    for r in experiment.runs() {
        finals.extend(conditions::final_rows(&part(dir, r.id, "timeseries"))?);
        ends.extend(rows::read_part::<EndRecord>(&part(dir, r.id, "end"))?);
    }
    let summary = conditions::summarise(experiment, &finals, &ends);
    let (w, path) = folder.create("summary.csv")?;
    conditions::write_summary(experiment, &summary, w, &path)?;
    files.push("summary.csv".into());
    files.extend([
        "scenario.resolved.toml".to_string(),
        "manifest.json".to_string(),
    ]);
    folder.write_text("manifest.json", &manifest(&files))?;
    folder.commit()?;
    let parts = dir.join(PARTS_DIR);
    std::fs::remove_dir_all(&parts).map_err(|source| Error::Io {
        action: "remove",
        path: parts,
        source,
    })?;
    Ok(Assembled {
        files,
        finals,
        summary,
    })
}
