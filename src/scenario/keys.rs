//! The registry of scenario keys, read from their declarations, and the
//! checks, schema and reference that come from it.
//!
//! [`registry`] derives the JSON Schema of [`Parameters`] (schemars, from the
//! doc comments, defaults and `#[schemars(..)]` attributes of the section
//! structs) and flattens it into one [`Key`] per dotted key: its doc, kind,
//! default, allowed range or choices, unit, relations to other keys and
//! whether it applies to the whole experiment. Everything else reads that
//! list: [`check`] (types, ranges, unknown keys, with the key and the value
//! in every message), [`check_relations`], the file's JSON Schema
//! ([`crate::file_schema`]), [`markdown_reference`] (the README's key
//! tables) and [`switches`] (every mechanism's `enabled`). The file's
//! schema reads [`ordered_registry`], the same list with its schemas'
//! keywords in reading order, which a run has no need to pay for.

use std::sync::OnceLock;

use serde_json::Value;

use super::Parameters;
use super::applies::{self, Clause};
use super::source::join;
use crate::error::bounded;

/// What a key holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `true` or `false`.
    Switch,
    /// A whole number in a range.
    Whole { min: i64, max: i64 },
    /// A real number in a range.
    Real { min: f64, max: f64 },
    /// Text, optionally matching a pattern.
    Text { pattern: Option<String> },
    /// A path to a file (may be left out).
    Path,
    /// One of a few words.
    Choice(Vec<Choice>),
    /// A list of whole numbers in a range.
    Steps { min: i64, max: i64 },
    /// A list of summary metrics' names ([`crate::output::METRICS`]).
    Metrics,
}

/// One allowed word of a [`Kind::Choice`].
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub value: String,
    pub doc: String,
}

/// One scenario key, as declared.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// Dotted path, as in a file: `mechanisms.dropout.base_hazard`.
    pub path: String,
    pub doc: String,
    pub kind: Kind,
    /// The default, as JSON.
    pub default: Value,
    pub unit: Option<String>,
    /// Another key this one may not fall below.
    pub at_least: Option<String>,
    /// Another key this one may not exceed.
    pub at_most: Option<String>,
    /// What else limits the key, in words (checked by code: the relations
    /// that no `x-at-least` / `x-at-most` can say).
    pub also: Option<String>,
    /// Applies to every run of an experiment: no `[sweep]` or `[[arm]]` may set it.
    pub experiment_wide: bool,
    /// Where the key acts (`x-applies-when`, its table's and its own, and
    /// its table's switch): a run that fails a clause ignores it.
    pub applies_when: Vec<Clause>,
    /// The key's own JSON Schema (for `[sweep]` and `[[arm]]` schemas;
    /// keywords in reading order from [`ordered_registry`] only).
    pub schema: Value,
}

/// A table of keys (`[format]`, `[mechanisms.dropout]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Dotted path; empty for the top level.
    pub path: String,
    pub doc: String,
    /// Its own keys and tables, in declaration order.
    pub children: Vec<String>,
}

/// Every key and table of a scenario file, in declaration order.
#[derive(Debug)]
pub struct Registry {
    pub keys: Vec<Key>,
    pub sections: Vec<Section>,
    /// The JSON Schema of [`Parameters`] as schemars derives it (keywords
    /// in reading order from [`ordered_registry`] only).
    pub schema: Value,
}

/// The registry, built once from the declarations. Its schemas keep the
/// keywords in the order schemars declares them; [`ordered_registry`] has
/// them in the order a reader expects, for the files it writes.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| from_schema(schemars::schema_for!(Parameters).to_value()))
}

/// The registry as [`registry`], its schemas' keywords ordered as schemars
/// writes them (`$id`, `$schema`, `title`, `description`, `type` first,
/// `$defs` last): for the JSON Schema a user reads. Checking a scenario
/// does not need the order, and ordering cost every run's start about
/// five million instructions, so only the schema's writer builds this one.
pub fn ordered_registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        from_schema(
            serde_json::to_value(schemars::schema_for!(Parameters)).expect("a schema is JSON"),
        )
    })
}

