//! The `[sensitivity]` table of a scenario file: which keys are uncertain
//! (the *factors*, each with its range), what is measured (the
//! *outcomes*), and the method and its sizes.
//!
//! ```toml
//! [sensitivity]
//! method = "sobol"                 # or "morris"
//! samples = 64                     # Sobol: rows N (a power of two); Morris: trajectories
//! outcomes = ["loneliness_mean@52", "retention@52", "difference:loneliness_mean@end"]
//!
//! [sensitivity.factors]
//! mechanisms.dropout.base_hazard = { from = 0.01, to = 0.05 }
//! mechanisms.universality.relief = { from = 0.0075, to = 0.03, scale = "log" }
//! community.group_size = { from = 6, to = 14 }       # whole numbers: each equally likely
//! format.leadership = ["peer", "facilitated"]         # a list: each value equally likely
//! ```
//!
//! A factor's value at a point of the unit cube ([`Factor::at`]) is read
//! from its range: uniform, or uniform in the logarithm (`scale = "log"`);
//! whole-number ranges and lists give each value an equal share of [0, 1).
//! An outcome ([`Outcome`]) is one metric of `timeseries.csv` at one session
//! (`@end`: the last), in the analysed arm (`arm`, default the first arm
//! that attends), or
//! with `difference:` that arm's value minus its reference's in the same
//! replicate (the `[question] reference`, else a waitlist arm, else the
//! run's own control members), or with `effect_size:` (loneliness, hope or
//! self-stigma at the end) the standardised difference, Cohen's d, as in
//! `summary.csv`.
//!
//! Parsing checks only the table's own shape; whether each factor's key may
//! vary and its values are allowed is checked where the experiment is
//! built, like a sweep's.

use crate::output::{MEMBER_SCORES, METRICS, Metric};
use crate::scenario::keys::{self, Problem};

/// Most factors: a Saltelli design takes a Sobol sequence of dimension k,
/// and the direction numbers used have 100 dimensions.
pub const MAX_FACTORS: usize = 100;

/// The metrics, in a static so that an outcome can lend its own.
static METRICS_BY_INDEX: [Metric; METRICS.len()] = METRICS;

/// The estimator and its design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// First-order and total Sobol indices on a Saltelli design.
    Sobol,
    /// Morris elementary effects (screening).
    Morris,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Sobol => "sobol",
            Method::Morris => "morris",
        }
    }
}

/// The values a factor takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Real numbers from `from` to `to`, uniform or uniform in the log.
    Real { from: f64, to: f64, log: bool },
    /// Whole numbers from `from` to `to`, both included, equally likely.
    Whole { from: i64, to: i64 },
    /// A list of values, equally likely.
    List(Vec<toml::Value>),
}

/// One uncertain key and its range.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// The dotted key it sets.
    pub key: String,
    pub values: Values,
}

impl Factor {
    /// The factor's value at `u` in [0, 1] of its unit-cube axis.
    pub fn at(&self, u: f64) -> toml::Value {
        let u = u.clamp(0.0, 1.0);
        let pick = |n: usize| ((u * n as f64) as usize).min(n - 1);
        // Rounded to 12 significant digits, so that 0.002 prints as 0.002.
        let real = |v: f64| toml::Value::Float(format!("{v:.11e}").parse().unwrap_or(v));
        match &self.values {
            Values::Real {
                from,
                to,
                log: false,
            } => real(from + u * (to - from)),
            Values::Real {
                from,
                to,
                log: true,
            } => {
                let (a, b) = (libm::log(*from), libm::log(*to));
                real(libm::exp(a + u * (b - a)).clamp(*from, *to))
            }
            Values::Whole { from, to } => {
                let n = (to - from + 1) as usize;
                toml::Value::Integer(from + pick(n) as i64)
            }
            Values::List(list) => list[pick(list.len())].clone(),
        }
    }
}

/// When an outcome is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Session {
    /// After this session (0 = before the first).
    Step(u32),
    /// After the last session of the run.
    End,
}

/// What an outcome measures of its metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// The analysed arm's value.
    Value,
    /// The analysed arm minus its reference, paired by replicate.
    Difference,
    /// The standardised difference from the reference (Cohen's d from the
    /// members' end scores, signed so that positive is better off), paired
    /// by replicate; for the member scores at the end only.
    EffectSize,
}

