//! The results of a sensitivity analysis, from the parts of its runs.
//!
//! Each outcome is read from every run's parts: the analysed arm's value
//! at the outcome's session in its time series, minus (for a `difference:`
//! outcome) the reference's in the same replicate; or (for an
//! `effect_size:` outcome) Cohen's d between the two arms' members' end
//! scores, as `summary.csv` computes it. A point's output is the
//! mean over its replicates; the indices are estimated from the points'
//! outputs in design order ([`estimators`]), with bootstrap intervals.
//!
//! The noise level of each outcome is the share of the outputs' variance
//! that Monte Carlo noise would explain: the mean over points of the
//! replicates' variance divided by their number (the variance of a
//! replicate mean), over the variance of the points' outputs. Each
//! replicate's values are first centred on that replicate's mean over all
//! points, since under common random numbers what a replicate shares at
//! every point moves all points alike. What remains (how the same people
//! respond differently at different points) still partly cancels between
//! nearby points, so the share errs high; an index below it cannot be told
//! from noise.
//!
//! Three files are written: `design.csv` (every point's place in the
//! design and its factor values), `points.csv` (every point's outcomes:
//! mean, standard deviation and replicates) and `sensitivity.csv` (every
//! factor's indices per outcome, with their intervals and the outcome's
//! noise share).

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::estimators::{self, MorrisDesign, SaltelliDesign};
use super::spec::{Measure, Session};
use super::{Analysis, Design, Outcome, Reference};
use crate::conditions;
use crate::error::Result;
use crate::experiment::{Experiment, RunSpec};
use crate::output::display_float::display_cell;
use crate::output::rows::{self, write_records};
use crate::output::{EndRecord, OutputFolder, TimeseriesRow};
use crate::stats::Moments;

/// The value of one outcome in one arm's rows of a run.
pub fn value_at(rows: &[TimeseriesRow], label: &str, outcome: &Outcome) -> Option<f64> {
    let own = || rows.iter().filter(|r| r.arm == label);
    let step = match outcome.session {
        Session::Step(s) => s,
        Session::End => own().map(|r| r.step).max()?,
    };
    own()
        .find(|r| r.step == step)
        .and_then(|r| (outcome.metric().value)(r))
}

/// Every outcome's value per point and replicate: `[outcome][point][replicate]`.
pub type Values = Vec<Vec<Vec<Option<f64>>>>;

/// What one run gives an outcome: a value from its time series, or the
/// moments of its members' end scores (for effect sizes).
#[derive(Debug, Clone, Copy, Default)]
pub struct Reading {
    value: Option<f64>,
    moments: Option<Moments>,
}

/// One outcome's reading of an arm's rows in a run.
fn reading(rows: &[TimeseriesRow], ends: &[EndRecord], label: &str, outcome: &Outcome) -> Reading {
    match outcome.measure {
        Measure::EffectSize => Reading {
            value: None,
            moments: ends
                .iter()
                .find(|e| e.arm == label && e.metric == outcome.metric().name)
                .map(conditions::moments),
        },
        _ => Reading {
            value: value_at(rows, label, outcome),
            moments: None,
        },
    }
}

/// The outcome of a replicate from the analysed arm's and the reference's
/// readings.
fn combine(outcome: &Outcome, own: Reading, reference: Reading) -> Option<f64> {
    match outcome.measure {
        Measure::Value => own.value,
        Measure::Difference => own.value.zip(reference.value).map(|(a, b)| a - b),
        Measure::EffectSize => {
            conditions::effect(outcome.metric(), &own.moments?, &reference.moments?)
        }
    }
}

/// What one run gives each outcome: the analysed arm's reading, and the
/// reference's where the outcome compares with one (`None` where the run
/// gives none).
pub type RunReadings = Vec<(Option<Reading>, Option<Reading>)>;

