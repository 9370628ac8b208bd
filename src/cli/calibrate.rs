//! `bonfire calibrate`: the folder of a calibration prepared (or found
//! again with `--resume`) and locked, its generations run by
//! [`crate::calibration::driver`] on a thread pool, its files written and
//! its charts drawn.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use super::{CalibrateArgs, command_line, thread_pool};
use crate::calibration::apmc::Population;
use crate::calibration::driver::{self, SCENARIO_FILE, TARGETS_FILE, Watch};
use crate::calibration::outputs;
use crate::error::{Error, Origin};
use crate::experiment::{Experiment, Overrides};
use crate::memory;
use crate::output::lock::FolderLock;
use crate::output::manifest::Manifest;
use crate::output::{OutputFolder, durable, write_atomically};
use crate::plot;
use crate::progress::Progress;
use crate::summary;

/// The progress of a calibration: a bar per generation, a line when one
/// ends.
struct Shown {
    quiet: bool,
    bar: Mutex<Option<Progress>>,
}

impl Shown {
    fn bar(&self, f: impl FnOnce(&Progress)) {
        if let Some(bar) = self.bar.lock().expect("the bar's lock").as_ref() {
            f(bar)
        }
    }
}

impl Watch for Shown {
    fn generation_started(&self, _generation: usize, pending: u64, sessions: u32) {
        let bar = Progress::new(pending * u64::from(sessions), self.quiet);
        *self.bar.lock().expect("the bar's lock") = Some(bar);
    }

    fn step_done(&self) {
        self.bar(|b| b.step_done());
    }

    fn damaged(&self, dir: &Path, run: u64, why: &str) {
        self.bar(|b| {
            b.note(&format!(
                "warning: {}: the parts of run {run} do not match their seal ({why}); running it again",
                dir.display()
            ))
        });
    }

    fn generation_done(&self, generation: usize, population: &Population, ran: bool) {
        if let Some(bar) = self.bar.lock().expect("the bar's lock").take() {
            bar.finish();
        }
        if !self.quiet {
            eprintln!("{}", summary::generation_line(generation, population, ran));
        }
    }
}

/// Runs `bonfire calibrate`.
pub fn calibrate(args: CalibrateArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let (pool, threads) = thread_pool(args.threads)?;
    let (dir, source, _lock) = match &args.resume {
        Some(dir) => match open_resumed(dir, &args)? {
            Some(opened) => opened,
            None => return Ok(ExitCode::SUCCESS),
        },
        None => open_new(&args, threads)?,
    };
    crate::interrupt::on_interrupt_explain_resume(&dir, !args.quiet, "calibrate");
    let shown = Shown {
        quiet: args.quiet,
        bar: Mutex::new(None),
    };
    let calibrated = pool.install(|| driver::run(&dir, &shown))?;
    let experiment = &calibrated.experiment;
    let manifest = |files: &[String]| {
        let wall = started.elapsed().as_secs_f64();
        let runs: u64 = calibrated
            .generations
            .iter()
            .map(|g| {
                g.particles.len() as u64 * experiment.run_count() / experiment.points.len() as u64
            })
            .sum();
        Manifest {
            bonfire_version: env!("CARGO_PKG_VERSION"),
            scenario: experiment.base.name.clone(),
            scenario_source: source.clone(),
            seed: experiment.base.seed,
            replicates: experiment.replicates,
            runs,
            sessions: experiment.base.format.sessions,
            members_per_replicate: experiment.base.total_members(),
            threads,
            wall_time_seconds: (wall * 1000.0).round() / 1000.0,
            command_line: std::env::args().collect(),
            files: files.to_vec(),
        }
        .to_json()
    };
    let written = outputs::write(&calibrated, &dir, manifest)?;
    crate::interrupt::files_are_whole();
    let mut files = written.files.clone();
    if !args.no_charts {
        plot::render(&dir)?;
        files.extend(["charts/".to_string(), "report.html".to_string()]);
    }
    if !args.quiet {
        let wall = started.elapsed().as_secs_f64();
        summary::print_calibration(&calibrated, &written, &dir, &files, wall);
    }
    Ok(ExitCode::SUCCESS)
}

