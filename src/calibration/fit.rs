//! How well a particle fits: its simulated figures, read from its runs'
//! parts, and their distance to the targets.
//!
//! A target is read from the time series of one arm's runs: the arm it
//! names, or the calibrated arm when it names none; `control` names the
//! calibrated arm's own control members. A particle's simulated figure is
//! the mean over its replicates. Its distance to the targets is the root
//! mean square of (simulated − observed) / sd over the targets, so a
//! target counts by its precision and a distance of 1 means "one standard
//! error off on average".
//!
//! A target its rows leave empty whatever the runs do (a figure of meetings
//! for members who never meet, attendance before the first session) is
//! refused before anything runs, and one that every particle of a
//! generation leaves empty (a forum's figure without a forum) once that
//! generation has run. A figure some runs leave undefined (a rate with
//! nobody left to measure) makes that particle's distance infinite: it is
//! never kept.

use std::path::Path;

use super::Plan;
use super::targets::Target;
use crate::error::{Error, Result};
use crate::experiment::Experiment;
use crate::metrics::{LeftEmpty, RowsKind, Runs, left_empty};
use crate::output::parts;
use crate::output::rows;
use crate::output::{METRICS, TimeseriesRow};
use crate::sensitivity::results::value_at;
use crate::sensitivity::spec::{Measure, Outcome, Session};

/// Where a target is read.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The arm whose runs hold it (an index into the experiment's arms).
    pub arm: usize,
    /// The label of its rows in those runs' time series.
    pub label: String,
    /// The session it is read at, `end` resolved to the arm's last.
    pub session: u32,
}

/// The label of the control members' rows in `timeseries.csv`.
const CONTROL: &str = "control";

/// Where each target is read, after checking that its arm exists, its
/// session is within the runs it is read from, its rows measure it, and no
/// other target is read at the same place (`end` and the last session, an
/// empty arm and the calibrated arm's name, are the same); a problem names
/// the targets file and the target's line.
pub fn sources(
    targets: &[Target],
    experiment: &Experiment,
    plan: &Plan,
    path: &Path,
) -> Result<Vec<Source>> {
    let sources = each_source(targets, experiment, plan, path)?;
    for (i, (t, s)) in targets.iter().zip(&sources).enumerate() {
        let same = |(u, r): (&Target, &Source)| u.metric == t.metric && r == s;
        if let Some((earlier, _)) = targets.iter().zip(&sources).take(i).find(|&p| same(p)) {
            return Err(Error::Targets {
                path: path.to_path_buf(),
                line: Some(t.line),
                what: "the target".to_string(),
                given: format!("{}, read where line {}'s is", t.label(), earlier.line),
                allowed: "each metric, session and arm once".to_string(),
            });
        }
    }
    Ok(sources)
}

fn each_source(
    targets: &[Target],
    experiment: &Experiment,
    plan: &Plan,
    path: &Path,
) -> Result<Vec<Source>> {
    let problem = |t: &Target, what: &str, given: String, allowed: String| Error::Targets {
        path: path.to_path_buf(),
        line: Some(t.line),
        what: what.to_string(),
        given,
        allowed,
    };
    let of_arm =
        |arm: usize| (0..experiment.points.len()).map(move |p| experiment.scenario(p, arm));
    let names: Vec<&str> = experiment.arms.iter().map(|a| a.name.as_str()).collect();
    targets
        .iter()
        .map(|t| {
            let by_name = experiment.arms.iter().position(|a| a.name == t.arm);
            let (arm, label) = match (t.arm.as_str(), by_name) {
                ("", _) => (plan.arm, experiment.arms[plan.arm].name.clone()),
                (_, Some(arm)) => (arm, t.arm.clone()),
                (CONTROL, None) => {
                    if of_arm(plan.arm).any(|s| s.community.control_members == 0) {
                        return Err(problem(
                            t,
                            "arm",
                            "control".into(),
                            format!(
                                "control only when the calibrated arm ({}) has control members (community.control_members > 0); else the name of an arm: {}",
                                names[plan.arm],
                                names.join(", ")
                            ),
                        ));
                    }
                    (plan.arm, CONTROL.to_string())
                }
                (other, None) => {
                    return Err(problem(
                        t,
                        "arm",
                        format!("{other:?}"),
                        format!(
                            "empty (the calibrated arm, {}), control (its control members) or the name of an arm: {}",
                            names[plan.arm],
                            names.join(", ")
                        ),
                    ));
                }
            };
            let last = of_arm(arm).map(|s| s.format.sessions).min().unwrap_or(0);
            let session = match t.session {
                Session::End => last,
                Session::Step(s) if s <= last => s,
                Session::Step(s) => {
                    return Err(problem(
                        t,
                        "step",
                        s.to_string(),
                        format!("a session from 0 to {last} (the sessions of arm {}), or end", names[arm]),
                    ));
                }
            };
            let meets = label != CONTROL && experiment.arms[arm].attends;
            // Refused where no particle could measure it; one whose prior
            // gives some particles the figure and not others is left to
            // generation 0 (particles that leave a target empty are dropped).
            let arm_kind = RowsKind::of(&of_arm(arm).collect::<Vec<_>>(), meets, Runs::Some);
            if let Some((what, given, allowed)) = left_empty_target(t, &label, arm_kind, session, last) {
                return Err(problem(t, what, given, allowed));
            }
            Ok(Source {
                arm,
                label,
                session,
            })
        })
        .collect()
}