/// The readings one run gives the analysis, from its time series `rows`
/// and its members' end scores `ends` (read once, for `summary.csv` as
/// well); `None` for a run of neither the analysed arm nor the reference.
pub fn run_readings(
    experiment: &Experiment,
    analysis: &Analysis,
    run: RunSpec,
    rows: &[TimeseriesRow],
    ends: &[EndRecord],
) -> Option<RunReadings> {
    let is_own = run.arm == analysis.arm;
    let is_reference = analysis.reference == Some(Reference::Arm(run.arm));
    if !is_own && !is_reference {
        return None;
    }
    let label = experiment.scenario(run.point, run.arm).arm_name();
    // Each outcome's readings for the run's own arm and the reference.
    let readings = analysis
        .spec
        .outcomes
        .iter()
        .map(|outcome| {
            let mut pair = (None, None);
            if is_own {
                pair.0 = Some(reading(rows, ends, label, outcome));
                if outcome.compares() && analysis.reference == Some(Reference::Control) {
                    pair.1 = Some(reading(rows, ends, "control", outcome));
                }
            }
            if is_reference && outcome.compares() {
                pair.1 = Some(reading(rows, ends, label, outcome));
            }
            pair
        })
        .collect();
    Some(readings)
}

/// Every outcome's values per point and replicate from every run's
/// readings ([`run_readings`], in run order).
pub fn values(
    experiment: &Experiment,
    analysis: &Analysis,
    runs: impl IntoIterator<Item = (RunSpec, RunReadings)>,
) -> Values {
    let outcomes = &analysis.spec.outcomes;
    let empty =
        vec![vec![Reading::default(); experiment.replicates as usize]; experiment.points.len()];
    let mut own = vec![empty.clone(); outcomes.len()];
    let mut reference = vec![empty; outcomes.len()];
    for (run, readings) in runs {
        let (p, r) = (run.point, run.replicate as usize);
        for (o, (own_reading, reference_reading)) in readings.into_iter().enumerate() {
            if let Some(reading) = own_reading {
                own[o][p][r] = reading;
            }
            if let Some(reading) = reference_reading {
                reference[o][p][r] = reading;
            }
        }
    }
    let combined = |o: usize, outcome: &Outcome| -> Vec<Vec<Option<f64>>> {
        own[o]
            .iter()
            .zip(&reference[o])
            .map(|(own, reference)| {
                own.iter()
                    .zip(reference)
                    .map(|(a, b)| combine(outcome, *a, *b))
                    .collect()
            })
            .collect()
    };
    outcomes
        .iter()
        .enumerate()
        .map(|(o, outcome)| combined(o, outcome))
        .collect()
}

/// One point's outcome over its replicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointOutcome {
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub replicates: usize,
}

fn point_outcome(values: &[Option<f64>]) -> PointOutcome {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let n = present.len();
    let mean = (n > 0).then(|| present.iter().sum::<f64>() / n as f64);
    let sd = mean
        .filter(|_| n > 1)
        .map(|m| (present.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1) as f64).sqrt());
    PointOutcome {
        mean,
        sd,
        replicates: n,
    }
}

/// The share of the points' variance that replicate noise would explain;
/// `None` unless every point has every replicate (at least two) and the
/// outputs vary. A replicate's value at a point is first taken relative
/// to that replicate's mean over all points: common random numbers give a
/// replicate the same people at every point, and what is common to a
/// replicate (who was drawn; the control members a difference subtracts)
/// moves every point alike and cannot be mistaken for a factor's effect.
fn noise_share(values: &[Vec<Option<f64>>], outputs: &[f64]) -> Option<f64> {
    let complete: Vec<Vec<f64>> = values
        .iter()
        .map(|replicates| replicates.iter().copied().collect::<Option<Vec<f64>>>())
        .collect::<Option<_>>()?;
    let r = complete.first()?.len();
    if r < 2 {
        return None;
    }
    let points = complete.len() as f64;
    let replicate_means: Vec<f64> = (0..r)
        .map(|i| complete.iter().map(|v| v[i]).sum::<f64>() / points)
        .collect();
    let noise = complete
        .iter()
        .map(|v| {
            let centred: Vec<f64> = v.iter().zip(&replicate_means).map(|(y, m)| y - m).collect();
            let mean = centred.iter().sum::<f64>() / r as f64;
            let variance =
                centred.iter().map(|c| (c - mean) * (c - mean)).sum::<f64>() / (r - 1) as f64;
            variance / r as f64
        })
        .sum::<f64>()
        / points;
    let n = outputs.len() as f64;
    let mean = outputs.iter().sum::<f64>() / n;
    let variance = outputs.iter().map(|y| (y - mean) * (y - mean)).sum::<f64>() / n;
    (variance > 0.0).then(|| noise / variance)
}

