//! The files a calibration writes, their rows and how they are read back
//! (for `bonfire plot` and the report).
//!
//! - `posterior.csv`: the final population, a row per particle (best
//!   first): the generation that simulated it, its normalised weight, its
//!   distance and its value of every parameter (a column per key).
//! - `parameters.csv`: per parameter its prior and the weighted posterior's
//!   mean, median and 95% credible interval.
//! - `fit.csv`: per target the observed value and its standard error, and
//!   the posterior particles' simulated values: weighted mean and 95%
//!   band, and the mean's distance from the observation in standard errors.
//! - `generations.csv`: per generation its simulations, tolerance ε,
//!   acceptance rate and the kept particles' weighted mean distance.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::apmc::Population;
use super::driver::{Calibrated, SCENARIO_FILE, TARGETS_FILE};
use super::fit::Source;
use super::targets::Target;
use crate::error::{Error, Result};
use crate::experiment::set_key;
use crate::output::OutputFolder;
use crate::output::rows;
use crate::sensitivity::spec::{Factor, Session, Values};

/// One row of `fit.csv`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FitRow {
    /// `metric@step`, with `ARM:` before it for a target of a named arm.
    pub target: String,
    pub metric: String,
    /// As the targets file gives it: a session number, or `end`.
    pub step: String,
    /// The session it is read at (`end` resolved to the last session).
    pub session: u32,
    /// The arm's label in `timeseries.csv` (`control` for control members).
    pub arm: String,
    pub observed: f64,
    pub sd: f64,
    /// The posterior's weighted mean of the particles' simulated values.
    pub simulated: Option<f64>,
    /// The weighted 2.5% and 97.5% quantiles of those values.
    pub simulated_low: Option<f64>,
    pub simulated_high: Option<f64>,
    /// (simulated − observed) / sd.
    pub z: Option<f64>,
}

/// One row of `posterior.csv` without its parameter columns (which are
/// named by the parameters' keys).
#[derive(Debug, Clone, PartialEq)]
pub struct Particle {
    pub generation: usize,
    pub weight: f64,
    pub distance: f64,
    /// Each parameter's value, as the scenario sets it.
    pub values: Vec<toml::Value>,
}

/// One row of `parameters.csv`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParameterRow {
    pub parameter: String,
    /// The prior as written: `0.005 to 0.08 (log)`, `6 to 14`, `a, b`.
    pub prior: String,
    /// The weighted mean (numbers only).
    pub mean: Option<f64>,
    /// The weighted median and 2.5% and 97.5% quantiles, as the scenario
    /// would set them.
    pub median: String,
    pub low: String,
    pub high: String,
    /// The prior's ends in the unit cube's terms: where the median and the
    /// interval lie within the prior range, from 0 to 1 (for the chart).
    pub median_unit: f64,
    pub low_unit: f64,
    pub high_unit: f64,
}

/// One row of `generations.csv`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerationRow {
    pub generation: usize,
    /// Particles simulated in the generation (each over every replicate).
    pub simulations: usize,
    /// The largest distance kept after it.
    pub epsilon: f64,
    /// The share of its new particles closer than the previous ε (empty
    /// for generation 0).
    pub acceptance: Option<f64>,
    /// The kept particles' weighted mean distance.
    pub mean_distance: f64,
}

pub fn read_fit(path: &Path) -> Result<Vec<FitRow>> {
    rows::read(path)
}

pub fn read_parameters(path: &Path) -> Result<Vec<ParameterRow>> {
    rows::read(path)
}

pub fn read_generations(path: &Path) -> Result<Vec<GenerationRow>> {
    rows::read(path)
}

/// The weighted quantile `q` of `values`: the smallest value whose
/// cumulative weight (in the values' order) reaches `q` of the total.
pub fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let total: f64 = weights.iter().sum();
    let mut cumulative = 0.0;
    for &i in &order {
        cumulative += weights[i];
        if cumulative >= q * total {
            return values[i];
        }
    }
    order.last().map_or(f64::NAN, |&i| values[i])
}

