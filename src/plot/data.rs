//! What the charts and the report are drawn from: a run's CSV files, read
//! back and summarised over replicates.
//!
//! Charts are always drawn from the files on disk, never from memory, so
//! `bonfire plot OUT` redraws exactly what `bonfire run` drew. Every figure is
//! the mean over replicates with a t-based 95% confidence interval; values
//! are gathered in the files' row order, so sums are taken in a fixed order.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::stats::{self, Duration, Ending, Estimate, Moments};

/// The `timeseries.csv` columns the charts use (others are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct SeriesRow {
    pub arm: String,
    pub replicate: u32,
    pub step: u32,
    pub week: f64,
    pub attendance_rate: Option<f64>,
    pub loneliness_mean: f64,
    pub lonely_share: f64,
    pub isolated_share: f64,
    pub hope_mean: f64,
    pub stigma_mean: f64,
    pub cohesion_mean: Option<f64>,
    pub bond_density: Option<f64>,
    pub clustering: Option<f64>,
    pub retention: Option<f64>,
    pub improved_share: Option<f64>,
    pub members_active: u64,
}

/// The `members.csv` columns the charts use.
#[derive(Debug, Clone, Deserialize)]
pub struct MemberRecord {
    pub replicate: u32,
    pub arm: String,
    pub status: String,
    pub joined_step: Option<u32>,
    pub tenure: u32,
    pub loneliness_end: f64,
}

/// A curve: (x, estimate over replicates) in x order.
pub type Curve = Vec<(f64, Estimate)>;

/// Retention curves of one arm, by sessions since joining.
#[derive(Debug, Clone)]
pub struct RetentionCurves {
    /// Kaplan–Meier probability of not having dropped out.
    pub not_dropped_out: Curve,
    /// Cumulative incidence of graduation.
    pub graduated: Curve,
}

/// A run read back from its output folder.
#[derive(Debug, Clone)]
pub struct RunData {
    pub rows: Vec<SeriesRow>,
    /// `None` when the run did not write members.csv.
    pub members: Option<Vec<MemberRecord>>,
    /// Arms in the order they first appear.
    pub arms: Vec<String>,
    pub last_step: u32,
}

fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let mut reader = csv::Reader::from_path(path).map_err(|source| Error::ReadCsv {
        path: path.to_path_buf(),
        source,
    })?;
    reader
        .deserialize()
        .collect::<std::result::Result<Vec<T>, _>>()
        .map_err(|source| Error::ReadCsv {
            path: path.to_path_buf(),
            source,
        })
}

impl RunData {
    /// Reads `timeseries.csv` (required) and `members.csv` (if present).
    pub fn load(dir: &Path) -> Result<RunData> {
        let series = dir.join("timeseries.csv");
        if !series.is_file() {
            return Err(Error::NotARun {
                path: dir.to_path_buf(),
            });
        }
        let rows: Vec<SeriesRow> = read_csv(&series)?;
        let members_path = dir.join("members.csv");
        let members = if members_path.is_file() {
            Some(read_csv(&members_path)?)
        } else {
            None
        };
        let mut arms: Vec<String> = Vec::new();
        for r in &rows {
            if !arms.contains(&r.arm) {
                arms.push(r.arm.clone());
            }
        }
        let last_step = rows.iter().map(|r| r.step).max().unwrap_or(0);
        Ok(RunData {
            rows,
            members,
            arms,
            last_step,
        })
    }

    pub fn replicates(&self) -> usize {
        let mut seen: Vec<u32> = self.rows.iter().map(|r| r.replicate).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    }

    /// One column of one arm over time: (week, estimate over replicates) per step.
    pub fn over_time(
        &self,
        arm: &str,
        column: impl Fn(&SeriesRow) -> Option<f64>,
    ) -> Vec<(f64, Estimate)> {
        let mut by_step: BTreeMap<u32, (f64, Vec<f64>)> = BTreeMap::new();
        for r in self.rows.iter().filter(|r| r.arm == arm) {
            if let Some(v) = column(r).filter(|v| v.is_finite()) {
                by_step
                    .entry(r.step)
                    .or_insert_with(|| (r.week, Vec::new()))
                    .1
                    .push(v);
            }
        }
        by_step
            .into_values()
            .map(|(week, values)| (week, stats::mean_ci(&values)))
            .collect()
    }

    /// One column of one arm at the last step, over replicates.
    pub fn at_end(
        &self,
        arm: &str,
        column: impl Fn(&SeriesRow) -> Option<f64>,
    ) -> Option<Estimate> {
        let values: Vec<f64> = self
            .rows
            .iter()
            .filter(|r| r.arm == arm && r.step == self.last_step)
            .filter_map(&column)
            .filter(|v| v.is_finite())
            .collect();
        (!values.is_empty()).then(|| stats::mean_ci(&values))
    }

    /// Per replicate, the members of an arm who took a seat, as durations.
    fn durations(&self, arm: &str) -> Option<BTreeMap<u32, Vec<Duration>>> {
        let members = self.members.as_ref()?;
        let mut out: BTreeMap<u32, Vec<Duration>> = BTreeMap::new();
        for m in members
            .iter()
            .filter(|m| m.arm == arm && m.joined_step.is_some())
        {
            let ending = match m.status.as_str() {
                "dropped_out" => Ending::Dropout,
                "graduated" => Ending::Graduation,
                _ => Ending::Censored,
            };
            out.entry(m.replicate).or_default().push(Duration {
                sessions: m.tenure,
                ending,
            });
        }
        (!out.is_empty()).then_some(out)
    }

    /// Kaplan–Meier retention (dropout as the event) and cumulative
    /// graduation, by sessions since joining, over replicates. `None` without
    /// members.csv or without members who joined.
    pub fn retention_curves(&self, arm: &str) -> Option<RetentionCurves> {
        let per_replicate = self.durations(arm)?;
        let last = self.last_step;
        let survival: Vec<Vec<f64>> = per_replicate
            .values()
            .map(|d| stats::kaplan_meier(d, last))
            .collect();
        let graduation: Vec<Vec<f64>> = per_replicate
            .values()
            .map(|d| stats::graduation_incidence(d, last))
            .collect();
        let over_replicates = |curves: &[Vec<f64>]| -> Curve {
            (0..=last as usize)
                .map(|t| {
                    let values: Vec<f64> = curves.iter().map(|c| c[t]).collect();
                    (t as f64, stats::mean_ci(&values))
                })
                .collect()
        };
        Some(RetentionCurves {
            not_dropped_out: over_replicates(&survival),
            graduated: over_replicates(&graduation),
        })
    }

    /// Standardised difference in end loneliness between two arms
    /// (`reference` minus `arm`), per replicate, over replicates.
    pub fn loneliness_effect(&self, arm: &str, reference: &str) -> Option<Estimate> {
        let members = self.members.as_ref()?;
        let mut per: BTreeMap<u32, (Moments, Moments)> = BTreeMap::new();
        for m in members {
            let entry = per.entry(m.replicate).or_default();
            if m.arm == arm {
                entry.0.push(m.loneliness_end);
            } else if m.arm == reference {
                entry.1.push(m.loneliness_end);
            }
        }
        let effects: Vec<f64> = per
            .values()
            .filter(|(a, r)| a.n >= 2 && r.n >= 2)
            .map(|(a, r)| stats::standardized_difference(r, a))
            .collect();
        (!effects.is_empty()).then(|| stats::mean_ci(&effects))
    }
}
