//! Running a calibration: its generations, each an experiment run into a
//! folder of its own, one after the other.
//!
//! The calibration's folder holds the scenario as resolved and the targets
//! as given (both written before the first run), and a folder per
//! generation, `generation-NNN/`. A generation's particles are fixed by the
//! previous generations' results and the seed, so the driver finds them
//! again by replaying: for each generation it makes the particles, runs the
//! experiment whose points they are into the generation's folder (its runs'
//! parts, seals and `--resume` as for any run), and writes
//! `particles.csv` (every particle's values, simulated figures and
//! distance) before its parts go. A generation with its `particles.csv` is
//! read, not run again; an interrupted one resumes run by run. A fresh
//! calibration and one resumed any number of times therefore produce the
//! same bytes.

use std::path::{Path, PathBuf};

use super::apmc::{self, Population};
use super::targets::{self, Target};
use super::{Plan, fit, generation_seed};
use crate::error::{Error, Origin, Result};
use crate::experiment::{Experiment, Overrides, RunSpec};
use crate::output::display_float::{display_cell, display_text};
use crate::output::lock::FolderLock;
use crate::output::parts::{self, RunParts};
use crate::output::{GENERATION_PREFIX, PARTS_DIR, durable, rows, write_atomically};
use crate::runner::{self, Shard};

/// Where a calibration keeps the scenario it runs.
pub const SCENARIO_FILE: &str = "scenario.resolved.toml";
pub use crate::output::TARGETS_FILE;
/// A generation's record of its particles.
pub const PARTICLES_FILE: &str = "particles.csv";

/// The folder of generation `g`.
pub fn generation_dir(dir: &Path, g: usize) -> PathBuf {
    dir.join(format!("{GENERATION_PREFIX}{g:03}"))
}

/// What the driver tells the command line as it goes.
pub trait Watch: Sync {
    /// A generation (or a shard's slice of it) starts.
    fn generation_started(&self, start: &GenerationStart);
    /// One session step of one run is done.
    fn step_done(&self);
    /// A run's parts did not match their seal; it runs again.
    fn damaged(&self, dir: &Path, run: u64, why: &str);
    /// A generation is done (run now or read back): the population it
    /// leaves.
    fn generation_done(&self, generation: usize, population: &Population, ran: bool);
}

/// What a generation (or a shard's slice of it) has yet to run when it
/// starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerationStart {
    pub generation: usize,
    /// Its runs (the shard's, for a shard).
    pub runs: u64,
    /// Those not yet sealed, which run now.
    pub left: u64,
    /// The sessions those step through, each run's own.
    pub sessions: u64,
    /// The shard folders whose sealed runs were gathered first (0 where
    /// none was, and for a shard).
    pub shards: usize,
}

impl GenerationStart {
    /// The start of `generation`'s `runs`, those not sealed in `dir` left.
    fn of(
        generation: usize,
        experiment: &Experiment,
        dir: &Path,
        runs: &[RunSpec],
        shards: usize,
    ) -> GenerationStart {
        let left: Vec<&RunSpec> = runs
            .iter()
            .filter(|r| runner::verify_run(experiment, dir, r) != RunParts::Verified)
            .collect();
        GenerationStart {
            generation,
            runs: runs.len() as u64,
            left: left.len() as u64,
            sessions: left.iter().map(|r| experiment.run_sessions(r)).sum(),
            shards,
        }
    }
}

/// Every particle a generation simulated: its place in the unit cube, its
/// simulated figures and its distance.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    pub particles: Vec<Vec<f64>>,
    pub simulated: Vec<Vec<Option<f64>>>,
    pub distances: Vec<f64>,
}

/// A finished calibration.
#[derive(Debug, Clone)]
pub struct Calibrated {
    /// The experiment of generation 0 (the scenario, its plan and arms).
    pub experiment: Experiment,
    pub targets: Vec<Target>,
    pub sources: Vec<fit::Source>,
    pub generations: Vec<Generation>,
    /// The population each generation left; the last is the posterior
    /// sample.
    pub populations: Vec<Population>,
    /// Whether it stopped because the acceptance rate fell below
    /// `min_acceptance` (else: the generations cap).
    pub converged: bool,
}