/// A prior as the user wrote it, for `parameters.csv`.
pub fn prior_text(factor: &Factor) -> String {
    match &factor.values {
        Values::Real { from, to, log } => {
            format!("{from} to {to}{}", if *log { " (log)" } else { "" })
        }
        Values::Whole { from, to } => format!("{from} to {to}"),
        Values::List(list) => list
            .iter()
            .map(|v| match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A value as the scenario file writes it.
fn written(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn number(value: &toml::Value) -> Option<f64> {
    value.as_float().or(value.as_integer().map(|i| i as f64))
}

/// The posterior of every parameter: its weighted mean, median and 95%
/// interval, each quantile taken on the prior's unit axis and read back
/// through the prior (so a whole-number or listed parameter gets one of
/// its values).
pub fn parameter_rows(parameters: &[Factor], population: &Population) -> Vec<ParameterRow> {
    let weights = population.normalized();
    parameters
        .iter()
        .enumerate()
        .map(|(j, factor)| {
            let unit: Vec<f64> = population.points.iter().map(|x| x[j]).collect();
            let values: Vec<toml::Value> = unit.iter().map(|&u| factor.at(u)).collect();
            let mean = values
                .iter()
                .map(number)
                .zip(&weights)
                .map(|(v, w)| v.map(|v| v * w))
                .sum::<Option<f64>>();
            let at = |q: f64| weighted_quantile(&unit, &weights, q);
            let (low, median, high) = (at(0.025), at(0.5), at(0.975));
            ParameterRow {
                parameter: factor.key.clone(),
                prior: prior_text(factor),
                mean,
                median: written(&factor.at(median)),
                low: written(&factor.at(low)),
                high: written(&factor.at(high)),
                median_unit: median,
                low_unit: low,
                high_unit: high,
            }
        })
        .collect()
}

/// Every target's observation beside the posterior particles' simulated
/// figures (weighted mean and 95% band). `simulated` holds each kept
/// particle's figures, in the population's order.
pub fn fit_rows(
    targets: &[Target],
    sources: &[Source],
    arms: &[String],
    population: &Population,
    simulated: &[&Vec<Option<f64>>],
) -> Vec<FitRow> {
    let weights = population.normalized();
    targets
        .iter()
        .zip(sources)
        .enumerate()
        .map(|(t, (target, source))| {
            let figures: Option<Vec<f64>> = simulated.iter().map(|s| s[t]).collect();
            let (mean, low, high) = match figures {
                Some(f) => (
                    Some(f.iter().zip(&weights).map(|(v, w)| v * w).sum::<f64>()),
                    Some(weighted_quantile(&f, &weights, 0.025)),
                    Some(weighted_quantile(&f, &weights, 0.975)),
                ),
                None => (None, None, None),
            };
            let label = match target.arm.as_str() {
                "" => arms[source.arm].clone(),
                _ => source.label.clone(),
            };
            FitRow {
                target: target.label(),
                metric: crate::output::METRICS[target.metric].name.to_string(),
                step: match target.session {
                    Session::End => "end".into(),
                    Session::Step(s) => s.to_string(),
                },
                session: source.session,
                arm: label,
                observed: target.value,
                sd: target.sd,
                simulated: mean,
                simulated_low: low,
                simulated_high: high,
                z: mean.map(|m| (m - target.value) / target.sd),
            }
        })
        .collect()
}

/// `posterior.csv`'s header and records.
pub fn posterior_records(
    parameters: &[Factor],
    particles: &[Particle],
) -> (Vec<String>, Vec<Vec<String>>) {
    let header = ["particle", "generation", "weight", "distance"]
        .into_iter()
        .map(str::to_string)
        .chain(parameters.iter().map(|f| f.key.clone()))
        .collect();
    let records = particles
        .iter()
        .enumerate()
        .map(|(i, p)| {
            [
                i.to_string(),
                p.generation.to_string(),
                p.weight.to_string(),
                p.distance.to_string(),
            ]
            .into_iter()
            .chain(p.values.iter().map(written))
            .collect()
        })
        .collect();
    (header, records)
}

/// The scenario with every calibrated parameter set to its posterior
/// median, without its `[calibration]` table, named `NAME-fitted`; a
/// comment on top says where the values came from.
pub fn fitted_scenario(
    resolved: &str,
    parameters: &[Factor],
    rows: &[ParameterRow],
) -> std::result::Result<String, String> {
    let mut table: toml::Table = resolved
        .parse()
        .map_err(|e: toml::de::Error| e.to_string())?;
    table.remove("calibration");
    let name = table
        .get("name")
        .and_then(toml::Value::as_str)
        .unwrap_or("scenario")
        .to_string();
    table.insert("name".into(), toml::Value::String(format!("{name}-fitted")));
    let mut header = format!(
        "# {name}, fitted by `bonfire calibrate`: each calibrated parameter set to\n# its posterior median (95% credible interval and prior in the comment).\n"
    );
    for (factor, row) in parameters.iter().zip(rows) {
        header.push_str(&format!(
            "#   {} = {}   (95%: {} to {}; prior {})\n",
            row.parameter, row.median, row.low, row.high, row.prior
        ));
        set_key(&mut table, &factor.key, factor.at(row.median_unit));
    }
    let body = toml::to_string(&table).map_err(|e| e.to_string())?;
    Ok(format!("{header}\n{body}"))
}

/// A generation's row from the population it left.
pub fn generation_row(generation: usize, simulations: usize, p: &Population) -> GenerationRow {
    let weights = p.normalized();
    GenerationRow {
        generation,
        simulations,
        epsilon: p.epsilon,
        acceptance: p.acceptance,
        mean_distance: weights.iter().zip(&p.distances).map(|(w, d)| w * d).sum(),
    }
}

/// What a finished calibration wrote, for the summary on stdout.
#[derive(Debug, Clone)]
pub struct Written {
    pub files: Vec<String>,
    pub parameters: Vec<ParameterRow>,
    pub fit: Vec<FitRow>,
    pub generations: Vec<GenerationRow>,
}

/// Writes the calibration's files into its folder, the manifest last.
pub fn write(
    c: &Calibrated,
    dir: &Path,
    manifest: impl FnOnce(&[String]) -> String,
) -> Result<Written> {
    let plan = c
        .experiment
        .calibration
        .as_ref()
        .expect("a calibration's experiment has its plan");
    let parameters = &plan.spec.parameters;
    let posterior = c.posterior();
    let weights = posterior.normalized();
    let mut particles = Vec::new();
    let mut simulated = Vec::new();
    for ((point, &weight), &distance) in posterior
        .points
        .iter()
        .zip(&weights)
        .zip(&posterior.distances)
    {
        let (generation, figures) = c.simulated_of(point);
        simulated.push(figures);
        particles.push(Particle {
            generation,
            weight,
            distance,
            values: super::values(parameters, point),
        });
    }
    let arms: Vec<String> = c.experiment.arms.iter().map(|a| a.name.clone()).collect();
    let parameter_rows = parameter_rows(parameters, posterior);
    let fit = fit_rows(&c.targets, &c.sources, &arms, posterior, &simulated);
    let generations: Vec<GenerationRow> = c
        .populations
        .iter()
        .zip(&c.generations)
        .enumerate()
        .map(|(g, (p, generation))| generation_row(g, generation.particles.len(), p))
        .collect();

    let mut folder = OutputFolder::reopen(dir);
    let (header, records) = posterior_records(parameters, &particles);
    let (w, path) = folder.create("posterior.csv")?;
    rows::write_records(w, &path, &header, records)?;
    write_rows(&mut folder, "parameters.csv", &parameter_rows)?;
    write_rows(&mut folder, "fit.csv", &fit)?;
    write_rows(&mut folder, "generations.csv", &generations)?;
    let resolved_path = dir.join(SCENARIO_FILE);
    let resolved = std::fs::read_to_string(&resolved_path).map_err(|source| Error::Io {
        action: "read",
        path: resolved_path.clone(),
        source,
    })?;
    let fitted =
        fitted_scenario(&resolved, parameters, &parameter_rows).map_err(|message| Error::Io {
            action: "write the fitted scenario from",
            path: resolved_path,
            source: std::io::Error::other(message),
        })?;
    folder.write_text("scenario.fitted.toml", &fitted)?;
    let mut files: Vec<String> = CALIBRATION_FILES.iter().map(|f| f.to_string()).collect();
    files.extend([
        SCENARIO_FILE.to_string(),
        TARGETS_FILE.to_string(),
        "manifest.json".to_string(),
    ]);
    folder.write_text("manifest.json", &manifest(&files))?;
    folder.commit()?;
    Ok(Written {
        files,
        parameters: parameter_rows,
        fit,
        generations,
    })
}

/// The files a finished calibration writes besides its manifest.
pub const CALIBRATION_FILES: [&str; 5] = [
    "posterior.csv",
    "parameters.csv",
    "fit.csv",
    "generations.csv",
    "scenario.fitted.toml",
];

fn write_rows<T: Serialize>(folder: &mut OutputFolder, name: &str, items: &[T]) -> Result<()> {
    let (w, path) = folder.create(name)?;
    let mut writer = csv::Writer::from_writer(w);
    for item in items {
        writer.serialize(item).map_err(|source| Error::Csv {
            path: path.clone(),
            source,
        })?;
    }
    writer.flush().map_err(|source| Error::Io {
        action: "write",
        path,
        source,
    })
}
