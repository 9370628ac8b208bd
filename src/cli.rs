//! The command line: `bonfire run | sensitivity | calibrate | check | merge | plot | schema`.
//!
//! Parses arguments (clap), loads and validates the experiment, prepares the
//! output folder before any simulation, runs the pending runs on a thread
//! pool of the requested size ([`crate::runner`]), assembles the files and
//! draws the charts. Printing goes through [`crate::summary`].

mod calibrate;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::disk;
use crate::error::{Error, Origin};
use crate::experiment::{Experiment, Overrides, RunSpec};
use crate::memory;
use crate::output::lock::FolderLock;
use crate::output::manifest::Manifest;
use crate::output::{OutputFolder, PARTS_DIR, durable, parts, write_atomically};
use crate::plot;
use crate::progress::Progress;
use crate::runner::{self, Shard};
use crate::scenario::DEFAULT_SCENARIO;
use crate::summary;

#[derive(Debug, Parser)]
#[command(
    name = "bonfire",
    version = crate::output::manifest::VERSION,
    about = "An agent-based simulator of peer support communities"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario (the built-in default when no file is given).
    Run(RunArgs),
    /// Run the global sensitivity analysis of a scenario's `[sensitivity]`
    /// table: its design's points on common random numbers, then Sobol
    /// indices or Morris effects per outcome (sensitivity.csv).
    Sensitivity(RunArgs),
    /// Fit a scenario's `[calibration]` parameters to observed figures:
    /// approximate Bayesian computation (adaptive population Monte Carlo),
    /// its generations run like experiments; writes the posterior, the fit
    /// per target and a scenario with the fitted values.
    Calibrate(CalibrateArgs),
    /// Validate scenario files without running them, and estimate the
    /// memory each needs.
    Check {
        /// Scenario files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Report the memory estimate without comparing it with the memory
        /// this machine has free.
        #[arg(long)]
        no_memory_check: bool,
        /// Estimate for this many worker threads, as the run will have
        /// them (a cluster's job) [default: all cores].
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Combine the shard folders of one experiment into the files a single
    /// run writes.
    Merge(MergeArgs),
    /// Redraw the charts and the report of an earlier run from its files.
    Plot {
        /// The run's output folder.
        out: PathBuf,
    },
    /// Print the JSON Schema of scenario files (for editors), or the
    /// scenario reference as Markdown tables.
    Schema {
        /// Print the Markdown key reference instead of the JSON Schema.
        #[arg(long)]
        markdown: bool,
    },
}

/// The options every command that runs the model takes.
#[derive(Debug, clap::Args)]
pub struct RunOptions {
    /// Output folder [default: output/SCENARIO_NAME].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the scenario's number of replicates (per point or particle).
    #[arg(long)]
    pub replicates: Option<u32>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Replace the files of an earlier run in the output folder.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors (no progress bar, no summary).
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip the charts and the report (they can be drawn later with `bonfire plot`).
    #[arg(long)]
    pub no_charts: bool,
    /// Run even when the experiment is estimated to need more memory than
    /// this machine has free (see `bonfire check`).
    #[arg(long)]
    pub no_memory_check: bool,
    /// Run even when the experiment's files are estimated to need more of
    /// the disk than the output folder's has free (see `bonfire check`).
    #[arg(long)]
    pub no_disk_check: bool,
}

