//! A baseline cohort: members' traits at arrival read from a CSV of real
//! people (`population.file`).
//!
//! The file has a header row naming its columns, in any order: any of the
//! trait columns of [`TRAIT_COLUMNS`] and an optional [`ID_COLUMN`]; then
//! one row per person. A column left out, or a cell left empty, is drawn as
//! without a file ([`crate::traits`]). A field in double quotes may hold
//! commas, line breaks and doubled quotes. Blank lines at the end are
//! ignored; a blank line within the data is a person with an empty cell in
//! a file of one column, and an error otherwise (never silently dropped:
//! that would shift the rows of `sampling = "in_order"`). Every value
//! is checked against the range the model itself keeps the trait in, and
//! every problem is an error naming the file, the line as an editor counts
//! it, the column, the value given and what is allowed.
//!
//! The file is read once per experiment ([`Cohort::read`], cached by
//! [`crate::experiment`]) and checked against each scenario of it
//! ([`Cohort::check`]): its problem types must exist in the scenario, and
//! `population.sampling = "in_order"` needs a row for every person.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::rules::loneliness::{LONELINESS_MAX, LONELINESS_MIN};
use crate::scenario::keys;
use crate::traits::{Population, SCALE_MAX, SCALE_MIN, Sampling, Traits};

/// What other tools write for a missing value (R's `NA`, pandas' `NaN`,
/// a spreadsheet's `#N/A`), in lower case: refused with [`MISSING_HINT`],
/// since a missing trait is an empty cell.
const MISSING_MARKS: [&str; 8] = ["na", "n/a", "#n/a", "nan", "null", "none", ".", "-"];

/// How a missing value is written, added to what is allowed where a cell
/// holds one of [`MISSING_MARKS`].
const MISSING_HINT: &str = ", or an empty cell where the value is missing (the trait is then drawn; from R, write.csv(..., na = \"\"))";

/// What a trait column allows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Allowed {
    /// A number from the first to the second, both included.
    Between(f64, f64),
    /// A number above 0.
    Positive,
    /// Any finite number.
    Finite,
    /// A whole number below `population.problem_types`.
    ProblemType,
}

impl Allowed {
    /// What is allowed, in words; `types` is the scenario's
    /// `population.problem_types` where known.
    pub fn words(self, types: Option<u32>) -> String {
        match (self, types) {
            (Allowed::Between(lo, hi), _) => format!("a number from {lo} to {hi}"),
            (Allowed::Positive, _) => format!("a number above 0 (at most {:e})", f32::MAX),
            (Allowed::Finite, _) => format!("a number from {:e} to {:e}", f32::MIN, f32::MAX),
            (Allowed::ProblemType, Some(t)) => format!(
                "a whole number from 0 to {} (population.problem_types = {t})",
                t.saturating_sub(1)
            ),
            (Allowed::ProblemType, None) => {
                "a whole number from 0 to population.problem_types − 1".into()
            }
        }
    }

    /// The value of a cell's text, if allowed (traits are held as `f32`;
    /// a problem type is checked against a scenario by [`Cohort::check`]).
    fn parse(self, text: &str) -> Option<f32> {
        if self == Allowed::ProblemType {
            return text.parse::<u8>().ok().map(f32::from);
        }
        let value: f64 = text.parse().ok()?;
        let held = value as f32;
        let admitted = held.is_finite()
            && match self {
                Allowed::Between(lo, hi) => (lo..=hi).contains(&value),
                Allowed::Positive => held > 0.0,
                Allowed::Finite | Allowed::ProblemType => true,
            };
        admitted.then_some(held)
    }
}

/// A trait a cohort file may give: its column, what it allows, and the
/// trait it sets.
#[derive(Debug, Clone, Copy)]
pub struct TraitColumn {
    pub name: &'static str,
    pub allowed: Allowed,
    put: fn(&mut Traits, f32),
}

