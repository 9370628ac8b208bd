//! What the charts and the report are drawn from: a run's CSV files, read
//! back and summarised over replicates.
//!
//! Charts are always drawn from the files on disk, never from memory, so
//! `bonfire plot OUT` redraws exactly what `bonfire run` drew. Every figure is
//! the mean over replicates with a t-based 95% confidence interval; values
//! are gathered in the files' row order, so sums are taken in a fixed order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};
use serde::Deserialize;

use crate::output::rows::{self, MemberStatus, RunRow, Swept, TimeseriesRow};
use crate::stats::{self, Duration, Ending, Estimate};

/// A `timeseries.csv` row with what the charts derive for it from runs.csv.
#[derive(Debug, Clone)]
pub struct ChartRow {
    /// Sweep point of the row's run (0 without runs.csv).
    pub point: usize,
    /// The condition the row is drawn under: its arm, or "point label: arm"
    /// in a sweep; one text shared by the rows of a run's arm (a sweep's
    /// label, every key and its value, can run to hundreds of bytes).
    pub condition: Arc<str>,
    pub row: TimeseriesRow,
}

/// What a condition is: its sweep point, its arm label, and whether it is
/// a comparison group that never attends (the control members, or a
/// waitlist arm), drawn in grey.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub name: String,
    pub point: usize,
    /// The arm's label: an `[[arm]]`'s name, "control" or "control (arm)".
    pub label: String,
    pub never_attends: bool,
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
    pub rows: Vec<ChartRow>,
    /// What the charts read of members.csv, by condition; `None` when the run did not write
    /// members.csv.
    pub members: Option<BTreeMap<String, Vec<MemberSpan>>>,
    /// Conditions (arm, or "point label: arm" in a sweep) in the order they
    /// first appear.
    pub arms: Vec<String>,
    /// The same conditions, described.
    pub conditions: Vec<Condition>,
    /// Swept keys, and each point's values (from runs.csv).
    pub sweep_keys: Vec<String>,
    pub point_values: Vec<Vec<String>>,
    /// Whether the sweep's lists were walked side by side (`[sweep]
    /// together = true` in `scenario.resolved.toml`), not crossed.
    pub together: bool,
    /// Arm names as written, in order.
    pub base_arms: Vec<String>,
}

/// What runs.csv says about each run: which of its rows the charts keep, and
/// the condition they are drawn under.
struct RunIndex<'a> {
    runs: &'a [RunRow],
    /// The first arm of runs.csv, whose control members the charts keep.
    first_arm: Option<&'a String>,
    /// Whether the control members differ between arms (then every arm's
    /// are kept, as "control (arm)", as in summary.csv).
    control_split: bool,
    sweep_keys: &'a [String],
    point_values: &'a [Vec<String>],
}

impl RunIndex<'_> {
    /// Control members are the same people in every arm's runs (common
    /// random numbers): keep them from the first arm's runs only.
    fn keeps(&self, run: u64, arm: &str) -> bool {
        arm != "control"
            || self.control_split
            || self
                .runs
                .get(run as usize)
                .is_none_or(|info| Some(&info.arm) == self.first_arm)
    }

    /// The run's sweep point and the condition its rows are drawn under.
    fn label(&self, run: u64, arm: &str) -> (usize, String) {
        let info = self.runs.get(run as usize);
        let point = info.map_or(0, |i| i.point);
        let arm = match info {
            Some(i) if arm == "control" && self.control_split => format!("control ({})", i.arm),
            _ => arm.to_string(),
        };
        if self.point_values.len() <= 1 {
            return (point, arm);
        }
        let values = self
            .sweep_keys
            .iter()
            .zip(&self.point_values[point])
            .map(|(k, v)| format!("{}={v}", crate::scenario::keys::last_part(k)))
            .collect::<Vec<_>>()
            .join(", ");
        (point, format!("{values}: {arm}"))
    }
}

/// The labels made so far, by run and arm: every row of a run's arm is
/// drawn under one condition, whose label (in a sweep, every swept key
/// and its value) is made once, not at each of its rows.
#[derive(Default)]
struct Labels(BTreeMap<u64, Vec<(String, usize, Arc<str>)>>);