impl RunOptions {
    /// The options a `--resume` must be given again to run as this
    /// command would (` --threads N`, ` --no-memory-check`,
    /// ` --no-disk-check`), for the command printed when a run is
    /// interrupted: the memory check counts the runs that go at once by
    /// the threads, and would refuse a resume on all cores of a run
    /// started on fewer; a check skipped at the start is skipped again.
    pub fn again_on_resume(&self) -> String {
        let threads = self
            .threads
            .map_or(String::new(), |n| format!(" --threads {n}"));
        let memory = if self.no_memory_check {
            " --no-memory-check"
        } else {
            ""
        };
        let disk = if self.no_disk_check {
            " --no-disk-check"
        } else {
            ""
        };
        threads + memory + disk
    }
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML). Without one, the built-in default scenario runs.
    pub scenario: Option<PathBuf>,
    #[command(flatten)]
    pub options: RunOptions,
    /// Finish an interrupted run in this output folder (the experiment comes
    /// from its scenario.resolved.toml).
    #[arg(long, value_name = "OUT")]
    pub resume: Option<PathBuf>,
    /// Run only shard I of N (runs whose id modulo N is I); merge the shard
    /// folders with `bonfire merge`. `--shard slurm` takes I and N from a
    /// Slurm job array (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN, of
    /// SLURM_ARRAY_TASK_COUNT); without the flag, Slurm's variables are
    /// ignored. The folder remembers its shard for --resume and merge.
    #[arg(long, value_name = "I/N|slurm")]
    pub shard: Option<String>,
    /// Export the bond network after these sessions (comma-separated, 0 =
    /// before the first) as GraphML and edge lists into OUT/network/.
    #[arg(long, value_name = "STEPS")]
    pub export_network: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Scenario file (TOML) with a `[calibration]` table.
    #[arg(required_unless_present = "resume")]
    pub scenario: Option<PathBuf>,
    /// The observed figures: a CSV with the columns metric, step, arm
    /// (optional), value and sd (see scenarios/calibration_targets.csv).
    #[arg(long, value_name = "FILE", required_unless_present = "resume")]
    pub targets: Option<PathBuf>,
    #[command(flatten)]
    pub options: RunOptions,
    /// Finish an interrupted calibration in this output folder (its
    /// scenario and targets come from the folder).
    #[arg(long, value_name = "OUT", conflicts_with_all = ["scenario", "targets", "out", "seed", "replicates", "force"])]
    pub resume: Option<PathBuf>,
    /// Run only shard I of N of the current generation (runs whose id
    /// modulo N is I), into OUT/generation-NNN/shard-I-of-N/, then stop;
    /// the N shards of a Slurm job array share OUT. `--shard slurm` takes I
    /// and N from the array. Then `--resume OUT --gather` gathers them.
    #[arg(long, value_name = "I/N|slurm", conflicts_with_all = ["force", "gather"])]
    pub shard: Option<String>,
    /// With --resume: gather the current generation's shards, run what
    /// they left, finish the generation and stop before the next (or write
    /// the results when the calibration has ended).
    #[arg(long, requires = "resume")]
    pub gather: bool,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shard folders, each written by `bonfire run --shard I/N`.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output folder for the merged run.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace the files of an earlier run in the output folder.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip the charts and the report.
    #[arg(long)]
    pub no_charts: bool,
    /// Merge even when the merge needs more of the disk than the output
    /// folder's has free (measured from the shards' parts and exports).
    #[arg(long)]
    pub no_disk_check: bool,
}

/// This process's command line, as the lock file records it.
pub(crate) fn command_line() -> String {
    command_args().join(" ")
}