/// Every trait column, in the order of [`Traits`].
pub const TRAIT_COLUMNS: [TraitColumn; 9] = [
    TraitColumn {
        name: "loneliness",
        allowed: Allowed::Between(LONELINESS_MIN, LONELINESS_MAX),
        put: |t, v| t.loneliness = v,
    },
    TraitColumn {
        name: "hope",
        allowed: Allowed::Between(SCALE_MIN, SCALE_MAX),
        put: |t, v| t.hope = v,
    },
    TraitColumn {
        name: "stigma",
        allowed: Allowed::Between(SCALE_MIN, SCALE_MAX),
        put: |t, v| t.stigma = v,
    },
    TraitColumn {
        name: "openness",
        allowed: Allowed::Between(SCALE_MIN, SCALE_MAX),
        put: |t, v| t.openness = v,
    },
    TraitColumn {
        name: "frailty",
        allowed: Allowed::Positive,
        put: |t, v| t.frailty = v,
    },
    TraitColumn {
        name: "propensity",
        allowed: Allowed::Finite,
        put: |t, v| t.propensity = v,
    },
    TraitColumn {
        name: "problem_type",
        allowed: Allowed::ProblemType,
        // Whole numbers from 0 to 255 (`Allowed::parse`).
        put: |t, v| t.problem_type = v as u8,
    },
    TraitColumn {
        name: "severity",
        allowed: Allowed::Between(SCALE_MIN, SCALE_MAX),
        put: |t, v| t.severity = v,
    },
    TraitColumn {
        name: "dose_needed",
        allowed: Allowed::Positive,
        put: |t, v| t.dose_needed = v,
    },
];

/// The optional column of a person's identifier (any text), written to
/// `members.csv` as `baseline_id`.
pub const ID_COLUMN: &str = "id";

/// The index in [`TRAIT_COLUMNS`] of a column name.
fn trait_index(name: &str) -> Option<usize> {
    TRAIT_COLUMNS.iter().position(|c| c.name == name)
}

/// Every column a cohort file may have, for messages.
fn column_names() -> String {
    let names: Vec<&str> = TRAIT_COLUMNS.iter().map(|c| c.name).collect();
    format!("{}, and {ID_COLUMN}", names.join(", "))
}

/// One person of a cohort file.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortRow {
    /// The value of each of [`TRAIT_COLUMNS`]; `None` where it is drawn.
    values: [Option<f32>; TRAIT_COLUMNS.len()],
    /// The `id` cell, if the file has that column and the cell is not empty.
    pub id: Option<String>,
    /// Its line in the file, as an editor counts it.
    pub line: usize,
}

impl CohortRow {
    /// Drawn traits with the values this row gives put in their place.
    pub fn overlay(&self, mut traits: Traits) -> Traits {
        for (column, value) in TRAIT_COLUMNS.iter().zip(&self.values) {
            if let Some(v) = *value {
                (column.put)(&mut traits, v);
            }
        }
        traits
    }

    /// The value this row gives for a trait column, if any.
    pub fn value(&self, column: &str) -> Option<f32> {
        trait_index(column).and_then(|i| self.values[i])
    }
}

/// What one column of the file holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    /// An index into [`TRAIT_COLUMNS`].
    Trait(usize),
    Id,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Trait(i) => TRAIT_COLUMNS[i].name,
            Field::Id => ID_COLUMN,
        }
    }
}

/// The rows of a cohort file, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    path: PathBuf,
    rows: Vec<CohortRow>,
    /// The largest problem type the file gives, if any (checked against
    /// each scenario without a pass over the rows).
    max_problem_type: Option<f32>,
}

/// Builds the errors of one file.
struct Reporter<'a> {
    path: &'a Path,
}

impl Reporter<'_> {
    fn at(
        &self,
        line: Option<usize>,
        what: impl Into<String>,
        given: impl Into<String>,
        allowed: impl Into<String>,
    ) -> Error {
        Error::Baseline {
            path: self.path.to_path_buf(),
            line,
            what: what.into(),
            given: given.into(),
            allowed: allowed.into(),
        }
    }

    /// A field's text, which must be UTF-8.
    fn text<'b>(&self, line: usize, what: &str, bytes: &'b [u8]) -> Result<&'b str> {
        std::str::from_utf8(bytes).map_err(|e| {
            let bad = bytes[e.valid_up_to()];
            self.at(
                Some(line),
                what,
                format!(
                    "not UTF-8 text (byte 0x{bad:02x} after {:?})",
                    String::from_utf8_lossy(&bytes[..e.valid_up_to()])
                ),
                "UTF-8 text: save the file as \"CSV UTF-8\"",
            )
        })
    }
}