impl Labels {
    /// [`RunIndex::label`] of `run` and `arm`.
    fn of(&mut self, index: &RunIndex, run: u64, arm: &str) -> (usize, Arc<str>) {
        let arms = self.0.entry(run).or_default();
        if let Some((_, point, label)) = arms.iter().find(|(known, ..)| known == arm) {
            return (*point, label.clone());
        }
        let (point, label) = index.label(run, arm);
        let label: Arc<str> = label.into();
        arms.push((arm.to_string(), point, label.clone()));
        (point, label)
    }
}

/// What a first reading of `timeseries.csv` finds, row by row, before the
/// charts keep any: the runs that have rows, how many rows there are, and
/// whether some point and replicate's control members have different rows
/// in different arms' runs (summary.csv then reports them by arm).
struct FirstReading<'a> {
    runs: &'a [RunRow],
    /// Whether the runs are of more than one arm: only then can control
    /// rows of one point, replicate and step differ.
    several_arms: bool,
    found: BTreeSet<u64>,
    rows: usize,
    first_control: BTreeMap<(usize, u32, u32), TimeseriesRow>,
    control_differs: bool,
}

impl<'a> FirstReading<'a> {
    fn new(runs: &'a [RunRow]) -> Self {
        let several_arms = runs.iter().any(|r| r.arm != runs[0].arm);
        FirstReading {
            runs,
            several_arms,
            found: BTreeSet::new(),
            rows: 0,
            first_control: BTreeMap::new(),
            control_differs: false,
        }
    }

    fn see(&mut self, r: TimeseriesRow) {
        self.found.insert(r.run);
        self.rows += 1;
        if !self.several_arms || self.control_differs || r.arm != "control" {
            return;
        }
        let Some(info) = self.runs.get(r.run as usize) else {
            return;
        };
        let key = (info.point, info.replicate, r.step);
        match self.first_control.get(&key) {
            Some(seen) => {
                let mut same = seen.clone();
                same.run = r.run;
                self.control_differs = same != r;
            }
            None => {
                self.first_control.insert(key, r);
            }
        }
    }
}

/// runs.csv, or no runs and no swept keys without it (every run is then
/// point 0).
fn read_runs(dir: &Path) -> Result<Swept<RunRow>> {
    let runs_path = dir.join("runs.csv");
    if runs_path.is_file() {
        RunRow::read(&runs_path)
    } else {
        Ok(Swept::default())
    }
}

/// Every run runs.csv lists has rows in timeseries.csv and every row's run
/// is listed: a file cut short, or one of another run, would otherwise be
/// drawn as though the experiment had fewer replicates or other runs.
fn every_run_has_rows(path: &Path, found: &BTreeSet<u64>, runs: &[RunRow]) -> Result<()> {
    if runs.is_empty() {
        return Ok(());
    }
    let listed: BTreeSet<u64> = runs.iter().map(|r| r.run).collect();
    let changed = |what: String| {
        Err(super::plot_error(
            path,
            format!(
                "{what}: the file was cut short or changed after the run; run the scenario again (--force)"
            ),
        ))
    };
    if let Some(run) = listed.difference(found).next() {
        return changed(format!("no rows for run {run}, which runs.csv lists"));
    }
    if let Some(run) = found.difference(&listed).next() {
        return changed(format!("rows for run {run}, which runs.csv does not list"));
    }
    Ok(())
}

/// Each sweep point's swept values, from its first run; one empty point
/// without runs.
fn point_values(runs: &[RunRow]) -> Vec<Vec<String>> {
    let mut point_values: Vec<Vec<String>> = Vec::new();
    for r in runs {
        if point_values.len() <= r.point {
            point_values.resize(r.point + 1, Vec::new());
            point_values[r.point] = r.swept.clone();
        }
    }
    if point_values.is_empty() {
        point_values.push(Vec::new());
    }
    point_values
}