impl Measure {
    fn prefix(self) -> &'static str {
        match self {
            Measure::Value => "",
            Measure::Difference => "difference:",
            Measure::EffectSize => "effect_size:",
        }
    }
}

/// One measured outcome: a metric at a session, or its difference or
/// standardised effect against the reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Its index in [`METRICS`].
    pub metric: usize,
    pub session: Session,
    pub measure: Measure,
}

impl Outcome {
    /// Parses `METRIC@STEP`, `METRIC@end`, `difference:METRIC@STEP` or
    /// `effect_size:SCORE@end`.
    pub fn parse(text: &str) -> std::result::Result<Outcome, String> {
        let (measure, rest) = [Measure::Difference, Measure::EffectSize]
            .into_iter()
            .find_map(|m| text.strip_prefix(m.prefix()).map(|rest| (m, rest)))
            .unwrap_or((Measure::Value, text));
        let (name, at) = rest.split_once('@').ok_or_else(|| {
            format!(
                "{text:?} has no session: write METRIC@STEP, e.g. loneliness_mean@52, or METRIC@end"
            )
        })?;
        let metric = METRICS
            .iter()
            .position(|m| m.name == name)
            .ok_or_else(|| format!("{name:?} is not a metric of timeseries.csv"))?;
        let session = match at {
            "end" => Session::End,
            step => Session::Step(
                step.parse()
                    .map_err(|_| format!("{at:?} after @ is neither a session number nor `end`"))?,
            ),
        };
        if measure == Measure::EffectSize
            && (session != Session::End || !MEMBER_SCORES.contains(&name))
        {
            return Err(format!(
                "an effect size is measured at the end (@end) of a member score: {}",
                MEMBER_SCORES.join(", ")
            ));
        }
        Ok(Outcome {
            metric,
            session,
            measure,
        })
    }

    /// Whether it compares the analysed arm with its reference.
    pub fn compares(&self) -> bool {
        self.measure != Measure::Value
    }

    /// The outcome as written: `loneliness_mean@52`.
    pub fn label(&self) -> String {
        let at = match self.session {
            Session::Step(s) => s.to_string(),
            Session::End => "end".into(),
        };
        format!("{}{}@{at}", self.measure.prefix(), self.metric().name)
    }

    /// Its metric.
    pub fn metric(&self) -> &'static Metric {
        &METRICS_BY_INDEX[self.metric]
    }
}

/// The parsed `[sensitivity]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub method: Method,
    /// Sobol: rows of the Saltelli design (a power of two); Morris:
    /// trajectories.
    pub samples: usize,
    /// Morris: levels of the grid (even).
    pub levels: usize,
    /// Bootstrap resamples for the intervals.
    pub bootstrap: usize,
    /// The arm whose outcomes are analysed; empty: the first.
    pub arm: String,
    pub outcomes: Vec<Outcome>,
    pub factors: Vec<Factor>,
    /// Warnings for settings the design ignores, each naming its file and
    /// line (`levels` other than the default under a Sobol design: kept
    /// accepted, as folders of earlier versions write it).
    pub ignored: Vec<String>,
}

/// Morris's levels where the table gives none.
pub const DEFAULT_LEVELS: usize = 4;

/// What is said of a `levels` that a Sobol design ignores.
pub const LEVELS_IGNORED: &str = "`sensitivity.levels` changes nothing: it applies only where `sensitivity.method` is `morris` (a Sobol design has no grid of levels)";

/// The keys of `[sensitivity]` besides `factors`, with what each allows
/// (for messages and the JSON Schema).
pub const KEYS: [(&str, &str); 6] = [
    ("method", "\"sobol\" or \"morris\""),
    (
        "samples",
        "a whole number: Sobol rows (a power of two from 8 to 65536) or Morris trajectories (2 to 1000)",
    ),
    ("levels", "an even whole number from 2 to 20 (Morris only)"),
    ("bootstrap", "a whole number of resamples from 0 to 100000"),
    ("arm", "the name of an [[arm]]"),
    (
        "outcomes",
        "a non-empty list of METRIC@STEP, METRIC@end, difference:METRIC@STEP or effect_size:SCORE@end",
    ),
];

/// A table of settings beside a table of keys to vary (`[sensitivity]`
/// and its factors, `[calibration]` and its parameters): its name, its
/// settings with what each allows, and the name of its table of keys.
pub struct SettingsTable {
    pub name: &'static str,
    pub keys: &'static [(&'static str, &'static str)],
    pub varied: &'static str,
}