/// One row of `sensitivity.csv`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IndexRow {
    /// The outcome as written in `[sensitivity] outcomes`.
    pub outcome: String,
    /// The factor's key.
    pub factor: String,
    /// `S1` (first-order) or `ST` (total) for Sobol; `mu`, `mu_star` or
    /// `sigma` for Morris.
    pub index: String,
    /// Empty when the outcome had no value at some point or no variance.
    pub estimate: Option<f64>,
    /// Bootstrap 95% percentile interval.
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// The outcome's noise share (see the module's header).
    pub noise_share: Option<f64>,
}

impl IndexRow {
    pub const HEADER: [&str; 7] = [
        "outcome",
        "factor",
        "index",
        "estimate",
        "ci_low",
        "ci_high",
        "noise_share",
    ];

    /// The cells, numbers as `Display` prints them, empty for `None`.
    fn record(&self) -> Vec<String> {
        vec![
            self.outcome.clone(),
            self.factor.clone(),
            self.index.clone(),
            display_cell(self.estimate),
            display_cell(self.ci_low),
            display_cell(self.ci_high),
            display_cell(self.noise_share),
        ]
    }
}

/// One index of every factor: its name, estimates and intervals (both
/// empty when the outcome could not be estimated).
struct Index {
    name: &'static str,
    estimates: Vec<f64>,
    intervals: Vec<(f64, f64)>,
}

impl Index {
    fn new(name: &'static str, estimates: Vec<f64>, intervals: Vec<(f64, f64)>) -> Index {
        Index {
            name,
            estimates,
            intervals,
        }
    }
}

/// The rows of an outcome's indices, factor by factor.
fn index_rows(
    analysis: &Analysis,
    outcome: &str,
    noise: Option<f64>,
    indices: Vec<Index>,
) -> Vec<IndexRow> {
    let finite = |x: f64| x.is_finite().then_some(x);
    let mut out = Vec::new();
    for (j, factor) in analysis.spec.factors.iter().enumerate() {
        for index in &indices {
            let (low, high) = index
                .intervals
                .get(j)
                .copied()
                .unwrap_or((f64::NAN, f64::NAN));
            out.push(IndexRow {
                outcome: outcome.to_string(),
                factor: factor.key.clone(),
                index: index.name.to_string(),
                estimate: index.estimates.get(j).copied().and_then(finite),
                ci_low: finite(low),
                ci_high: finite(high),
                noise_share: noise,
            });
        }
    }
    out
}

fn sobol_rows(analysis: &Analysis, d: &SaltelliDesign, outputs: &[f64]) -> Vec<Index> {
    let s = estimators::sobol_indices(d, outputs);
    let ci = estimators::bootstrap(d, outputs, analysis.spec.bootstrap, analysis.bootstrap_seed);
    vec![
        Index::new("S1", s.first, ci.first),
        Index::new("ST", s.total, ci.total),
    ]
}

fn morris_rows(analysis: &Analysis, d: &MorrisDesign, outputs: &[f64]) -> Vec<Index> {
    let e = estimators::morris_effects(d, outputs);
    let ci =
        estimators::morris_bootstrap(d, outputs, analysis.spec.bootstrap, analysis.bootstrap_seed);
    vec![
        Index::new("mu", e.mu, ci.mu),
        Index::new("mu_star", e.mu_star, ci.mu_star),
        Index::new("sigma", e.sigma, ci.sigma),
    ]
}