/// The calibration in `dir`: its scenario and targets as written there.
fn load(dir: &Path) -> Result<(String, Origin, Experiment, Vec<Target>)> {
    let path = dir.join(SCENARIO_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| Error::ReadScenario {
        path: path.clone(),
        source,
    })?;
    let origin = Origin::File(path);
    let experiment = Experiment::parse(&text, &origin, &Overrides::default())?;
    let targets = targets::read(&dir.join(TARGETS_FILE))?;
    Ok((text, origin, experiment, targets))
}

/// What a call of [`run`] does with the first generation not yet
/// finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Runs it (first gathering what its shards ran), and every later
    /// one, to the end.
    Whole,
    /// Runs this shard's slice of it into its own folder
    /// (`generation-NNN/shard-I-of-N/`), then stops.
    Shard(Shard),
    /// Gathers what its shards ran, runs what they left, finishes it, and
    /// stops before a generation of which nothing has run yet.
    Gather,
}

/// How a call of [`run`] ended.
#[derive(Debug)]
pub enum Ended {
    /// Every generation is finished.
    Finished(Box<Calibrated>),
    /// A shard ran its slice of a generation (how many of its runs ran, of
    /// how many); `None`: no generation is left to run.
    ShardDone(Option<(usize, u64, u64)>),
    /// Gathering stopped before this generation: nothing of it has run.
    Waiting(usize),
}

/// The folder of shard `shard` of a generation.
pub fn shard_dir(gen_dir: &Path, shard: Shard) -> PathBuf {
    gen_dir.join(format!("shard-{}-of-{}", shard.index, shard.count))
}

/// The shard folders of a generation, in name order.
fn shard_dirs(gen_dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(gen_dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("shard-"))
        })
        .collect();
    found.sort();
    found
}

/// Runs one shard's slice of a generation into its own folder, under that
/// folder's lock; returns how many of its runs ran, and how many it has.
fn run_shard(
    gen_dir: &Path,
    experiment: &Experiment,
    shard: Shard,
    g: usize,
    watch: &dyn Watch,
) -> Result<(u64, u64)> {
    plan_generation(gen_dir, experiment)?;
    let dir = shard_dir(gen_dir, shard);
    let _lock = FolderLock::acquire(&dir, &format!("calibrate shard {shard} of generation {g}"))?;
    let in_shard: Vec<RunSpec> = experiment.runs().filter(|r| shard.includes(r.id)).collect();
    watch.generation_started(&GenerationStart::of(g, experiment, &dir, &in_shard, 0));
    let ran = runner::run_pending(
        experiment,
        &dir,
        Some(shard),
        &|| watch.step_done(),
        &|run, why| watch.damaged(&dir, run, why),
    )?;
    Ok((ran, in_shard.len() as u64))
}

/// Copies the sealed runs of a generation's shard folders into its own
/// parts, each shard folder locked first (a shard still running is
/// refused, by its lock). The locks are returned, to be held until the
/// generation is finished and the shard folders are gone, so that no shard
/// starts in one meanwhile.
fn gather(gen_dir: &Path) -> Result<Vec<(PathBuf, FolderLock)>> {
    let mut held = Vec::new();
    for shard in shard_dirs(gen_dir) {
        let lock = FolderLock::acquire(&shard, GATHERING)?;
        let from = shard.join(PARTS_DIR);
        if from.is_dir() {
            parts::copy_sealed_runs(&from, &gen_dir.join(PARTS_DIR))?;
        }
        held.push((shard, lock));
    }
    Ok(held)
}

/// What a gathering process tells a shard its lock refuses.
const GATHERING: &str = "calibrate --resume (gathering the shards)";

