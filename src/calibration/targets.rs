//! Calibration targets: the observed figures a calibration fits, read from
//! a CSV a researcher fills from a trial or a programme's records.
//!
//! ```csv
//! metric,step,arm,value,sd
//! attendance_rate,4,,0.78,0.04
//! retention,end,,0.55,0.05
//! loneliness_mean,end,control,6.4,0.1
//! ```
//!
//! One row per target: a `timeseries.csv` metric, the session it is read at
//! (a number, 0 = before the first, or `end`), the arm (empty: the arm the
//! calibration analyses; `control`: the run's control members), the
//! observed value and its standard error (`sd`, > 0), which weighs the
//! target in the distance. Columns are found by name; any other column is
//! refused, not ignored. Every problem names the file, the line, the
//! column, what was given and what is allowed.

use std::path::Path;

use crate::error::{Error, Result};
use crate::output::METRICS;
use crate::sensitivity::spec::Session;

/// The columns of a targets file, in the order the file should have them.
pub const COLUMNS: [&str; 5] = ["metric", "step", "arm", "value", "sd"];

/// One observed figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Its index in [`METRICS`].
    pub metric: usize,
    pub session: Session,
    /// The arm's name; empty for the analysed arm.
    pub arm: String,
    pub value: f64,
    pub sd: f64,
    /// Its line in the file, for messages.
    pub line: usize,
}

impl Target {
    /// `metric@step` (with `arm:` before it for a named arm), as the
    /// outputs label it.
    pub fn label(&self) -> String {
        let at = match self.session {
            Session::Step(s) => s.to_string(),
            Session::End => "end".into(),
        };
        let arm = if self.arm.is_empty() {
            String::new()
        } else {
            format!("{}:", self.arm)
        };
        format!("{arm}{}@{at}", METRICS[self.metric].name)
    }
}

/// A problem in a targets file, at a line where one is to blame.
fn problem(path: &Path, line: Option<usize>, what: &str, given: String, allowed: &str) -> Error {
    Error::Targets {
        path: path.to_path_buf(),
        line,
        what: what.to_string(),
        given: crate::error::bounded(&given),
        allowed: allowed.to_string(),
    }
}

/// Where each column is: metric, step, value, sd, and arm (optional).
struct Columns {
    metric: usize,
    step: usize,
    value: usize,
    sd: usize,
    arm: Option<usize>,
}

/// The columns of the header, every one known and every one needed there.
fn columns(path: &Path, names: &[&str]) -> Result<Columns> {
    let allowed_columns = COLUMNS.join(", ");
    // One column whose name holds another separator: a file written with
    // semicolons (a spreadsheet's CSV where the comma is the decimal mark)
    // or tabs.
    if let [only] = names
        && let Some(separator) = [';', '\t'].into_iter().find(|&c| only.contains(c))
    {
        return Err(problem(
            path,
            Some(1),
            "the header",
            format!("one column {only:?}, its names separated by {separator:?}"),
            &format!(
                "columns separated by commas: {allowed_columns} (save the file as comma-separated, with a point as the decimal mark)"
            ),
        ));
    }
    if let Some(extra) = names.iter().find(|n| !COLUMNS.contains(n)) {
        let lower = extra.to_lowercase();
        let given = if extra.is_empty() {
            "a column without a name (a comma at the end of the header?)".to_string()
        } else if COLUMNS.contains(&lower.as_str()) {
            format!("a column {extra:?}: the names are in lower case, {lower:?}")
        } else {
            format!("a column {extra:?}, which a targets file does not have")
        };
        return Err(problem(
            path,
            Some(1),
            "the header",
            given,
            &format!("only the columns {allowed_columns}"),
        ));
    }
    for (i, name) in names.iter().enumerate() {
        if let Some(first) = names[..i].iter().position(|n| n == name) {
            return Err(problem(
                path,
                Some(1),
                "the header",
                format!(
                    "column {name:?} named twice (fields {} and {})",
                    first + 1,
                    i + 1
                ),
                &format!("each of the columns {allowed_columns} once"),
            ));
        }
    }
    let at = |name: &str| names.iter().position(|n| *n == name);
    let needed = |name: &str| {
        at(name).ok_or_else(|| {
            problem(
                path,
                Some(1),
                "the header",
                format!("no column {name:?}"),
                &format!("the columns {allowed_columns} (arm may be left out)"),
            )
        })
    };
    Ok(Columns {
        metric: needed("metric")?,
        step: needed("step")?,
        value: needed("value")?,
        sd: needed("sd")?,
        arm: at("arm"),
    })
}