impl SettingsTable {
    /// A problem with one of the settings, named in full.
    pub fn problem(
        &self,
        key: &str,
        given: impl std::fmt::Display,
        allowed: impl Into<String>,
    ) -> Problem {
        Problem::new(format!("{}.{key}", self.name), given, allowed)
    }

    /// What a setting allows.
    pub fn allowed(&self, key: &str) -> &'static str {
        self.keys
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, a)| *a)
            .unwrap_or("")
    }

    /// A problem with a setting's value: what was given, what it allows.
    pub fn bad(&self, key: &str, value: &toml::Value) -> Problem {
        self.problem(key, keys::written(value), self.allowed(key))
    }

    /// Refuses a key that is neither a setting nor the table of keys.
    pub fn only_known(&self, table: &toml::Table) -> std::result::Result<(), Problem> {
        let Some(extra) = table
            .keys()
            .find(|k| *k != self.varied && !self.keys.iter().any(|(name, _)| name == k))
        else {
            return Ok(());
        };
        let names: Vec<&str> = self.keys.iter().map(|(k, _)| *k).collect();
        Err(self.problem(
            extra,
            format!("not a key of [{}]", self.name),
            format!("{} and [{}.{}]", names.join(", "), self.name, self.varied),
        ))
    }

    /// A whole number in a range, or the setting's default when absent.
    pub fn whole(
        &self,
        table: &toml::Table,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
        default: i64,
    ) -> std::result::Result<usize, Problem> {
        match table.get(key) {
            None => Ok(default as usize),
            Some(toml::Value::Integer(n)) if range.contains(n) => Ok(*n as usize),
            Some(other) => Err(self.bad(key, other)),
        }
    }

    /// A string, or empty when absent.
    pub fn text(&self, table: &toml::Table, key: &str) -> std::result::Result<String, Problem> {
        match table.get(key) {
            None => Ok(String::new()),
            Some(toml::Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(self.bad(key, other)),
        }
    }
}

/// The settings of `[sensitivity]`.
const TABLE: SettingsTable = SettingsTable {
    name: "sensitivity",
    keys: &KEYS,
    varied: "factors",
};

fn problem(key: &str, given: impl std::fmt::Display, allowed: impl Into<String>) -> Problem {
    TABLE.problem(key, given, allowed)
}

fn allowed(key: &str) -> &'static str {
    TABLE.allowed(key)
}

impl Sensitivity {
    /// Parses the table; `factors` are the leaves of `[sensitivity.factors]`
    /// as (dotted key, value), read by [`Sensitivity::factor`].
    pub fn parse(table: &toml::Table) -> std::result::Result<Sensitivity, Problem> {
        TABLE.only_known(table)?;
        let method = match table.get("method") {
            None => Method::Sobol,
            Some(toml::Value::String(s)) if s == "sobol" => Method::Sobol,
            Some(toml::Value::String(s)) if s == "morris" => Method::Morris,
            Some(other) => return Err(problem("method", keys::written(other), allowed("method"))),
        };
        let (samples_range, samples_default) = match method {
            Method::Sobol => (8..=65_536, 64),
            Method::Morris => (2..=1_000, 20),
        };
        let samples = TABLE.whole(table, "samples", samples_range, samples_default)?;
        if method == Method::Sobol && !samples.is_power_of_two() {
            return Err(problem(
                "samples",
                format!("{samples} (not a power of two)"),
                "a power of two for a Sobol design (8, 16, …, 64, 128, …): the Sobol sequence is balanced only at powers of two",
            ));
        }
        let levels = TABLE.whole(table, "levels", 2..=20, DEFAULT_LEVELS as i64)?;
        if levels % 2 == 1 {
            return Err(problem("levels", levels, allowed("levels")));
        }
        let bootstrap = TABLE.whole(table, "bootstrap", 0..=100_000, 1000)?;
        let arm = TABLE.text(table, "arm")?;
        let outcomes = match table.get("outcomes") {
            Some(toml::Value::Array(list)) if !list.is_empty() => list
                .iter()
                .map(|v| match v {
                    // The reason leads what is allowed: a long outcome
                    // would otherwise cut it from the quoted value.
                    toml::Value::String(s) => Outcome::parse(s).map_err(|why| {
                        problem(
                            "outcomes",
                            format!("{s:?}"),
                            format!("{why}; {}", allowed("outcomes")),
                        )
                    }),
                    other => Err(problem(
                        "outcomes",
                        keys::written(other),
                        allowed("outcomes"),
                    )),
                })
                .collect::<std::result::Result<Vec<_>, _>>()?,
            None => {
                return Err(problem(
                    "outcomes",
                    "nothing",
                    "a list of the outcomes to analyse, e.g. [\"loneliness_mean@end\", \"retention@end\"]",
                ));
            }
            Some(other) => {
                return Err(problem(
                    "outcomes",
                    keys::written(other),
                    allowed("outcomes"),
                ));
            }
        };
        Ok(Sensitivity {
            method,
            samples,
            levels,
            bootstrap,
            arm,
            outcomes,
            factors: Vec::new(),
            ignored: Vec::new(),
        })
    }