/// Pushes each name not yet in `names`, keeping first-appearance order
/// (each name looked up in a sorted set, not among all the names before
/// it: a sweep's rows come under thousands of conditions).
fn push_new<'a>(names: &mut Vec<String>, new: impl IntoIterator<Item = &'a str>) {
    let mut seen: BTreeSet<String> = names.iter().cloned().collect();
    for name in new {
        if !seen.contains(name) {
            seen.insert(name.to_string());
            names.push(name.to_string());
        }
    }
}

/// What the charts read of a member (members.csv): the replicate, and
/// whether, how and after how many sessions they left the group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemberSpan {
    pub replicate: u32,
    /// Took a seat in a group (`joined_step` not empty).
    pub joined: bool,
    pub status: MemberStatus,
    /// Sessions belonged to the group.
    pub tenure: u32,
}

/// The columns of a members.csv row the charts read, found by name; the
/// others are passed over unparsed.
#[derive(Deserialize)]
struct MemberColumns<'a> {
    run: u64,
    arm: &'a str,
    replicate: u32,
    status: MemberStatus,
    joined_step: Option<u32>,
    tenure: u32,
}

/// members.csv's kept members by condition; `None` when the run did not
/// write it. A million members' file is read without a text or a float
/// made for each row.
fn read_members(dir: &Path, index: &RunIndex) -> Result<Option<BTreeMap<String, Vec<MemberSpan>>>> {
    let members_path = dir.join("members.csv");
    if !members_path.is_file() {
        return Ok(None);
    }
    let read_error = |source| Error::ReadCsv {
        path: members_path.clone(),
        source,
    };
    let mut reader = csv::Reader::from_path(&members_path).map_err(read_error)?;
    let header = reader.byte_headers().map_err(read_error)?.clone();
    let mut record = csv::ByteRecord::new();
    let mut by_condition: BTreeMap<String, Vec<MemberSpan>> = BTreeMap::new();
    let mut labels = Labels::default();
    while reader.read_byte_record(&mut record).map_err(read_error)? {
        let m: MemberColumns = record.deserialize(Some(&header)).map_err(read_error)?;
        if index.keeps(m.run, m.arm) {
            let condition = labels.of(index, m.run, m.arm).1;
            let span = MemberSpan {
                replicate: m.replicate,
                joined: m.joined_step.is_some(),
                status: m.status,
                tenure: m.tenure,
            };
            match by_condition.get_mut(&*condition) {
                Some(spans) => spans.push(span),
                None => {
                    by_condition.insert(condition.to_string(), vec![span]);
                }
            }
        }
    }
    Ok(Some(by_condition))
}

/// Whether the run in `dir` walked its sweep's lists together, as its
/// `scenario.resolved.toml` says (`false` where it is not there or does
/// not say).
fn walked_together(dir: &Path) -> bool {
    let resolved = std::fs::read_to_string(dir.join("scenario.resolved.toml")).unwrap_or_default();
    let table: toml::Table = toml::from_str(&resolved).unwrap_or_default();
    let together = table.get("sweep").and_then(|s| s.get("together"));
    together.and_then(toml::Value::as_bool).unwrap_or(false)
}