/// One row: a target, each cell checked.
fn target(path: &Path, record: &csv::StringRecord, at: &Columns) -> Result<Target> {
    let line = record.position().map_or(0, |p| p.line() as usize);
    let bad =
        |what: &str, given: String, allowed: &str| problem(path, Some(line), what, given, allowed);
    let cell = |i: usize| record.get(i).unwrap_or("").to_string();
    let name = cell(at.metric);
    let metric = METRICS.iter().position(|m| m.name == name).ok_or_else(|| {
        bad(
            "metric",
            format!("{name:?}"),
            "a column of timeseries.csv (see the README's Outputs), e.g. retention",
        )
    })?;
    let session = match cell(at.step).as_str() {
        "end" => Session::End,
        s => Session::Step(s.parse().map_err(|_| {
            bad(
                "step",
                format!("{s:?}"),
                "a session number (0 = before the first) or end",
            )
        })?),
    };
    let number = |column: &str, text: &str| {
        text.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| bad(column, format!("{text:?}"), "a finite number"))
    };
    // Numbers are quoted as the file writes them.
    let (value_text, sd_text) = (cell(at.value), cell(at.sd));
    let value = number("value", &value_text)?;
    let sd = number("sd", &sd_text)?;
    if sd <= 0.0 {
        return Err(bad(
            "sd",
            sd_text,
            "a number above 0: the target's standard error, which weighs it in the distance",
        ));
    }
    let (unit, range) = (METRICS[metric].unit, METRICS[metric].range());
    if let Some((low, high)) = range.filter(|(low, high)| !(*low..=*high).contains(&value)) {
        return Err(bad(
            "value",
            value_text,
            &format!("from {low} to {high}: {name} is a {unit}"),
        ));
    }
    // A z-score is (simulated − value) / sd, squared in the distance: an sd
    // that small beside the metric's scale makes every distance infinite.
    let smallest = range.map_or(value.abs(), |(low, high)| high - low).max(1.0) * 1e-150;
    if sd < smallest {
        return Err(bad(
            "sd",
            sd_text,
            &format!("a standard error whose squared z-scores are finite: at least {smallest:e}"),
        ));
    }
    Ok(Target {
        metric,
        session,
        arm: at.arm.map(cell).unwrap_or_default(),
        value,
        sd,
        line,
    })
}