fn from_schema(schema: Value) -> Registry {
    let mut registry = Registry {
        keys: Vec::new(),
        sections: Vec::new(),
        schema: Value::Null,
    };
    let defs = schema.get("$defs").unwrap_or(&Value::Null);
    walk(&schema, defs, "", (false, &[]), &mut registry);
    registry.schema = schema;
    registry
}

impl Registry {
    pub fn key(&self, path: &str) -> Option<&Key> {
        self.keys.iter().find(|k| k.path == path)
    }

    pub fn section(&self, path: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.path == path)
    }
}

/// Every mechanism's switch (`mechanisms.*.enabled`), in registry order.
pub fn switches() -> Vec<&'static str> {
    registry()
        .keys
        .iter()
        .filter(|k| k.path.starts_with("mechanisms.") && k.path.ends_with(".enabled"))
        .map(|k| k.path.as_str())
        .collect()
}

/// Every key that holds a path (`Kind::Path`): read relative to the
/// scenario file's folder.
pub fn paths() -> Vec<&'static str> {
    registry()
        .keys
        .iter()
        .filter(|k| k.kind == Kind::Path)
        .map(|k| k.path.as_str())
        .collect()
}

fn resolve<'a>(node: &'a Value, defs: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/$defs/");
            defs.get(name).unwrap_or(node)
        }
        None => node,
    }
}

fn text(node: &Value, field: &str) -> Option<String> {
    node.get(field).and_then(Value::as_str).map(String::from)
}

/// What a table passes to its keys: whether it is experiment-wide, and
/// the clauses of where it applies.
type Inherited<'a> = (bool, &'a [Clause]);

fn walk(node: &Value, defs: &Value, path: &str, (wide, applies): Inherited, out: &mut Registry) {
    let resolved = resolve(node, defs);
    let Some(properties) = resolved.get("properties").and_then(Value::as_object) else {
        return;
    };
    out.sections.push(Section {
        path: path.to_string(),
        doc: text(node, "description")
            .or_else(|| text(resolved, "description"))
            .unwrap_or_default(),
        children: properties.keys().cloned().collect(),
    });
    for (name, property) in properties {
        let child = join(path, name);
        let target = resolve(property, defs);
        let wide = wide || property.get("x-experiment-wide") == Some(&Value::Bool(true));
        let mut clauses = applies.to_vec();
        if let Some(declared) = text(property, "x-applies-when") {
            clauses.extend(Clause::parse_all(&declared));
        }
        if target.get("properties").is_some() {
            walk(property, defs, &child, (wide, &clauses), out);
        } else {
            let without_switch = property.get("x-without-switch") == Some(&Value::Bool(true));
            if properties.contains_key("enabled") && name != "enabled" && !without_switch {
                clauses.push(Clause::switch(path));
            }
            out.keys
                .push(leaf(&child, property, target, (wide, &clauses)));
        }
    }
}

fn bound_int(node: &Value, field: &str, path: &str) -> i64 {
    node.get(field)
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_u64().map(|u| u.min(i64::MAX as u64) as i64))
        })
        .unwrap_or_else(|| panic!("{path}: a whole-number key declares its {field}"))
}

fn bound_real(node: &Value, field: &str, path: &str) -> f64 {
    node.get(field)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{path}: a number key declares its {field}"))
}