impl RunData {
    /// Reads `timeseries.csv` (required) and `members.csv` (if present).
    pub fn load(dir: &Path) -> Result<RunData> {
        let series_path = dir.join("timeseries.csv");
        if !series_path.is_file() {
            return Err(Error::NotARun {
                path: dir.to_path_buf(),
                missing: "timeseries.csv",
            });
        }
        let Swept {
            keys: sweep_keys,
            rows: runs,
        } = read_runs(dir)?;
        // Read twice, row by row, rather than held whole beside the rows
        // kept: first what decides which rows are kept, then those rows.
        let mut first = FirstReading::new(&runs);
        rows::for_each(&series_path, |r| first.see(r))?;
        every_run_has_rows(&series_path, &first.found, &runs)?;
        let point_values = point_values(&runs);
        let mut base_arms: Vec<String> = Vec::new();
        push_new(&mut base_arms, runs.iter().map(|r| r.arm.as_str()));
        let index = RunIndex {
            runs: &runs,
            first_arm: base_arms.first(),
            control_split: first.control_differs,
            sweep_keys: &sweep_keys,
            point_values: &point_values,
        };
        let mut labels = Labels::default();
        let mut rows: Vec<ChartRow> = Vec::with_capacity(first.rows);
        drop(first);
        rows::for_each(&series_path, |row: TimeseriesRow| {
            if index.keeps(row.run, &row.arm) {
                let (point, condition) = labels.of(&index, row.run, &row.arm);
                rows.push(ChartRow {
                    point,
                    condition,
                    row,
                });
            }
        })?;
        rows.shrink_to_fit();
        let members = read_members(dir, &index)?;
        let mut arms: Vec<String> = Vec::new();
        push_new(&mut arms, rows.iter().map(|r| &*r.condition));
        let waitlist: BTreeSet<&str> = runs
            .iter()
            .filter(|r| !r.attends)
            .map(|r| r.arm.as_str())
            .collect();
        let mut first_rows: BTreeMap<&str, &ChartRow> = BTreeMap::new();
        for row in &rows {
            first_rows.entry(&*row.condition).or_insert(row);
        }
        let conditions = arms
            .iter()
            .map(|name| {
                let row = first_rows[name.as_str()];
                let label = name.rsplit(": ").next().unwrap_or(name).to_string();
                Condition {
                    name: name.clone(),
                    point: row.point,
                    never_attends: row.row.arm == "control"
                        || waitlist.contains(row.row.arm.as_str()),
                    label,
                }
            })
            .collect();
        push_new(&mut base_arms, rows.iter().map(|r| r.row.arm.as_str()));
        Ok(RunData {
            rows,
            members,
            arms,
            conditions,
            sweep_keys,
            point_values,
            together: walked_together(dir),
            base_arms,
        })
    }

    /// "26 sessions", or each arm's where arms differ, from the data.
    pub fn sessions_described(&self) -> String {
        let each: Vec<(String, u32)> = self
            .base_arms
            .iter()
            .map(|arm| {
                let last = self
                    .rows
                    .iter()
                    .filter(|r| &r.row.arm == arm)
                    .map(|r| r.row.step)
                    .max();
                (arm.clone(), last.unwrap_or(0))
            })
            .collect();
        if each.iter().all(|(_, s)| *s == each[0].1) {
            format!("{} sessions", each.first().map_or(0, |e| e.1))
        } else {
            let parts: Vec<String> = each
                .iter()
                .map(|(a, s)| format!("{a}: {s} sessions"))
                .collect();
            parts.join("; ")
        }
    }