/// Removes what a finished generation no longer needs: its runs' parts and
/// its shard folders (also when a calibration stopped between writing
/// `particles.csv` and removing them). Each shard folder is locked while
/// it goes, unless `held` holds its lock already: one a shard still runs
/// in is refused, not pulled from under it.
fn remove_parts(gen_dir: &Path, held: &[(PathBuf, FolderLock)]) -> Result<()> {
    durable::remove_dir_durably(&gen_dir.join(PARTS_DIR))?;
    let planned = gen_dir.join(PLANNED_FILE);
    if planned.exists() {
        std::fs::remove_file(&planned).map_err(|source| Error::Io {
            action: "remove",
            path: planned,
            source,
        })?;
    }
    for shard in shard_dirs(gen_dir) {
        let _lock = if held.iter().any(|(dir, _)| *dir == shard) {
            None
        } else {
            Some(FolderLock::acquire(&shard, GATHERING)?)
        };
        durable::remove_dir_durably(&shard)?;
    }
    // A shard folder whose removal a crash cut short after its rename
    // (`.shard-I-of-N.removing`) goes too: nothing else looks for it.
    for cut_short in leftover_removals(gen_dir) {
        durable::remove_dir_durably(&cut_short)?;
    }
    Ok(())
}

/// The shard folders of `gen_dir` that a crash left renamed for removal,
/// each by the name it had (`shard-I-of-N`), which
/// [`durable::remove_dir_durably`] finishes removing.
fn leftover_removals(gen_dir: &Path) -> Vec<PathBuf> {
    let names = std::fs::read_dir(gen_dir).into_iter().flatten().flatten();
    names
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let shard = name.strip_prefix(".shard-")?.strip_suffix(".removing")?;
            Some(gen_dir.join(format!("shard-{shard}")))
        })
        .collect()
}

/// A generation's simulated figures, read back or run now, or how a call
/// of [`run`] ends before it has them.
enum Figures {
    Read(Vec<Vec<Option<f64>>>),
    Ran(Vec<Vec<Option<f64>>>),
    Stopped(Ended),
}

/// Generation `g`'s figures: read back from its `particles.csv` when it is
/// finished (its leftover parts removed, except by a shard, which does
/// not hold the calibration's lock), else run as `mode` says.
fn figures(
    gen_dir: &Path,
    this: &Experiment,
    targets: &[Target],
    sources: &[fit::Source],
    g: usize,
    watch: &dyn Watch,
    mode: Mode,
) -> Result<Figures> {
    if let Some(simulated) = read_generation(gen_dir, this, targets)? {
        if !matches!(mode, Mode::Shard(_)) {
            remove_parts(gen_dir, &[])?;
        }
        return Ok(Figures::Read(simulated));
    }
    match mode {
        Mode::Shard(shard) => {
            let (ran, of) = run_shard(gen_dir, this, shard, g, watch)?;
            Ok(Figures::Stopped(Ended::ShardDone(Some((g, ran, of)))))
        }
        Mode::Gather if !gen_dir.is_dir() => Ok(Figures::Stopped(Ended::Waiting(g))),
        Mode::Whole | Mode::Gather => {
            let shards = gather(gen_dir)?;
            let simulated = run_generation(gen_dir, this, targets, sources, g, watch, &shards)?;
            Ok(Figures::Ran(simulated))
        }
    }
}