fn leaf(path: &str, property: &Value, target: &Value, (wide, applies): Inherited) -> Key {
    let get = |field: &str| property.get(field).or_else(|| target.get(field));
    let ty = target.get("type");
    let kind = if let Some(variants) = target.get("oneOf").and_then(Value::as_array) {
        Kind::Choice(
            variants
                .iter()
                .map(|v| Choice {
                    value: text(v, "const").unwrap_or_default(),
                    doc: text(v, "description").unwrap_or_default(),
                })
                .collect(),
        )
    } else {
        match ty.and_then(Value::as_str) {
            Some("boolean") => Kind::Switch,
            Some("integer") => Kind::Whole {
                min: bound_int(target, "minimum", path),
                max: bound_int(target, "maximum", path),
            },
            Some("number") => Kind::Real {
                min: bound_real(target, "minimum", path),
                max: bound_real(target, "maximum", path),
            },
            Some("string") => Kind::Text {
                pattern: text(target, "pattern"),
            },
            Some("array") => {
                let items = target.get("items").expect("an array declares its items");
                if items.get("type").and_then(Value::as_str) == Some("string") {
                    Kind::Metrics
                } else {
                    Kind::Steps {
                        min: bound_int(items, "minimum", path),
                        max: bound_int(items, "maximum", path),
                    }
                }
            }
            // Option<String>: ["string", "null"].
            _ if ty.and_then(Value::as_array).is_some() => Kind::Path,
            other => panic!("{path}: no check for a key of type {other:?}"),
        }
    };
    let mut schema = target.clone();
    if let Some(object) = schema.as_object_mut() {
        object.remove("default");
        for field in ["description", "x-unit", "x-at-least", "x-at-most", "x-also"] {
            if let Some(v) = property.get(field) {
                object.insert(field.to_string(), v.clone());
            }
        }
    }
    Key {
        path: path.to_string(),
        doc: text(property, "description")
            .or_else(|| text(target, "description"))
            .unwrap_or_default(),
        kind,
        default: get("default").cloned().unwrap_or(Value::Null),
        unit: get("x-unit").and_then(Value::as_str).map(String::from),
        at_least: get("x-at-least").and_then(Value::as_str).map(String::from),
        at_most: get("x-at-most").and_then(Value::as_str).map(String::from),
        also: get("x-also").and_then(Value::as_str).map(String::from),
        experiment_wide: wide,
        applies_when: applies.to_vec(),
        schema,
    }
}

// ---------------------------------------------------------------- checks

/// A value that is not allowed: which key, what was given, what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub key: String,
    pub given: String,
    pub allowed: String,
}

impl Problem {
    pub fn new(
        key: impl Into<String>,
        given: impl std::fmt::Display,
        allowed: impl Into<String>,
    ) -> Problem {
        Problem {
            key: key.into(),
            given: bounded(&given.to_string()),
            allowed: allowed.into(),
        }
    }
}

