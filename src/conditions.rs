//! `summary.csv`: the final figures of every condition over replicates, and
//! each arm's difference against the reference arm.
//!
//! A condition is a sweep point and an arm label: the name of an `[[arm]]`
//! (or "group"), or "control" for the within-run control members. For each
//! condition and metric at the last session: the mean over replicates, its
//! standard deviation and t-based 95% confidence interval. For every
//! condition but the reference ([`reference_label`]: a waitlist arm, else
//! the control members, else the first `[[arm]]`; in a sweep without arms
//! to compare, point 0): for every metric, the difference against the
//! reference, paired by replicate (arms share common random numbers, so
//! pairing removes the noise they share), with its 95% CI; and for the
//! member-level scores (loneliness, hope, self-stigma) a standardised
//! effect: the difference over the pooled standard deviation of members'
//! scores (Cohen's d, positive when this condition is better off), averaged
//! over replicates with its CI.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use crate::error::Result;
use crate::experiment::Experiment;
use crate::output::rows;
use crate::output::{Better, EndRecord, METRICS, Metric, SummaryRow, TimeseriesRow};
use crate::stats::{self, Moments};

/// One arm of one run at its last session.
#[derive(Debug, Clone, PartialEq)]
pub struct FinalRow {
    pub run: u64,
    pub arm: String,
    pub step: u32,
    pub week: f64,
    pub values: [Option<f64>; METRICS.len()],
}

/// The last-step rows of a run's time series.
pub fn final_rows(series: &[TimeseriesRow]) -> Vec<FinalRow> {
    let last = series.iter().map(|r| r.step).max().unwrap_or(0);
    series
        .iter()
        .filter(|r| r.step == last)
        .map(|r| FinalRow {
            run: r.run,
            arm: r.arm.clone(),
            step: r.step,
            week: r.week,
            values: METRICS.map(|m| (m.value)(r)),
        })
        .collect()
}

/// Moments of end loneliness of one arm of one run, for effect sizes.
pub fn moments(e: &EndRecord) -> Moments {
    Moments {
        n: e.n,
        sum: e.sum,
        sum_sq: e.sum_sq,
    }
}

fn interval(values: &[f64]) -> (f64, Option<(f64, f64)>) {
    let e = stats::mean_ci(values);
    (e.mean, e.half_width.map(|h| (e.mean - h, e.mean + h)))
}

/// The mean and its CI of values that may be absent.
fn estimate(values: &[f64]) -> (Option<f64>, Option<(f64, f64)>) {
    if values.is_empty() {
        return (None, None);
    }
    let (mean, ci) = interval(values);
    (Some(mean), ci)
}

/// Whether the control members' figures differ between the arms' runs of
/// some point and replicate. Common random numbers make the control members
/// the same people in every arm, and they stay identical unless something
/// links them to the groups (a community network through which loneliness
/// or hope spreads) or an arm changes them; then each arm's control members
/// are a condition of their own, "control (arm)".
pub fn control_differs(experiment: &Experiment, finals: &[FinalRow]) -> bool {
    let specs: BTreeMap<u64, (usize, u32)> = experiment
        .runs()
        .map(|r| (r.id, (r.point, r.replicate)))
        .collect();
    let mut first: BTreeMap<(usize, u32), &FinalRow> = BTreeMap::new();
    finals.iter().filter(|f| f.arm == "control").any(|f| {
        let seen = *first.entry(specs[&f.run]).or_insert(f);
        seen.values != f.values
    })
}

/// The condition a row of arm `arm` of run `run` belongs to: the arm's
/// label, or for the control members "control" (read from the first arm's
/// run; `None` for the others') or, when they differ between arms, "control
/// (arm)".
pub fn condition_of(
    experiment: &Experiment,
    run: u64,
    arm: &str,
    control_split: bool,
) -> Option<String> {
    if arm != "control" {
        return Some(arm.to_string());
    }
    let runs = experiment.arms.len() as u64;
    let own = (run % runs) as usize;
    if control_split {
        Some(control_of(&experiment.arms[own].name))
    } else {
        (own == 0).then(|| "control".to_string())
    }
}

fn control_of(arm: &str) -> String {
    format!("control ({arm})")
}