/// This process's arguments, as the manifest records them: a path that is
/// not UTF-8 (which the operating system allows) with a replacement
/// character for each byte that is not, rather than a stop.
pub(crate) fn command_args() -> Vec<String> {
    std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// Runs the command line and returns the process's exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run_scenario(args, Job::Run),
        Command::Sensitivity(args) => run_scenario(args, Job::Sensitivity),
        Command::Calibrate(args) => calibrate::calibrate(args),
        Command::Check {
            scenarios,
            no_memory_check,
            threads,
        } => check(&scenarios, no_memory_check, threads),
        Command::Merge(args) => merge(args),
        Command::Plot { out } => {
            let calibration = out.join(crate::output::TARGETS_FILE).is_file();
            if !out.join("timeseries.csv").is_file()
                && !out.join(PARTS_DIR).is_dir()
                && !calibration
            {
                return Err(Error::NotARun {
                    path: out,
                    missing: "timeseries.csv",
                }
                .into());
            }
            let _lock = FolderLock::acquire(&out, &command_line())?;
            if !out.join("manifest.json").is_file() {
                if let Some(shard) = Shard::remembered(&out)?.filter(|_| !calibration) {
                    return Err(Error::ShardNotMerged {
                        path: out,
                        shard: shard.to_string(),
                    }
                    .into());
                }
                let (what, command) = if calibration {
                    ("calibration", "calibrate")
                } else {
                    ("run", "run")
                };
                return Err(Error::UnfinishedRun {
                    path: out,
                    what,
                    command,
                }
                .into());
            }
            let written = plot::render(&out)?;
            summary::print_plot(&out, &written);
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { markdown } => {
            summary::print_schema(markdown);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Loads an experiment (file or built-in), applies command-line overrides
/// and validates every scenario in it. Returns the text it came from too.
pub fn load_experiment(path: Option<&Path>, overrides: &Overrides) -> Result<Experiment, Error> {
    match path {
        Some(path) => Experiment::from_file(path, overrides),
        None => Experiment::parse(DEFAULT_SCENARIO, &Origin::Embedded, overrides),
    }
}

fn check(
    paths: &[PathBuf],
    no_memory_check: bool,
    threads: Option<usize>,
) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    // Another machine's count is fine here: the estimate is for the run.
    let threads = match threads {
        Some(0) => anyhow::bail!("--threads must be at least 1 (given 0)"),
        Some(n) => n,
        None => all_cores(),
    };
    for path in paths {
        let checked = Experiment::from_file(path, &Overrides::default()).and_then(|e| {
            let estimate = if no_memory_check {
                memory::estimate(&e, threads, e.calibration.is_none())
            } else {
                // A calibration draws its own charts, from its particles.
                let charts = e.calibration.is_none();
                let origin = path.display().to_string();
                memory::check(&e, threads, charts, &origin, memory::Start::New)?
            };
            Ok((e, estimate))
        });
        match checked {
            Ok((e, estimate)) => summary::print_check_ok(path, &e, &estimate, threads),
            Err(e) => {
                summary::print_error(&e);
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The keys set by `--seed`, `--replicates` and `--export-network`.
pub(crate) fn flag_overrides(args: &RunArgs) -> anyhow::Result<Overrides> {
    let mut overrides = seed_and_replicates(&args.options)?;
    if let Some(text) = args.export_network.as_deref() {
        let steps = parse_steps(text)?
            .into_iter()
            .map(|s| toml::Value::Integer(i64::from(s)))
            .collect();
        overrides = overrides.flag(
            "--export-network",
            "network.export_steps",
            toml::Value::Array(steps),
        );
    }
    Ok(overrides)
}

/// The keys set by `--seed` and `--replicates`.
pub(crate) fn seed_and_replicates(options: &RunOptions) -> anyhow::Result<Overrides> {
    let mut overrides = Overrides::default();
    if let Some(seed) = options.seed {
        let Ok(seed) = i64::try_from(seed) else {
            anyhow::bail!(
                "--seed {seed}: allowed: a whole number from 0 to {}",
                i64::MAX
            );
        };
        overrides = overrides.flag("--seed", "seed", toml::Value::Integer(seed));
    }
    if let Some(replicates) = options.replicates {
        overrides = overrides.flag(
            "--replicates",
            "replicates",
            toml::Value::Integer(i64::from(replicates)),
        );
    }
    Ok(overrides)
}

/// `--export-network 0,26,52`: a comma-separated list of steps.
fn parse_steps(text: &str) -> anyhow::Result<Vec<u32>> {
    text.split(',')
        .map(|s| {
            s.trim().parse::<u32>().map_err(|_| {
                anyhow::anyhow!("--export-network {text:?}: {s:?} is not a step number (expected a list such as 0,26,52)")
            })
        })
        .collect()
}

pub(crate) fn thread_pool(threads: Option<usize>) -> anyhow::Result<(rayon::ThreadPool, usize)> {
    // Threads beyond the cores only wait for each other, and thousands
    // take minutes to start and stop; the files are the same at any count.
    let cores = all_cores();
    let most = (4 * cores).max(64);
    let threads = match threads {
        Some(n) if n == 0 || n > most => anyhow::bail!(
            "--threads must be from 1 to {most} (given {n}): four times this machine's {cores} core(s), at least 64"
        ),
        Some(n) => n,
        None => cores,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| Error::ThreadPool { threads, source })?;
    Ok((pool, threads))
}

fn all_cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// The shard to run: `--shard I/N`, `--shard slurm` (this Slurm array
/// task), or everything. Slurm's variables are read only when asked for, so
/// a job that runs one whole scenario per array task is not cut into shards.
pub(crate) fn shard_of(arg: Option<&str>) -> anyhow::Result<Option<Shard>> {
    match arg {
        None => Ok(None),
        Some("slurm") => match Shard::from_slurm(|k| std::env::var(k).ok()) {
            Ok(Some(shard)) => Ok(Some(shard)),
            Ok(None) => anyhow::bail!(
                "--shard slurm: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT are not set; run it as a task of a Slurm job array (sbatch --array=...), or give --shard I/N"
            ),
            Err(why) => anyhow::bail!("--shard slurm: {why}"),
        },
        Some(text) => Shard::parse(text).map(Some).map_err(anyhow::Error::msg),
    }
}

/// The shard to resume: the one the folder remembers. A `--shard` given
/// with `--resume` must name that same shard.
fn resumed_shard(dir: &Path, asked: Option<Shard>) -> anyhow::Result<Option<Shard>> {
    let remembered = Shard::remembered(dir)?;
    match (asked, remembered) {
        (Some(asked), remembered) if Some(asked) != remembered => {
            let was =
                remembered.map_or("the whole experiment".to_string(), |s| format!("shard {s}"));
            anyhow::bail!(
                "--shard {asked}: {} was run as {was}; --resume finishes it as that, so leave --shard out",
                dir.display()
            )
        }
        _ => Ok(remembered),
    }
}

/// `--resume` of a folder whose run has finished (it has its manifest):
/// nothing to run; parts left by a crash while they were being removed
/// are removed now, and charts an interrupt left undrawn are drawn
/// ([`charts_left_undrawn`]) unless `no_charts`.
fn resume_finished(dir: &Path, quiet: bool, no_charts: bool) -> anyhow::Result<()> {
    crate::output::manifest::check_file_lengths(dir)?;
    durable::remove_dir_durably(&dir.join(PARTS_DIR))?;
    durable::remove_partials(dir)?;
    crate::output::remove_replaced(dir)?;
    finish_charts(dir, "run", quiet, no_charts)
}

/// Draws the charts and report of a `what` whose files are written and
/// sealed by its manifest; an error says that those files are whole, and
/// how to draw the charts once its cause is mended.
pub(crate) fn render_after_files(dir: &Path, what: &str) -> anyhow::Result<Vec<PathBuf>> {
    plot::render(dir).with_context(|| {
        format!(
            "the {what}'s files in {0} are whole, but its charts and report were not drawn (`bonfire plot {0}` draws them)",
            dir.display()
        )
    })
}

/// The end of `--resume` of a finished folder (`what`: a run, a
/// calibration): draws its charts and report where a stop after its files
/// left them undrawn (unless `no_charts`), else says there is nothing to
/// resume.
pub(crate) fn finish_charts(
    dir: &Path,
    what: &str,
    quiet: bool,
    no_charts: bool,
) -> anyhow::Result<()> {
    if !no_charts && charts_left_undrawn(dir) {
        let written = render_after_files(dir, what)?;
        if !quiet {
            crate::console::say!(
                "bonfire: {} holds a finished {what} whose charts and report were left undrawn (it was stopped after writing its files); drawn now",
                dir.display()
            );
            summary::print_plot(dir, &written);
        }
        return Ok(());
    }
    if !quiet {
        crate::console::say!(
            "bonfire: {} holds a finished {what} (manifest.json); nothing to resume",
            dir.display()
        );
    }
    Ok(())
}

/// Whether a finished run's charts are still to be drawn: it has no
/// report, and the command line its manifest records did not leave them
/// out (`--no-charts`). A run stopped between writing its manifest and
/// drawing its charts leaves such a folder.
fn charts_left_undrawn(dir: &Path) -> bool {
    if dir.join("report.html").is_file() {
        return false;
    }
    crate::output::manifest::recorded_command_line(dir)
        .is_some_and(|words| !words.iter().any(|w| w == "--no-charts"))
}

/// An experiment and the locked folder it runs into.
struct Opened {
    experiment: Experiment,
    dir: PathBuf,
    source: String,
    /// The files of an earlier run this one replaces (`--force`), removed
    /// while it runs; dropped (waited for) before the lock is let go.
    _replaced: Option<durable::Removal>,
    _lock: FolderLock,
}

/// `--resume DIR`: the experiment of an unfinished run, its folder locked
/// and its shard as the folder remembers it; `None` when the run has
/// finished (nothing to resume).
fn open_resumed(
    dir: &Path,
    args: &RunArgs,
    threads: usize,
    shard: &mut Option<Shard>,
) -> anyhow::Result<Option<Opened>> {
    if args.scenario.is_some()
        || args.options.seed.is_some()
        || args.options.replicates.is_some()
        || args.options.out.is_some()
        || args.export_network.is_some()
        || args.options.force
    {
        anyhow::bail!(
            "--resume takes the experiment from {}/scenario.resolved.toml and finishes it: give no scenario file, --seed, --replicates, --out, --export-network or --force with it",
            dir.display()
        );
    }
    let resolved = dir.join("scenario.resolved.toml");
    if !resolved.is_file() {
        anyhow::bail!(
            "{} does not hold a bonfire run to resume (it has no scenario.resolved.toml): a run or a merge stopped before its first file is started again, with `bonfire run SCENARIO --out {0}` or `bonfire merge SHARDS --out {0}`",
            dir.display()
        );
    }
    let lock = FolderLock::acquire(dir, &command_line())?;
    if dir.join("manifest.json").is_file() {
        resume_finished(dir, args.options.quiet, args.options.no_charts)?;
        return Ok(None);
    }
    *shard = resumed_shard(dir, *shard)?;
    // Read once: the experiment, and the digests of its input files.
    let text = std::fs::read_to_string(&resolved).map_err(|source| Error::ReadScenario {
        path: resolved.clone(),
        source,
    })?;
    let origin = Origin::File(resolved.clone());
    let experiment = Experiment::parse(&text, &origin, &Overrides::default())?;
    if let Err(changed) = crate::input_files::check_unchanged(experiment.scenarios(), &text) {
        anyhow::bail!("--resume {}: {changed}", dir.display());
    }
    if experiment.calibration.is_some() {
        anyhow::bail!(
            "{} holds a calibration: `bonfire calibrate --resume {}` finishes it",
            dir.display(),
            dir.display()
        );
    }
    let source = resolved.display().to_string();
    if !args.options.no_memory_check {
        let charts = draws_charts(args, *shard);
        memory::check(
            &experiment,
            threads,
            charts,
            &source,
            memory::Start::Resumed,
        )?;
    }
    if !args.options.no_disk_check {
        let estimate = disk::estimate(&experiment, *shard);
        disk::check(estimate, &source, dir, disk::bytes_written(dir))?;
    }
    durable::remove_partials(dir)?;
    crate::output::remove_replaced(dir)?;
    Ok(Some(Opened {
        experiment,
        dir: dir.to_path_buf(),
        source,
        _replaced: None,
        _lock: lock,
    }))
}

/// Whether a run draws its charts and report once its runs are done: not
/// with `--no-charts`, nor as a shard of several, which writes its parts
/// only (the merge draws them).
fn draws_charts(args: &RunArgs, shard: Option<Shard>) -> bool {
    !args.options.no_charts && shard.is_none_or(|s| s.count == 1)
}

/// Where a new run's experiment comes from, as its refusals name it.
fn origin(args: &RunArgs) -> String {
    args.scenario.as_ref().map_or_else(
        || "built-in scenario".to_string(),
        |p| p.display().to_string(),
    )
}

/// A new run: the experiment checked (memory too) before its folder is
/// locked and prepared, then the shard and the experiment written first,
/// so that an interrupted run can be resumed, as the same shard.
fn open_new(
    args: &RunArgs,
    job: Job,
    threads: usize,
    shard: Option<Shard>,
) -> anyhow::Result<Opened> {
    let overrides = flag_overrides(args)?;
    let experiment = load_experiment(args.scenario.as_deref(), &overrides)?;
    job.check(&experiment, args.scenario.as_deref())?;
    summary::print_unused(&experiment);
    if !args.options.no_memory_check {
        let charts = draws_charts(args, shard);
        memory::check(
            &experiment,
            threads,
            charts,
            &origin(args),
            memory::Start::New,
        )?;
    }
    let dir = args
        .options
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&experiment.base.name));
    if !args.options.no_disk_check {
        disk::check(disk::estimate(&experiment, shard), &origin(args), &dir, 0)?;
    }
    // Made (its input files read) before an earlier run's folder is
    // replaced: a file that cannot be read leaves that folder as it was.
    let resolved = experiment.resolved_toml()?;
    let lock = FolderLock::acquire_output(&dir, &command_line())?;
    let replaced = OutputFolder::prepare(&dir, &lock, args.options.force)?.take_replaced();
    if let Some(shard) = shard.filter(|s| s.count > 1) {
        shard.remember(&dir)?;
    }
    write_atomically(&dir.join("scenario.resolved.toml"), resolved.as_bytes())?;
    let source = args
        .scenario
        .as_ref()
        .map_or_else(|| "built-in".to_string(), |p| p.display().to_string());
    Ok(Opened {
        experiment,
        dir,
        source,
        _replaced: replaced,
        _lock: lock,
    })
}

/// Which command runs an experiment: `run`, or `sensitivity` for a file
/// with a `[sensitivity]` table. `--resume` finishes either with either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    Run,
    Sensitivity,
}

impl Job {
    /// The command's name, as a user types it.
    fn command(self) -> &'static str {
        match self {
            Job::Run => "run",
            Job::Sensitivity => "sensitivity",
        }
    }

    /// Refuses a file the command does not run, naming the one that does.
    fn check(self, experiment: &Experiment, path: Option<&Path>) -> anyhow::Result<()> {
        let file = path.map_or("the built-in scenario".to_string(), |p| {
            p.display().to_string()
        });
        if experiment.calibration.is_some() {
            anyhow::bail!(
                "{file} has a [calibration] table: fit it with `bonfire calibrate {file} --targets TARGETS.csv`"
            );
        }
        match (self, experiment.sensitivity.is_some()) {
            (Job::Run, true) => anyhow::bail!(
                "{file} has a [sensitivity] table: run its analysis with `bonfire sensitivity {file}`"
            ),
            (Job::Sensitivity, false) => anyhow::bail!(
                "{file} has no [sensitivity] table: `bonfire sensitivity` needs one naming the factors and outcomes (see scenarios/sensitivity.toml); `bonfire run` runs a scenario as it is"
            ),
            _ => Ok(()),
        }
    }
}

fn run_scenario(args: RunArgs, job: Job) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let (pool, threads) = thread_pool(args.options.threads)?;
    let mut shard = shard_of(args.shard.as_deref())?;

    // The folder is locked before anything in it is read or replaced (and
    // after the scenario is found valid, so that a bad one creates
    // nothing); the lock is held until the summary is printed.
    let opened = match &args.resume {
        Some(dir) => match open_resumed(dir, &args, threads, &mut shard)? {
            Some(opened) => opened,
            None => return Ok(ExitCode::SUCCESS),
        },
        None => open_new(&args, job, threads, shard)?,
    };
    let (experiment, dir, source) = (&opened.experiment, &opened.dir, &opened.source);

    let runs: Vec<RunSpec> = experiment
        .runs()
        .filter(|r| shard.is_none_or(|s| s.includes(r.id)))
        .collect();
    let in_shard = runs.len() as u64;
    // Each run's own sessions: arms and points may run different numbers.
    let sessions = runs.iter().map(|r| experiment.run_sessions(r)).sum();
    let progress = Progress::new(sessions, args.options.quiet);
    crate::interrupt::on_interrupt_explain_resume(
        dir,
        progress.shown(),
        &format!(
            "bonfire {} --resume {}{}",
            job.command(),
            dir.display(),
            args.options.again_on_resume()
        ),
    );
    // A few lines for each reason: a folder begun by an earlier version
    // has every run's seal to give the same one.
    let reasons = std::sync::Mutex::new(std::collections::BTreeMap::<String, u32>::new());
    let damaged = |run: u64, why: &str| {
        let mut reasons = reasons
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let said = reasons.entry(why.to_string()).or_default();
        *said += 1;
        let line = match *said {
            1..=DAMAGED_LINES => format!(
                "warning: {}: the files of run {run} do not match their seal ({why}); running it again",
                dir.display()
            ),
            n if n == DAMAGED_LINES + 1 => format!(
                "warning: {}: so do the files of further runs, for the same reason ({why}); running each again, without a line of its own",
                dir.display()
            ),
            _ => return,
        };
        progress.note(&line);
    };
    let ran = pool
        .install(|| runner::run_pending(experiment, dir, shard, &|| progress.step_done(), &damaged))
        .map_err(|e| {
            // A full disk, a folder gone: what a run leaves is resumed.
            anyhow::anyhow!(
                "{e}; the runs sealed so far are kept in {0}: `bonfire {1} --resume {0}` goes on from them once that is mended",
                dir.display(),
                job.command()
            )
        })?;
    progress.finish();
    #[cfg(feature = "step-timing")]
    if let Some(table) = crate::step_timing::report() {
        let _ = std::io::Write::write_all(&mut std::io::stderr(), table.as_bytes());
    }

    if let Some(shard) = shard.filter(|s| s.count > 1) {
        if !args.options.quiet {
            summary::print_shard(dir, shard, ran, in_shard);
        }
        return Ok(ExitCode::SUCCESS);
    }
    finish(experiment, dir, source, &pool, started, &args)
}

/// Runs a resume names, each with the reason its parts cannot be kept,
/// before the rest with the same reason are said in one line.
const DAMAGED_LINES: u32 = 3;

/// Assembles a complete experiment's files (the runs' parts read back on
/// `pool`, the run's threads), draws the charts, prints the summary.
fn finish(
    experiment: &Experiment,
    dir: &Path,
    source: &str,
    pool: &rayon::ThreadPool,
    started: Instant,
    args: &RunArgs,
) -> anyhow::Result<ExitCode> {
    let base = &experiment.base;
    let threads = pool.current_num_threads();
    let (sessions, members_per_run) = experiment.run_sizes();
    let manifest = |files: &[String], file_bytes, runs_made_by| {
        let wall = started.elapsed().as_secs_f64();
        Manifest {
            bonfire_version: env!("CARGO_PKG_VERSION"),
            bonfire_commit: env!("BONFIRE_COMMIT"),
            runs_made_by,
            scenario: base.name.clone(),
            scenario_source: source.to_string(),
            seed: base.seed,
            replicates: experiment.replicates,
            runs: experiment.run_count(),
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
    let assembled = pool
        .install(|| runner::assemble(experiment, dir, manifest))
        .with_context(|| format!("finishing the run in {}", dir.display()))?;
    crate::interrupt::files_are_whole();
    warn_of_other_builds(dir, &assembled.made_by);
    let mut files = assembled.files.clone();
    if !args.options.no_charts {
        render_after_files(dir, "run")?;
        files.extend(["charts/".to_string(), "report.html".to_string()]);
    }
    if !args.options.quiet {
        let wall = started.elapsed().as_secs_f64();
        summary::print_run(experiment, dir, &files, &assembled, wall);
    }
    Ok(ExitCode::SUCCESS)
}

/// Says so where some of the runs were made by another build than this
/// one (a resume or a merge finished runs begun by it; `made_by`: runs by
/// commit): their figures are that build's, which differ from this one's
/// wherever the model's rules changed between them.
fn warn_of_other_builds(dir: &Path, made_by: &std::collections::BTreeMap<String, u64>) {
    let this = env!("BONFIRE_COMMIT");
    let others: Vec<String> = made_by
        .iter()
        .filter(|(commit, _)| commit.as_str() != this)
        .map(|(commit, runs)| format!("{runs} by commit {commit}"))
        .collect();
    if others.is_empty() {
        return;
    }
    let total: u64 = made_by.values().sum();
    let by_others = total - made_by.get(this).copied().unwrap_or(0);
    eprintln!(
        "warning: {}: {by_others} of its {total} runs were made by other builds of bonfire than this one (commit {this}): {}. Where the model's rules changed between them, those runs' figures are the other build's; manifest.json's runs_made_by lists every build's runs. To make every run with this build, run the scenario again with --force (shards: run each again with this build, then merge).",
        dir.display(),
        others.join(", ")
    );
}

fn merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    // Replacing a shard folder with the merge would delete its parts
    // before they are read.
    let same = |shard: &PathBuf| match (shard.canonicalize(), args.out.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(shard) = args.shards.iter().find(|s| same(s)) {
        anyhow::bail!(
            "--out {} is one of the shard folders being merged; merge into a new folder",
            shard.display()
        );
    }
    // The shards stay locked until their files are copied: a run into one
    // of them meanwhile would mix its runs into the merge.
    let _shard_locks = lock_shards(&args.shards)?;
    let (resolved, text) = same_experiment(&args.shards)?;
    let experiment = Experiment::from_file(&resolved, &Overrides::default())?;
    let shards = shard_set(&args.shards)?;
    for (dir, shard) in args.shards.iter().zip(&shards) {
        runner::check_all_sealed(&experiment, dir, Some(*shard))?;
    }
    if !args.no_disk_check {
        disk::check_merge(&args.shards, &args.out)?;
    }
    let lock = FolderLock::acquire_output(&args.out, &command_line())?;
    // The earlier run's files go while the shards' are copied in, before
    // the lock is let go.
    let _replaced = OutputFolder::prepare(&args.out, &lock, args.force)?.take_replaced();
    write_atomically(&args.out.join("scenario.resolved.toml"), &text)?;
    // From here, what a merge stopped has copied counts, and `run
    // --resume` finishes it (runs it had not copied run again).
    crate::interrupt::on_interrupt_explain_resume(
        &args.out,
        false,
        &format!("bonfire run --resume {}", args.out.display()),
    );
    // Every shard's network exports (written by the runs themselves) come
    // before any sealed part: a run counts as done once its part is in, so
    // a merge that stops between the two and is resumed still has every
    // done run's exports, and runs it had not sealed write theirs again.
    for shard in &args.shards {
        let exports = shard.join(runner::NETWORK_DIR);
        if exports.is_dir() {
            durable::copy_finished_files(&exports, &args.out.join(runner::NETWORK_DIR))?;
        }
    }
    for shard in &args.shards {
        parts::copy_sealed_runs(&shard.join(PARTS_DIR), &args.out.join(PARTS_DIR))?;
    }
    let run_args = RunArgs {
        scenario: None,
        options: RunOptions {
            out: Some(args.out.clone()),
            seed: None,
            replicates: None,
            threads: Some(1),
            force: false,
            quiet: args.quiet,
            no_charts: args.no_charts,
            no_memory_check: true,
            no_disk_check: true,
        },
        resume: None,
        shard: None,
        export_network: None,
    };
    let source = format!(
        "merged from {}",
        args.shards
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (one_thread, _) = thread_pool(Some(1))?;
    finish(
        &experiment,
        &args.out,
        &source,
        &one_thread,
        started,
        &run_args,
    )
}

/// A lock on every shard folder, each checked to be a run's folder first
/// (locking creates a folder that is missing).
fn lock_shards(shards: &[PathBuf]) -> anyhow::Result<Vec<FolderLock>> {
    let mut locks = Vec::with_capacity(shards.len());
    let mut locked = Vec::with_capacity(shards.len());
    for shard in shards {
        // A folder named twice is locked once (and refused as a shard set).
        let path = shard.canonicalize().unwrap_or_else(|_| shard.clone());
        if locked.contains(&path) {
            continue;
        }
        if !shard.join("scenario.resolved.toml").is_file() {
            return Err(Error::NotARun {
                path: shard.clone(),
                missing: "scenario.resolved.toml",
            }
            .into());
        }
        locks.push(FolderLock::acquire_to_read(shard, &command_line())?);
        locked.push(path);
    }
    Ok(locks)
}

/// The shard each folder remembers, after checking that together they are
/// every shard of one split (0/N to N-1/N, each once), before anything is
/// written.
fn shard_set(dirs: &[PathBuf]) -> anyhow::Result<Vec<Shard>> {
    let mut shards = Vec::new();
    for dir in dirs {
        let Some(shard) = Shard::remembered(dir)? else {
            let what = if dir.join("manifest.json").is_file() {
                "a finished run, not a shard"
            } else {
                "no shard.txt"
            };
            anyhow::bail!(
                "{} is not a shard folder ({what}); merge takes the folders written by `bonfire run --shard I/N`",
                dir.display()
            );
        };
        if let Some((other, _)) = dirs.iter().zip(&shards).find(|(_, s)| **s == shard) {
            anyhow::bail!(
                "{} and {} are both shard {shard}; give each shard folder once",
                other.display(),
                dir.display()
            );
        }
        if let Some(first) = shards.first().filter(|s: &&Shard| s.count != shard.count) {
            anyhow::bail!(
                "{} is shard {shard} but {} is shard {first}: the shards of one merge must come from one split into the same number of shards",
                dir.display(),
                dirs[0].display()
            );
        }
        shards.push(shard);
    }
    let count = shards[0].count;
    let missing: Vec<String> = (0..count)
        .filter(|i| !shards.iter().any(|s| s.index == *i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "shard(s) {} missing: merge needs the folders of all {count} shards",
            missing.join(", ")
        );
    }
    Ok(shards)
}

/// The first shard's `scenario.resolved.toml` (path and bytes), after
/// checking that every shard holds the same experiment.
fn same_experiment(shards: &[PathBuf]) -> anyhow::Result<(PathBuf, Vec<u8>)> {
    let Some(first) = shards.first() else {
        anyhow::bail!("bonfire merge needs at least one shard folder");
    };
    let read = |shard: &PathBuf| {
        std::fs::read(shard.join("scenario.resolved.toml")).map_err(|_| Error::NotARun {
            path: shard.clone(),
            missing: "scenario.resolved.toml",
        })
    };
    let text = read(first)?;
    for other in &shards[1..] {
        if read(other)? != text {
            return Err(Error::MergeMismatch {
                path: other.clone(),
                other: first.clone(),
            }
            .into());
        }
    }
    Ok((first.join("scenario.resolved.toml"), text))
}