/// Numbers as a person writes them: 10000, 0.5, 1e-9, and 1e308 rather
/// than its 309 digits.
fn number(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// The longest path a scenario may name (far above any real one), so that
/// no message quoting it grows without bound.
pub const MAX_PATH_CHARS: usize = 512;

impl Kind {
    /// What is allowed, in words.
    pub fn allowed(&self) -> String {
        match self {
            Kind::Switch => "true or false".into(),
            Kind::Whole { min, max } => format!("a whole number from {min} to {max}"),
            Kind::Real { min, max } => {
                format!("a number from {} to {}", number(*min), number(*max))
            }
            Kind::Text { pattern: Some(_) } => {
                "a name of 1 to 64 letters, digits, '-' and '_'".into()
            }
            Kind::Text { pattern: None } => "text".into(),
            Kind::Path => format!("the path of a file, at most {MAX_PATH_CHARS} characters"),
            Kind::Choice(choices) => format!(
                "one of {}",
                choices
                    .iter()
                    .map(|c| format!("\"{}\"", c.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Kind::Steps { min, max } => {
                format!("a list of whole numbers from {min} to {max}")
            }
            Kind::Metrics => format!(
                "a list of one or more summary metrics: {}",
                crate::output::METRICS
                    .iter()
                    .map(|m| format!("\"{}\"", m.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Whether `value` is allowed.
    pub fn admits(&self, value: &toml::Value) -> bool {
        match (self, value) {
            (Kind::Switch, toml::Value::Boolean(_)) => true,
            (Kind::Whole { min, max }, toml::Value::Integer(i)) => (min..=max).contains(&i),
            (Kind::Real { min, max }, toml::Value::Float(x)) => {
                x.is_finite() && (min..=max).contains(&x)
            }
            (Kind::Real { min, max }, toml::Value::Integer(i)) => {
                (min..=max).contains(&&(*i as f64))
            }
            (Kind::Text { pattern }, toml::Value::String(s)) => pattern.as_ref().is_none_or(|p| {
                regex_lite::Regex::new(p)
                    .expect("a declared pattern compiles (tested)")
                    .is_match(s)
            }),
            (Kind::Path, toml::Value::String(s)) => s.chars().count() <= MAX_PATH_CHARS,
            (Kind::Choice(choices), toml::Value::String(s)) => {
                choices.iter().any(|c| &c.value == s)
            }
            (Kind::Steps { min, max }, toml::Value::Array(items)) => items
                .iter()
                .all(|v| v.as_integer().is_some_and(|i| (*min..=*max).contains(&i))),
            (Kind::Metrics, toml::Value::Array(items)) => {
                !items.is_empty()
                    && items.iter().all(|v| {
                        v.as_str()
                            .is_some_and(|name| crate::output::Metric::named(name).is_some())
                    })
            }
            _ => false,
        }
    }
}

/// A value as a scenario file would write it: a float with a whole value
/// keeps its point (`40.0`), so that a message refusing it where a whole
/// number is allowed does not seem to refuse `40`.
pub fn written(value: &toml::Value) -> String {
    match value {
        toml::Value::Float(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 => {
            format!("{x:.1}")
        }
        toml::Value::Float(x) if x.is_finite() => number(*x),
        other => bounded(&other.to_string()),
    }
}

/// Checks a table of keys (the top level of a scenario when `prefix` is
/// empty): every key must be declared, hold a value of its kind and lie in
/// its range. Returns every problem, in key order.
pub fn check(table: &toml::Table, prefix: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_into(table, prefix, &mut problems);
    problems
}

fn check_into(table: &toml::Table, prefix: &str, problems: &mut Vec<Problem>) {
    let registry = registry();
    let section = registry
        .section(prefix)
        .expect("only declared sections are checked");
    for (name, value) in table {
        let path = join(prefix, name);
        if let Some(key) = registry.key(&path) {
            if !key.kind.admits(value) {
                problems.push(Problem::new(&path, written(value), key.kind.allowed()));
            }
        } else if registry.section(&path).is_some() {
            match value {
                toml::Value::Table(inner) => check_into(inner, &path, problems),
                other => problems.push(Problem::new(
                    &path,
                    written(other),
                    format!("a table: [{path}]"),
                )),
            }
        } else {
            problems.push(unknown(&path, name, section));
        }
    }
}

/// The problem of an undeclared key, with the closest declared one.
pub fn unknown(path: &str, name: &str, section: &Section) -> Problem {
    let nearest = nearest(name, section.children.iter().map(String::as_str));
    let within = if section.path.is_empty() {
        "the top level".to_string()
    } else {
        format!("[{}]", section.path)
    };
    let hint = nearest.map_or(String::new(), |c| format!("did you mean `{c}`? "));
    Problem::new(
        path,
        "not a key bonfire knows",
        format!("{hint}{within} takes {}", section.children.join(", ")),
    )
}

/// The name among `candidates` closest to a misspelt `name` (at most three
/// edits away), for "did you mean" suggestions.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance, for suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            previous = here;
        }
    }
    row[b.len()]
}

/// The value of a dotted key in a table.
/// The last part of a dotted key: `group_size` of `community.group_size`.
pub fn last_part(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

pub fn lookup<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut here = table.get(parts.next()?)?;
    for part in parts {
        here = here.as_table()?.get(part)?;
    }
    Some(here)
}

fn as_number(value: &toml::Value) -> Option<f64> {
    value
        .as_float()
        .or_else(|| value.as_integer().map(|i| i as f64))
}

/// The declared relations between keys (`x-at-least`, `x-at-most`), on the
/// full set of values, then the special ones (`check_special_relations` in
/// the scenario module).
pub fn check_relations(parameters: &Parameters) -> Result<(), Problem> {
    let table = toml::Table::try_from(parameters).expect("parameters serialise");
    for key in &registry().keys {
        let bounds = [(&key.at_least, true), (&key.at_most, false)];
        for (other, lower) in bounds {
            let Some(other) = other else { continue };
            let (Some(mine), Some(theirs)) = (
                lookup(&table, &key.path).and_then(as_number),
                lookup(&table, other).and_then(as_number),
            ) else {
                continue;
            };
            let broken = if lower { mine < theirs } else { mine > theirs };
            if broken {
                let (lo, hi) = match &key.kind {
                    Kind::Real { min, max } => (number(*min), number(*max)),
                    Kind::Whole { min, max } => (min.to_string(), max.to_string()),
                    _ => unreachable!("relations are declared on numbers"),
                };
                let allowed = if lower {
                    format!("a number from {other} ({}) to {hi}", number(theirs))
                } else {
                    format!("a number from {lo} to {other} ({})", number(theirs))
                };
                return Err(Problem::new(&key.path, number(mine), allowed));
            }
        }
    }
    super::check_special_relations(parameters)
}

// ---------------------------------------------------------------- reference

/// A default as the README shows it.
pub fn shown_default(key: &Key) -> String {
    match &key.default {
        Value::Null => "(none)".into(),
        Value::String(s) => format!("\"{s}\""),
        Value::Array(items) if items.is_empty() => "[]".into(),
        Value::Number(n) if n.is_f64() => number(n.as_f64().unwrap_or_default()),
        other => other.to_string(),
    }
}

/// Thousands separated by commas: 10,000.
fn grouped(x: f64) -> String {
    grouped_text(&format!("{x}"))
}

/// A count with thousands separated by commas: 90,000,000.
pub fn grouped_count(n: u64) -> String {
    grouped_text(&n.to_string())
}

fn grouped_text(text: &str) -> String {
    let (sign, rest) = text.strip_prefix('-').map_or(("", text), |r| ("−", r));
    let (whole, fraction) = rest
        .split_once('.')
        .map_or((rest, None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match fraction {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

/// The allowed values as the README and MODEL.md tables show them: `0–1`,
/// `0.01–10,000`, `` `tie_hours`–10,000 ``, `"closed", "open"`.
pub fn shown_range(key: &Key) -> String {
    match &key.also {
        Some(also) => format!("{}; {also}", static_range(key)),
        None => static_range(key),
    }
}

fn static_range(key: &Key) -> String {
    let short = |other: &str| format!("`{}`", last_part(other));
    let span = |lo: String, hi: String| format!("{lo}–{hi}");
    match &key.kind {
        Kind::Switch => "true, false".into(),
        Kind::Whole { min, max } | Kind::Steps { min, max } => {
            let lo = key
                .at_least
                .as_deref()
                .map_or(grouped_text(&min.to_string()), short);
            let hi = key
                .at_most
                .as_deref()
                .map_or(grouped_text(&max.to_string()), short);
            span(lo, hi)
        }
        Kind::Real { min, max } => {
            let lo = key.at_least.as_deref().map_or(grouped(*min), short);
            let hi = key.at_most.as_deref().map_or(grouped(*max), short);
            span(lo, hi)
        }
        Kind::Text { pattern: Some(_) } => "1–64 letters, digits, `-`, `_`".into(),
        Kind::Text { pattern: None } => "any text".into(),
        Kind::Path => "a path".into(),
        Kind::Metrics => "names of `summary.csv` metrics".into(),
        Kind::Choice(choices) => choices
            .iter()
            .map(|c| format!("\"{}\"", c.value))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// One line of prose from a doc comment (schemars joins lines with "\n").
pub fn one_line(doc: &str) -> String {
    doc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "Every 7 days." as "every 7 days", to follow a colon.
fn lower_first(text: &str) -> String {
    let text = text.trim_end_matches('.');
    let mut chars = text.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_lowercase().chain(chars).collect())
}

/// The README's scenario reference: a table per section, in declaration order.
pub fn markdown_reference() -> String {
    let registry = registry();
    let mut out = String::new();
    for section in &registry.sections {
        let keys: Vec<&Key> = section
            .children
            .iter()
            .filter_map(|c| registry.key(&join(&section.path, c)))
            .collect();
        if keys.is_empty() {
            continue;
        }
        let heading = if section.path.is_empty() {
            "**Top level**".to_string()
        } else {
            format!("**`[{}]`**", section.path)
        };
        out.push_str(&format!("{heading}\n\n"));
        // The struct's doc names its table at the end, as "(`[format]`)."
        let doc = one_line(&section.doc);
        let doc = doc
            .strip_suffix(&format!(" (`[{}]`).", section.path))
            .map_or(doc.clone(), |d| format!("{d}."));
        if !section.path.is_empty() && !doc.is_empty() {
            out.push_str(&format!("{doc}\n\n"));
        }
        out.push_str("| key | meaning | unit | default | allowed |\n|---|---|---|---|---|\n");
        for key in keys {
            let mut meaning = one_line(&key.doc);
            if let Kind::Choice(choices) = &key.kind {
                let words: Vec<String> = choices
                    .iter()
                    .map(|c| format!("`{}`: {}", c.value, lower_first(&one_line(&c.doc))))
                    .collect();
                meaning = format!("{meaning} {}.", words.join("; "));
            }
            let declared: Vec<Clause> = key
                .applies_when
                .iter()
                .filter(|c| !c.from_switch)
                .cloned()
                .collect();
            if !declared.is_empty() {
                meaning = format!(
                    "{meaning} Applies only where {}.",
                    applies::in_words(&declared)
                );
            }
            let name = last_part(&key.path);
            out.push_str(&format!(
                "| `{name}` | {meaning} | {} | {} | {} |\n",
                key.unit.as_deref().unwrap_or(""),
                shown_default(key),
                shown_range(key)
            ));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A float is quoted as a file writes it: a whole one keeps its point,
    /// so that `groups = 40.0` is not refused as "40".
    #[test]
    fn a_float_is_quoted_with_its_point() {
        let float = |x: f64| written(&toml::Value::Float(x));
        assert_eq!(float(40.0), "40.0");
        assert_eq!(float(-2.0), "-2.0");
        assert_eq!(float(40.5), "40.5");
        assert_eq!(float(1e20), "1e20");
        assert_eq!(float(0.0000001), "1e-7");
        assert_eq!(written(&toml::Value::Integer(40)), "40");
    }

    #[test]
    fn the_registry_a_run_checks_with_is_the_schema_writers_in_another_keyword_order() {
        let (run, written) = (registry(), ordered_registry());
        // serde_json's maps (insertion-ordered) compare as maps: the keys,
        // their kinds, defaults and schemas are the same, in any order.
        assert_eq!(run.keys, written.keys);
        assert_eq!(run.sections, written.sections);
        assert_eq!(run.schema, written.schema);
        // The order itself does differ, which is why the writer has its own.
        let first = |r: &Registry| r.schema.as_object().unwrap().keys().next().cloned();
        assert_eq!(first(written).as_deref(), Some("$schema"));
        assert_ne!(first(run), first(written));
    }

    #[test]
    fn every_number_declares_its_range_and_every_key_its_doc() {
        // Building the registry panics on a number without bounds.
        for key in &registry().keys {
            assert!(!key.doc.is_empty(), "{}: no doc comment", key.path);
            assert!(
                !key.default.is_null() || key.kind == Kind::Path,
                "{}",
                key.path
            );
        }
    }

    #[test]
    fn registry_defaults_are_the_serde_defaults() {
        let defaults = serde_json::to_value(Parameters::default()).unwrap();
        for key in &registry().keys {
            let mut here = &defaults;
            for part in key.path.split('.') {
                here = &here[part];
            }
            assert_eq!(here, &key.default, "{}", key.path);
        }
    }

    #[test]
    fn every_default_passes_its_own_check() {
        let table = toml::Table::try_from(Parameters::default()).unwrap();
        assert_eq!(check(&table, ""), Vec::new());
        assert_eq!(check_relations(&Parameters::default()), Ok(()));
    }

    #[test]
    fn ranges_types_and_unknown_keys_are_checked() {
        let table: toml::Table =
            toml::from_str("[mechanisms.dropout]\nbase_hazard = 1.5\n").unwrap();
        let p = check(&table, "").remove(0);
        assert_eq!(p.key, "mechanisms.dropout.base_hazard");
        assert_eq!(p.allowed, "a number from 0 to 1");
        let nan: toml::Table = toml::from_str("[format]\nminutes = nan\n").unwrap();
        assert_eq!(check(&nan, "")[0].given, "nan");
        let text: toml::Table = toml::from_str("[format]\nsessions = \"ten\"\n").unwrap();
        assert_eq!(
            check(&text, "")[0].allowed,
            "a whole number from 1 to 10000"
        );
        let typo: toml::Table = toml::from_str("[format]\nsesions = 3\n").unwrap();
        let p = check(&typo, "").remove(0);
        assert_eq!(p.key, "format.sesions");
        assert!(
            p.allowed.starts_with("did you mean `sessions`?"),
            "{}",
            p.allowed
        );
    }

    #[test]
    fn declared_relations_are_checked() {
        let mut p = Parameters::default();
        p.mechanisms.bonding.casual_hours = 1.0;
        let problem = check_relations(&p).unwrap_err();
        assert_eq!(problem.key, "mechanisms.bonding.casual_hours");
        assert!(problem.allowed.contains("mechanisms.bonding.tie_hours (2)"));
        let mut p = Parameters::default();
        p.mechanisms.bonding.close_capacity = 16;
        assert_eq!(
            check_relations(&p).unwrap_err().key,
            "mechanisms.bonding.close_capacity"
        );
    }

    #[test]
    fn the_name_pattern_is_the_declared_one() {
        let key = registry().key("name").unwrap();
        assert_eq!(
            key.kind,
            Kind::Text {
                pattern: Some(super::super::NAME_PATTERN.into())
            }
        );
        assert!(key.kind.admits(&toml::Value::String("a-b_1".into())));
        assert!(!key.kind.admits(&toml::Value::String("a b".into())));
        assert!(!key.kind.admits(&toml::Value::String(String::new())));
    }

    #[test]
    fn switches_are_the_mechanisms_enabled_keys() {
        let s = switches();
        assert!(s.contains(&"mechanisms.dropout.enabled"));
        assert!(s.iter().all(|k| k.ends_with(".enabled")));
    }

    #[test]
    fn grouped_numbers_read_as_people_write_them() {
        assert_eq!(grouped(10_000.0), "10,000");
        assert_eq!(grouped(0.01), "0.01");
        assert_eq!(grouped(-10.0), "−10");
        assert_eq!(
            grouped_text(&i64::MAX.to_string()),
            "9,223,372,036,854,775,807"
        );
    }

    #[test]
    fn every_clause_names_a_declared_key_and_words_it_can_hold() {
        for key in &registry().keys {
            for clause in &key.applies_when {
                let on = registry()
                    .key(&clause.key)
                    .unwrap_or_else(|| panic!("{}: no key {}", key.path, clause.key));
                let allowed: Vec<String> = match &on.kind {
                    Kind::Choice(choices) => choices.iter().map(|c| c.value.clone()).collect(),
                    Kind::Switch => vec!["true".into(), "false".into()],
                    Kind::Path => vec!["none".into()],
                    Kind::Real { .. } | Kind::Whole { .. } => vec!["0".into()],
                    other => panic!("{}: a clause on {} of kind {other:?}", key.path, clause.key),
                };
                for word in &clause.words {
                    assert!(
                        allowed.contains(word),
                        "{}: {} never holds `{word}`",
                        key.path,
                        clause.key
                    );
                }
            }
        }
        let open = registry().key("open.catchment").unwrap();
        assert_eq!(
            open.applies_when[0].to_string(),
            "`format.membership` is `open`"
        );
        let gain = registry().key("mechanisms.hope.gain").unwrap();
        assert!(
            gain.applies_when
                .iter()
                .any(|c| c.from_switch && c.key == "mechanisms.hope.enabled")
        );
        let hopeful = registry().key("mechanisms.hope.hopeful_at").unwrap();
        assert!(hopeful.applies_when.is_empty(), "used with hope off too");
    }
}