/// One line of a CSV file (more than one where a quoted field holds a line
/// break): its fields, trimmed of spaces outside quotes.
#[derive(Debug, Clone, Default, PartialEq)]
struct Record {
    /// The line it starts on, as an editor counts it.
    line: usize,
    fields: Vec<Vec<u8>>,
}

impl Record {
    /// A line with nothing on it but spaces.
    fn blank(&self) -> bool {
        self.fields.len() == 1 && self.fields[0].is_empty()
    }
}

/// Splits CSV text into records, each with the line it starts on (the
/// `csv` crate's reader loses count of lines after a blank line or a
/// `\r\n`). Fields are separated by commas; a field that opens with a
/// double quote runs to the closing one and may hold commas, line breaks
/// and doubled quotes (`""`). Blank lines are records of one empty field.
/// On a quote that is never closed, the line it opened on.
fn records(body: &[u8]) -> std::result::Result<Vec<Record>, usize> {
    let mut out = Vec::new();
    let mut record = Record {
        line: 1,
        fields: Vec::new(),
    };
    let (mut field, mut quoted, mut in_quotes, mut line, mut opened) =
        (Vec::new(), false, false, 1, 1);
    let end_field = |field: &mut Vec<u8>, quoted: &mut bool, record: &mut Record| {
        let text = std::mem::take(field);
        let text = if std::mem::take(quoted) {
            text
        } else {
            text.trim_ascii().to_vec()
        };
        record.fields.push(text);
    };
    let mut bytes = body.iter().copied().peekable();
    while let Some(b) = bytes.next() {
        match (in_quotes, b) {
            (true, b'"') if bytes.peek() == Some(&b'"') => {
                bytes.next();
                field.push(b'"');
            }
            (true, b'"') => in_quotes = false,
            (false, b'"') if !quoted && field.trim_ascii().is_empty() => {
                (field, quoted, in_quotes, opened) = (Vec::new(), true, true, line);
            }
            (false, b',') => end_field(&mut field, &mut quoted, &mut record),
            (false, b'\r') if bytes.peek() == Some(&b'\n') => {}
            (false, b'\n') => {
                end_field(&mut field, &mut quoted, &mut record);
                line += 1;
                let next = Record {
                    line,
                    fields: Vec::new(),
                };
                out.push(std::mem::replace(&mut record, next));
            }
            (_, b) => {
                line += usize::from(b == b'\n');
                field.push(b);
            }
        }
    }
    if in_quotes {
        return Err(opened);
    }
    if !field.is_empty() || quoted || !record.fields.is_empty() {
        end_field(&mut field, &mut quoted, &mut record);
        out.push(record);
    }
    Ok(out)
}