/// Why a target's figure is one its rows leave empty whatever the runs do,
/// if it is ([`left_empty`]): as (column, given, allowed).
fn left_empty_target(
    t: &Target,
    label: &str,
    arm_kind: RowsKind,
    session: u32,
    last: u32,
) -> Option<(&'static str, String, String)> {
    let who = if label == CONTROL {
        "control members".to_string()
    } else {
        format!("arm {label}")
    };
    let empty = left_empty(&METRICS[t.metric], &who, arm_kind, session)?;
    Some(match empty {
        LeftEmpty::BeforeFirst(given) => {
            ("step", given, format!("a session from 1 to {last}, or end"))
        }
        LeftEmpty::Unmeasured(given, allowed) => ("metric", given, allowed),
    })
}

/// Every particle's simulated value of every target, the mean over its
/// replicates (`None` where some replicate does not define it):
/// `[particle][target]`. Read from the generation's parts (the runs in
/// parallel), added up in run order.
pub fn simulated(
    experiment: &Experiment,
    targets: &[Target],
    sources: &[Source],
    dir: &Path,
) -> Result<Vec<Vec<Option<f64>>>> {
    let outcomes: Vec<Outcome> = targets
        .iter()
        .map(|t| Outcome {
            metric: t.metric,
            session: t.session,
            measure: Measure::Value,
        })
        .collect();
    // Each run's value of each target its arm gives.
    let read = experiment.read_each_run(|run| {
        if !sources.iter().any(|s| s.arm == run.arm) {
            return Ok((run, Vec::new()));
        }
        let rows: Vec<TimeseriesRow> =
            rows::read_part(&parts::part_path(dir, run.id, "timeseries"))?;
        let values = sources
            .iter()
            .enumerate()
            .filter(|(_, source)| source.arm == run.arm)
            .map(|(t, source)| (t, value_at(&rows, &source.label, &outcomes[t])))
            .collect::<Vec<_>>();
        Ok((run, values))
    })?;
    let mut sums = vec![vec![Some(0.0); targets.len()]; experiment.points.len()];
    for (run, values) in read {
        for (t, value) in values {
            let sum = &mut sums[run.point][t];
            *sum = sum.zip(value).map(|(a, b)| a + b);
        }
    }
    let replicates = f64::from(experiment.replicates);
    Ok(sums
        .into_iter()
        .map(|point| {
            point
                .into_iter()
                .map(|s| s.map(|s| s / replicates))
                .collect()
        })
        .collect())
}

/// The root mean square of (simulated − observed) / sd over the targets;
/// infinite when a simulated value is missing.
pub fn distance(targets: &[Target], simulated: &[Option<f64>]) -> f64 {
    let mut sum = 0.0;
    for (t, s) in targets.iter().zip(simulated) {
        let Some(s) = s else {
            return f64::INFINITY;
        };
        let z = (s - t.value) / t.sd;
        sum += z * z;
    }
    (sum / targets.len() as f64).sqrt()
}

/// Refuses a target that no particle of generation 0 defines: the runs
/// leave it empty (a forum's figure without a forum), or do at these
/// priors, so no particle could fit it. The folder's copy of the targets
/// is named; the calibration has to start afresh once it is changed.
pub fn check_defined(
    targets: &[Target],
    simulated: &[Vec<Option<f64>>],
    path: &Path,
) -> Result<()> {
    match (0..targets.len()).find(|&t| simulated.iter().all(|s| s[t].is_none())) {
        None => Ok(()),
        Some(t) => Err(Error::NeverMeasured {
            path: path.to_path_buf(),
            dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
            line: targets[t].line,
            target: targets[t].label(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(value: f64, sd: f64) -> Target {
        Target {
            metric: 0,
            session: Session::End,
            arm: String::new(),
            value,
            sd,
            line: 2,
        }
    }

    #[test]
    fn the_distance_is_the_root_mean_square_in_standard_errors() {
        let targets = [target(1.0, 0.5), target(10.0, 2.0)];
        // z = 1 and z = -2: sqrt((1 + 4) / 2).
        let d = distance(&targets, &[Some(1.5), Some(6.0)]);
        assert!((d - 2.5f64.sqrt()).abs() < 1e-15);
        assert_eq!(distance(&targets, &[Some(1.0), Some(10.0)]), 0.0);
        assert_eq!(distance(&targets, &[Some(1.0), None]), f64::INFINITY);
    }
}