/// The arm labels of a point, in order: every `[[arm]]`, then "control"
/// when the runs have control members (or "control (arm)" for every arm
/// when they differ between arms).
pub fn labels(experiment: &Experiment, finals: &[FinalRow]) -> Vec<String> {
    let mut labels: Vec<String> = experiment.arms.iter().map(|a| a.name.clone()).collect();
    if finals.iter().any(|f| f.arm == "control") {
        if control_differs(experiment, finals) {
            labels.extend(experiment.arms.iter().map(|a| control_of(&a.name)));
        } else {
            labels.push("control".into());
        }
    }
    labels
}

/// The arm others are compared with: the one `[question] reference`
/// names, else the first waitlist arm (`attends = false`) if any, else the
/// within-run control members if the runs have them (the first arm's when
/// they differ between arms), else the first arm.
pub fn reference_label(experiment: &Experiment, finals: &[FinalRow]) -> String {
    let named = &experiment.base.question.reference;
    if !named.is_empty() {
        return named.clone();
    }
    if let Some(waitlist) = experiment.arms.iter().find(|a| !a.attends) {
        return waitlist.name.clone();
    }
    if finals.iter().any(|f| f.arm == "control") {
        return if control_differs(experiment, finals) {
            control_of(&experiment.arms[0].name)
        } else {
            "control".into()
        };
    }
    experiment.arms[0].name.clone()
}

/// What condition `label` is compared with, when the control members
/// differ between arms (`split`): an arm with the waitlist arm if there is
/// one, else with its own run's control members; an arm's control members
/// with the reference arm's control members (the same people). Otherwise
/// everything with `reference` ([`reference_label`]).
fn reference_of(experiment: &Experiment, label: &str, reference: &str, split: bool) -> String {
    if !split {
        return reference.to_string();
    }
    let named = &experiment.base.question.reference;
    if !named.is_empty() {
        return if label.starts_with("control (") {
            control_of(named)
        } else {
            named.clone()
        };
    }
    let waitlist = experiment.arms.iter().find(|a| !a.attends);
    let is_control = label.starts_with("control (");
    match waitlist {
        Some(w) if is_control => control_of(&w.name),
        Some(w) => w.name.clone(),
        None if is_control => control_of(&experiment.arms[0].name),
        None => control_of(label),
    }
}

/// A condition's values, keyed by (point, replicate, label).
type ByCondition<'a, T> = BTreeMap<(usize, u32, String), T>;

/// What a condition is compared with: the same point's reference arm
/// ([`reference_of`]), or, in a sweep with a single condition per point,
/// point 0 of that condition, replicate r with replicate r on common random
/// numbers. `None` for a reference itself.
fn compared_with(
    experiment: &Experiment,
    point: usize,
    label: &str,
    labels: &[String],
    reference_arm: &str,
    split: bool,
) -> Option<(usize, String)> {
    if labels.len() == 1 {
        return (point > 0).then(|| (0, label.to_string()));
    }
    let reference = reference_of(experiment, label, reference_arm, split);
    (reference != label).then_some((point, reference))
}

/// The standardised effect of one replicate of metric `m` against its
/// reference's, from the members' end scores, signed so that positive is
/// better.
pub fn effect(metric: &Metric, own: &Moments, reference: &Moments) -> Option<f64> {
    if own.n < 2 || reference.n < 2 {
        return None;
    }
    match metric.better {
        Better::Lower => Some(stats::standardized_difference(reference, own)),
        Better::Higher => Some(stats::standardized_difference(own, reference)),
        Better::Neither => None,
    }
}

