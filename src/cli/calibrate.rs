//! `bonfire calibrate`: the folder of a calibration prepared (or found
//! again with `--resume`) and locked, its generations run by
//! [`crate::calibration::driver`] on a thread pool, its files written and
//! its charts drawn.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use super::{
    CalibrateArgs, command_args, command_line, seed_and_replicates, shard_of, thread_pool,
};
use crate::calibration::apmc::Population;
use crate::calibration::driver::{
    self, Calibrated, Ended, GenerationStart, Mode, SCENARIO_FILE, TARGETS_FILE, Watch,
};
use crate::calibration::outputs;
use crate::disk;
use crate::error::{Error, Origin};
use crate::experiment::{Experiment, Overrides};
use crate::memory;
use crate::output::lock::FolderLock;
use crate::output::manifest::Manifest;
use crate::output::{OutputFolder, durable, write_atomically};
use crate::progress::Progress;
use crate::runner::Shard;
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
    fn generation_started(&self, start: &GenerationStart) {
        if !self.quiet
            && let Some(line) = summary::generation_start_line(start)
        {
            crate::console::say_err!("{line}");
        }
        let bar = Progress::new(start.sessions, self.quiet);
        *self.bar.lock().expect("the bar's lock") = Some(bar);
    }

    fn step_done(&self) {
        self.bar(|b| b.step_done());
    }

    fn damaged(&self, dir: &Path, run: u64, why: &str) {
        self.bar(|b| {
            b.note(&format!(
                "warning: {}: the files of run {run} do not match their seal ({why}); running it again",
                dir.display()
            ))
        });
    }

    fn generation_done(&self, generation: usize, population: &Population, ran: bool) {
        if let Some(bar) = self.bar.lock().expect("the bar's lock").take() {
            bar.finish();
        }
        if !self.quiet {
            crate::console::say_err!("{}", summary::generation_line(generation, population, ran));
        }
    }
}

/// Runs `bonfire calibrate`.
pub fn calibrate(args: CalibrateArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let (pool, threads) = thread_pool(args.options.threads)?;
    let shard = shard_of(args.shard.as_deref())?;
    if let Some(shard) = shard {
        return run_shard(&args, shard, &pool, threads);
    }
    let (dir, source, _lock) = match &args.resume {
        Some(dir) => match open_resumed(dir, &args)? {
            Some(opened) => opened,
            None => return Ok(ExitCode::SUCCESS),
        },
        None => open_new(&args, threads)?,
    };
    crate::interrupt::on_interrupt_explain_resume(
        &dir,
        shown_bar(args.options.quiet),
        &format!(
            "bonfire calibrate --resume {}{}",
            dir.display(),
            args.options.again_on_resume()
        ),
    );
    let mode = if args.gather {
        Mode::Gather
    } else {
        Mode::Whole
    };
    let calibrated = match pool.install(|| driver::run(&dir, &watch(args.options.quiet), mode))? {
        Ended::Finished(calibrated) => calibrated,
        Ended::Waiting(generation) => {
            if !args.options.quiet {
                summary::print_gathered(&dir, generation);
            }
            return Ok(ExitCode::SUCCESS);
        }
        Ended::ShardDone(_) => unreachable!("only a shard's run ends as a shard"),
    };
    finish(&calibrated, &dir, source, threads, started, &args)
}