    /// Reads one factor: `kind` is its key's declared kind; a range needs a
    /// whole-number or real key. `Err` carries what was given and what is
    /// allowed.
    pub fn factor(
        key: &str,
        value: &toml::Value,
        kind: &keys::Kind,
    ) -> std::result::Result<Factor, (String, String)> {
        let range_allowed = "a range { from, to } (with scale = \"log\" for a positive real range), or a list of at least two different values";
        let values = match value {
            // A value listed twice would weigh twice in the design, and a
            // list of one value repeated varies nothing, which its indices
            // of 0 would read as "no effect".
            toml::Value::Array(list)
                if list.iter().enumerate().any(|(i, v)| list[..i].contains(v)) =>
            {
                return Err((
                    keys::written(value),
                    "a list of at least two different values, each once".into(),
                ));
            }
            toml::Value::Array(list) if list.len() >= 2 => Values::List(list.clone()),
            toml::Value::Table(t) => {
                Self::range(t, kind).map_err(|why| (keys::written(value), why))?
            }
            other => return Err((keys::written(other), range_allowed.into())),
        };
        Ok(Factor {
            key: key.to_string(),
            values,
        })
    }

    /// A range `{ from, to, scale }` of a whole-number or real key.
    fn range(t: &toml::Table, kind: &keys::Kind) -> std::result::Result<Values, String> {
        if let Some(extra) = t
            .keys()
            .find(|k| !["from", "to", "scale"].contains(&k.as_str()))
        {
            return Err(format!(
                "a factor's range takes from, to and scale, not `{extra}`"
            ));
        }
        let log = match t.get("scale") {
            None => false,
            Some(toml::Value::String(s)) if s == "linear" => false,
            Some(toml::Value::String(s)) if s == "log" => true,
            Some(other) => {
                return Err(format!(
                    "scale = {}: \"linear\" (the default) or \"log\"",
                    keys::written(other)
                ));
            }
        };
        let number = |v: Option<&toml::Value>| {
            v.and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)))
        };
        match kind {
            keys::Kind::Whole { .. } if !log => {
                match (
                    t.get("from").and_then(toml::Value::as_integer),
                    t.get("to").and_then(toml::Value::as_integer),
                ) {
                    (Some(from), Some(to)) if from < to => Ok(Values::Whole { from, to }),
                    _ => Err("whole numbers from < to (a whole-number key)".into()),
                }
            }
            keys::Kind::Real { .. } => match (number(t.get("from")), number(t.get("to"))) {
                (Some(from), Some(to)) if from < to && (!log || from > 0.0) => {
                    Ok(Values::Real { from, to, log })
                }
                (Some(from), Some(_)) if log && from <= 0.0 => {
                    Err("from > 0 for scale = \"log\"".into())
                }
                _ => Err("numbers from < to".into()),
            },
            _ => Err("a range only for a number key; list this key's values instead".into()),
        }
    }

    /// Every value a factor's range ends at, to check against its key.
    pub fn ends(factor: &Factor) -> Vec<toml::Value> {
        match &factor.values {
            Values::Real { from, to, .. } => {
                vec![toml::Value::Float(*from), toml::Value::Float(*to)]
            }
            Values::Whole { from, to } => {
                vec![toml::Value::Integer(*from), toml::Value::Integer(*to)]
            }
            Values::List(list) => list.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factor(values: Values) -> Factor {
        Factor {
            key: "k".into(),
            values,
        }
    }

    #[test]
    fn factors_map_the_unit_interval_onto_their_ranges() {
        let real = factor(Values::Real {
            from: 2.0,
            to: 4.0,
            log: false,
        });
        assert_eq!(real.at(0.25), toml::Value::Float(2.5));
        let log = factor(Values::Real {
            from: 1.0,
            to: 100.0,
            log: true,
        });
        let mid = log.at(0.5).as_float().unwrap();
        assert!((mid - 10.0).abs() < 1e-9, "{mid}");
        let whole = factor(Values::Whole { from: 6, to: 8 });
        let picked: Vec<i64> = [0.0, 0.33, 0.34, 0.66, 0.67, 0.999, 1.0]
            .iter()
            .map(|&u| whole.at(u).as_integer().unwrap())
            .collect();
        assert_eq!(picked, [6, 6, 7, 7, 8, 8, 8]);
        let list = factor(Values::List(vec!["a".into(), "b".into()]));
        assert_eq!(list.at(0.49), toml::Value::from("a"));
        assert_eq!(list.at(1.0), toml::Value::from("b"));
    }

    #[test]
    fn outcomes_are_parsed_and_written_back_alike() {
        for text in [
            "loneliness_mean@52",
            "retention@end",
            "difference:hope_mean@0",
            "effect_size:stigma_mean@end",
        ] {
            assert_eq!(Outcome::parse(text).unwrap().label(), text);
        }
        assert!(
            Outcome::parse("loneliness_mean")
                .unwrap_err()
                .contains("no session")
        );
        assert!(
            Outcome::parse("lonely@3")
                .unwrap_err()
                .contains("not a metric")
        );
        assert!(
            Outcome::parse("retention@last")
                .unwrap_err()
                .contains("neither")
        );
        for text in ["effect_size:retention@end", "effect_size:loneliness_mean@3"] {
            let why = Outcome::parse(text).unwrap_err();
            assert!(why.contains("member score"), "{text}: {why}");
        }
    }

    #[test]
    fn a_sobol_sample_size_must_be_a_power_of_two() {
        let table: toml::Table =
            toml::from_str("samples = 48\noutcomes = [\"retention@end\"]").unwrap();
        let p = Sensitivity::parse(&table).unwrap_err();
        assert_eq!(p.key, "sensitivity.samples");
        assert!(p.allowed.contains("power of two"));
        let morris: toml::Table =
            toml::from_str("method = \"morris\"\nsamples = 48\noutcomes = [\"retention@end\"]")
                .unwrap();
        assert_eq!(Sensitivity::parse(&morris).unwrap().samples, 48);
    }

    #[test]
    fn a_list_factor_lists_each_value_once_and_a_bad_outcome_says_why_in_full() {
        let kind = keys::Kind::Choice(Vec::new());
        let twice: toml::Value = toml::Value::Array(vec!["peer".into(), "peer".into()]);
        let (given, allowed) = Sensitivity::factor("format.leadership", &twice, &kind).unwrap_err();
        assert_eq!(given, "[\"peer\", \"peer\"]");
        assert!(allowed.contains("different values, each once"), "{allowed}");
        let three: toml::Value = toml::Value::Array(vec![1.into(), 2.into(), 1.into()]);
        assert!(Sensitivity::factor("community.groups", &three, &kind).is_err());
        let two: toml::Value = toml::Value::Array(vec!["peer".into(), "facilitated".into()]);
        assert!(Sensitivity::factor("format.leadership", &two, &kind).is_ok());

        let table: toml::Table =
            toml::from_str("outcomes = [\"effect_size:retention@end\"]").unwrap();
        let p = Sensitivity::parse(&table).unwrap_err();
        assert_eq!(p.given, "\"effect_size:retention@end\"");
        assert!(
            p.allowed.starts_with(
                "an effect size is measured at the end (@end) of a member score: loneliness_mean"
            ),
            "{}",
            p.allowed
        );
    }

    #[test]
    fn an_unknown_key_is_named_with_the_keys_allowed() {
        let table: toml::Table = toml::from_str("metod = \"sobol\"").unwrap();
        let p = Sensitivity::parse(&table).unwrap_err();
        assert_eq!(p.key, "sensitivity.metod");
        assert!(p.allowed.contains("method"), "{}", p.allowed);
    }
}
