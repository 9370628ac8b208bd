//! Where each value of a scenario came from: a line of the file, a
//! command-line flag, or code.
//!
//! [`Document::parse`] reads a scenario's text into one `toml::Table` and
//! records the line of every key (dotted path, `arm[i].` for the i-th
//! `[[arm]]`), so that any message about a value, whether it came from the
//! base, a `[sweep]` or an `[[arm]]`, can name the line it was written on.

use std::collections::BTreeMap;

use toml::de::{DeTable, DeValue};

pub use crate::error::Place;
use crate::error::{Error, Origin, Result, bounded};

/// A scenario file's table and the line of every key in it.
#[derive(Debug, Clone)]
pub struct Document {
    pub table: toml::Table,
    /// Dotted path → line. Keys of the i-th `[[arm]]` are `arm[i].key`.
    pub lines: BTreeMap<String, usize>,
}

impl Document {
    /// Parses TOML text; a syntax error names its line and quotes it.
    pub fn parse(text: &str, origin: &Origin) -> Result<Document> {
        let syntax = |e: toml::de::Error| {
            let line = e.span().map(|span| line_of_offset(text, span.start));
            let mut message = in_words(e.message().trim());
            if let Some(source) = line.and_then(|l| text.lines().nth(l - 1)) {
                message = format!("`{}`: {message}", bounded(source.trim()));
            }
            Error::ScenarioSyntax {
                origin: origin.clone(),
                line,
                message,
            }
        };
        let table: toml::Table = toml::from_str(text).map_err(syntax)?;
        let spanned = DeTable::parse(text).map_err(syntax)?;
        let mut lines = BTreeMap::new();
        record_lines(text, "", spanned.get_ref(), &mut lines);
        Ok(Document { table, lines })
    }

    /// The place of a dotted key, or [`Place::Default`] when not written.
    pub fn place(&self, path: &str) -> Place {
        self.lines
            .get(path)
            .map_or(Place::Default, |&line| Place::Line(line))
    }
}

fn record_lines(text: &str, prefix: &str, table: &DeTable, out: &mut BTreeMap<String, usize>) {
    for (key, value) in table.iter() {
        let path = join(prefix, key.get_ref());
        record_value(text, &path, value, out);
    }
}

fn record_value(
    text: &str,
    path: &str,
    value: &toml::Spanned<DeValue>,
    out: &mut BTreeMap<String, usize>,
) {
    // A table opened by a header has no span of its own here: its keys do.
    let line = line_of_offset(text, value.span().start);
    out.entry(path.to_string()).or_insert(line);
    match value.get_ref() {
        DeValue::Table(inner) => record_lines(text, path, inner, out),
        DeValue::Array(items) if items.iter().all(|v| v.get_ref().is_table()) => {
            for (i, item) in items.iter().enumerate() {
                let at = format!("{path}[{i}]");
                let line = line_of_offset(text, item.span().start);
                out.entry(at.clone()).or_insert(line);
                if let DeValue::Table(inner) = item.get_ref() {
                    record_lines(text, &at, inner, out);
                }
            }
        }
        _ => {}
    }
}

/// The TOML reader's words for a number out of range, said as what TOML
/// allows; other messages as they are.
fn in_words(message: &str) -> String {
    let integer = message.contains("value was too large")
        || message.contains("too large to fit")
        || message.contains("as i128")
        || message.contains("integer number overflowed");
    if integer {
        format!(
            "a whole number beyond TOML's range ({} to {}); no key of a scenario allows one so large",
            i64::MIN,
            i64::MAX
        )
    } else if message.contains("number overflowed") {
        "a number beyond the range of 64-bit floating point (about ±1.8e308); no key of a scenario allows one so large".into()
    } else {
        message.to_string()
    }
}

/// `prefix.key`, or `key` at the top.
pub fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// 1-based line of a byte offset.
fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_gets_its_line_in_tables_dotted_keys_and_arms() {
        let text = "seed = 3\n[mechanisms]\ndropout.base_hazard = 2\n\
                    [sweep]\nformat.sessions = [4, 8]\n\
                    [[arm]]\nname = \"a\"\n\n[[arm]]\nname = \"b\"\nformat.delivery = \"online\"\n";
        let doc = Document::parse(text, &Origin::Embedded).unwrap();
        assert_eq!(doc.place("seed"), Place::Line(1));
        assert_eq!(doc.place("mechanisms.dropout.base_hazard"), Place::Line(3));
        assert_eq!(doc.place("sweep.format.sessions"), Place::Line(5));
        assert_eq!(doc.place("arm[1].name"), Place::Line(10));
        assert_eq!(doc.place("arm[1].format.delivery"), Place::Line(11));
        assert_eq!(doc.place("mechanisms.dropout.early_excess"), Place::Default);
    }

    #[test]
    fn syntax_errors_quote_their_line() {
        let err = Document::parse("a = 1\nb = = 2\n", &Origin::Embedded)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("b = = 2"), "{err}");
    }
}