/// Runs, or resumes, the calibration in `dir`: to its end, or as `mode`
/// says.
pub fn run(dir: &Path, watch: &dyn Watch, mode: Mode) -> Result<Ended> {
    let (text, origin, experiment, targets) = load(dir)?;
    let plan = experiment
        .calibration
        .clone()
        .expect("a calibration's folder holds a [calibration] scenario");
    let targets_path = dir.join(TARGETS_FILE);
    let sources = fit::sources(&targets, &experiment, &plan, &targets_path)?;
    let settings = plan.spec.settings(targets.len());
    let mut generations = Vec::new();
    let mut populations: Vec<Population> = Vec::new();
    let mut converged = false;
    for g in 0..plan.spec.generations {
        let proposals = populations
            .last()
            .map(|p| apmc::propose(&settings, p, generation_seed(plan.seed, g)));
        let this = match &proposals {
            None => experiment.clone(),
            Some(proposals) => {
                let overrides = Overrides::default().with_particles(proposals.points.clone());
                Experiment::parse(&text, &origin, &overrides)?
            }
        };
        let gen_dir = generation_dir(dir, g);
        let (simulated, ran) = match figures(&gen_dir, &this, &targets, &sources, g, watch, mode)? {
            Figures::Read(simulated) => (simulated, false),
            Figures::Ran(simulated) => (simulated, true),
            Figures::Stopped(ended) => return Ok(ended),
        };
        if g == 0 {
            fit::check_defined(&targets, &simulated, &targets_path)?;
        }
        let distances: Vec<f64> = simulated
            .iter()
            .map(|s| fit::distance(&targets, s))
            .collect();
        let particles = this
            .calibration
            .as_ref()
            .expect("each generation is a calibration's")
            .particles
            .clone();
        let next = match (populations.last(), proposals) {
            (Some(p), Some(proposals)) => apmc::next(&settings, p, proposals, &distances),
            _ => apmc::first(&settings, particles.clone(), &distances),
        };
        if next.points.len() < 2 {
            return Err(Error::TooFewDefined {
                dir: dir.to_path_buf(),
                path: gen_dir.join(PARTICLES_FILE),
                defined: distances.iter().filter(|d| d.is_finite()).count(),
                particles: distances.len(),
            });
        }
        watch.generation_done(g, &next, ran);
        generations.push(Generation {
            particles,
            simulated,
            distances,
        });
        converged = next.done(&settings);
        populations.push(next);
        if converged {
            break;
        }
    }
    if matches!(mode, Mode::Shard(_)) {
        return Ok(Ended::ShardDone(None));
    }
    Ok(Ended::Finished(Box::new(Calibrated {
        experiment,
        targets,
        sources,
        generations,
        populations,
        converged,
    })))
}

impl Calibrated {
    /// The posterior sample: the last generation's population.
    pub fn posterior(&self) -> &Population {
        self.populations
            .last()
            .expect("at least one generation runs")
    }

    /// Where a kept particle was simulated: its generation, its row in
    /// that generation's `particles.csv`, and its simulated figures.
    pub fn simulated_of(&self, point: &[f64]) -> (usize, usize, &Vec<Option<f64>>) {
        self.generations
            .iter()
            .enumerate()
            .find_map(|(g, generation)| {
                let i = generation.particles.iter().position(|p| p == point)?;
                Some((g, i, &generation.simulated[i]))
            })
            .expect("every kept particle was simulated in some generation")
    }
}

/// Runs a generation's pending runs into its folder, reads every
/// particle's figures from the parts, records them in `particles.csv`,
/// then removes the parts.
fn run_generation(
    dir: &Path,
    experiment: &Experiment,
    targets: &[Target],
    sources: &[fit::Source],
    g: usize,
    watch: &dyn Watch,
    shards: &[(PathBuf, FolderLock)],
) -> Result<Vec<Vec<Option<f64>>>> {
    plan_generation(dir, experiment)?;
    let runs: Vec<RunSpec> = experiment.runs().collect();
    watch.generation_started(&GenerationStart::of(
        g,
        experiment,
        dir,
        &runs,
        shards.len(),
    ));
    runner::run_pending(experiment, dir, None, &|| watch.step_done(), &|run, why| {
        watch.damaged(dir, run, why)
    })?;
    runner::check_all_sealed(experiment, dir, None)?;
    let simulated = fit::simulated(experiment, targets, sources, dir)?;
    write_particles(dir, experiment, targets, &simulated)?;
    remove_parts(dir, shards)?;
    Ok(simulated)
}

/// The header of `particles.csv`: `particle`, the parameters' keys,
/// `distance`, the targets' labels.
fn particles_header(experiment: &Experiment, targets: &[Target]) -> Vec<String> {
    std::iter::once("particle".to_string())
        .chain(experiment.point_keys())
        .chain(std::iter::once("distance".to_string()))
        .chain(targets.iter().map(Target::label))
        .collect()
}

/// The particles a generation runs, written before its first run and
/// removed with its parts: its runs' parameter values, so that parts left
/// by an interrupted generation are resumed only by the calibration (and
/// the version of bonfire) that draws the same particles.
pub const PLANNED_FILE: &str = "particles.planned.csv";

