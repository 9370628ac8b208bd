//! Where a key applies, and the settings of an experiment that no run uses.
//!
//! Some keys act only in some scenarios: `[open]` only where groups take
//! newcomers, a facilitator's effects only where a facilitator leads, a
//! mechanism's keys only while its switch is on. A key declares where it
//! applies with `x-applies-when` (on the key, or on its table for every key
//! in it): clauses joined by `;`, each `key = word | word` (the key holds
//! one of the words) or `key != word | word` (none of them). Every key of a
//! table with an `enabled` switch applies only while it is on, unless it
//! says `x-without-switch`. [`unused_settings`] names each setting a
//! scenario writes (or varies) that no run of its experiment applies, so a
//! designer who sets the waiting list of a closed group is told so rather
//! than shown the default's answer; `tests/applies.rs` runs every declared
//! clause through the engine, and a key where its clause fails changes no
//! output.

use std::fmt;

use serde_json::Value;

use super::Parameters;
use crate::error::Place;

/// One clause of where a key applies: `key` holds one of `words` (none of
/// them, `negated`).
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub key: String,
    pub negated: bool,
    pub words: Vec<String>,
    /// Made from the table's `enabled` switch rather than declared.
    pub from_switch: bool,
}

impl Clause {
    /// The clauses of an `x-applies-when` text (`key = a | b; key != c`).
    /// A malformed declaration is a programming error, caught by the
    /// registry's test.
    pub fn parse_all(text: &str) -> Vec<Clause> {
        text.split(';')
            .map(|clause| {
                let (key, negated, words) = match clause.split_once("!=") {
                    Some((key, words)) => (key, true, words),
                    None => {
                        let (key, words) = clause
                            .split_once('=')
                            .unwrap_or_else(|| panic!("x-applies-when: no `=` in `{clause}`"));
                        (key, false, words)
                    }
                };
                Clause {
                    key: key.trim().to_string(),
                    negated,
                    words: words.split('|').map(|w| w.trim().to_string()).collect(),
                    from_switch: false,
                }
            })
            .collect()
    }

    /// The clause of a table's switch: `{table}.enabled = true`.
    pub fn switch(table: &str) -> Clause {
        Clause {
            key: format!("{table}.enabled"),
            negated: false,
            words: vec!["true".to_string()],
            from_switch: true,
        }
    }

    /// Whether the scenario whose parameters are `values` (as JSON) meets
    /// the clause.
    pub fn holds(&self, values: &Value) -> bool {
        let value = self.value_at(values);
        let named = self.words.iter().any(|word| names(word, value));
        named != self.negated
    }

    /// The clause's key's value in `values`, as a clause writes it.
    pub fn value_in(&self, values: &Value) -> String {
        word_of(self.value_at(values))
    }

    /// The clause's key's value in `values` (null where absent).
    fn value_at<'v>(&self, values: &'v Value) -> &'v Value {
        self.key
            .split('.')
            .try_fold(values, |v, part| v.get(part))
            .unwrap_or(&Value::Null)
    }
}

/// Whether two JSON values are the same setting: numbers by value (a
/// file's `30` is the default `30.0`), the rest as they are.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Whether `word` names `value`: a string's text, `true`/`false`, `none`
/// for an absent file, a number by its value.
fn names(word: &str, value: &Value) -> bool {
    match (value, word.parse::<f64>()) {
        (Value::Number(n), Ok(x)) => n.as_f64() == Some(x),
        _ => word_of(value) == word,
    }
}

fn word_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "none".to_string(),
        other => other.to_string(),
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<String> = self.words.iter().map(|w| format!("`{w}`")).collect();
        let verb = if self.negated { "is not" } else { "is" };
        write!(f, "`{}` {verb} {}", self.key, words.join(" or "))
    }
}

/// Where a key applies, in words: "`a` is `x` and `b` is not `y`".
pub fn in_words(clauses: &[Clause]) -> String {
    let parts: Vec<String> = clauses.iter().map(ToString::to_string).collect();
    parts.join(" and ")
}

/// One written setting that no run of its experiment applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Unused {
    pub key: String,
    pub place: Place,
    /// Which runs it was looked for in: empty for every run, else an
    /// arm's name.
    pub arm: Option<String>,
    /// The clause no run met, with the values its key took in those runs;
    /// or, where every clause is met by some run but never all by one,
    /// every clause and no values.
    pub clauses: Vec<Clause>,
    pub seen: Vec<String>,
}

impl fmt::Display for Unused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let runs = match &self.arm {
            Some(arm) => format!("no run of arm `{arm}`"),
            None => "no run".to_string(),
        };
        let found = match self.seen.as_slice() {
            [] => " all of that".to_string(),
            [one] => format!(" that (every one has `{one}`)"),
            many => {
                let words: Vec<String> = many.iter().map(|w| format!("`{w}`")).collect();
                format!(" that (they have {})", words.join(", "))
            }
        };
        write!(
            f,
            "`{}` changes nothing: it applies only where {}, and {runs} has{found}",
            self.key,
            in_words(&self.clauses)
        )
    }
}