/// The values of the replicates that have one at every point. Under
/// common random numbers a replicate moves every point alike; a point
/// averaged over fewer replicates than the others would move by what it
/// lacks, and that would be read as a factor's effect.
fn complete_replicates(values: &[Vec<Option<f64>>]) -> Vec<Vec<Option<f64>>> {
    let replicates = values.first().map_or(0, Vec::len);
    let complete: Vec<usize> = (0..replicates)
        .filter(|&r| values.iter().all(|v| v[r].is_some()))
        .collect();
    values
        .iter()
        .map(|v| complete.iter().map(|&r| v[r]).collect())
        .collect()
}

/// Every outcome's point summaries and index rows.
pub fn estimate(analysis: &Analysis, values: &Values) -> (Vec<Vec<PointOutcome>>, Vec<IndexRow>) {
    let mut points = Vec::new();
    let mut rows = Vec::new();
    for (outcome, all) in analysis.spec.outcomes.iter().zip(values) {
        let per_point = &complete_replicates(all);
        let summaries: Vec<PointOutcome> = per_point.iter().map(|v| point_outcome(v)).collect();
        let outputs: Option<Vec<f64>> = summaries.iter().map(|p| p.mean).collect();
        let label = outcome.label();
        let indices = match (&outputs, &analysis.design) {
            (None, Design::Sobol(_)) => vec![
                Index::new("S1", vec![], vec![]),
                Index::new("ST", vec![], vec![]),
            ],
            (None, Design::Morris(_)) => {
                vec![
                    Index::new("mu", vec![], vec![]),
                    Index::new("mu_star", vec![], vec![]),
                    Index::new("sigma", vec![], vec![]),
                ]
            }
            (Some(y), Design::Sobol(d)) => sobol_rows(analysis, d, y),
            (Some(y), Design::Morris(d)) => morris_rows(analysis, d, y),
        };
        let noise = outputs.as_deref().and_then(|y| noise_share(per_point, y));
        rows.extend(index_rows(analysis, &label, noise, indices));
        points.push(summaries);
    }
    (points, rows)
}

/// Writes `design.csv`, `points.csv` and `sensitivity.csv` into the
/// folder; returns their names and the index rows.
pub fn write(
    experiment: &Experiment,
    analysis: &Analysis,
    values: &Values,
    folder: &mut OutputFolder,
) -> Result<(Vec<String>, Vec<IndexRow>)> {
    let (points, indices) = estimate(analysis, values);
    let factors: Vec<String> = analysis
        .spec
        .factors
        .iter()
        .map(|f| f.key.clone())
        .collect();

    let (w, path) = folder.create("design.csv")?;
    let header: Vec<String> = ["point", "block", "role"]
        .iter()
        .map(|c| c.to_string())
        .chain(factors.iter().cloned())
        .collect();
    let design = (0..experiment.points.len()).map(|p| {
        let (block, role) = analysis.design.role(p, &analysis.spec.factors);
        let mut cells = vec![p.to_string(), block.to_string(), role];
        cells.extend(experiment.point_values(p));
        cells
    });
    write_records(w, &path, &header, design)?;

    let (w, path) = folder.create("points.csv")?;
    let header: Vec<String> = ["point", "outcome", "mean", "sd", "replicates"]
        .iter()
        .map(|c| c.to_string())
        .collect();
    let records = analysis
        .spec
        .outcomes
        .iter()
        .zip(&points)
        .flat_map(|(outcome, summaries)| {
            summaries.iter().enumerate().map(move |(p, s)| {
                vec![
                    p.to_string(),
                    outcome.label(),
                    display_cell(s.mean),
                    display_cell(s.sd),
                    s.replicates.to_string(),
                ]
            })
        });
    write_records(w, &path, &header, records)?;

    let (w, path) = folder.create("sensitivity.csv")?;
    write_index_rows(w, &path, &indices)?;
    let files = ["design.csv", "points.csv", "sensitivity.csv"].map(String::from);
    Ok((files.to_vec(), indices))
}

