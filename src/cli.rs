//! The command line: `bonfire run`, `bonfire check`.
//!
//! Parses arguments (clap), loads and validates the scenario, prepares the
//! output folder before any simulation, runs the engine on a thread pool of
//! the requested size and writes the run's files. Printing goes through
//! [`crate::summary`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::engine::{self, ReplicateResult};
use crate::error::{Error, Origin};
use crate::output::OutputFolder;
use crate::output::manifest::Manifest;
use crate::plot;
use crate::progress::Progress;
use crate::scenario::{DEFAULT_SCENARIO, RawScenario, Scenario};
use crate::summary::{self, RunSummary};

#[derive(Debug, Parser)]
#[command(
    name = "bonfire",
    version,
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
    /// Validate scenario files without running them.
    Check {
        /// Scenario files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Redraw the charts and the report of an earlier run from its files.
    Plot {
        /// The run's output folder.
        out: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML). Without one, the built-in default scenario runs.
    pub scenario: Option<PathBuf>,
    /// Output folder [default: output/<scenario name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the scenario's number of replicates.
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
}

/// Runs the command line and returns the process's exit code.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run_scenario(args),
        Command::Check { scenarios } => check(&scenarios),
        Command::Plot { out } => {
            let written = plot::render(&out)?;
            summary::print_plot(&out, &written);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Loads a scenario (file or built-in), applies command-line overrides and
/// validates the result.
pub fn load_scenario(
    path: Option<&Path>,
    seed: Option<u64>,
    replicates: Option<u32>,
) -> Result<Scenario, Error> {
    let (text, origin) = match path {
        Some(path) => (
            std::fs::read_to_string(path).map_err(|source| Error::ReadScenario {
                path: path.to_path_buf(),
                source,
            })?,
            Origin::File(path.to_path_buf()),
        ),
        None => (DEFAULT_SCENARIO.to_string(), Origin::Embedded),
    };
    let mut raw = RawScenario::parse(&text, &origin)?;
    if let Some(seed) = seed {
        raw.seed = seed;
    }
    if let Some(replicates) = replicates {
        raw.replicates = replicates;
    }
    Scenario::try_from_raw(raw, &text, &origin)
}

fn check(paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    for path in paths {
        match Scenario::from_file(path) {
            Ok(s) => summary::print_check_ok(path, &s),
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

fn run_scenario(args: RunArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let threads = match args.threads {
        Some(0) => anyhow::bail!("--threads must be at least 1 (given 0)"),
        Some(n) => n,
        None => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    };
    let scenario = load_scenario(args.scenario.as_deref(), args.seed, args.replicates)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&scenario.name));
    let mut folder = OutputFolder::prepare(&out_dir, args.force)?;

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| Error::ThreadPool { threads, source })?;

    let mut timeseries = folder.csv("timeseries.csv")?;
    let mut members = if scenario.output.members_csv {
        Some(folder.csv("members.csv")?)
    } else {
        None
    };
    let mut run_summary = RunSummary::default();
    let progress = Progress::new(
        u64::from(scenario.replicates) * u64::from(scenario.format.sessions),
        args.quiet,
    );
    pool.install(|| {
        engine::run(
            &scenario,
            &|| progress.step_done(),
            |result: ReplicateResult| -> Result<(), Error> {
                for row in &result.timeseries {
                    timeseries.row(row)?;
                }
                if let Some(members) = members.as_mut() {
                    for row in &result.members {
                        members.row(row)?;
                    }
                }
                run_summary.add(&result);
                Ok(())
            },
        )
    })?;
    timeseries.finish()?;
    if let Some(members) = members {
        members.finish()?;
    }
    folder.write_text("scenario.resolved.toml", &scenario.resolved_toml())?;

    let mut files: Vec<String> = vec!["timeseries.csv".into()];
    if scenario.output.members_csv {
        files.push("members.csv".into());
    }
    files.extend(["scenario.resolved.toml".into(), "manifest.json".into()]);
    let wall = started.elapsed().as_secs_f64();
    let manifest = Manifest {
        bonfire_version: env!("CARGO_PKG_VERSION"),
        scenario: scenario.name.clone(),
        scenario_source: args
            .scenario
            .as_ref()
            .map_or_else(|| "built-in".to_string(), |p| p.display().to_string()),
        seed: scenario.seed,
        replicates: scenario.replicates,
        sessions: scenario.format.sessions,
        members_per_replicate: scenario.total_members(),
        threads,
        wall_time_seconds: (wall * 1000.0).round() / 1000.0,
        command_line: std::env::args().collect(),
        files: files.clone(),
    };
    folder.write_text("manifest.json", &manifest.to_json())?;
    let dir = folder.dir().to_path_buf();
    folder
        .commit()
        .with_context(|| format!("finishing the run in {}", dir.display()))?;
    progress.finish();
    if !args.no_charts {
        plot::render(&dir)?;
        files.extend(["charts/".to_string(), "report.html".to_string()]);
    }

    if !args.quiet {
        summary::print_run(&scenario, &dir, &files, &run_summary, wall);
    }
    Ok(ExitCode::SUCCESS)
}