/// A new calibration: the scenario and the targets checked (and the
/// memory of one generation) before the folder is locked and prepared;
/// then the scenario as resolved and the targets as given written first,
/// so that an interrupted calibration can be resumed from its folder.
fn open_new(args: &CalibrateArgs, threads: usize) -> anyhow::Result<(PathBuf, String, FolderLock)> {
    let path = args.scenario.as_deref().expect("clap requires a scenario");
    let targets = args.targets.as_deref().expect("clap requires --targets");
    let mut overrides = Overrides::default();
    if let Some(seed) = args.seed {
        let Ok(seed) = i64::try_from(seed) else {
            anyhow::bail!(
                "--seed {seed}: allowed: a whole number from 0 to {}",
                i64::MAX
            );
        };
        overrides = overrides.flag("--seed", "seed", toml::Value::Integer(seed));
    }
    if let Some(replicates) = args.replicates {
        overrides = overrides.flag(
            "--replicates",
            "replicates",
            toml::Value::Integer(i64::from(replicates)),
        );
    }
    let experiment = Experiment::from_file(path, &overrides)?;
    if experiment.calibration.is_none() {
        anyhow::bail!(
            "{} has no [calibration] table: `bonfire calibrate` needs one naming the free parameters and their priors (see scenarios/calibration.toml)",
            path.display()
        );
    }
    driver::check_targets(&experiment, targets)?;
    if !args.no_memory_check {
        memory::check(&experiment, threads, &path.display().to_string())?;
    }
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&experiment.base.name));
    let lock = FolderLock::acquire(&dir, &command_line())?;
    OutputFolder::prepare(&dir, args.force)?;
    let given = std::fs::read(targets).map_err(|source| Error::Io {
        action: "read",
        path: targets.to_path_buf(),
        source,
    })?;
    write_atomically(&dir.join(TARGETS_FILE), &given)?;
    write_atomically(
        &dir.join(SCENARIO_FILE),
        experiment.resolved_toml().as_bytes(),
    )?;
    let source = format!("{} with targets {}", path.display(), targets.display());
    Ok((dir, source, lock))
}

/// `--resume DIR`: the folder of an unfinished calibration, locked;
/// `None` when it has finished (nothing to resume).
fn open_resumed(
    dir: &Path,
    args: &CalibrateArgs,
) -> anyhow::Result<Option<(PathBuf, String, FolderLock)>> {
    for needed in [SCENARIO_FILE, TARGETS_FILE] {
        if !dir.join(needed).is_file() {
            return Err(Error::NotARun {
                path: dir.to_path_buf(),
                missing: needed,
            }
            .into());
        }
    }
    let lock = FolderLock::acquire(dir, &command_line())?;
    if dir.join("manifest.json").is_file() {
        durable::remove_partials(dir)?;
        if !args.quiet {
            println!(
                "bonfire: {} holds a finished calibration (manifest.json); nothing to resume",
                dir.display()
            );
        }
        return Ok(None);
    }
    let resolved = dir.join(SCENARIO_FILE);
    let text = std::fs::read_to_string(&resolved).map_err(|source| Error::ReadScenario {
        path: resolved.clone(),
        source,
    })?;
    let experiment = Experiment::parse(&text, &Origin::File(resolved), &Overrides::default())?;
    if experiment.calibration.is_none() {
        anyhow::bail!(
            "{} holds a run, not a calibration: `bonfire run --resume {}` finishes it",
            dir.display(),
            dir.display()
        );
    }
    durable::remove_partials(dir)?;
    let source = format!("resumed from {}", dir.display());
    Ok(Some((dir.to_path_buf(), source, lock)))
}