fn write_index_rows(w: impl Write, path: &Path, rows: &[IndexRow]) -> Result<()> {
    let header: Vec<String> = IndexRow::HEADER.iter().map(|c| c.to_string()).collect();
    write_records(w, path, &header, rows.iter().map(IndexRow::record))
}

/// Reads `sensitivity.csv` back (for the chart and the report).
pub fn read(path: &Path) -> Result<Vec<IndexRow>> {
    rows::read(path)
}

/// A factor's key without the `mechanisms.` prefix, for sentences.
pub fn short_name(key: &str) -> &str {
    key.strip_prefix("mechanisms.").unwrap_or(key)
}

/// Factors that change the number of places in the groups. The draws, the
/// members' traits among them, are keyed by group and place, so moving
/// such a factor changes who draws which numbers (and who sits with whom): its
/// points do not share their noise as common random numbers otherwise
/// make them, and a bootstrap over the design's rows, which holds the
/// seed, leaves that noise out of the factor's intervals.
const DRAWS_CHANGE_WITH: [&str; 2] = ["community.group_size", "community.groups"];

/// What the findings add where such a factor is in the analysis: its
/// interval is too narrow by the noise it leaves out.
fn draws_caveat(rows: &[IndexRow], outcome: &str) -> Option<String> {
    let index = ranking_index(rows);
    let names: Vec<&str> = rows
        .iter()
        .filter(|r| r.outcome == outcome && r.index == index)
        .map(|r| r.factor.as_str())
        .filter(|key| DRAWS_CHANGE_WITH.contains(key))
        .map(short_name)
        .collect();
    let (it, its) = if names.len() > 1 {
        ("them", "their intervals leave")
    } else {
        ("it", "its interval leaves")
    };
    (!names.is_empty()).then(|| {
        format!(
            "{}: changing {it} changes who draws which numbers, so {its} out that noise (run again with another --seed to see it)",
            names.join(" and ")
        )
    })
}

/// The index that ranks factors: `ST` for Sobol, `mu_star` for Morris.
fn ranking_index(rows: &[IndexRow]) -> &'static str {
    if rows.iter().any(|r| r.index == "ST") {
        "ST"
    } else {
        "mu_star"
    }
}

/// The outcomes of the rows, in the order they appear.
pub fn outcomes(rows: &[IndexRow]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for r in rows {
        if !seen.contains(&r.outcome) {
            seen.push(r.outcome.clone());
        }
    }
    seen
}

/// One outcome's rows of its ranking index, largest estimate first.
pub fn ranked<'a>(rows: &'a [IndexRow], outcome: &str) -> Vec<&'a IndexRow> {
    let index = ranking_index(rows);
    let mut ranked: Vec<&IndexRow> = rows
        .iter()
        .filter(|r| r.outcome == outcome && r.index == index)
        .collect();
    ranked.sort_by(|a, b| {
        let key = |r: &IndexRow| r.estimate.unwrap_or(f64::NEG_INFINITY);
        key(b).total_cmp(&key(a))
    });
    ranked
}

/// A total index below this is called small: the factor's whole influence,
/// interactions included, is under a twentieth of the outcome's variance
/// (the 0.05 cut-off of screening practice, e.g. Saltelli et al. 2008).
pub const NEGLIGIBLE: f64 = 0.05;

