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

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::apmc::Population;
use super::driver::{Calibrated, SCENARIO_FILE, TARGETS_FILE};
use super::fit::Source;
use super::targets::Target;
use crate::error::{Error, Result};
use crate::experiment::set_key;
use crate::output::OutputFolder;
use crate::output::manifest::{self, MANIFEST};
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
    /// Its row in its generation's `particles.csv` (`particle` there).
    pub particle: usize,
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
        .map(|p| {
            [
                p.particle.to_string(),
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
    manifest: impl FnOnce(&[String], BTreeMap<String, u64>) -> String,
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
        let (generation, particle, figures) = c.simulated_of(point);
        simulated.push(figures);
        particles.push(Particle {
            particle,
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
        MANIFEST.to_string(),
    ]);
    let mut lengths = folder.lengths(&files)?;
    // Each generation's record of its particles.
    for g in 0..c.generations.len() {
        let generation = super::driver::generation_dir(dir, g);
        let name = generation
            .file_name()
            .expect("a generation's folder has a name");
        lengths.extend(manifest::lengths_in(dir, &name.to_string_lossy(), |_| {
            true
        })?);
    }
    folder.write_text(MANIFEST, &manifest(&files, lengths))?;
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

/// A number shown to four significant digits without trailing zeros (a
/// value that is not a number, such as a listed word, as it is).
pub fn short(cell: &str) -> String {
    match cell.parse::<f64>() {
        Ok(x) if x != 0.0 && x.is_finite() => {
            let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
            let text = format!("{x:.digits$}");
            match text.contains('.') {
                true => text.trim_end_matches('0').trim_end_matches('.').to_string(),
                false => text,
            }
        }
        _ => cell.to_string(),
    }
}

/// How a calibration ended, from its files: `floor` is the tolerance
/// floor of its targets, `min_acceptance` and `cap` its settings.
pub fn ending(
    generations: &[GenerationRow],
    floor: f64,
    min_acceptance: f64,
    cap: usize,
) -> String {
    let Some(last) = generations.last() else {
        return "no generation ran".into();
    };
    let simulated: usize = generations.iter().map(|g| g.simulations).sum();
    let ran = format!(
        "{} generation(s), {simulated} particles simulated",
        generations.len()
    );
    if !converged(generations, floor, min_acceptance) {
        return format!(
            "{ran}; stopped at the cap of {cap} generations with tolerance {:.2}, above the targets' own uncertainty ({floor:.2}): the posterior may still narrow (raise [calibration] generations)",
            last.epsilon
        );
    }
    if last.epsilon <= floor {
        format!(
            "{ran}; converged: every kept particle fits the targets within their own uncertainty (root mean square z at most {floor:.2}, the 95% chi-square bound for this many targets)"
        )
    } else {
        format!(
            "{ran}; converged: fewer than {:.0}% of the last generation's new particles came closer than the tolerance (root mean square z {:.2})",
            100.0 * min_acceptance,
            last.epsilon
        )
    }
}

/// Whether a calibration's last generation ended it by converging: its
/// tolerance at the targets' own uncertainty (`floor`), or fewer than
/// `min_acceptance` of its new particles came closer than it; else it
/// stopped at the cap of generations (or none ran).
pub fn converged(generations: &[GenerationRow], floor: f64, min_acceptance: f64) -> bool {
    generations.last().is_some_and(|last| {
        last.epsilon <= floor || last.acceptance.is_some_and(|a| a < min_acceptance)
    })
}

/// Which end of its prior a parameter's posterior is pressed against, if
/// either: its 95% interval lies in one half of the prior range and
/// reaches within 1% of that half's end. Its interval is then the prior's
/// edge, not the targets' doing.
fn against_prior_end(p: &ParameterRow) -> Option<&'static str> {
    if p.high_unit > 0.99 && p.low_unit > 0.5 {
        Some("upper")
    } else if p.low_unit < 0.01 && p.high_unit < 0.5 {
        Some("lower")
    } else {
        None
    }
}

/// One sentence per parameter (its posterior and how far the targets pin
/// it down, or that the prior's end holds it) and one on the fit (which
/// targets the posterior misses, and whether the cap of generations, where
/// the calibration has not `converged`, or a prior may be why).
pub fn findings(parameters: &[ParameterRow], fit: &[FitRow], converged: bool) -> Vec<String> {
    let mut sentences: Vec<String> = parameters
        .iter()
        .map(|p| {
            let share = (p.high_unit - p.low_unit).clamp(0.0, 1.0);
            let spans = format!("the interval spans {:.0}% of the prior range", 100.0 * share);
            let pinned = match against_prior_end(p) {
                Some(end) => format!(
                    "pressed against the prior's {end} end: {spans}, but it is the prior's edge that holds it there, not the targets (widen the prior to see where they put it)"
                ),
                None if share < 0.25 => format!("well identified by the targets: {spans}"),
                None if share < 0.6 => format!("partly identified by the targets: {spans}"),
                None => format!("barely identified: {spans}; the targets leave most of the prior open"),
            };
            format!(
                "{}: {} (95% credible interval {} to {}; prior {}), {pinned}.",
                crate::sensitivity::results::short_name(&p.parameter),
                short(&p.median),
                short(&p.low),
                short(&p.high),
                p.prior,
            )
        })
        .collect();
    let missed: Vec<String> = fit
        .iter()
        .filter(|f| f.z.is_none_or(|z| z.abs() > 2.0))
        .map(|f| match f.z {
            Some(z) => format!("{} (z = {z:+.1})", f.target),
            None => format!("{} (not defined in the runs)", f.target),
        })
        .collect();
    let held: Vec<&str> = parameters
        .iter()
        .filter(|p| against_prior_end(p).is_some())
        .map(|p| crate::sensitivity::results::short_name(&p.parameter))
        .collect();
    let why = if !converged {
        "The calibration stopped at its cap of generations before converging, and the posterior may still move toward them: raise [calibration] generations before concluding that the model cannot reproduce the targets together.".to_string()
    } else if held.is_empty() {
        "The model, with these parameters free, cannot reproduce them together; read the others with that in mind.".to_string()
    } else {
        format!(
            "With {} pressed against its prior's end, the priors may be what keeps the model from them: widen them before concluding that the model cannot reproduce the targets together.",
            held.join(" and ")
        )
    };
    sentences.push(if missed.is_empty() {
        format!(
            "The posterior reproduces all {} targets: each simulated mean lies within 2 standard errors of the observation.",
            fit.len()
        )
    } else {
        format!(
            "The posterior misses {} of {} targets by more than 2 standard errors: {}. {why}",
            missed.len(),
            fit.len(),
            missed.join(", ")
        )
    });
    sentences
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_pressed_against_its_prior_s_end_is_said_to_be_held_by_it() {
        let parameter = |low_unit, high_unit| ParameterRow {
            parameter: "mechanisms.loneliness.tie_relief".into(),
            prior: "0.1 to 4".into(),
            median: "3.99".into(),
            low: "3.82".into(),
            high: "3.998".into(),
            low_unit,
            high_unit,
            ..ParameterRow::default()
        };
        let missed = [FitRow {
            target: "loneliness_mean at 16".into(),
            z: Some(4.25),
            ..FitRow::default()
        }];
        let held = findings(&[parameter(0.955, 0.9995)], &missed, true);
        assert!(
            held[0].contains("pressed against the prior's upper end"),
            "{}",
            held[0]
        );
        assert!(!held[0].contains("well identified"), "{}", held[0]);
        assert!(
            held[1].contains("With loneliness.tie_relief pressed against its prior's end"),
            "{}",
            held[1]
        );
        assert!(
            !held[1].contains("cannot reproduce them together;"),
            "{}",
            held[1]
        );
        let lower = findings(&[parameter(0.0005, 0.04)], &missed, true);
        assert!(lower[0].contains("prior's lower end"), "{}", lower[0]);
        // Narrow in the middle of the prior: identified, and a miss is the
        // model's.
        let inside = findings(&[parameter(0.40, 0.55)], &missed, true);
        assert!(inside[0].contains("well identified"), "{}", inside[0]);
        assert!(
            inside[1].contains("cannot reproduce them together"),
            "{}",
            inside[1]
        );
        // A flat posterior spans the prior, touching neither end's 1%.
        let flat = findings(&[parameter(0.025, 0.975)], &missed, true);
        assert!(flat[0].contains("barely identified"), "{}", flat[0]);
        // Stopped at the cap, a miss is not yet the model's.
        let capped = findings(&[parameter(0.40, 0.55)], &missed, false);
        assert!(
            capped[1].contains("stopped at its cap of generations before converging")
                && !capped[1].contains("cannot reproduce them together;"),
            "{}",
            capped[1]
        );
    }

    #[test]
    fn a_calibration_converges_at_the_floor_or_when_few_come_closer() {
        let generation = |epsilon, acceptance| GenerationRow {
            epsilon,
            acceptance,
            ..GenerationRow::default()
        };
        assert!(!converged(&[], 1.0, 0.05));
        assert!(converged(&[generation(0.9, Some(0.5))], 1.0, 0.05));
        assert!(converged(&[generation(2.0, Some(0.01))], 1.0, 0.05));
        assert!(!converged(&[generation(2.0, Some(0.5))], 1.0, 0.05));
        assert!(!converged(&[generation(2.0, None)], 1.0, 0.05));
    }

    #[test]
    fn weighted_quantiles_follow_the_weights() {
        let values = [3.0, 1.0, 2.0, 4.0];
        let even = [0.25; 4];
        assert_eq!(weighted_quantile(&values, &even, 0.5), 2.0);
        assert_eq!(weighted_quantile(&values, &even, 0.975), 4.0);
        assert_eq!(weighted_quantile(&values, &even, 0.0), 1.0);
        // All the weight on one value: every quantile is that value.
        let one = [0.0, 0.0, 1.0, 0.0];
        assert_eq!(weighted_quantile(&values, &one, 0.025), 2.0);
        assert_eq!(weighted_quantile(&values, &one, 0.975), 2.0);
    }

    #[test]
    fn numbers_are_shown_short() {
        assert_eq!(short("0.0279621414889"), "0.02796");
        assert_eq!(short("0.02"), "0.02");
        assert_eq!(short("6.3790"), "6.379");
        assert_eq!(short("1200"), "1200");
        assert_eq!(short("peer"), "peer");
    }

    #[test]
    fn the_fitted_scenario_sets_the_medians_and_drops_the_table() {
        let factor = Factor {
            key: "mechanisms.dropout.base_hazard".into(),
            values: Values::Real {
                from: 0.01,
                to: 0.05,
                log: false,
            },
        };
        let row = ParameterRow {
            parameter: factor.key.clone(),
            median_unit: 0.5,
            ..ParameterRow::default()
        };
        let resolved = "name = \"x\"\n[mechanisms.dropout]\nbase_hazard = 0.02\n[calibration]\nparticles = 8\n";
        let text = fitted_scenario(resolved, &[factor], &[row]).unwrap();
        let table: toml::Table = text.parse().unwrap();
        assert_eq!(table["name"].as_str(), Some("x-fitted"));
        assert_eq!(
            table["mechanisms"]["dropout"]["base_hazard"].as_float(),
            Some(0.03)
        );
        assert!(!table.contains_key("calibration"));
    }
}