/// Every summary row: points in order, then labels, then metrics.
pub fn summarise(
    experiment: &Experiment,
    finals: &[FinalRow],
    ends: &[EndRecord],
) -> Vec<SummaryRow> {
    // (point, replicate, condition) -> the run's row and end moments
    // (see `condition_of` for the control members).
    let specs: BTreeMap<u64, (usize, u32)> = experiment
        .runs()
        .map(|r| (r.id, (r.point, r.replicate)))
        .collect();
    let split = control_differs(experiment, finals);
    let mut values: ByCondition<&FinalRow> = BTreeMap::new();
    for f in finals {
        let (point, replicate) = specs[&f.run];
        if let Some(label) = condition_of(experiment, f.run, &f.arm, split) {
            values.insert((point, replicate, label), f);
        }
    }
    let mut scores: ByCondition<BTreeMap<&str, Moments>> = BTreeMap::new();
    for e in ends {
        let (point, replicate) = specs[&e.run];
        if let Some(label) = condition_of(experiment, e.run, &e.arm, split) {
            let entry = scores.entry((point, replicate, label)).or_default();
            entry.insert(e.metric.as_str(), moments(e));
        }
    }

    let reference_arm = reference_label(experiment, finals);
    let labels = labels(experiment, finals);
    let mut out = Vec::new();
    for point in 0..experiment.points.len() {
        // The point's values as text, made once for all its rows.
        let swept: Arc<[String]> = experiment.point_values(point).into();
        for label in &labels {
            let reference = compared_with(experiment, point, label, &labels, &reference_arm, split);
            let condition = Condition {
                experiment,
                point,
                swept: &swept,
                label,
                reference: reference.as_ref(),
                values: &values,
                scores: &scores,
            };
            out.extend(
                METRICS
                    .iter()
                    .enumerate()
                    .filter_map(|(m, metric)| condition.row(m, metric)),
            );
        }
    }
    out
}

/// One condition of [`summarise`], with what it is compared with.
struct Condition<'a> {
    experiment: &'a Experiment,
    point: usize,
    /// The point's values as text ([`Experiment::point_values`]).
    swept: &'a Arc<[String]>,
    label: &'a String,
    reference: Option<&'a (usize, String)>,
    values: &'a ByCondition<'a, &'a FinalRow>,
    scores: &'a ByCondition<'a, BTreeMap<&'a str, Moments>>,
}

impl Condition<'_> {
    /// The summary row of metric `m`; `None` when no replicate has it.
    fn row(&self, m: usize, metric: &Metric) -> Option<SummaryRow> {
        let mut own = Vec::new();
        let mut diffs = Vec::new();
        let mut effects = Vec::new();
        let mut at = None;
        for r in 0..self.experiment.replicates {
            let key = (self.point, r, self.label.clone());
            let Some(row) = self.values.get(&key) else {
                continue;
            };
            let Some(v) = row.values[m] else {
                continue;
            };
            at.get_or_insert((row.step, row.week));
            own.push(v);
            let Some((ref_point, ref_label)) = self.reference else {
                continue;
            };
            let ref_key = (*ref_point, r, ref_label.clone());
            if let Some(rv) = self.values.get(&ref_key).and_then(|f| f.values[m]) {
                diffs.push(v - rv);
            }
            let score = |key| self.scores.get(key).and_then(|s| s.get(metric.name));
            if let (Some(a), Some(b)) = (score(&key), score(&ref_key))
                && let Some(d) = effect(metric, a, b)
            {
                effects.push(d);
            }
        }
        let (step, week) = at?;
        let mut moments = Moments::default();
        own.iter().for_each(|&v| moments.push(v));
        let (mean, ci) = interval(&own);
        let (difference, difference_ci) = estimate(&diffs);
        let (effect_size, effect_size_ci) = estimate(&effects);
        Some(SummaryRow {
            point: self.point,
            arm: self.label.clone(),
            swept: self.swept.clone(),
            metric: metric.name.to_string(),
            replicates: own.len() as u64,
            step,
            week,
            mean,
            sd: (own.len() >= 2).then(|| moments.variance().sqrt()),
            ci_low: ci.map(|c| c.0),
            ci_high: ci.map(|c| c.1),
            reference_arm: self.reference.map(|r| r.1.clone()),
            reference_point: self.reference.map(|r| r.0),
            difference,
            difference_ci_low: difference_ci.map(|c| c.0),
            difference_ci_high: difference_ci.map(|c| c.1),
            effect_size,
            effect_size_ci_low: effect_size_ci.map(|c| c.0),
            effect_size_ci_high: effect_size_ci.map(|c| c.1),
        })
    }
}

/// Writes summary.csv: point, arm, every swept key, metric, then the figures.
pub fn write_summary(
    experiment: &Experiment,
    summary: &[SummaryRow],
    to: impl Write,
    path: &Path,
) -> Result<()> {
    let keys = experiment.point_keys();
    let records = summary.iter().map(SummaryRow::record);
    rows::write_records(to, path, &SummaryRow::header(&keys), records)
}