/// One sentence per outcome, in plain words: for Sobol indices, the
/// factors whose total index is above the noise level with 95%
/// confidence (its interval's lower end above the noise share) and at
/// least [`NEGLIGIBLE`], largest first, then those clearly above the noise
/// but small, then how many are not; for Morris effects, the three largest
/// μ*.
pub fn findings(rows: &[IndexRow]) -> Vec<String> {
    let sobol = ranking_index(rows) == "ST";
    outcomes(rows)
        .iter()
        .map(|outcome| {
            let ranked = ranked(rows, outcome);
            let Some(first) = ranked.first() else {
                return format!("{outcome}: no estimate");
            };
            if first.estimate.is_none() {
                return format!(
                    "{outcome}: no estimate (the outcome has no value at some point, or does not vary)"
                );
            }
            // Without replicates the noise is unknown, and an index is
            // clear when above 0; without bootstrap intervals the estimate
            // itself is held against the noise.
            let noise = first.noise_share;
            let described = |r: &IndexRow| match (r.ci_low, r.ci_high) {
                (Some(low), Some(high)) => format!(
                    "{} ({:.2}, 95% CI {low:.2} to {high:.2})",
                    short_name(&r.factor),
                    r.estimate.unwrap_or(f64::NAN)
                ),
                _ => format!("{} ({:.2})", short_name(&r.factor), r.estimate.unwrap_or(f64::NAN)),
            };
            if !sobol {
                let top: Vec<String> = ranked.iter().take(3).map(|r| described(r)).collect();
                let caveat = draws_caveat(rows, outcome).map_or(String::new(), |c| format!("; {c}"));
                return format!(
                    "{outcome}: largest mean absolute effects μ*: {}{caveat}",
                    top.join(", ")
                );
            }
            let clear: Vec<&&IndexRow> = ranked
                .iter()
                .filter(|r| r.ci_low.or(r.estimate).is_some_and(|low| low > noise.unwrap_or(0.0)))
                .collect();
            let (drivers, small): (Vec<&&IndexRow>, Vec<&&IndexRow>) = clear
                .iter()
                .partition(|r| r.estimate.is_some_and(|x| x >= NEGLIGIBLE));
            let unclear = ranked.len() - clear.len();
            let level = match noise {
                Some(n) => format!("the noise level ({n:.3} of its variance)"),
                None => "0 (the noise is unknown: it needs two replicates)".to_string(),
            };
            let mut parts = Vec::new();
            if drivers.is_empty() {
                parts.push(format!(
                    "no factor's total index is clearly above the noise and at least {NEGLIGIBLE}"
                ));
            } else {
                let named: Vec<String> = drivers.iter().map(|r| described(r)).collect();
                parts.push(format!("driven by {} (total index)", named.join(", ")));
            }
            if !small.is_empty() {
                let named: Vec<&str> = small.iter().map(|r| short_name(&r.factor)).collect();
                parts.push(format!(
                    "{} more clearly above the noise but below {NEGLIGIBLE} ({})",
                    small.len(),
                    named.join(", ")
                ));
            }
            if unclear > 0 {
                parts.push(format!("{unclear} not clearly above {level}"));
            }
            if first.ci_low.is_none() {
                parts.push("estimates without intervals (bootstrap = 0)".into());
            }
            parts.extend(draws_caveat(rows, outcome));
            format!("{outcome}: {}", parts.join("; "))
        })
        .collect()
}

/// What a Sobol analysis's estimates say of their own precision, each a
/// sentence: `first_order_caveat` and `total_index_caveat` (none for
/// Morris, or where every estimate is within bounds).
pub fn bounds_caveats(rows: &[IndexRow]) -> Vec<String> {
    first_order_caveat(rows)
        .into_iter()
        .chain(total_index_caveat(rows))
        .collect()
}

/// Where a Sobol analysis has total-index estimates above 1, which no true
/// index is (a factor's total effect is a share of the outcome's
/// variance), a sentence that says how many and that the design is too
/// small for them: the total estimator (Jansen 1999) divides by the
/// variance estimated from the design, which a small design estimates
/// poorly. A factor named a driver with an estimate above 1 is one, but
/// how much it drives is not known from the design. `None` where every
/// estimate is at most 1, and for Morris.
fn total_index_caveat(rows: &[IndexRow]) -> Option<String> {
    let totals: Vec<f64> = rows
        .iter()
        .filter(|r| r.index == "ST")
        .filter_map(|r| r.estimate)
        .collect();
    let above = totals.iter().filter(|&&t| t > 1.0).count();
    (above > 0).then(|| {
        format!(
            "{above} of the {} total-index estimates (ST) lie above 1, which no true index does (a total index is a share of the outcome's variance): the design is too small to estimate these outcomes' variance well, so such a factor matters but how much is not known from it; a design of more samples gives estimates within bounds",
            totals.len()
        )
    })
}