/// Reads and checks a targets file.
pub fn read(path: &Path) -> Result<Vec<Target>> {
    let read_error = |source| Error::ReadCsv {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(read_error)?;
    let header = reader.headers().map_err(read_error)?.clone();
    let names: Vec<&str> = header.iter().collect();
    let at = columns(path, &names)?;
    let mut targets: Vec<Target> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.kind() {
            csv::ErrorKind::UnequalLengths {
                pos,
                expected_len,
                len,
            } => problem(
                path,
                pos.as_ref().map(|p| p.line() as usize),
                "the row",
                format!("{len} field(s)"),
                &format!("{expected_len} fields, one under each column of the header"),
            ),
            csv::ErrorKind::Utf8 { pos, .. } => problem(
                path,
                pos.as_ref().map(|p| p.line() as usize),
                "the row",
                "bytes that are not UTF-8 text".into(),
                "UTF-8 text",
            ),
            _ => read_error(e),
        })?;
        targets.push(target(path, &record, &at)?);
    }
    if targets.is_empty() {
        return Err(problem(
            path,
            None,
            "the file",
            "no rows".into(),
            "at least one target row under the header",
        ));
    }
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Result<Vec<Target>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("targets.csv");
        std::fs::write(&path, text).unwrap();
        read(&path)
    }

    #[test]
    fn targets_are_read_with_their_sessions_and_arms() {
        let t = read_text("metric,step,arm,value,sd\nattendance_rate,4,,0.78,0.04\nloneliness_mean, end ,control,6.4,0.1\n").unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].label(), "attendance_rate@4");
        assert_eq!(t[1].label(), "control:loneliness_mean@end");
        assert_eq!((t[1].value, t[1].sd, t[1].line), (6.4, 0.1, 3));
        // arm may be left out, and columns come in any order.
        let t = read_text("sd,value,step,metric\n0.05,0.5,12,retention\n").unwrap();
        assert_eq!(t[0].label(), "retention@12");
        // An intraclass correlation can lie slightly below 0.
        let t = read_text("metric,step,value,sd\nbetween_group_share,end,-0.01,0.01\n");
        assert!(t.is_ok(), "{t:?}");
    }

    #[test]
    fn each_bad_cell_is_named_with_its_line_and_column() {
        let cases = [
            ("metric,step,value,sd\nlonely,4,1,1\n", "line 2", "metric"),
            (
                "metric,step,value,sd\nretention,last,1,1\n",
                "line 2",
                "step",
            ),
            ("metric,step,value,sd\nretention,4,x,1\n", "line 2", "value"),
            (
                "metric,step,value,sd\nretention,4,0.5,0\n",
                "line 2",
                "above 0",
            ),
            (
                "metric,step,value,sd\nretention,4,0.5,nan\n",
                "line 2",
                "finite",
            ),
            (
                "metric,step,value,sd,note\nretention,4,0.5,1,x\n",
                "line 1",
                "a column \"note\", which a targets file does not have",
            ),
            (
                "Metric,step,value,sd\nretention,4,0.5,1\n",
                "line 1",
                "the names are in lower case, \"metric\"",
            ),
            (
                "metric,step,value,sd,\nretention,4,0.5,1,\n",
                "line 1",
                "a column without a name",
            ),
            (
                "metric;step;value;sd\nretention;4;0,5;0,04\n",
                "line 1",
                "its names separated by ';'; allowed: columns separated by commas",
            ),
            (
                "metric\tstep\tvalue\tsd\nretention\t4\t0.5\t0.04\n",
                "line 1",
                "separated by '\\t'",
            ),
            (
                "metric,step,value,sd\nretention,4,0.5,-1e-3\n",
                "line 2",
                "sd is -1e-3; allowed: a number above 0",
            ),
            (
                "metric,step,value,sd\nretention,4,0.5,1e-200\n",
                "line 2",
                "sd is 1e-200;",
            ),
            ("metric,value,sd\nretention,0.5,1\n", "line 1", "\"step\""),
            ("metric,step,value,sd\n", "targets", "at least one"),
            (
                "metric,step,value,sd,sd\nretention,4,0.5,0.04,0.05\n",
                "line 1",
                "named twice (fields 4 and 5)",
            ),
            (
                "metric,step,value,sd\nretention,4,1.5,0.04\n",
                "line 2",
                "from 0 to 1: retention is a share",
            ),
            (
                "metric,step,value,sd\nloneliness_mean,end,2,0.1\n",
                "line 2",
                "from 3 to 9",
            ),
            (
                "metric,step,value,sd\nretention,4,0.5,1e-300\n",
                "line 2",
                "squared z-scores are finite",
            ),
            (
                "metric,step,value,sd\nretention,4,0.5,0.04,9\n",
                "line 2",
                "5 field(s); allowed: 4 fields",
            ),
        ];
        for (text, place, says) in cases {
            let message = read_text(text).unwrap_err().to_string();
            assert!(
                message.contains("targets.csv")
                    && message.contains(place)
                    && message.contains(says),
                "{text:?}: {message}"
            );
        }
    }
}