/// Writes the generation's planned particles, or checks them against those
/// an interrupted run of it wrote.
fn plan_generation(dir: &Path, experiment: &Experiment) -> Result<()> {
    let path = dir.join(PLANNED_FILE);
    let header: Vec<String> = std::iter::once("particle".to_string())
        .chain(experiment.point_keys())
        .collect();
    let records = (0..experiment.points.len()).map(|p| {
        std::iter::once(p.to_string())
            .chain(experiment.point_values(p))
            .collect()
    });
    let mut bytes = Vec::new();
    rows::write_records(&mut bytes, &path, &header, records)?;
    match std::fs::read(&path) {
        Ok(held) if held == bytes => Ok(()),
        Ok(_) => Err(Error::ForeignGeneration {
            path,
            why: "its runs were for other particles: another calibration's, or another version of bonfire's".into(),
        }),
        Err(_) => {
            durable::create_dir(dir)?;
            write_atomically(&path, &bytes)
        }
    }
}

fn write_particles(
    dir: &Path,
    experiment: &Experiment,
    targets: &[Target],
    simulated: &[Vec<Option<f64>>],
) -> Result<()> {
    let path = dir.join(PARTICLES_FILE);
    let records = simulated.iter().enumerate().map(|(p, figures)| {
        std::iter::once(p.to_string())
            .chain(experiment.point_values(p))
            .chain(std::iter::once(display_text(fit::distance(
                targets, figures,
            ))))
            .chain(figures.iter().copied().map(display_cell))
            .collect()
    });
    let mut bytes = Vec::new();
    rows::write_records(
        &mut bytes,
        &path,
        &particles_header(experiment, targets),
        records,
    )?;
    write_atomically(&path, &bytes)
}

/// A finished generation's simulated figures, read back from its
/// `particles.csv` (`None` when it has none yet). The file must hold these
/// very particles: one written by another calibration is refused.
fn read_generation(
    dir: &Path,
    experiment: &Experiment,
    targets: &[Target],
) -> Result<Option<Vec<Vec<Option<f64>>>>> {
    let path = dir.join(PARTICLES_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let foreign = |why: String| Error::ForeignGeneration {
        path: path.clone(),
        why,
    };
    let mut reader = csv::Reader::from_path(&path).map_err(|source| Error::ReadCsv {
        path: path.clone(),
        source,
    })?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|source| Error::ReadCsv {
            path: path.clone(),
            source,
        })?
        .iter()
        .map(str::to_string)
        .collect();
    if header != particles_header(experiment, targets) {
        return Err(foreign(
            "its columns are not this calibration's parameters and targets".into(),
        ));
    }
    let keys = experiment.point_keys().len();
    let mut simulated = Vec::new();
    for (p, record) in reader.records().enumerate() {
        let record = record.map_err(|source| Error::ReadCsv {
            path: path.clone(),
            source,
        })?;
        let cells: Vec<&str> = record.iter().collect();
        let expected = experiment.points.get(p).map(|_| experiment.point_values(p));
        if expected
            .as_deref()
            .map(|v| v.iter().map(String::as_str).collect::<Vec<_>>())
            != Some(cells[1..=keys].to_vec())
        {
            return Err(foreign(format!(
                "particle {p} is not the one this calibration draws"
            )));
        }
        let figures = cells[keys + 2..]
            .iter()
            .map(|c| match *c {
                "" => Ok(None),
                c => c
                    .parse::<f64>()
                    .map(Some)
                    .map_err(|_| foreign(format!("particle {p}: {c:?} is not a number"))),
            })
            .collect::<Result<Vec<_>>>()?;
        simulated.push(figures);
    }
    if simulated.len() != experiment.points.len() {
        return Err(foreign(format!(
            "{} particles where this calibration has {}",
            simulated.len(),
            experiment.points.len()
        )));
    }
    Ok(Some(simulated))
}

/// Checks a targets file against the scenario before anything is
/// written: every target's arm and session.
pub fn check_targets(experiment: &Experiment, path: &Path) -> Result<Vec<Target>> {
    let targets = targets::read(path)?;
    let plan: &Plan = experiment
        .calibration
        .as_ref()
        .expect("checked only for a [calibration] scenario");
    fit::sources(&targets, experiment, plan, path)?;
    Ok(targets)
}