/// Where a Sobol analysis has first-order estimates outside what a true
/// index can be (below 0, or above the factor's total index for the same
/// outcome), a sentence that says how many and why, so that a reader
/// does not take the estimator's noise for a finding: the first-order
/// estimator (Saltelli et al. 2010) varies far more from one design to
/// the next than the total one (Jansen 1999). `None` where every estimate
/// is within bounds, and for Morris.
fn first_order_caveat(rows: &[IndexRow]) -> Option<String> {
    let total = |first: &IndexRow| {
        rows.iter()
            .find(|r| r.index == "ST" && r.outcome == first.outcome && r.factor == first.factor)
            .and_then(|r| r.estimate)
    };
    let estimated: Vec<(f64, Option<f64>)> = rows
        .iter()
        .filter(|r| r.index == "S1")
        .filter_map(|r| Some((r.estimate?, total(r))))
        .collect();
    let outside = estimated
        .iter()
        .filter(|&&(first, total)| first < 0.0 || total.is_some_and(|total| first > total))
        .count();
    (outside > 0).then(|| {
        format!(
            "{outside} of the {} first-order estimates (S1) lie below 0 or above their factor's total index (ST), which no true index does: S1's estimator varies far more from one design to the next than ST's, so read each S1 with its interval; a design of more samples gives sharper ones",
            estimated.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(factor: &str, estimate: f64, ci: Option<(f64, f64)>, noise: Option<f64>) -> IndexRow {
        IndexRow {
            outcome: "retention@end".into(),
            factor: factor.into(),
            index: "ST".into(),
            estimate: Some(estimate),
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
            noise_share: noise,
        }
    }

    #[test]
    fn findings_sort_factors_into_drivers_small_and_unclear() {
        let rows = [
            row("mechanisms.a", 0.02, Some((0.015, 0.03)), Some(0.01)),
            row("mechanisms.b", 0.6, Some((0.5, 0.7)), Some(0.01)),
            row("c", 0.03, Some((0.005, 0.05)), Some(0.01)),
        ];
        let f = findings(&rows);
        assert_eq!(
            f,
            [
                "retention@end: driven by b (0.60, 95% CI 0.50 to 0.70) (total index); 1 more clearly above the noise but below 0.05 (a); 1 not clearly above the noise level (0.010 of its variance)"
            ]
        );
        // One replicate, no bootstrap: held against 0, and said so.
        let rows = [row("b", 0.6, None, None), row("a", 0.0, None, None)];
        let f = findings(&rows);
        assert!(f[0].contains("driven by b (0.60)"), "{f:?}");
        assert!(
            f[0].contains("1 not clearly above 0 (the noise is unknown"),
            "{f:?}"
        );
        assert!(f[0].contains("bootstrap = 0"), "{f:?}");
    }

    #[test]
    fn a_factor_that_changes_who_draws_which_numbers_is_said_to_need_another_seed() {
        let rows = [
            row("community.group_size", 0.6, Some((0.5, 0.7)), Some(0.01)),
            row("mechanisms.b", 0.2, Some((0.1, 0.3)), Some(0.01)),
        ];
        let f = findings(&rows);
        assert!(
            f[0].ends_with(
                "; community.group_size: changing it changes who draws which numbers, so its interval leaves out that noise (run again with another --seed to see it)"
            ),
            "{f:?}"
        );
        let morris: Vec<IndexRow> = rows
            .iter()
            .map(|r| IndexRow {
                index: "mu_star".into(),
                ..r.clone()
            })
            .collect();
        assert!(findings(&morris)[0].contains("group_size: changing it"));
        let without = [row("mechanisms.b", 0.2, Some((0.1, 0.3)), Some(0.01))];
        assert!(!findings(&without)[0].contains("changing it"));
    }

    #[test]
    fn the_noise_share_ignores_what_a_replicate_shares_at_every_point() {
        // Two points, two replicates; replicate 1 is 10 higher everywhere
        // (a shared draw), and the points differ by 2: no noise at all.
        let values = vec![vec![Some(0.0), Some(10.0)], vec![Some(2.0), Some(12.0)]];
        let outputs = [5.0, 7.0];
        assert_eq!(noise_share(&values, &outputs), Some(0.0));
        // Replicates disagree about the points' difference: noise.
        let values = vec![vec![Some(0.0), Some(0.0)], vec![Some(2.0), Some(0.0)]];
        let outputs = [0.0, 1.0];
        // Centred: point 0 = (-1, 0), point 1 = (1, 0); variance 0.5 each,
        // over 2 replicates 0.25; the outputs' variance 0.25.
        assert_eq!(noise_share(&values, &outputs), Some(1.0));
        assert_eq!(
            noise_share(&[vec![Some(1.0)], vec![Some(2.0)]], &[1.0, 2.0]),
            None
        );
    }

    #[test]
    fn a_replicate_missing_at_some_point_is_left_out_everywhere() {
        let values = vec![vec![Some(1.0), Some(5.0)], vec![Some(2.0), None]];
        assert_eq!(
            complete_replicates(&values),
            vec![vec![Some(1.0)], vec![Some(2.0)]]
        );
    }

    #[test]
    fn first_order_estimates_outside_their_bounds_are_counted() {
        let index = |factor: &str, index: &str, estimate: f64| IndexRow {
            index: index.into(),
            ..row(factor, estimate, None, None)
        };
        let within = [
            index("a", "S1", 0.2),
            index("a", "ST", 0.3),
            index("b", "S1", 0.0),
            index("b", "ST", 0.0),
        ];
        assert_eq!(first_order_caveat(&within), None);
        let outside = [
            index("a", "S1", 0.31),
            index("a", "ST", 0.3),
            index("b", "S1", -0.01),
            index("b", "ST", 0.1),
            index("c", "S1", 0.05),
            index("c", "ST", 0.1),
        ];
        let said = first_order_caveat(&outside).unwrap();
        assert!(
            said.starts_with("2 of the 3 first-order estimates"),
            "{said}"
        );
        // Another outcome's total index is not this one's.
        let elsewhere = [
            index("a", "S1", 0.2),
            IndexRow {
                outcome: "hope_mean@end".into(),
                ..index("a", "ST", 0.1)
            },
        ];
        assert_eq!(first_order_caveat(&elsewhere), None);
        // Morris has no first-order index.
        assert_eq!(first_order_caveat(&[index("a", "mu", -1.0)]), None);
    }

    #[test]
    fn total_indices_above_one_are_counted() {
        let index = |factor: &str, index: &str, estimate: f64| IndexRow {
            index: index.into(),
            ..row(factor, estimate, None, None)
        };
        let within = [
            index("a", "ST", 1.0),
            index("b", "ST", 0.2),
            index("a", "S1", 1.4),
        ];
        assert_eq!(total_index_caveat(&within), None);
        assert_eq!(bounds_caveats(&within).len(), 1, "the S1 above its ST");
        let above = [
            index("a", "ST", 2.51),
            index("b", "ST", 0.98),
            index("c", "ST", 1.01),
        ];
        let said = total_index_caveat(&above).unwrap();
        assert!(
            said.starts_with("2 of the 3 total-index estimates (ST) lie above 1"),
            "{said}"
        );
        assert_eq!(total_index_caveat(&[index("a", "mu_star", 5.0)]), None);
    }
}