    /// A sweep point's values as a title: `group_size=8, base_hazard=0.02`.
    pub fn point_title(&self, point: usize) -> String {
        self.sweep_keys
            .iter()
            .zip(self.point_values.get(point).into_iter().flatten())
            .map(|(k, v)| format!("{}={v}", crate::scenario::keys::last_part(k)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// For a sweep over one numeric key, or over lists walked together
    /// ([`RunData::walked_together`]) whose first is numbers, each point
    /// its own: the first key's name and each point's value of it.
    pub fn numeric_sweep(&self) -> Option<(&str, Vec<f64>)> {
        let one_key = self.sweep_keys.len() == 1 && self.point_values.len() >= 2;
        if !(one_key || self.walked_together()) {
            return None;
        }
        let xs: Vec<f64> = self
            .point_values
            .iter()
            .map(|v| v.first()?.parse().ok())
            .collect::<Option<_>>()?;
        let distinct: BTreeSet<u64> = xs.iter().map(|x| x.to_bits()).collect();
        (distinct.len() == xs.len()).then(|| (self.sweep_keys[0].as_str(), xs))
    }

    /// Where the points cross two or more swept keys (every combination,
    /// the last key's values the fastest to change), how many values the
    /// last key has.
    pub fn last_key_values(&self) -> Option<usize> {
        if self.sweep_keys.len() < 2 || self.walked_together() {
            return None;
        }
        let last = self.sweep_keys.len() - 1;
        let value = |p: usize| self.point_values[p].get(last);
        let points = self.point_values.len();
        let mut values = (0..points).map(value).collect::<Vec<_>>();
        values.sort();
        values.dedup();
        let c = values.len();
        let crossed =
            c >= 2 && points.is_multiple_of(c) && (0..points).all(|p| value(p) == value(p % c));
        crossed.then_some(c)
    }

    /// Whether a sweep of two or more keys and points walked its lists
    /// side by side (`[sweep] together = true`) rather than crossing them.
    pub fn walked_together(&self) -> bool {
        self.together && self.sweep_keys.len() >= 2 && self.point_values.len() >= 2
    }

    /// A final metric of one arm at every sweep point: (x, estimate).
    pub fn across_sweep(
        &self,
        xs: &[f64],
        arm: &str,
        column: impl Fn(&TimeseriesRow) -> Option<f64>,
    ) -> Curve {
        // Each point at its own last step (a sweep may change the sessions),
        // in the order of the values, whatever the order the points were
        // written in: a line through them is read from left to right.
        let mut curve: Curve = xs
            .iter()
            .enumerate()
            .filter_map(|(point, &x)| Some((x, self.at_point_end(point, arm, &column)?)))
            .collect();
        curve.sort_by(|a, b| a.0.total_cmp(&b.0));
        curve
    }

    pub fn replicates(&self) -> usize {
        let mut seen: Vec<u32> = self.rows.iter().map(|r| r.row.replicate).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    }

    /// One column of one arm over time: (week, estimate over replicates) per step.
    pub fn over_time(
        &self,
        arm: &str,
        column: impl Fn(&TimeseriesRow) -> Option<f64>,
    ) -> Vec<(f64, Estimate)> {
        let mut by_step: BTreeMap<u32, (f64, Vec<f64>)> = BTreeMap::new();
        for r in self.rows.iter().filter(|r| &*r.condition == arm) {
            if let Some(v) = column(&r.row).filter(|v| v.is_finite()) {
                by_step
                    .entry(r.row.step)
                    .or_insert_with(|| (r.row.week, Vec::new()))
                    .1
                    .push(v);
            }
        }
        by_step
            .into_values()
            .map(|(week, values)| (week, stats::mean_ci(&values)))
            .collect()
    }

    /// One column of one arm at one sweep point's last step, over
    /// replicates.
    pub fn at_point_end(
        &self,
        point: usize,
        arm: &str,
        column: impl Fn(&TimeseriesRow) -> Option<f64>,
    ) -> Option<Estimate> {
        let of_point = || {
            self.rows
                .iter()
                .filter(move |r| r.point == point && r.row.arm == arm)
        };
        let last = of_point().map(|r| r.row.step).max()?;
        let values: Vec<f64> = of_point()
            .filter(|r| r.row.step == last)
            .filter_map(|r| column(&r.row))
            .filter(|v| v.is_finite())
            .collect();
        (!values.is_empty()).then(|| stats::mean_ci(&values))
    }

    /// The last step of one condition (arms that meet at different
    /// intervals end at different steps).
    pub fn last_step_of(&self, condition: &str) -> u32 {
        self.rows
            .iter()
            .filter(|r| &*r.condition == condition)
            .map(|r| r.row.step)
            .max()
            .unwrap_or(0)
    }

    /// One column of one condition at its last step, over replicates.
    pub fn at_end(
        &self,
        arm: &str,
        column: impl Fn(&TimeseriesRow) -> Option<f64>,
    ) -> Option<Estimate> {
        let last = self.last_step_of(arm);
        let values: Vec<f64> = self
            .rows
            .iter()
            .filter(|r| &*r.condition == arm && r.row.step == last)
            .filter_map(|r| column(&r.row))
            .filter(|v| v.is_finite())
            .collect();
        (!values.is_empty()).then(|| stats::mean_ci(&values))
    }

    /// Per replicate, the members of an arm who took a seat, as durations.
    fn durations(&self, arm: &str) -> Option<BTreeMap<u32, Vec<Duration>>> {
        let members = self.members.as_ref()?.get(arm)?;
        let mut out: BTreeMap<u32, Vec<Duration>> = BTreeMap::new();
        for m in members.iter().filter(|m| m.joined) {
            let ending = match m.status {
                MemberStatus::DroppedOut => Ending::Dropout,
                MemberStatus::Graduated => Ending::Graduation,
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
        // Nobody can have more sessions than the condition held.
        let last = self.last_step_of(arm);
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_read_by_their_columns_names_into_their_conditions() {
        use crate::output::rows::MemberRow;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("members.csv");
        let row = |run, arm: &str, replicate, status, joined_step, tenure| MemberRow {
            run,
            arm: arm.into(),
            replicate,
            status,
            joined_step,
            tenure,
            loneliness_end: 3.25,
            baseline_id: Some("an id, \"quoted\"".into()),
            ..MemberRow::default()
        };
        let rows = [
            row(0, "group", 0, MemberStatus::DroppedOut, Some(0), 4),
            row(0, "control", 0, MemberStatus::Control, None, 0),
            row(1, "group", 1, MemberStatus::Graduated, Some(2), 9),
        ];
        let mut text = rows::header::<MemberRow>();
        text.extend(rows::headerless(&rows).unwrap());
        std::fs::write(&path, &text).unwrap();
        let point_values = vec![Vec::new()];
        let index = RunIndex {
            runs: &[],
            first_arm: None,
            control_split: false,
            sweep_keys: &[],
            point_values: &point_values,
        };
        let members = read_members(dir.path(), &index).unwrap().unwrap();
        let span = |replicate, joined, status, tenure| MemberSpan {
            replicate,
            joined,
            status,
            tenure,
        };
        assert_eq!(
            members["group"],
            [
                span(0, true, MemberStatus::DroppedOut, 4),
                span(1, true, MemberStatus::Graduated, 9)
            ]
        );
        assert_eq!(
            members["control"],
            [span(0, false, MemberStatus::Control, 0)]
        );
        // A status that is not one names the file.
        let text = String::from_utf8(text)
            .unwrap()
            .replace("graduated", "gone");
        std::fs::write(&path, text).unwrap();
        let error = read_members(dir.path(), &index).unwrap_err().to_string();
        assert!(error.contains("members.csv"), "{error}");
        assert!(error.contains("gone"), "{error}");
    }

    #[test]
    fn new_names_are_pushed_once_in_the_order_they_first_come() {
        let mut names = vec!["b".to_string()];
        let new = ["a", "b", "c", "a", "d", "c", "b"].map(String::from);
        push_new(&mut names, new.iter().map(String::as_str));
        assert_eq!(names, ["b", "a", "c", "d"]);
    }

    #[test]
    fn a_label_kept_for_a_run_and_arm_is_the_label_made_afresh() {
        // Two points of a sweep, two arms, the control members split by
        // arm: every run's label depends on its point, its arm and whether
        // its rows are the control members'.
        let runs: Vec<RunRow> = (0..8u64)
            .map(|run| RunRow {
                run,
                point: (run / 4) as usize,
                replicate: (run % 2) as u32,
                arm: ["peer_led", "facilitated"][(run / 2 % 2) as usize].to_string(),
                attends: true,
                seed: 1,
                swept: vec![format!("{}", 6 + run / 4), "0.5".to_string()],
            })
            .collect();
        let keys = ["community.group_size".to_string(), "a.b".to_string()];
        let point_values = point_values(&runs);
        let index = RunIndex {
            runs: &runs,
            first_arm: Some(&runs[0].arm),
            control_split: true,
            sweep_keys: &keys,
            point_values: &point_values,
        };
        let mut labels = Labels::default();
        for _ in 0..2 {
            for run in (0..9u64).rev() {
                for arm in ["peer_led", "facilitated", "control"] {
                    let (point, label) = labels.of(&index, run, arm);
                    assert_eq!((point, label.to_string()), index.label(run, arm));
                }
            }
        }
        let (point, label) = labels.of(&index, 6, "control");
        assert_eq!(point, 1);
        assert_eq!(&*label, "group_size=7, b=0.5: control (facilitated)");
    }
}