fn shown_bar(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

fn watch(quiet: bool) -> Shown {
    Shown {
        quiet,
        bar: Mutex::new(None),
    }
}

/// Writes a finished calibration's files, draws its charts, prints the
/// summary.
fn finish(
    calibrated: &Calibrated,
    dir: &Path,
    source: String,
    threads: usize,
    started: Instant,
    args: &CalibrateArgs,
) -> anyhow::Result<ExitCode> {
    let experiment = &calibrated.experiment;
    let (sessions, members_per_run) = experiment.run_sizes();
    let manifest = |files: &[String], file_bytes| {
        let wall = started.elapsed().as_secs_f64();
        let per_particle = experiment.run_count() / experiment.points.len() as u64;
        let runs: u64 = calibrated
            .generations
            .iter()
            .map(|g| g.particles.len() as u64 * per_particle)
            .sum();
        Manifest {
            bonfire_version: env!("CARGO_PKG_VERSION"),
            bonfire_commit: env!("BONFIRE_COMMIT"),
            runs_made_by: std::collections::BTreeMap::new(),
            scenario: experiment.base.name.clone(),
            scenario_source: source,
            seed: experiment.base.seed,
            replicates: experiment.replicates,
            runs,
            sessions,
            members_per_run,
            threads,
            wall_time_seconds: (wall * 1000.0).round() / 1000.0,
            command_line: command_args(),
            files: files.to_vec(),
            file_bytes,
        }
        .to_json()
    };
    let written = outputs::write(calibrated, dir, manifest)?;
    crate::interrupt::files_are_whole();
    let mut files = written.files.clone();
    if !args.options.no_charts {
        super::render_after_files(dir, "calibration")?;
        files.extend(["charts/".to_string(), "report.html".to_string()]);
    }
    if !args.options.quiet {
        let wall = started.elapsed().as_secs_f64();
        summary::print_calibration(calibrated, &written, dir, &files, wall);
    }
    Ok(ExitCode::SUCCESS)
}

/// `--shard I/N`: this shard's slice of the current generation, in the
/// calibration's folder (prepared here by the first shard to come when a
/// scenario is given; the others find it prepared).
fn run_shard(
    args: &CalibrateArgs,
    shard: Shard,
    pool: &rayon::ThreadPool,
    threads: usize,
) -> anyhow::Result<ExitCode> {
    // Shards share the calibration's folder: none holds its lock while
    // it runs (each locks its own shard folder).
    let dir = match &args.resume {
        Some(dir) => {
            check_calibration_folder(dir)?;
            dir.clone()
        }
        None => join_new(args, threads)?,
    };
    if dir.join("manifest.json").is_file() {
        if !args.options.quiet {
            crate::console::say!(
                "bonfire: {} holds a finished calibration (manifest.json); nothing to run",
                dir.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    crate::interrupt::on_interrupt_explain_resume(
        &dir,
        shown_bar(args.options.quiet),
        &format!(
            "bonfire calibrate --resume {} --shard {shard}{}",
            dir.display(),
            args.options.again_on_resume()
        ),
    );
    let ended =
        pool.install(|| driver::run(&dir, &watch(args.options.quiet), Mode::Shard(shard)))?;
    if !args.options.quiet {
        match ended {
            Ended::ShardDone(done) => summary::print_calibration_shard(&dir, shard, done),
            _ => unreachable!("a shard's run ends as a shard"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The folder of a sharded calibration: prepared by the first shard to
/// take its lock (the others wait for it a while), joined by the others
/// when it holds the same scenario and targets.
fn join_new(args: &CalibrateArgs, threads: usize) -> anyhow::Result<PathBuf> {
    let (experiment, targets) = checked_input(args, threads)?;
    let dir = checked_folder(args, &experiment)?;
    let mut waited = 0;
    let lock = loop {
        match FolderLock::acquire(&dir, &command_line()) {
            Ok(lock) => break lock,
            Err(Error::Locked { .. }) if waited < 600 => {
                std::thread::sleep(std::time::Duration::from_millis(100));
                waited += 1;
            }
            Err(e) => return Err(e.into()),
        }
    };
    let given = read_targets(targets)?;
    let resolved = experiment.resolved_toml()?;
    match (
        std::fs::read(dir.join(SCENARIO_FILE)),
        std::fs::read(dir.join(TARGETS_FILE)),
    ) {
        (Ok(scenario), Ok(held)) if scenario == resolved.as_bytes() && held == given => {}
        (Ok(_), _) => anyhow::bail!(
            "{} holds another calibration (its {SCENARIO_FILE} or {TARGETS_FILE} differ from these); shards of one calibration share one folder",
            dir.display()
        ),
        _ => {
            OutputFolder::prepare(&dir, &lock, false)?;
            write_atomically(&dir.join(TARGETS_FILE), &given)?;
            write_atomically(&dir.join(SCENARIO_FILE), resolved.as_bytes())?;
        }
    }
    Ok(dir)
}

/// The scenario and the targets, checked (and the memory of one
/// generation) before anything is written.
fn checked_input(args: &CalibrateArgs, threads: usize) -> anyhow::Result<(Experiment, &Path)> {
    let path = args.scenario.as_deref().expect("clap requires a scenario");
    let targets = args.targets.as_deref().expect("clap requires --targets");
    let overrides = seed_and_replicates(&args.options)?;
    let experiment = Experiment::from_file(path, &overrides)?;
    if experiment.calibration.is_none() {
        anyhow::bail!(
            "{} has no [calibration] table: `bonfire calibrate` needs one naming the free parameters and their priors (see scenarios/calibration.toml)",
            path.display()
        );
    }
    driver::check_targets(&experiment, targets)?;
    summary::print_unused(&experiment);
    if !args.options.no_memory_check {
        // A calibration draws its own charts, from its particles, not from
        // the runs' rows.
        memory::check(
            &experiment,
            threads,
            false,
            &path.display().to_string(),
            memory::Start::New,
        )?;
    }
    Ok((experiment, targets))
}

/// The calibration's folder, refused where its disk has too little room
/// for every generation's files ([`disk::check`]; the shards of one
/// calibration share the folder).
fn checked_folder(args: &CalibrateArgs, experiment: &Experiment) -> anyhow::Result<PathBuf> {
    let dir = args
        .options
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&experiment.base.name));
    if !args.options.no_disk_check {
        let origin = args.scenario.as_deref().expect("clap requires a scenario");
        disk::check(
            disk::estimate(experiment, None),
            &origin.display().to_string(),
            &dir,
            0,
        )?;
    }
    Ok(dir)
}

fn read_targets(path: &Path) -> anyhow::Result<Vec<u8>> {
    Ok(std::fs::read(path).map_err(|source| Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?)
}

/// A new calibration: the scenario and the targets checked (and the
/// memory of one generation) before the folder is locked and prepared;
/// then the scenario as resolved and the targets as given written first,
/// so that an interrupted calibration can be resumed from its folder.
fn open_new(args: &CalibrateArgs, threads: usize) -> anyhow::Result<(PathBuf, String, FolderLock)> {
    let (experiment, targets) = checked_input(args, threads)?;
    let dir = checked_folder(args, &experiment)?;
    // Made (its input files read) before an earlier folder is replaced.
    let resolved = experiment.resolved_toml()?;
    let lock = FolderLock::acquire_output(&dir, &command_line())?;
    OutputFolder::prepare(&dir, &lock, args.options.force)?;
    write_atomically(&dir.join(TARGETS_FILE), &read_targets(targets)?)?;
    write_atomically(&dir.join(SCENARIO_FILE), resolved.as_bytes())?;
    let path = args.scenario.as_deref().expect("clap requires a scenario");
    let source = format!("{} with targets {}", path.display(), targets.display());
    Ok((dir, source, lock))
}

/// `--resume DIR`: the folder of an unfinished calibration, locked;
/// `None` when it has finished (its charts drawn where a stop left them
/// undrawn: nothing else to resume).
fn open_resumed(
    dir: &Path,
    args: &CalibrateArgs,
) -> anyhow::Result<Option<(PathBuf, String, FolderLock)>> {
    check_calibration_folder(dir)?;
    let lock = FolderLock::acquire(dir, &command_line())?;
    crate::output::remove_replaced(dir)?;
    if dir.join("manifest.json").is_file() {
        crate::output::manifest::check_file_lengths(dir)?;
        durable::remove_partials(dir)?;
        super::finish_charts(
            dir,
            "calibration",
            args.options.quiet,
            args.options.no_charts,
        )?;
        return Ok(None);
    }
    durable::remove_partials(dir)?;
    let source = format!("resumed from {}", dir.display());
    Ok(Some((dir.to_path_buf(), source, lock)))
}

/// Refuses a folder given to `--resume` that does not hold a calibration:
/// one without the scenario and targets a calibration writes first, or one
/// whose scenario is a run's.
fn check_calibration_folder(dir: &Path) -> anyhow::Result<()> {
    let resolved = dir.join(SCENARIO_FILE);
    if !resolved.is_file() {
        anyhow::bail!(
            "{} does not hold a bonfire calibration (it has no {SCENARIO_FILE}); `bonfire calibrate SCENARIO --targets FILE` starts one",
            dir.display()
        );
    }
    let text = std::fs::read_to_string(&resolved).map_err(|source| Error::ReadScenario {
        path: resolved.clone(),
        source,
    })?;
    let experiment = Experiment::parse(&text, &Origin::File(resolved), &Overrides::default())?;
    if let Err(changed) = crate::input_files::check_unchanged(experiment.scenarios(), &text) {
        anyhow::bail!("--resume {}: {changed}", dir.display());
    }
    if experiment.calibration.is_none() {
        anyhow::bail!(
            "{} holds a run, not a calibration (`bonfire run --resume {}` finishes it if it is unfinished); `bonfire calibrate SCENARIO --targets FILE` starts a calibration",
            dir.display(),
            dir.display()
        );
    }
    if !dir.join(TARGETS_FILE).is_file() {
        anyhow::bail!(
            "{} holds a calibration without its {TARGETS_FILE}; start it afresh: `bonfire calibrate SCENARIO --targets FILE --out {} --force`",
            dir.display(),
            dir.display()
        );
    }
    Ok(())
}