/// A setting to look for: its key and where the key applies (its
/// declared clauses), where it was written, and the runs (indices into
/// the scenarios) that take it, with their arm's name where only one
/// arm's runs do.
pub struct Setting<'a> {
    pub key: &'a str,
    pub applies_when: &'a [Clause],
    pub place: Place,
    pub runs: Vec<usize>,
    pub arm: Option<&'a str>,
}

/// The settings no run applies: for each, the first of its key's clauses
/// that none of its runs meets, with the values seen; or, where each
/// clause is met by some run but never all by one, every clause.
/// `parameters(i)` is run i's parameters, made into JSON as each run is
/// looked at: most settings are applied by their first run, so a large
/// design costs one conversion per setting, not one per run.
pub fn unused_settings<'p>(
    settings: &[Setting],
    parameters: &dyn Fn(usize) -> &'p Parameters,
) -> Vec<Unused> {
    let values = |run: usize| serde_json::to_value(parameters(run)).expect("parameters are JSON");
    let mut unused = Vec::new();
    for setting in settings {
        let clauses = setting.applies_when;
        let applied = |run: &usize| {
            let values = values(*run);
            clauses.iter().all(|c| c.holds(&values))
        };
        if clauses.is_empty() || setting.runs.iter().any(applied) {
            continue;
        }
        let seen: Vec<Value> = setting.runs.iter().map(|&run| values(run)).collect();
        let failing = clauses
            .iter()
            .find(|c| !seen.iter().any(|values| c.holds(values)));
        let (failing, seen) = match failing {
            Some(clause) => {
                let mut words: Vec<String> = seen.iter().map(|v| clause.value_in(v)).collect();
                words.sort();
                words.dedup();
                (vec![clause.clone()], words)
            }
            None => (clauses.to_vec(), Vec::new()),
        };
        unused.push(Unused {
            key: setting.key.to_string(),
            place: setting.place.clone(),
            arm: setting.arm.map(String::from),
            clauses: failing,
            seen,
        });
    }
    unused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_read_their_words_and_hold_by_value() {
        let clauses = Clause::parse_all("format.delivery = in_person | online; a.b != 0 | none");
        assert_eq!(clauses.len(), 2);
        assert_eq!(clauses[0].words, ["in_person", "online"]);
        assert!(clauses[1].negated);
        let values = serde_json::json!({"format": {"delivery": "online"}, "a": {"b": 0.0}});
        assert!(clauses[0].holds(&values));
        assert!(!clauses[1].holds(&values), "0.0 is named by 0");
        let values = serde_json::json!({"format": {"delivery": "forum"}, "a": {"b": 0.2}});
        assert!(!clauses[0].holds(&values));
        assert!(clauses[1].holds(&values));
        assert!(
            !clauses[1].holds(&serde_json::json!({"a": {"b": null}})),
            "null is none"
        );
        assert_eq!(
            in_words(&clauses),
            "`format.delivery` is `in_person` or `online` and `a.b` is not `0` or `none`"
        );
    }

    #[test]
    fn a_setting_is_unused_where_no_run_meets_every_clause_and_says_which() {
        use super::super::{Delivery, Leadership};
        let mut forum = Parameters::default();
        forum.format.delivery = Delivery::Forum;
        forum.format.leadership = Leadership::Facilitated;
        let room = Parameters::default(); // in person, peer-led
        let runs = [forum, room];
        let clauses = Clause::parse_all(
            "format.delivery = in_person | online; format.leadership = facilitated",
        );
        let setting = |runs: Vec<usize>| Setting {
            key: "mechanisms.sharing.facilitation_flattening",
            applies_when: &clauses,
            place: Place::Line(3),
            runs,
            arm: None,
        };
        let found = unused_settings(&[setting(vec![0, 1]), setting(vec![1])], &|i| &runs[i]);
        // Each clause is met by one of the two runs, neither by both.
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0].to_string(),
            "`mechanisms.sharing.facilitation_flattening` changes nothing: it applies only where `format.delivery` is `in_person` or `online` and `format.leadership` is `facilitated`, and no run has all of that"
        );
        // The room alone fails the facilitator's clause.
        assert_eq!(
            found[1].to_string(),
            "`mechanisms.sharing.facilitation_flattening` changes nothing: it applies only where `format.leadership` is `facilitated`, and no run has that (every one has `peer`)"
        );
        let mut facilitated_room = Parameters::default();
        facilitated_room.format.leadership = Leadership::Facilitated;
        let applied = [facilitated_room];
        assert!(unused_settings(&[setting(vec![0])], &|i| &applied[i]).is_empty());
    }
}