impl Cohort {
    /// Reads and checks a cohort file.
    pub fn read(path: &Path) -> Result<Cohort> {
        let report = Reporter { path };
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            action: "read the baseline cohort (population.file)",
            path: path.to_path_buf(),
            source,
        })?;
        // A spreadsheet's "CSV UTF-8" starts with a byte-order mark.
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let mut records = records(body).map_err(|line| {
            report.at(
                Some(line),
                "a field that opens with a double quote",
                "never closed",
                "a closing double quote for every opening one (a quote inside a quoted field is written twice: \"\")",
            )
        })?;
        while records.last().is_some_and(Record::blank) {
            records.pop();
        }
        let mut records = records.into_iter();
        let Some(header) = records.next() else {
            return Err(report.at(
                None,
                "the file",
                "empty",
                format!(
                    "a header row naming its columns ({}), then one row per person",
                    column_names()
                ),
            ));
        };
        let (header_line, fields) = (header.line, Self::parse_header(&report, &header)?);
        let mut rows = Vec::new();
        for record in records {
            rows.push(Self::parse_row(&report, &record, &fields, header_line)?);
        }
        if rows.is_empty() {
            return Err(report.at(
                None,
                "the file",
                "a header and no data rows",
                "one row per person after the header",
            ));
        }
        if rows.len() >= u32::MAX as usize {
            return Err(report.at(
                None,
                "the number of data rows",
                rows.len().to_string(),
                format!("fewer than {}", u32::MAX),
            ));
        }
        let max_problem_type = rows
            .iter()
            .filter_map(|r| r.value("problem_type"))
            .reduce(f32::max);
        Ok(Cohort {
            path: path.to_path_buf(),
            rows,
            max_problem_type,
        })
    }

    /// The header's columns: each a known column, named once.
    fn parse_header(report: &Reporter, header: &Record) -> Result<Vec<Field>> {
        let line = header.line;
        let mut fields: Vec<Field> = Vec::with_capacity(header.fields.len());
        for (i, bytes) in header.fields.iter().enumerate() {
            let place = format!("field {} of the header", i + 1);
            let name = report.text(line, &place, bytes)?;
            let field = match (name, trait_index(name)) {
                ("", _) => {
                    let allowed = format!("a column name: {}", column_names());
                    return Err(report.at(Some(line), place, "empty", allowed));
                }
                (_, Some(index)) => Field::Trait(index),
                (ID_COLUMN, None) => Field::Id,
                (_, None) => {
                    let known = TRAIT_COLUMNS.iter().map(|c| c.name).chain([ID_COLUMN]);
                    let hint = keys::nearest(name, known)
                        .map_or(String::new(), |n| format!("did you mean `{n}`? "));
                    return Err(report.at(
                        Some(line),
                        format!("column `{name}`"),
                        "not a column bonfire reads",
                        format!("{hint}the columns {} (each at most once)", column_names()),
                    ));
                }
            };
            if let Some(first) = fields.iter().position(|&f| f == field) {
                return Err(report.at(
                    Some(line),
                    format!("column `{name}`"),
                    format!("named twice (fields {} and {})", first + 1, i + 1),
                    "each column at most once",
                ));
            }
            fields.push(field);
        }
        Ok(fields)
    }

    /// One data row: a field per column of the header, each allowed.
    fn parse_row(
        report: &Reporter,
        record: &Record,
        fields: &[Field],
        header_line: usize,
    ) -> Result<CohortRow> {
        let (line, cells) = (record.line, &record.fields);
        if cells.len() != fields.len() {
            let given = match fields.get(cells.len()) {
                _ if record.blank() => "0 (a blank line)".to_string(),
                Some(missing) => {
                    format!("{} (no field for column `{}`)", cells.len(), missing.name())
                }
                None => format!(
                    "{} (an extra field {:?})",
                    cells.len(),
                    String::from_utf8_lossy(&cells[fields.len()])
                ),
            };
            return Err(report.at(
                Some(line),
                "the number of fields",
                given,
                format!(
                    "{}, one per column of the header (line {header_line}); leave a cell empty to draw that trait ({} commas for a person with nothing given)",
                    fields.len(),
                    fields.len() - 1
                ),
            ));
        }
        let mut row = CohortRow {
            values: [None; TRAIT_COLUMNS.len()],
            id: None,
            line,
        };
        for (&field, bytes) in fields.iter().zip(cells) {
            let what = format!("column `{}`", field.name());
            let text = report.text(line, &what, bytes)?;
            match field {
                _ if text.is_empty() => {}
                Field::Id => row.id = Some(text.to_string()),
                Field::Trait(i) => {
                    let allowed = TRAIT_COLUMNS[i].allowed;
                    let value = allowed.parse(text).ok_or_else(|| {
                        let mut words = allowed.words(None);
                        if MISSING_MARKS.contains(&text.to_ascii_lowercase().as_str()) {
                            words.push_str(MISSING_HINT);
                        }
                        report.at(Some(line), what, format!("{text:?}"), words)
                    })?;
                    row.values[i] = Some(value);
                }
            }
        }
        Ok(row)
    }

    /// The file the cohort was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Data row `number` (1 = the first after the header).
    pub fn row(&self, number: u32) -> &CohortRow {
        &self.rows[number as usize - 1]
    }

    /// Checks the cohort against one scenario of `members` people: every
    /// problem type must be one of the scenario's, and with `in_order`
    /// every person needs a row. `context` names the sweep point and arm
    /// (empty for the base scenario).
    pub fn check(&self, population: &Population, members: u64, context: &str) -> Result<()> {
        let report = Reporter { path: &self.path };
        let context = if context.is_empty() {
            String::new()
        } else {
            format!(" ({context})")
        };
        let types = population.problem_types;
        if self.max_problem_type.is_some_and(|t| t as u32 >= types) {
            let (line, value) = self
                .rows
                .iter()
                .find_map(|r| {
                    let t = r.value("problem_type")?;
                    (t as u32 >= types).then_some((r.line, t))
                })
                .expect("the largest problem type is in a row");
            return Err(report.at(
                Some(line),
                "column `problem_type`",
                format!("\"{value}\"{context}"),
                Allowed::ProblemType.words(Some(types)),
            ));
        }
        if population.sampling == Sampling::InOrder && (self.rows.len() as u64) < members {
            return Err(report.at(
                None,
                "the number of data rows",
                format!("{} with population.sampling = \"in_order\"{context}", self.rows.len()),
                format!(
                    "at least {members}: a row for every person of the run (groups × places + control members), taken in member order; or population.sampling = \"resample\""
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Cohort> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cohort.csv");
        std::fs::write(&path, text).unwrap();
        Cohort::read(&path)
    }

    fn message(text: &str) -> String {
        read(text).unwrap_err().to_string()
    }

    #[test]
    fn values_replace_drawn_traits_and_empty_cells_keep_them() {
        let c = read("\u{feff}hope , id,problem_type\r\n0.25,a b,2\r\n,,\r\n\r\n").unwrap();
        assert_eq!(c.rows(), 2);
        let drawn = Traits {
            loneliness: 5.0,
            hope: 0.5,
            stigma: 0.5,
            openness: 0.5,
            frailty: 1.0,
            propensity: 0.0,
            problem_type: 0,
            severity: 0.5,
            dose_needed: 8.0,
        };
        let first = c.row(1).overlay(drawn);
        assert_eq!((first.hope, first.problem_type), (0.25, 2));
        assert_eq!(
            Traits {
                hope: 0.5,
                problem_type: 0,
                ..first
            },
            drawn
        );
        assert_eq!(c.row(1).id.as_deref(), Some("a b"));
        assert_eq!((c.row(2).line, c.row(2).id.clone()), (3, None));
        assert_eq!(c.row(2).overlay(drawn), drawn);
    }

    #[test]
    fn every_problem_names_line_column_value_and_what_is_allowed() {
        let m = message("loneliness,hope\n5,0.5\n4,1.5\n");
        assert!(
            m.contains("line 3: column `hope` is \"1.5\"; allowed: a number from 0 to 1"),
            "{m}"
        );
        let m = message("loneliness\n2.5\n");
        assert!(m.contains("from 3 to 9"), "{m}");
        for bad in ["nan", "inf", "1e300", "x"] {
            let m = message(&format!("propensity\n{bad}\n"));
            assert!(m.contains("line 2: column `propensity`"), "{bad}: {m}");
        }
        assert!(message("frailty\n0\n").contains("above 0"));
        assert!(message("problem_type\n1.5\n").contains("whole number"));
        let m = message("hopes\n0.5\n");
        assert!(
            m.contains("line 1: column `hopes`") && m.contains("did you mean `hope`?"),
            "{m}"
        );
        let m = message("hope,stigma,hope\n");
        assert!(m.contains("named twice (fields 1 and 3)"), "{m}");
        let m = message("hope,stigma\n0.5\n");
        assert!(
            m.contains("line 2: the number of fields is 1 (no field for column `stigma`)"),
            "{m}"
        );
        let m = message("hope\n0.5,0.2\n");
        assert!(m.contains("an extra field \"0.2\""), "{m}");
        assert!(message("").contains("the file is empty"));
        // A missing value written as other tools write it is named as such.
        for missing in ["NA", "#N/A", "nan"] {
            let m = message(&format!("loneliness,hope\n5,0.5\n{missing},0.4\n"));
            assert!(
                m.contains("line 3")
                    && m.contains(&format!("{missing:?}"))
                    && m.contains("an empty cell where the value is missing"),
                "{m}"
            );
        }
        assert!(!message("hope\nhigh\n").contains("missing"));
        assert!(message("hope\n").contains("no data rows"));
        let m = read("hope,id\n0.5,caf\u{e9}\n").unwrap();
        assert_eq!(m.row(1).id.as_deref(), Some("café"));
    }

    #[test]
    fn records_keep_their_lines_through_blank_lines_quotes_and_crlf() {
        let text = b"a,b\r\n\r\n 1 , \" x, \"\"y\"\" \"\r\n\n\"multi\nline\",3\n  \nlast,";
        let got = records(text).unwrap();
        let lines: Vec<usize> = got.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5, 7, 8]);
        assert!(got[1].blank() && got[3].blank() && got[5].blank());
        assert_eq!(got[2].fields, [b"1".to_vec(), b" x, \"y\" ".to_vec()]);
        assert_eq!(got[4].fields, [b"multi\nline".to_vec(), b"3".to_vec()]);
        assert_eq!(got[6].fields, [b"last".to_vec(), Vec::new()]);
        assert_eq!(records(b"a\n\"open,\n\n"), Err(2));
        // Blank lines: a person in a file of one column, an error in others,
        // ignored at the end.
        let c = read("hope\n0.5\n\n0.25\n\n \n").unwrap();
        assert_eq!(c.rows(), 3);
        assert_eq!(c.row(2).value("hope"), None);
        assert_eq!((c.row(3).line, c.row(3).value("hope")), (4, Some(0.25)));
        let m = message("hope,id\n0.5,a\n\n0.25,b\n");
        assert!(
            m.contains("line 3: the number of fields is 0 (a blank line)"),
            "{m}"
        );
        assert!(m.contains("1 commas"), "{m}");
        let m = message("hope,id\n0.5,\"P1\n");
        assert!(
            m.contains("line 2: a field that opens with a double quote is never closed"),
            "{m}"
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_refused_at_its_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latin1.csv");
        std::fs::write(&path, b"hope,id\n0.5,ok\n0.5,caf\xe9\n").unwrap();
        let m = Cohort::read(&path).unwrap_err().to_string();
        assert!(
            m.contains("line 3: column `id` is not UTF-8 text (byte 0xe9"),
            "{m}"
        );
    }

    #[test]
    fn problem_types_and_row_counts_are_checked_per_scenario() {
        let c = read("problem_type\n0\n4\n").unwrap();
        let mut p = Population::default();
        let m = c.check(&p, 2, "arm a").unwrap_err().to_string();
        assert!(
            m.contains("line 3: column `problem_type` is \"4\" (arm a)"),
            "{m}"
        );
        assert!(
            m.contains("from 0 to 2 (population.problem_types = 3)"),
            "{m}"
        );
        p.problem_types = 5;
        assert!(c.check(&p, 3, "").is_ok());
        p.sampling = Sampling::InOrder;
        let m = c.check(&p, 3, "").unwrap_err().to_string();
        assert!(
            m.contains("the number of data rows is 2") && m.contains("at least 3"),
            "{m}"
        );
        assert!(c.check(&p, 2, "").is_ok());
    }

    #[test]
    fn every_column_sets_its_own_trait() {
        let zero = Traits {
            loneliness: 0.0,
            hope: 0.0,
            stigma: 0.0,
            openness: 0.0,
            frailty: 0.0,
            propensity: 0.0,
            problem_type: 0,
            severity: 0.0,
            dose_needed: 0.0,
        };
        let mut seen = Vec::new();
        for column in &TRAIT_COLUMNS {
            let mut t = zero;
            (column.put)(&mut t, 1.0);
            assert_ne!(t, zero, "{}", column.name);
            assert!(
                !seen.contains(&t),
                "{} sets another column's trait",
                column.name
            );
            seen.push(t);
        }
    }
}
