//! Experiments: a scenario's text turned, along one path, into the checked
//! scenarios of every sweep point and arm.
//!
//! The path: the text is read into one table that remembers the line of
//! every value ([`Document`]); `[sweep]` and `[[arm]]` are taken out of it;
//! settings from the command line or code are applied to the base; then for
//! every (point, arm) the base is copied, the point's swept values and the
//! arm's keys are applied once, and the table is checked against the
//! declared keys ([`keys::check`]), turned into typed [`Parameters`] and
//! checked for the relations between keys. Every value keeps its place, so a
//! bad value in a sweep or an arm is reported at its own line.
//!
//! A `[sweep]` table lists keys (dotted, as in the file) with a list of
//! values or a range `{ from, to, step }`; the experiment runs the full
//! factorial of them (a *point* is one combination). `[[arm]]` tables name
//! conditions, each a set of keys that differ from the base scenario; an arm
//! with `attends = false` is a waitlist control whose members never attend.
//! Every point is run for every arm and replicate. A *run* is one
//! (point, replicate, arm), numbered point-major, then replicate, then arm.
//! Keys that apply to the whole experiment (name, description, seed,
//! replicates, `[question]`, `[network]`, `[output]`) cannot be swept or set in an arm:
//! they are refused with a message, never ignored.
//!
//! Conditions share common random numbers: every arm and point runs on the
//! base seed, and replicate r of every condition draws the same population
//! from the same streams (where group size and the number of groups are
//! the same), so a difference between conditions is their doing, not
//! noise. A run's seal records its seed (`output::parts`).
//!
//! Every (point, arm) scenario is built and validated before the first run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::baseline::Cohort;
use crate::calibration::Plan;
use crate::calibration::spec::CalibrationSpec;
use crate::community::{self, CommunityGraph};
use crate::error::{Error, Origin, Place, Result};
use crate::metrics::{LeftEmpty, RowsKind, Runs, left_empty};
use crate::output::METRICS;
use crate::output::manifest::Span;
use crate::scenario::applies;
use crate::scenario::keys::{self, Problem};
use crate::scenario::source::{Document, join};
use crate::scenario::{DEFAULT_SCENARIO, Imported, Parameters, Scenario};
use crate::sensitivity::spec::Measure;
use crate::sensitivity::spec::{DEFAULT_LEVELS, LEVELS_IGNORED, MAX_FACTORS};
use crate::sensitivity::{Analysis, Factor, Method, Reference, Sensitivity};

/// One swept key and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct SweptKey {
    pub key: String,
    pub values: Vec<toml::Value>,
    /// Where the sweep of this key was written.
    pub place: Place,
}

/// The `[sweep]` table: its keys, and how their lists make points.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sweep {
    pub keys: Vec<SweptKey>,
    /// `together = true`: the lists are walked side by side, point i
    /// taking the i-th value of each (lists of one length), rather than
    /// crossed in a full factorial. A designer holds the total intake
    /// fixed so: `group_size = [6, 10, 15]` with `groups = [20, 12, 8]`.
    pub together: bool,
}

/// One named condition.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmSpec {
    pub name: String,
    /// False for a waitlist control arm: its members never attend.
    pub attends: bool,
    /// (dotted key, value, place) of every key that differs from the base.
    pub overrides: Vec<(String, toml::Value, Place)>,
}

/// One run of an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSpec {
    pub id: u64,
    pub point: usize,
    pub replicate: u32,
    pub arm: usize,
}

/// A scenario file expanded into its points, arms and replicates.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// The scenario of every (point, arm), index `point * arms + arm`.
    scenarios: Vec<Scenario>,
    pub sweep: Sweep,
    pub arms: Vec<ArmSpec>,
    /// The value of every swept key at each point, in `sweep` order.
    pub points: Vec<Vec<toml::Value>>,
    pub replicates: u32,
    /// The base scenario (no sweep value, no arm applied): name, output
    /// settings and the resolved file come from it.
    pub base: Scenario,
    /// The sensitivity analysis of a file with a `[sensitivity]` table:
    /// its design gives the points (instead of a sweep).
    pub sensitivity: Option<Analysis>,
    /// The calibration of a file with a `[calibration]` table: one
    /// generation's particles are the points.
    pub calibration: Option<Plan>,
    /// The settings of the file and the command line that no run applies,
    /// as warnings naming the file and line
    /// ([`applies::unused_settings`]).
    pub unused: Vec<String>,
}

impl Design {
    /// The sensitivity analysis or the calibration's generation it makes:
    /// a design drawn from the seed; the particles the overrides give, or
    /// generation 0's.
    fn made(self, seed: u64, overrides: &Overrides) -> (Option<Analysis>, Option<Plan>) {
        match self {
            Design::Sweep => (None, None),
            Design::Sensitivity(spec, table, arm) => {
                (Some(Analysis::new(spec, table, seed, arm, None)), None)
            }
            Design::Calibration(spec, table, arm) => {
                let plan = Plan::new(spec, table, arm, seed, overrides.particles.clone());
                (None, Some(plan))
            }
        }
    }
}

/// Where an experiment's points come from, as its file says.
enum Design {
    /// A `[sweep]`'s points (one point without a sweep).
    Sweep,
    /// A `[sensitivity]` table: its settings, the table as written and the
    /// analysed arm.
    Sensitivity(Sensitivity, toml::Table, usize),
    /// A `[calibration]` table: its settings, the table as written and the
    /// arm targets are read from by default.
    Calibration(CalibrationSpec, toml::Table, usize),
}

/// One key set from outside the file: a command-line flag or code.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: String,
    pub value: toml::Value,
    pub place: Place,
}

/// Settings applied to the file's base before it is expanded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub settings: Vec<Setting>,
    /// A calibration generation's particles (points of the unit cube, one
    /// per parameter); without them a `[calibration]` file's points are
    /// generation 0's draws from the prior.
    pub particles: Option<Vec<Vec<f64>>>,
}

impl Overrides {
    /// Adds a command-line flag's value for a key.
    pub fn flag(mut self, flag: &'static str, key: &str, value: toml::Value) -> Self {
        self.settings.push(Setting {
            key: key.to_string(),
            value,
            place: Place::Flag(flag),
        });
        self
    }

    /// The same settings for a calibration generation's particles.
    pub fn with_particles(&self, particles: Vec<Vec<f64>>) -> Self {
        Overrides {
            settings: self.settings.clone(),
            particles: Some(particles),
        }
    }

    fn sets(&self, key: &str) -> bool {
        self.settings.iter().any(|s| s.key == key)
    }
}

/// One point of a sweep, a sensitivity design or a calibration's
/// generation, as its scenarios are built: what it is called in messages,
/// the keys it sets (with where each was written), their values and its
/// seed.
struct Point<'a> {
    kind: &'a str,
    varied: &'a [(String, Place)],
    values: &'a [toml::Value],
    seed: u64,
}

impl<'a> Point<'a> {
    fn new(
        kind: &'a str,
        varied: &'a [(String, Place)],
        values: &'a [toml::Value],
        seed: u64,
    ) -> Self {
        Point {
            kind,
            varied,
            values,
            seed,
        }
    }
}

/// The name of the single arm of a scenario without `[[arm]]` tables.
pub const DEFAULT_ARM: &str = "group";

/// The most sweep points an experiment may have.
pub const MAX_POINTS: u64 = 1_000_000;

/// The most runs an experiment may have (points × arms × replicates).
pub const MAX_RUNS: u64 = 1_000_000;

/// Builds errors that name the file, the key's place and the problem.
struct Reporter<'a> {
    origin: &'a Origin,
}

impl Reporter<'_> {
    /// An error in a file the scenario names (a cohort, an edge list), put
    /// at the line of the key that names it.
    fn in_file(&self, e: Error, places: &BTreeMap<String, Place>) -> Error {
        let key = match &e {
            Error::Baseline { .. } => "population.file",
            Error::Io { action, .. } if action.contains("population.file") => "population.file",
            _ => "community_network.file",
        };
        Error::InScenario {
            origin: self.origin.clone(),
            place: places.get(key).cloned().unwrap_or(Place::Default),
            inner: Box::new(e),
        }
    }

    fn error(&self, problem: Problem, place: Place) -> Error {
        Error::ScenarioValue {
            origin: self.origin.clone(),
            key: problem.key,
            place,
            given: problem.given,
            allowed: problem.allowed,
        }
    }

    fn at(
        &self,
        place: Place,
        key: &str,
        given: impl std::fmt::Display,
        allowed: impl Into<String>,
    ) -> Error {
        self.error(Problem::new(key, given, allowed), place)
    }
}

/// The keys of `[sweep]` that set how it runs rather than vary a key.
pub const SWEEP_SETTINGS: [&str; 2] = ["together", "replicates"];

/// The first value of `values` listed again later, if any.
fn listed_twice(values: &[toml::Value]) -> Option<&toml::Value> {
    values
        .iter()
        .enumerate()
        .find_map(|(i, v)| values[i + 1..].contains(v).then_some(v))
}

/// Leaves of a table as (dotted key, value), in key order; a range table
/// `{ from, to, ... }` is a leaf.
fn leaves(prefix: &str, table: &toml::Table, out: &mut Vec<(String, toml::Value)>) {
    for (k, v) in table {
        let key = join(prefix, k);
        match v {
            toml::Value::Table(t) if !is_range(t) => leaves(&key, t, out),
            _ => out.push((key, v.clone())),
        }
    }
}

fn is_range(t: &toml::Table) -> bool {
    t.contains_key("from") && t.contains_key("to")
}

/// Leaves of `[sensitivity.factors]`: a table with any of `from`, `to` or
/// `scale` is a factor's range (checked whole, so a missing `to` is named
/// as such), and an empty table is a leaf too (refused as a value).
fn factor_leaves(prefix: &str, table: &toml::Table, out: &mut Vec<(String, toml::Value)>) {
    for (k, v) in table {
        let key = join(prefix, k);
        match v {
            toml::Value::Table(t)
                if !t.is_empty() && !["from", "to", "scale"].iter().any(|r| t.contains_key(*r)) =>
            {
                factor_leaves(&key, t, out)
            }
            _ => out.push((key, v.clone())),
        }
    }
}

/// Sets a dotted key in a table, creating tables on the way.
pub fn set_key(table: &mut toml::Table, key: &str, value: toml::Value) {
    let mut parts: Vec<&str> = key.split('.').collect();
    let leaf = parts.pop().expect("a key has a name");
    let mut here = table;
    for part in parts {
        let next = here
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !next.is_table() {
            *next = toml::Value::Table(toml::Table::new());
        }
        here = next.as_table_mut().expect("made a table just above");
    }
    here.insert(leaf.to_string(), value);
}

/// The values of a range `{ from, to, step }`, `to` included.
fn range_values(key: &str, t: &toml::Table) -> std::result::Result<Vec<toml::Value>, String> {
    let allowed = ["from", "to", "step"];
    if let Some(extra) = t.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("a range takes from, to and step, not `{extra}`"));
    }
    let int = |v: Option<&toml::Value>| v.and_then(toml::Value::as_integer);
    let num =
        |v: Option<&toml::Value>| v.and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)));
    let (from, to, step) = (t.get("from"), t.get("to"), t.get("step"));
    let too_many = |n: f64| {
        format!("a range of at most {MAX_POINTS} values (this one has {n:.0}): use a larger step")
    };
    if let (Some(a), Some(b), Some(s)) = (
        int(from),
        int(to),
        int(step).or(step.is_none().then_some(1)),
    ) {
        if s <= 0 || b < a {
            return Err(format!(
                "range {a} to {b} by {s}: step must be positive and to >= from"
            ));
        }
        // In 128 bits: neither the count nor a value can overflow.
        let n = (i128::from(b) - i128::from(a)) / i128::from(s) + 1;
        if n > i128::from(MAX_POINTS) {
            return Err(too_many(n as f64));
        }
        return Ok((0..n)
            .map(|i| toml::Value::Integer((i128::from(a) + i * i128::from(s)) as i64))
            .collect());
    }
    match (num(from), num(to), num(step)) {
        (Some(a), Some(b), Some(s)) if s > 0.0 && b >= a && (b - a).is_finite() => {
            let n = ((b - a) / s + 1e-9).floor();
            if n + 1.0 > MAX_POINTS as f64 {
                return Err(too_many(n + 1.0));
            }
            // Rounded to 12 significant digits so 0.1 steps print as 0.3, not 0.30000000000000004.
            Ok((0..=n as i64)
                .map(|i| {
                    let v = a + i as f64 * s;
                    toml::Value::Float(format!("{v:.12e}").parse::<f64>().unwrap_or(v))
                })
                .collect())
        }
        _ => Err(format!(
            "range for `{key}` needs numbers from <= to and a positive step"
        )),
    }
}

/// Why a key cannot vary between the runs of one experiment.
fn experiment_wide(key: &str) -> String {
    let top = key.split('.').next().unwrap_or(key);
    let why = match top {
        "seed" => "every sweep point and arm runs on the base seed (common random numbers); use `replicates` for more seeds".to_string(),
        "replicates" => "every point and arm runs every replicate".into(),
        "name" | "description" => format!("`{top}` describes the whole experiment"),
        _ => format!("[{top}] applies to every run of the experiment (what is measured and written)"),
    };
    format!("only in the base scenario, at the top of the file: {why}")
}

/// Checks one value against its declared key (for sweep and arm values,
/// which are checked where they are written).
fn check_value(key: &str, value: &toml::Value) -> std::result::Result<(), Problem> {
    let declared = keys::registry()
        .key(key)
        .expect("only declared keys are checked");
    if declared.kind.admits(value) {
        Ok(())
    } else {
        Err(Problem::new(
            key,
            keys::written(value),
            declared.kind.allowed(),
        ))
    }
}

/// A key of a sweep or an arm (`within`: where it was set): declared, and
/// allowed to vary.
fn varying_key(key: &str, within: &str) -> std::result::Result<(), Problem> {
    let registry = keys::registry();
    match registry.key(key) {
        Some(k) if k.experiment_wide => Err(Problem::new(
            key,
            format!("set {within}"),
            experiment_wide(key),
        )),
        Some(_) => Ok(()),
        None if registry.section(key).is_some() => Err(Problem::new(
            key,
            format!("a single value set {within}"),
            format!("the keys of the table [{key}], each dotted: `{key}.NAME = VALUE`"),
        )),
        None => {
            // The nearest declared section, for the suggestion.
            let (parent, name) = key.rsplit_once('.').unwrap_or(("", key));
            match registry.section(parent) {
                Some(section) => Err(keys::unknown(key, name, section)),
                None => {
                    let nearest = keys::nearest(key, registry.keys.iter().map(|k| k.path.as_str()));
                    let hint = nearest.map_or(String::new(), |k| format!("did you mean `{k}`? "));
                    Err(Problem::new(
                        key,
                        "not a key bonfire knows",
                        format!(
                            "{hint}a key of the scenario reference (README), dotted as in the file"
                        ),
                    ))
                }
            }
        }
    }
}

/// The folder relative paths in a scenario are read from.
fn base_dir(origin: &Origin) -> PathBuf {
    match origin {
        Origin::File(path) => path.parent().map(Path::to_path_buf).unwrap_or_default(),
        Origin::Embedded => PathBuf::from("."),
    }
}

/// A path key's value (an edge list, a cohort) made absolute against the
/// scenario's folder, so the resolved scenario reproduces the run from
/// anywhere on this machine; other keys' values as they are.
fn absolute_file(dir: &Path, key: &str, value: &toml::Value) -> toml::Value {
    match value.as_str() {
        Some(file) if !file.is_empty() && keys::paths().contains(&key) => {
            let joined = dir.join(file);
            let absolute = std::path::absolute(&joined).unwrap_or(joined);
            toml::Value::String(absolute.display().to_string())
        }
        _ => value.clone(),
    }
}

/// A file taken apart: its base and its experiment tables.
struct Split {
    base: Written,
    sweep: toml::Table,
    arms: Vec<toml::Value>,
    sensitivity: Option<toml::Table>,
    calibration: Option<toml::Table>,
}

/// The settings no run of the experiment applies
/// ([`applies::unused_settings`]), each a warning that names its file and
/// line: a base value other than the default (a file rerun from
/// `scenario.resolved.toml` writes every key, most at their defaults), a
/// swept or sampled key, or an arm's value, looked for in that arm's runs.
fn unused_warnings<'a>(
    origin: &Origin,
    base: &'a Written,
    varied: &'a [(String, Place)],
    arms: &'a [ArmSpec],
    scenarios: &[Scenario],
) -> Vec<String> {
    let every: Vec<usize> = (0..scenarios.len()).collect();
    let mut settings: Vec<applies::Setting> = Vec::new();
    let mut look_for = |key: &'a str, place: &Place, runs: Vec<usize>, arm: Option<&'a str>| {
        if let Some(declared) = keys::registry().key(key) {
            settings.push(applies::Setting {
                key,
                applies_when: &declared.applies_when,
                place: place.clone(),
                runs,
                arm,
            });
        }
    };
    for (key, place) in &base.places {
        let (Some(value), Some(declared)) =
            (keys::lookup(&base.table, key), keys::registry().key(key))
        else {
            continue;
        };
        if !applies::same_value(&serde_json::json!(value), &declared.default) {
            look_for(key, place, every.clone(), None);
        }
    }
    for (key, place) in varied {
        look_for(key, place, every.clone(), None);
    }
    for (a, arm) in arms.iter().enumerate() {
        let runs: Vec<usize> = every
            .iter()
            .copied()
            .filter(|i| i % arms.len() == a)
            .collect();
        for (key, _, place) in &arm.overrides {
            look_for(key, place, runs.clone(), Some(&arm.name));
        }
    }
    // In the file's order; flags and code after the lines.
    settings.sort_by_key(|s| match s.place {
        Place::Line(line) => line,
        _ => usize::MAX,
    });
    applies::unused_settings(&settings, &|i| scenarios[i].parameters())
        .into_iter()
        .map(|unused| format!("{origin}{}: {unused}", unused.place))
        .chain(exports_past_the_end(origin, base, arms.len(), scenarios))
        .chain(nobody_joins(origin, base, varied, arms, scenarios))
        .collect()
}

/// A warning for each arm or sweep point whose groups nobody ever joins:
/// open groups with no members at the first session and no newcomers (a
/// referral needs a member to refer). Its runs are written, with every
/// figure empty, which is seldom what was meant. Where the arrivals were
/// set: the arm's line, else the sweep's or the file's.
fn nobody_joins(
    origin: &Origin,
    base: &Written,
    varied: &[(String, Place)],
    arms: &[ArmSpec],
    scenarios: &[Scenario],
) -> Vec<String> {
    const ARRIVALS: &str = "open.arrivals_per_session";
    let mut warnings: Vec<String> = scenarios
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            let p = s.parameters();
            p.format.membership == crate::scenario::Membership::Open
                && p.open.initial_members == 0
                && p.open.arrivals_per_session == 0.0
        })
        .map(|(i, s)| {
            let arm = &arms[i % arms.len().max(1)];
            let set_by_arm = arm.overrides.iter().find(|(key, ..)| key == ARRIVALS);
            let swept = varied.iter().find(|(key, _)| key == ARRIVALS);
            let place = match (set_by_arm, swept) {
                (Some((.., place)), _) | (None, Some((_, place))) => place.clone(),
                (None, None) => base.places.get(ARRIVALS).cloned().unwrap_or(Place::Default),
            };
            format!(
                "{origin}{place}: nobody ever joins the groups of {} (`open.initial_members` = 0 and `{ARRIVALS}` = 0), so its runs have no figures",
                condition_name(s, i, arms.len(), scenarios.len())
            )
        })
        .collect();
    named_at_most(&mut warnings, |more| {
        format!("{origin}: and {more} more arms or points whose groups nobody joins")
    });
    warnings
}

/// An arm or sweep point by its name in messages: the arm's name, the
/// point by its `point` in runs.csv (a sweep's, a sensitivity
/// analysis's or a calibration's), or both.
fn condition_name(s: &Scenario, run: usize, arms: usize, runs: usize) -> String {
    let points = runs / arms.max(1);
    match (points > 1, arms > 1) {
        (true, true) => format!("arm {} at point {}", s.arm_name(), run / arms),
        (true, false) => format!("point {}", run / arms),
        _ => format!("arm {}", s.arm_name()),
    }
}

/// Keeps the first [`MOST_NAMED`] of `warnings`, then the one `more`
/// makes of how many more there were.
fn named_at_most(warnings: &mut Vec<String>, more: impl FnOnce(usize) -> String) {
    if warnings.len() > MOST_NAMED {
        let left_out = warnings.len() - MOST_NAMED;
        warnings.truncate(MOST_NAMED);
        warnings.push(more(left_out));
    }
}

/// The network's export steps against the runs' lengths. A step past the
/// last session of every run would export nothing, and is refused; one
/// past the end of some runs only (an arm or sweep point of fewer
/// sessions) is exported by the runs that reach it, and
/// [`exports_past_the_end`] warns of the others.
fn check_export_steps(base: &Written, scenarios: &[Scenario], report: &Reporter) -> Result<()> {
    let sessions = |s: &Scenario| s.parameters().format.sessions;
    let longest = scenarios.iter().map(sessions).max().unwrap_or(0);
    let Some(&late) = export_steps(scenarios).iter().find(|&&step| step > longest) else {
        return Ok(());
    };
    let allowed = if scenarios.iter().all(|s| sessions(s) == longest) {
        format!("steps from 0 to format.sessions ({longest})")
    } else {
        format!("steps from 0 to the most sessions of any arm or sweep point ({longest})")
    };
    let place = base
        .places
        .get(EXPORT_STEPS)
        .cloned()
        .unwrap_or(Place::Default);
    Err(report.error(Problem::new(EXPORT_STEPS, late, allowed), place))
}

/// The key of the network's export steps.
const EXPORT_STEPS: &str = "network.export_steps";

/// The export steps, the same in every scenario (`[network]` is the whole
/// experiment's).
fn export_steps(scenarios: &[Scenario]) -> &[u32] {
    scenarios
        .first()
        .map_or(&[], |s| &s.parameters().network.export_steps)
}

/// A warning for each arm or sweep point whose runs end before one of the
/// export steps (the first [`MOST_NAMED`], then how many more): they export
/// the steps they reach, no more.
fn exports_past_the_end(
    origin: &Origin,
    base: &Written,
    arms: usize,
    scenarios: &[Scenario],
) -> Vec<String> {
    let Some(place) = base.places.get(EXPORT_STEPS) else {
        return Vec::new();
    };
    let steps = export_steps(scenarios);
    let mut warnings: Vec<String> = scenarios
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let sessions = s.parameters().format.sessions;
            let past: Vec<String> = steps
                .iter()
                .filter(|&&step| step > sessions)
                .map(u32::to_string)
                .collect();
            if past.is_empty() {
                return None;
            }
            let condition = condition_name(s, i, arms, scenarios.len());
            Some(format!(
                "{origin}{place}: `{EXPORT_STEPS}`: the runs of {condition} end after {sessions} sessions, so they export no network at step{} {}; the other runs do",
                if past.len() > 1 { "s" } else { "" },
                past.join(", ")
            ))
        })
        .collect();
    named_at_most(&mut warnings, |more| {
        format!(
            "{origin}{place}: `{EXPORT_STEPS}`: and {more} more arms or points whose runs end before a step"
        )
    });
    warnings
}

/// How many conditions a warning about some of them names one by one.
const MOST_NAMED: usize = 5;

/// A table of keys and where each of its values was written.
#[derive(Debug, Clone)]
struct Written {
    table: toml::Table,
    places: BTreeMap<String, Place>,
}

/// One condition's checked parameters, its name for messages, and where
/// the files it imports were named
/// ([`Experiment::condition_parameters`]).
type Checked = (Parameters, String, BTreeMap<String, Place>);

/// An experiment's conditions before they are checked: the base
/// scenario as written, the keys that vary, every point's values and the
/// arms.
struct Conditions<'a> {
    base: &'a Written,
    varied: &'a [(String, Place)],
    points: &'a [Vec<toml::Value>],
    arms: &'a [ArmSpec],
}

impl Conditions<'_> {
    /// The scenario of every point and arm, points first: each
    /// condition's parameters checked in parallel
    /// ([`Experiment::condition_parameters`]); then, in order, what each
    /// imports, so that the first condition in order with a problem is the
    /// one reported, as one after another would. `kind_and_seed` gives a
    /// point's kind (for messages) and seed.
    fn scenarios(
        &self,
        kind_and_seed: impl Fn(usize) -> (String, u64) + Sync,
        imports: &mut Imports,
        report: &Reporter,
    ) -> Result<Vec<Scenario>> {
        use rayon::prelude::*;
        let conditions: Vec<(usize, &ArmSpec)> = (0..self.points.len())
            .flat_map(|p| self.arms.iter().map(move |arm| (p, arm)))
            .collect();
        let checked: Vec<Result<Checked>> = conditions
            .par_iter()
            .map(|&(p, arm)| {
                let (kind, seed) = kind_and_seed(p);
                let point = Point::new(&kind, self.varied, &self.points[p], seed);
                Experiment::condition_parameters(self.base, &point, arm, report)
            })
            .collect();
        let mut scenarios = Vec::with_capacity(checked.len());
        for (checked, (_, arm)) in checked.into_iter().zip(conditions) {
            let (parameters, context, import_places) = checked?;
            let import = imports
                .for_scenario(&parameters, &context)
                .map_err(|e| report.in_file(e, &import_places))?;
            scenarios.push(Scenario::new(
                parameters,
                arm.name.clone(),
                arm.attends,
                import,
            ));
        }
        check_export_steps(self.base, &scenarios, report)?;
        Ok(scenarios)
    }
}

impl Written {
    fn set(&mut self, key: &str, value: toml::Value, place: Place) {
        set_key(&mut self.table, key, value);
        self.places.insert(key.to_string(), place);
    }

    /// Settings from the command line or code; each must name a declared key.
    fn apply(&mut self, overrides: &Overrides, report: &Reporter) -> Result<()> {
        for setting in &overrides.settings {
            if keys::registry().key(&setting.key).is_none() {
                let problem = varying_key(&setting.key, "").expect_err("an undeclared key");
                return Err(report.error(problem, setting.place.clone()));
            }
            self.set(&setting.key, setting.value.clone(), setting.place.clone());
        }
        Ok(())
    }
}

/// Files read by the scenarios of an experiment: community networks, read
/// once per (file, members), and baseline cohorts, read once per file.
#[derive(Default)]
struct Imports {
    read: BTreeMap<(String, u64), Arc<CommunityGraph>>,
    cohorts: BTreeMap<String, Arc<Cohort>>,
}

impl Imports {
    /// What one scenario reads, each file checked against it; `context`
    /// names its sweep point and arm in messages.
    fn for_scenario(&mut self, p: &Parameters, context: &str) -> Result<Imported> {
        let members =
            Scenario::new(p.clone(), String::new(), true, Imported::default()).total_members();
        Ok(Imported {
            network: self.network(p, members)?,
            cohort: self.cohort(p, members, context)?,
        })
    }

    fn network(&mut self, p: &Parameters, members: u64) -> Result<Option<Arc<CommunityGraph>>> {
        let Some(file) = p.edge_list_file().map(String::from) else {
            return Ok(None);
        };
        if let Some(graph) = self.read.get(&(file.clone(), members)) {
            return Ok(Some(graph.clone()));
        }
        let graph = Arc::new(community::read_edge_list(
            Path::new(&file),
            members as usize,
        )?);
        self.read.insert((file, members), graph.clone());
        Ok(Some(graph))
    }

    fn cohort(
        &mut self,
        p: &Parameters,
        members: u64,
        context: &str,
    ) -> Result<Option<Arc<Cohort>>> {
        let Some(file) = p.cohort_file().map(String::from) else {
            return Ok(None);
        };
        let cohort = match self.cohorts.get(&file) {
            Some(cohort) => cohort.clone(),
            None => {
                let cohort = Arc::new(Cohort::read(Path::new(&file))?);
                self.cohorts.insert(file, cohort.clone());
                cohort
            }
        };
        cohort.check(&p.population, members, context)?;
        Ok(Some(cohort))
    }
}

impl Experiment {
    /// Parses a scenario's text, expands it, and validates every scenario.
    /// `overrides` are settings from the command line or code, applied to
    /// the base before expansion.
    pub fn parse(text: &str, origin: &Origin, overrides: &Overrides) -> Result<Experiment> {
        let report = Reporter { origin };
        let document = Document::parse(text, origin)?;
        let dir = base_dir(origin);
        let split = Self::split(&document, &report)?;
        let mut base = split.base;
        base.apply(overrides, &report)?;
        let (sweep, sweep_replicates) = Self::parse_sweep(&split.sweep, &document, &dir, &report)?;
        if !overrides.sets("replicates") {
            Self::take_sweep_replicates(&mut base, sweep_replicates, &report)?;
        }
        for key in keys::paths() {
            if let Some(file) = keys::lookup(&base.table, key).cloned() {
                set_key(&mut base.table, key, absolute_file(&dir, key, &file));
            }
        }
        let arms = Self::parse_arms(split.arms, &document, &dir, &report)?;
        Self::check_reference(&base, &arms, &document, &report)?;
        let design = Self::parse_design(
            split.sensitivity,
            split.calibration,
            &sweep.keys,
            &arms,
            &document,
            &dir,
            &report,
        )?;

        // The base alone (no sweep value, no arm) must be valid too: it is
        // what `scenario.resolved.toml` writes before [sweep] and [[arm]].
        let mut imports = Imports::default();
        let base_parameters = Self::checked(&base.table, &base.places, &report, "")?;
        let base_seed = base_parameters.seed;
        let base_import = imports
            .for_scenario(&base_parameters, "")
            .map_err(|e| report.in_file(e, &base.places))?;
        let base_scenario =
            Scenario::new(base_parameters, DEFAULT_ARM.to_string(), true, base_import);
        let (mut sensitivity, calibration) = design.made(base_seed, overrides);
        let (varied, points) = Self::varied_points(
            &sweep,
            sensitivity.as_ref(),
            calibration.as_ref(),
            arms.len(),
            base_scenario.replicates,
            &document,
            &report,
        )?;
        Self::check_arms_leave_varied_keys(&varied, &arms, &report)?;
        let place = base.places.get("replicates").cloned();
        Self::check_run_count(
            points.len(),
            arms.len(),
            base_scenario.replicates,
            place,
            &report,
        )?;

        // Sweep points, sensitivity points and calibration particles share
        // the base seed: common random numbers across the design, as across
        // arms, so that replicate r of every condition draws the same
        // numbers and a point's figures do not depend on its place in the
        // sweep's list.
        let kind_and_seed = |p: usize| match (&sensitivity, &calibration) {
            (Some(_), _) => (format!("sensitivity point {p}:"), base_seed),
            (_, Some(_)) => (format!("calibration particle {p}:"), base_seed),
            _ => ("sweep point".to_string(), base_seed),
        };
        let conditions = Conditions {
            base: &base,
            varied: &varied,
            points: &points,
            arms: &arms,
        };
        let scenarios = conditions.scenarios(kind_and_seed, &mut imports, &report)?;
        let replicates = base_scenario.replicates;
        if let Some(analysis) = &mut sensitivity {
            Self::settle_reference(
                analysis,
                &scenarios,
                &base_scenario,
                &arms,
                &document,
                &report,
            )?;
        }
        Ok(Experiment {
            unused: unused_warnings(origin, &base, &varied, &arms, &scenarios),
            scenarios,
            sweep,
            arms,
            points,
            replicates,
            base: base_scenario,
            sensitivity,
            calibration,
        })
    }

    /// Sets the replicates a `[sweep] replicates` gives (`sweep`, with its
    /// line), refused where the file sets the top-level `replicates` to
    /// another number: which the runs take would be the reader's guess.
    fn take_sweep_replicates(
        base: &mut Written,
        sweep: Option<(i64, Place)>,
        report: &Reporter,
    ) -> Result<()> {
        let Some((replicates, place)) = sweep else {
            return Ok(());
        };
        let top = keys::lookup(&base.table, "replicates")
            .and_then(toml::Value::as_integer)
            .filter(|&top| base.places.contains_key("replicates") && top != replicates);
        if let Some(top) = top {
            return Err(report.at(
                place,
                "sweep.replicates",
                replicates,
                format!(
                    "{top}, the top-level `replicates` this file also sets (set the replicates once: at the top level or in [sweep])"
                ),
            ));
        }
        base.set("replicates", toml::Value::Integer(replicates), place);
        Ok(())
    }

    /// The file's base (every value with its place) and its experiment
    /// tables: `[sweep]`, `[[arm]]`, `[sensitivity]` and `[calibration]`.
    fn split(document: &Document, report: &Reporter) -> Result<Split> {
        let mut table = document.table.clone();
        let mut section = |name: &str| -> Result<Option<toml::Table>> {
            match table.remove(name) {
                None => Ok(None),
                Some(toml::Value::Table(t)) => Ok(Some(t)),
                Some(other) => Err(report.at(
                    document.place(name),
                    name,
                    keys::written(&other),
                    format!("a table: [{name}]"),
                )),
            }
        };
        let sensitivity = section("sensitivity")?;
        let calibration = section("calibration")?;
        let sweep = section("sweep")?.unwrap_or_default();
        let arms = match table.remove("arm") {
            None => Vec::new(),
            Some(toml::Value::Array(a)) => a,
            Some(other) => {
                let given = keys::written(&other);
                return Err(report.at(document.place("arm"), "arm", given, "tables: [[arm]]"));
            }
        };
        let mut written = Vec::new();
        leaves("", &table, &mut written);
        let places = written
            .iter()
            .map(|(key, _)| (key.clone(), document.place(key)))
            .collect();
        Ok(Split {
            base: Written { table, places },
            sweep,
            arms,
            sensitivity,
            calibration,
        })
    }

    /// The points of a sweep: the full factorial, first key slowest,
    /// counted before it is expanded; or, for lists walked together, the
    /// i-th value of each.
    fn points(
        sweep: &Sweep,
        document: &Document,
        report: &Reporter,
    ) -> Result<Vec<Vec<toml::Value>>> {
        if sweep.together {
            return Self::points_together(&sweep.keys, report);
        }
        let sweep = &sweep.keys;
        let count = sweep
            .iter()
            .try_fold(1u64, |n, s| n.checked_mul(s.values.len() as u64))
            .filter(|&n| n <= MAX_POINTS);
        if count.is_none() {
            return Err(report.at(
                document.place("sweep"),
                "sweep",
                format!("{} keys", sweep.len()),
                format!(
                    "at most {MAX_POINTS} points in all (the product of the swept lists' lengths)"
                ),
            ));
        }
        let mut points: Vec<Vec<toml::Value>> = vec![Vec::new()];
        for swept in sweep {
            points = points
                .into_iter()
                .flat_map(|p| {
                    swept.values.iter().map(move |v| {
                        let mut q = p.clone();
                        q.push(v.clone());
                        q
                    })
                })
                .collect();
        }
        Ok(points)
    }

    /// The points of lists walked together (`[sweep] together = true`):
    /// point i takes the i-th value of every list, which must all be as
    /// long as the first.
    fn points_together(sweep: &[SweptKey], report: &Reporter) -> Result<Vec<Vec<toml::Value>>> {
        let Some(first) = sweep.first() else {
            return Ok(vec![Vec::new()]);
        };
        let length = first.values.len();
        if length as u64 > MAX_POINTS {
            return Err(report.at(
                first.place.clone(),
                &format!("sweep.{}", first.key),
                format!("a list of {length} values"),
                format!("at most {MAX_POINTS} points in all"),
            ));
        }
        if let Some(other) = sweep.iter().find(|s| s.values.len() != length) {
            return Err(report.at(
                other.place.clone(),
                &format!("sweep.{}", other.key),
                format!("a list of {} values", other.values.len()),
                format!(
                    "{length} values, as many as sweep.{} has: `together = true` walks the lists side by side",
                    first.key
                ),
            ));
        }
        Ok((0..length)
            .map(|i| sweep.iter().map(|s| s.values[i].clone()).collect())
            .collect())
    }

    /// Checks a full table and types it; a problem names the key's place
    /// and, for a sweep point or an arm, which one.
    fn checked(
        table: &toml::Table,
        places: &BTreeMap<String, Place>,
        report: &Reporter,
        context: &str,
    ) -> Result<Parameters> {
        let fail = |mut problem: Problem| {
            let place = places.get(&problem.key).cloned().unwrap_or(Place::Default);
            if !context.is_empty() {
                problem.given = format!("{} ({context})", problem.given);
            }
            report.error(problem, place)
        };
        // Of several problems, the one written first.
        let first = keys::check(table, "")
            .into_iter()
            .min_by_key(|p| match places.get(&p.key) {
                Some(Place::Line(line)) => *line,
                _ => usize::MAX,
            });
        if let Some(problem) = first {
            return Err(fail(problem));
        }
        let parameters: Parameters =
            toml::Value::Table(table.clone())
                .try_into()
                .map_err(|e: toml::de::Error| {
                    fail(Problem::new(
                        "(scenario)",
                        e.message().trim(),
                        "a scenario the declarations describe",
                    ))
                })?;
        keys::check_relations(&parameters).map_err(fail)?;
        Ok(parameters)
    }

    /// The `[sweep]` table: its keys and values (each checked at its line),
    /// whether they are walked together, and its `replicates`.
    #[allow(clippy::type_complexity)]
    fn parse_sweep(
        table: &toml::Table,
        document: &Document,
        dir: &Path,
        report: &Reporter,
    ) -> Result<(Sweep, Option<(i64, Place)>)> {
        let mut entries = Vec::new();
        leaves("", table, &mut entries);
        let mut replicates = None;
        let mut sweep = Sweep::default();
        for (key, value) in entries {
            let full = format!("sweep.{key}");
            let place = document.place(&full);
            if key == "together" {
                sweep.together = value.as_bool().ok_or_else(|| {
                    report.at(
                        place,
                        &full,
                        keys::written(&value),
                        "true (the lists walked side by side) or false (their full factorial)",
                    )
                })?;
                continue;
            }
            if key == "replicates" {
                match value.as_integer() {
                    Some(n) if (1..=10_000).contains(&n) => replicates = Some((n, place)),
                    _ => {
                        return Err(report.at(
                            place,
                            &full,
                            keys::written(&value),
                            "a whole number from 1 to 10000",
                        ));
                    }
                }
                continue;
            }
            // A misspelt key of the sweep's own, not a scenario key.
            let own = keys::nearest(&key, SWEEP_SETTINGS);
            if let Some(meant) = own.filter(|_| !key.contains('.')) {
                return Err(report.at(
                    place,
                    &full,
                    "not a key bonfire knows",
                    format!("did you mean `{meant}`? [sweep] takes together, replicates and the scenario's keys, dotted (community.group_size = [6, 9])"),
                ));
            }
            varying_key(&key, "in [sweep]").map_err(|mut p| {
                p.key = full.clone();
                report.error(p, place.clone())
            })?;
            let values = match value {
                toml::Value::Array(vs) if !vs.is_empty() => vs,
                toml::Value::Table(t) if is_range(&t) => range_values(&key, &t)
                    .map_err(|why| report.at(place.clone(), &full, "a range", why))?,
                other => {
                    return Err(report.at(
                        place,
                        &full,
                        keys::written(&other),
                        "a non-empty list of values, or a range { from, to, step }",
                    ));
                }
            };
            let values: Vec<toml::Value> =
                values.iter().map(|v| absolute_file(dir, &key, v)).collect();
            for value in &values {
                check_value(&key, value).map_err(|mut p| {
                    p.key = full.clone();
                    p.given = format!("{} (one of its values)", p.given);
                    report.error(p, place.clone())
                })?;
            }
            sweep.keys.push(SweptKey { key, values, place });
        }
        // In a full factorial, a value listed twice makes two points of the
        // same runs (a walk may repeat one where another key moves on).
        for swept in sweep.keys.iter().filter(|_| !sweep.together) {
            if let Some(twice) = listed_twice(&swept.values) {
                return Err(report.at(
                    swept.place.clone(),
                    &format!("sweep.{}", swept.key),
                    format!("{} twice", keys::written(twice)),
                    "each value once (a value listed twice makes two points of the same runs)",
                ));
            }
        }
        Ok((sweep, replicates))
    }

    /// Where the points come from: a `[sensitivity]` or a `[calibration]`
    /// table (neither beside a `[sweep]` or the other), else the sweep.
    #[allow(clippy::too_many_arguments)]
    fn parse_design(
        sensitivity: Option<toml::Table>,
        calibration: Option<toml::Table>,
        sweep: &[SweptKey],
        arms: &[ArmSpec],
        document: &Document,
        dir: &Path,
        report: &Reporter,
    ) -> Result<Design> {
        let (name, table) = match (sensitivity, calibration) {
            (None, None) => return Ok(Design::Sweep),
            (Some(_), Some(_)) => {
                return Err(report.at(
                    document.place("calibration"),
                    "calibration",
                    "a [calibration] beside [sensitivity]",
                    "one of the two in a file: `bonfire sensitivity` runs one, `bonfire calibrate` the other",
                ));
            }
            (Some(t), None) => ("sensitivity", t),
            (None, Some(t)) => ("calibration", t),
        };
        if let Some(swept) = sweep.first() {
            return Err(report.at(
                swept.place.clone(),
                "sweep",
                format!("a [sweep] beside [{name}]"),
                format!(
                    "one of the two: [{name}] runs the points it makes, [sweep] a full factorial"
                ),
            ));
        }
        if name == "sensitivity" {
            let (spec, table, arm) = Self::parse_sensitivity(table, arms, document, dir, report)?;
            return Ok(Design::Sensitivity(spec, table, arm));
        }
        let (spec, table, arm) = Self::parse_calibration(table, arms, document, dir, report)?;
        Ok(Design::Calibration(spec, table, arm))
    }

    /// The `[sensitivity]` table: its settings, its factors (each checked
    /// at its line like a sweep's key), the table as written (paths made
    /// absolute) and the index of the analysed arm.
    fn parse_sensitivity(
        mut table: toml::Table,
        arms: &[ArmSpec],
        document: &Document,
        dir: &Path,
        report: &Reporter,
    ) -> Result<(Sensitivity, toml::Table, usize)> {
        let mut spec = Sensitivity::parse(&table).map_err(|p| {
            let place = document.place(&p.key);
            report.error(p, place)
        })?;
        let (factors, written) = Self::parse_factors(
            "sensitivity.factors",
            table.remove("factors"),
            arms,
            document,
            dir,
            report,
        )?;
        spec.factors = factors;
        if spec.method == Method::Sobol && spec.levels != DEFAULT_LEVELS {
            let place = document.place("sensitivity.levels");
            let origin = report.origin;
            spec.ignored
                .push(format!("{origin}{place}: {LEVELS_IGNORED}"));
        }
        let arm = Self::named_arm(&spec.arm, "sensitivity.arm", arms, document, report)?;
        table.insert("factors".into(), toml::Value::Table(written));
        Ok((spec, table, arm))
    }

    /// The `[calibration]` table: its settings, its parameters (each
    /// checked like a sensitivity factor), the table as written and the
    /// index of the arm targets are read from by default.
    fn parse_calibration(
        mut table: toml::Table,
        arms: &[ArmSpec],
        document: &Document,
        dir: &Path,
        report: &Reporter,
    ) -> Result<(CalibrationSpec, toml::Table, usize)> {
        let mut spec = CalibrationSpec::parse(&table).map_err(|p| {
            let place = document.place(&p.key);
            report.error(p, place)
        })?;
        let (parameters, written) = Self::parse_factors(
            "calibration.parameters",
            table.remove("parameters"),
            arms,
            document,
            dir,
            report,
        )?;
        spec.parameters = parameters;
        let arm = Self::named_arm(&spec.arm, "calibration.arm", arms, document, report)?;
        table.insert("parameters".into(), toml::Value::Table(written));
        Ok((spec, table, arm))
    }

    /// The arm a design table names, by index; unnamed: the first arm that
    /// attends.
    fn named_arm(
        name: &str,
        key: &str,
        arms: &[ArmSpec],
        document: &Document,
        report: &Reporter,
    ) -> Result<usize> {
        if name.is_empty() {
            return Ok(arms.iter().position(|a| a.attends).unwrap_or(0));
        }
        arms.iter().position(|a| a.name == name).ok_or_else(|| {
            let names: Vec<&str> = arms.iter().map(|a| a.name.as_str()).collect();
            report.at(
                document.place(key),
                key,
                format!("{name:?}"),
                format!("the name of an arm: {}", names.join(", ")),
            )
        })
    }

    /// The keys a design varies (`[sensitivity.factors]` or
    /// `[calibration.parameters]`, named by `section`), each checked at its
    /// line, and the table as written with file paths made absolute.
    fn parse_factors(
        section: &str,
        factors: Option<toml::Value>,
        arms: &[ArmSpec],
        document: &Document,
        dir: &Path,
        report: &Reporter,
    ) -> Result<(Vec<Factor>, toml::Table)> {
        let no_factor =
            "a table of the keys to vary, each with a range { from, to } or a list of values";
        let factors = match factors {
            Some(toml::Value::Table(t)) if !t.is_empty() => t,
            other => {
                let given = other.as_ref().map_or("nothing".into(), keys::written);
                return Err(report.at(
                    document.place(section),
                    section,
                    given,
                    format!("[{section}]: {no_factor}"),
                ));
            }
        };
        let mut entries = Vec::new();
        factor_leaves("", &factors, &mut entries);
        if entries.is_empty() {
            return Err(report.at(document.place(section), section, "no key", no_factor));
        }
        let mut parsed = Vec::new();
        let mut written = toml::Table::new();
        for (key, value) in entries {
            let full = format!("{section}.{key}");
            let place = document.place(&full);
            let value = match &value {
                toml::Value::Array(list) => {
                    toml::Value::Array(list.iter().map(|v| absolute_file(dir, &key, v)).collect())
                }
                other => other.clone(),
            };
            parsed.push(Self::factor(&key, &value, arms, report, &full, place)?);
            set_key(&mut written, &key, value);
        }
        if parsed.len() > MAX_FACTORS {
            return Err(report.at(
                document.place(section),
                section,
                format!("{} keys", parsed.len()),
                format!("at most {MAX_FACTORS} keys"),
            ));
        }
        Ok((parsed, written))
    }

    /// The parameters of one point and arm: the base, the point's values,
    /// the arm's keys and the point's seed, checked and typed; with the
    /// condition's name for messages (its arm and the point's values) and
    /// where the files it imports were named.
    fn condition_parameters(
        base: &Written,
        point: &Point,
        arm: &ArmSpec,
        report: &Reporter,
    ) -> Result<Checked> {
        let mut condition = base.clone();
        let mut context = vec![format!("arm {}", arm.name)];
        for ((key, place), value) in point.varied.iter().zip(point.values) {
            condition.set(key, value.clone(), place.clone());
            context.push(format!("{} {key} = {value}", point.kind));
        }
        for (key, value, place) in &arm.overrides {
            condition.set(key, value.clone(), place.clone());
        }
        set_key(
            &mut condition.table,
            "seed",
            toml::Value::Integer(point.seed as i64),
        );
        let context = context.join(", ");
        let parameters = Self::checked(&condition.table, &condition.places, report, &context)?;
        // Where the files it imports were named, for their errors.
        let import_places = ["population.file", "community_network.file"]
            .into_iter()
            .filter_map(|key| Some((key.to_string(), condition.places.remove(key)?)))
            .collect();
        Ok((parameters, context, import_places))
    }

    /// At most [`MAX_RUNS`] runs (points × arms × replicates), the error put
    /// at `replicates`.
    fn check_run_count(
        points: usize,
        arms: usize,
        replicates: u32,
        place: Option<Place>,
        report: &Reporter,
    ) -> Result<()> {
        let runs = points as u64 * arms as u64 * u64::from(replicates);
        if runs <= MAX_RUNS {
            return Ok(());
        }
        Err(report.at(
            place.unwrap_or(Place::Default),
            "replicates",
            format!("{replicates} (× {points} point(s) × {arms} arm(s) = {runs} runs)"),
            format!("at most {MAX_RUNS} runs in all (each writes its own part files): fewer replicates, sweep points or arms"),
        ))
    }

    /// The keys that vary between points, where each was written, and every
    /// point's values: the sensitivity design's (its runs counted first), or
    /// the sweep's full factorial.
    #[allow(clippy::type_complexity)]
    fn varied_points(
        sweep: &Sweep,
        sensitivity: Option<&Analysis>,
        calibration: Option<&Plan>,
        arms: usize,
        replicates: u32,
        document: &Document,
        report: &Reporter,
    ) -> Result<(Vec<(String, Place)>, Vec<Vec<toml::Value>>)> {
        let placed = |section: &str, factors: &[Factor]| -> Vec<(String, Place)> {
            factors
                .iter()
                .map(|f| {
                    let place = document.place(&format!("{section}.{}", f.key));
                    (f.key.clone(), place)
                })
                .collect()
        };
        match (sensitivity, calibration) {
            (Some(a), _) => {
                Self::check_design_size(a, arms, replicates, document, report)?;
                let varied = placed("sensitivity.factors", &a.spec.factors);
                Ok((varied, a.points()))
            }
            (_, Some(plan)) => {
                let varied = placed("calibration.parameters", &plan.spec.parameters);
                Ok((varied, plan.points()))
            }
            _ => {
                let varied = sweep
                    .keys
                    .iter()
                    .map(|s| (s.key.clone(), s.place.clone()))
                    .collect();
                Ok((varied, Self::points(sweep, document, report)?))
            }
        }
    }

    /// Sets what the analysis compares with (from the built scenarios) and
    /// checks its outcomes against every run they are read from.
    fn settle_reference(
        analysis: &mut Analysis,
        scenarios: &[Scenario],
        base: &Scenario,
        arms: &[ArmSpec],
        document: &Document,
        report: &Reporter,
    ) -> Result<()> {
        let of_arm = |arm: usize| -> Vec<&Scenario> {
            scenarios.iter().skip(arm).step_by(arms.len()).collect()
        };
        let analysed = of_arm(analysis.arm);
        analysis.reference = Self::sensitivity_reference(base, arms, analysis.arm, &analysed);
        // Whose rows each outcome reads: the analysed arm's, and for one
        // that compares, the reference's; each with what they can measure.
        // Control members are among the analysed arm's runs.
        let kinds = |runs: &[&Scenario], meets: bool| {
            [Runs::Some, Runs::Every].map(|which| RowsKind::of(runs, meets, which))
        };
        let own = &arms[analysis.arm];
        let mut read = vec![Rows {
            who: format!("arm {}", own.name),
            kinds: kinds(&analysed, own.attends),
            runs: analysed.clone(),
        }];
        match analysis.reference {
            Some(Reference::Arm(r)) => read.push(Rows {
                who: format!("arm {}", arms[r].name),
                kinds: kinds(&of_arm(r), arms[r].attends),
                runs: of_arm(r),
            }),
            Some(Reference::Control) => read.push(Rows {
                who: "control members".into(),
                kinds: kinds(&analysed, false),
                runs: Vec::new(),
            }),
            None => {}
        }
        Self::check_outcomes(analysis, &read, document, report)
    }

    /// The design's runs counted before its points are made: at most
    /// [`MAX_RUNS`], the error put at `sensitivity.samples`.
    fn check_design_size(
        analysis: &Analysis,
        arms: usize,
        replicates: u32,
        document: &Document,
        report: &Reporter,
    ) -> Result<()> {
        let points = analysis.design.point_count() as u64;
        let runs = points * arms as u64 * u64::from(replicates);
        if runs <= MAX_RUNS {
            return Ok(());
        }
        Err(report.at(
            document.place("sensitivity.samples"),
            "sensitivity.samples",
            format!(
                "{} ({points} points × {arms} arm(s) × {replicates} replicate(s) = {runs} runs)",
                analysis.spec.samples
            ),
            format!("at most {MAX_RUNS} runs in all: fewer samples, factors, arms or replicates"),
        ))
    }

    /// One factor of `[sensitivity.factors]`, checked like a sweep's key:
    /// declared, allowed to vary, its range's ends or its values allowed,
    /// and set by no arm (the arm would replace the factor's value).
    fn factor(
        key: &str,
        value: &toml::Value,
        arms: &[ArmSpec],
        report: &Reporter,
        full: &str,
        place: Place,
    ) -> Result<Factor> {
        let named = |mut p: Problem| {
            p.key = full.to_string();
            report.error(p, place.clone())
        };
        // The table it is written in: `sensitivity.factors` or
        // `calibration.parameters`.
        let section = full
            .strip_suffix(key)
            .and_then(|s| s.strip_suffix('.'))
            .unwrap_or(full);
        varying_key(key, &format!("in [{section}]")).map_err(named)?;
        if let Some(arm) = arms
            .iter()
            .find(|a| a.overrides.iter().any(|(k, _, _)| k == key))
        {
            return Err(named(Problem::new(
                key,
                format!("a factor that arm {} also sets", arm.name),
                "a key no [[arm]] sets: the arm's value would replace the factor's",
            )));
        }
        let kind = &keys::registry()
            .key(key)
            .expect("varying_key accepts only declared keys")
            .kind;
        let factor = Sensitivity::factor(key, value, kind)
            .map_err(|(given, allowed)| report.at(place.clone(), full, given, allowed))?;
        for end in Sensitivity::ends(&factor) {
            check_value(key, &end).map_err(|mut p| {
                p.given = format!("{} (one of its values)", p.given);
                named(p)
            })?;
        }
        Ok(factor)
    }

    /// What the analysed arm's `difference:` and `effect_size:` outcomes
    /// compare it with: the arm `[question] reference` names, else the
    /// first waitlist arm, else the run's own control members (when every
    /// analysed run has some), else nothing; never the arm itself.
    fn sensitivity_reference(
        base: &Scenario,
        arms: &[ArmSpec],
        arm: usize,
        analysed: &[&Scenario],
    ) -> Option<Reference> {
        let named = &base.question.reference;
        let by_name = arms
            .iter()
            .position(|a| !named.is_empty() && a.name == *named)
            .filter(|&r| r != arm);
        let waitlist = arms
            .iter()
            .enumerate()
            .position(|(i, a)| !a.attends && i != arm);
        let control = analysed.iter().all(|s| s.community.control_members > 0);
        match by_name.or(waitlist) {
            Some(r) => Some(Reference::Arm(r)),
            None if control => Some(Reference::Control),
            None => None,
        }
    }

    /// Every outcome's session within every run it is read from (the
    /// analysed arm's and its reference arm's), a reference for every
    /// outcome that compares, and a figure that the rows it reads define:
    /// not one of meetings for members who never meet, of the waiting list
    /// for closed groups, or one not measured before the first session.
    fn check_outcomes(
        analysis: &Analysis,
        read: &[Rows],
        document: &Document,
        report: &Reporter,
    ) -> Result<()> {
        let place = document.place("sensitivity.outcomes");
        let refuse = |given: String, allowed: String| {
            report.at(place.clone(), "sensitivity.outcomes", given, allowed)
        };
        let sessions = read
            .iter()
            .flat_map(|rows| &rows.runs)
            .map(|s| s.format.sessions)
            .min()
            .unwrap_or(0);
        for outcome in &analysis.spec.outcomes {
            let session = match outcome.session {
                crate::sensitivity::spec::Session::Step(step) => step,
                crate::sensitivity::spec::Session::End => sessions,
            };
            if session > sessions {
                return Err(refuse(
                    outcome.label(),
                    format!(
                        "a session from 0 to {sessions} (the fewest sessions of any run it is read from), or @end"
                    ),
                ));
            }
            if outcome.compares() && analysis.reference.is_none() {
                return Err(refuse(
                    outcome.label(),
                    "a difference or an effect size needs something to compare with: a waitlist arm (attends = false), another arm named by [question] reference, or community.control_members > 0".into(),
                ));
            }
            // An effect size reads the members' end scores, which every
            // member has, not a row's figure.
            if outcome.measure == Measure::EffectSize {
                continue;
            }
            let whose = read.iter().take(if outcome.compares() { 2 } else { 1 });
            for rows in whose {
                let metric = &METRICS[outcome.metric];
                // The reason leads what is allowed: the outcome as written
                // is short enough to quote whole.
                let [some, every] = rows.kinds;
                let (why, allowed) = match left_empty(metric, &rows.who, some, session) {
                    Some(LeftEmpty::Unmeasured(why, allowed)) => (why, allowed),
                    Some(LeftEmpty::BeforeFirst(_)) => (
                        format!(
                            "@{session} is before the first session, where {} is not measured",
                            metric.name
                        ),
                        format!("a session from 1 to {sessions}, or @end"),
                    ),
                    // Empty at some points: an index needs every point.
                    None => match left_empty(metric, &rows.who, every, session) {
                        Some(LeftEmpty::Unmeasured(why, _)) => (
                            format!("{why} at some of the design's points (a factor varies it)"),
                            "an outcome every point measures: an index needs the figure at every point".into(),
                        ),
                        _ => continue,
                    },
                };
                return Err(refuse(outcome.label(), format!("{why}; {allowed}")));
            }
        }
        Ok(())
    }

    /// The `[[arm]]` tables, each key checked at its line.
    fn parse_arms(
        tables: Vec<toml::Value>,
        document: &Document,
        dir: &Path,
        report: &Reporter,
    ) -> Result<Vec<ArmSpec>> {
        let mut arms: Vec<ArmSpec> = Vec::new();
        for (index, value) in tables.into_iter().enumerate() {
            let arm = Self::parse_arm(&format!("arm[{index}]"), value, document, dir, report)?;
            if arms.iter().any(|a| a.name == arm.name) {
                let at = format!("arm[{index}].name");
                return Err(report.at(
                    document.place(&at),
                    &at,
                    &arm.name,
                    "a name used by no other arm",
                ));
            }
            arms.push(arm);
        }
        if arms.is_empty() {
            arms.push(ArmSpec {
                name: DEFAULT_ARM.into(),
                attends: true,
                overrides: Vec::new(),
            });
        }
        Ok(arms)
    }

    /// `question.reference`, when given, names an arm.
    fn check_reference(
        base: &Written,
        arms: &[ArmSpec],
        document: &Document,
        report: &Reporter,
    ) -> Result<()> {
        const KEY: &str = "question.reference";
        let Some(reference) = keys::lookup(&base.table, KEY).and_then(|v| v.as_str()) else {
            return Ok(());
        };
        if reference.is_empty() || arms.iter().any(|a| a.name == reference) {
            return Ok(());
        }
        let names: Vec<String> = arms.iter().map(|a| format!("\"{}\"", a.name)).collect();
        Err(report.at(
            document.place(KEY),
            KEY,
            format!("\"{reference}\""),
            format!("the name of an [[arm]]: {}", names.join(", ")),
        ))
    }

    /// No arm sets a key the points vary (a swept key, a sensitivity
    /// factor, a calibrated parameter): the arm's value would stand at
    /// every point, while the points' labels and figures said otherwise.
    fn check_arms_leave_varied_keys(
        varied: &[(String, Place)],
        arms: &[ArmSpec],
        report: &Reporter,
    ) -> Result<()> {
        for (index, arm) in arms.iter().enumerate() {
            for (key, value, place) in &arm.overrides {
                if let Some((_, varied_at)) = varied.iter().find(|(k, _)| k == key) {
                    let line = match varied_at {
                        Place::Line(line) => format!(" (line {line})"),
                        _ => String::new(),
                    };
                    return Err(report.at(
                        place.clone(),
                        &format!("arm[{index}].{key}"),
                        keys::written(value),
                        format!(
                            "no value: the points vary {key}{line}, and an arm's value would stand at every point while the points' labels say otherwise"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// One `[[arm]]` table (`at` is `arm[i]`): its name, whether it attends,
    /// and the keys it changes.
    fn parse_arm(
        at: &str,
        value: toml::Value,
        document: &Document,
        dir: &Path,
        report: &Reporter,
    ) -> Result<ArmSpec> {
        let place_of = |key: &str| document.place(&join(at, key));
        let toml::Value::Table(mut t) = value else {
            let given = keys::written(&value);
            return Err(report.at(document.place(at), at, given, "a table: [[arm]]"));
        };
        // An arm's name follows the scenario name's declared pattern.
        let name_kind = &keys::registry().key("name").expect("name is declared").kind;
        let name = match t.remove("name") {
            Some(toml::Value::String(n))
                if name_kind.admits(&toml::Value::String(n.clone())) && n != "control" =>
            {
                n
            }
            other => {
                let place = match place_of("name") {
                    Place::Default => document.place(at),
                    written => written,
                };
                return Err(report.at(
                    place,
                    &format!("{at}.name"),
                    other.map_or("missing".to_string(), |v| keys::written(&v)),
                    "a name of letters, digits, '-' and '_' (not \"control\", which names the within-run control arm)",
                ));
            }
        };
        let attends = match t.remove("attends") {
            None => true,
            Some(toml::Value::Boolean(b)) => b,
            Some(other) => {
                let given = keys::written(&other);
                let key = format!("{at}.attends");
                return Err(report.at(place_of("attends"), &key, given, "true or false"));
            }
        };
        let mut entries = Vec::new();
        leaves("", &t, &mut entries);
        // Checked in the order they are written, so the first problem
        // reported is the first in the file.
        entries.sort_by_key(|(key, _)| match place_of(key) {
            Place::Line(line) => line,
            _ => usize::MAX,
        });
        let mut overrides = Vec::new();
        for (key, value) in entries {
            let place = place_of(&key);
            let problem = if matches!(key.split('.').next(), Some("sweep" | "arm")) {
                Err(Problem::new(
                    &key,
                    "set inside an [[arm]]",
                    "[sweep] and [[arm]] tables at the top level of the file only",
                ))
            } else {
                varying_key(&key, "in an [[arm]]").and_then(|()| check_value(&key, &value))
            };
            problem.map_err(|mut p| {
                p.key = format!("{at}.{key}");
                report.error(p, place.clone())
            })?;
            let value = absolute_file(dir, &key, &value);
            overrides.push((key, value, place));
        }
        Ok(ArmSpec {
            name,
            attends,
            overrides,
        })
    }

    /// Reads and expands a scenario file.
    pub fn from_file(path: &Path, overrides: &Overrides) -> Result<Experiment> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::ReadScenario {
            path: path.to_path_buf(),
            source,
        })?;
        Experiment::parse(&text, &Origin::File(path.to_path_buf()), overrides)
    }

    /// The scenario of one (point, arm).
    pub fn scenario(&self, point: usize, arm: usize) -> &Scenario {
        &self.scenarios[point * self.arms.len() + arm]
    }

    /// The notes a comparison of `rows` (summary.csv's) needs beside its
    /// sentences: where it sets a condition meeting in open groups against
    /// one in closed groups ([`crate::verdict::OPEN_AGAINST_CLOSED`]: their
    /// members have had different times in the programme by its end), and
    /// where it sets conditions meeting at different intervals against
    /// each other ([`crate::verdict::UNEQUAL_MEETINGS`]: they have met
    /// different numbers of times by the week compared). Control members,
    /// who meet in no group, are neither. Then, where open groups leave
    /// people waiting at the end, the share still waiting and which
    /// figures count them ([`crate::verdict::waiting_note`]).
    pub fn comparison_notes(&self, rows: &[crate::output::SummaryRow]) -> Vec<String> {
        let scenario = |point: usize, label: &str| {
            let arm = self.arms.iter().position(|a| a.name == label)?;
            let s = (point < self.points.len()).then(|| self.scenario(point, arm))?;
            s.attends().then_some(s)
        };
        let pairs: Vec<(&Scenario, &Scenario)> = rows
            .iter()
            .filter_map(|r| {
                let (point, arm) = (r.reference_point?, r.reference_arm.as_deref()?);
                Some((scenario(r.point, &r.arm)?, scenario(point, arm)?))
            })
            .collect();
        let mut notes = Vec::new();
        if pairs
            .iter()
            .any(|(a, b)| a.format.membership != b.format.membership)
        {
            notes.push(crate::verdict::OPEN_AGAINST_CLOSED.to_string());
        }
        // At each one's last session: with as many sessions at two
        // intervals, they are compared at different weeks, which the
        // sentences say, not after different numbers of meetings.
        if pairs.iter().any(|(a, b)| {
            a.format.frequency != b.format.frequency && a.format.sessions != b.format.sessions
        }) {
            notes.push(crate::verdict::UNEQUAL_MEETINGS.to_string());
        }
        notes.extend(crate::verdict::waiting_note(rows, &self.point_keys()));
        notes
    }

    /// The scenario of every point and arm.
    pub fn scenarios(&self) -> impl Iterator<Item = &Scenario> {
        self.scenarios.iter()
    }

    /// Every run, in run-id order.
    pub fn runs(&self) -> impl Iterator<Item = RunSpec> + '_ {
        let arms = self.arms.len();
        let replicates = self.replicates;
        (0..self.points.len()).flat_map(move |point| {
            (0..replicates).flat_map(move |replicate| {
                (0..arms).map(move |arm| RunSpec {
                    id: ((point as u64 * u64::from(replicates)) + u64::from(replicate))
                        * arms as u64
                        + arm as u64,
                    point,
                    replicate,
                    arm,
                })
            })
        })
    }

    /// `read` of every run (its parts, read back), the runs shared out
    /// among the threads and the answers handed back in run-id order; the
    /// error of the first run in that order that fails, whichever thread
    /// met it first.
    pub fn read_each_run<T: Send>(
        &self,
        read: impl Fn(RunSpec) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        use rayon::prelude::*;
        let runs: Vec<RunSpec> = self.runs().collect();
        let answers: Vec<Result<T>> = runs.into_par_iter().map(&read).collect();
        answers.into_iter().collect()
    }

    /// The sessions `run` steps through: its point's and arm's.
    pub fn run_sessions(&self, run: &RunSpec) -> u64 {
        u64::from(self.scenario(run.point, run.arm).format.sessions)
    }

    pub fn run_count(&self) -> u64 {
        self.points.len() as u64 * u64::from(self.replicates) * self.arms.len() as u64
    }

    /// "26 sessions, 900 members per run"; the least and the most where
    /// the points differ ("52 sessions, 2700–4500 members per run", a
    /// sweep or a sensitivity analysis over group size); or each arm's
    /// where the arms differ.
    pub fn arms_described(&self) -> String {
        let each: Vec<(String, String)> = (0..self.arms.len())
            .map(|arm| {
                let points = || (0..self.points.len()).map(move |p| self.scenario(p, arm));
                let sessions = Span::of(points().map(|s| u64::from(s.format.sessions)));
                let members = Span::of(points().map(Scenario::total_members));
                let name = self.arms[arm].name.clone();
                (name, format!("{sessions} sessions, {members} members"))
            })
            .collect();
        if each.iter().all(|(_, described)| *described == each[0].1) {
            format!("{} per run", each[0].1)
        } else {
            each.iter()
                .map(|(name, described)| format!("{name}: {described}"))
                .collect::<Vec<_>>()
                .join("; ")
        }
    }

    /// A run's sessions and its members (everyone of its community: the
    /// groups' places, an open group's catchment included, and the control
    /// members), the least and the most over every point and arm.
    pub fn run_sizes(&self) -> (Span, Span) {
        let sessions = Span::of(self.scenarios.iter().map(|s| u64::from(s.format.sessions)));
        let members = Span::of(self.scenarios.iter().map(Scenario::total_members));
        (sessions, members)
    }

    /// The keys that vary between points: the swept keys, or the
    /// sensitivity analysis's factors.
    pub fn point_keys(&self) -> Vec<String> {
        match (&self.sensitivity, &self.calibration) {
            (Some(a), _) => a.spec.factors.iter().map(|f| f.key.clone()).collect(),
            (_, Some(plan)) => plan.spec.parameters.iter().map(|f| f.key.clone()).collect(),
            _ => self.sweep.keys.iter().map(|s| s.key.clone()).collect(),
        }
    }

    /// A short label of a point: "key = value, ..." (empty without a sweep).
    pub fn point_label(&self, point: usize) -> String {
        self.point_keys()
            .iter()
            .zip(&self.points[point])
            .map(|(key, v)| format!("{key} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The experiment with every default filled in, as TOML: the base
    /// scenario resolved, then the `[sweep]` and `[[arm]]` tables as given,
    /// then a comment naming each file it reads with its content's digest
    /// ([`crate::input_files::record`]; reading them again can fail).
    /// Running it again reproduces every run.
    pub fn resolved_toml(&self) -> Result<String> {
        Ok(self.resolved_tables() + &crate::input_files::record(self.scenarios())?)
    }

    /// [`Experiment::resolved_toml`] without the files' record.
    fn resolved_tables(&self) -> String {
        let mut text = self.base.resolved_toml();
        if !self.sweep.keys.is_empty() {
            let mut t = toml::Table::new();
            t.insert(
                "replicates".into(),
                toml::Value::Integer(i64::from(self.replicates)),
            );
            if self.sweep.together {
                t.insert("together".into(), toml::Value::Boolean(true));
            }
            for s in &self.sweep.keys {
                t.insert(s.key.clone(), toml::Value::Array(s.values.clone()));
            }
            let mut wrapper = toml::Table::new();
            wrapper.insert("sweep".into(), toml::Value::Table(t));
            text.push('\n');
            text.push_str(&toml::to_string(&wrapper).expect("a sweep serialises"));
        }
        let design = match (&self.sensitivity, &self.calibration) {
            (Some(analysis), _) => Some(("sensitivity", &analysis.table)),
            (_, Some(plan)) => Some(("calibration", &plan.table)),
            _ => None,
        };
        if let Some((name, table)) = design {
            let mut wrapper = toml::Table::new();
            wrapper.insert(name.into(), toml::Value::Table(table.clone()));
            text.push('\n');
            text.push_str(&toml::to_string(&wrapper).expect("a design table serialises"));
        }
        let explicit_arms = !(self.arms.len() == 1
            && self.arms[0].name == DEFAULT_ARM
            && self.arms[0].overrides.is_empty()
            && self.arms[0].attends);
        if explicit_arms {
            let list: Vec<toml::Value> = self
                .arms
                .iter()
                .map(|a| {
                    let mut t = toml::Table::new();
                    t.insert("name".into(), toml::Value::String(a.name.clone()));
                    t.insert("attends".into(), toml::Value::Boolean(a.attends));
                    for (k, v, _) in &a.overrides {
                        t.insert(k.clone(), v.clone());
                    }
                    toml::Value::Table(t)
                })
                .collect();
            let mut wrapper = toml::Table::new();
            wrapper.insert("arm".into(), toml::Value::Array(list));
            text.push('\n');
            text.push_str(&toml::to_string(&wrapper).expect("arms serialise"));
        }
        text
    }

    /// Swept values of every run as strings, for runs.csv.
    pub fn point_values(&self, point: usize) -> Vec<String> {
        self.points[point]
            .iter()
            .map(|v| match v {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    }
}

impl Scenario {
    /// The built-in default scenario.
    pub fn embedded_default() -> Scenario {
        Scenario::builder()
            .build()
            .expect("the built-in default scenario is valid (tested)")
    }

    /// A builder that starts from the built-in default scenario's text.
    pub fn builder() -> ScenarioBuilder {
        ScenarioBuilder {
            text: DEFAULT_SCENARIO.to_string(),
            settings: Vec::new(),
        }
    }
}

/// Builds one scenario through the same path as a scenario file: a TOML
/// text (the built-in default unless [`ScenarioBuilder::text`] replaces it),
/// then keys set one by one, each checked like a file's value.
#[derive(Debug, Clone)]
pub struct ScenarioBuilder {
    text: String,
    settings: Vec<(String, toml::Value)>,
}

impl ScenarioBuilder {
    /// Starts from this TOML text instead of the built-in default (an empty
    /// text takes every key's default).
    pub fn text(mut self, text: &str) -> Self {
        self.text = text.to_string();
        self
    }

    /// Sets one key (dotted, as in a file: `"mechanisms.dropout.base_hazard"`).
    pub fn set(mut self, key: &str, value: impl Into<toml::Value>) -> Self {
        self.settings.push((key.to_string(), value.into()));
        self
    }

    /// Switches every mechanism off (every `mechanisms.*.enabled` of the
    /// registry); set a switch again after this to turn one back on.
    pub fn all_mechanisms_off(mut self) -> Self {
        for key in keys::switches() {
            self.settings
                .push((key.to_string(), toml::Value::Boolean(false)));
        }
        self
    }

    /// Checks everything and returns the scenario. The text may not hold
    /// `[sweep]` or `[[arm]]` tables: it describes one scenario.
    pub fn build(self) -> Result<Scenario> {
        let overrides = Overrides {
            settings: self
                .settings
                .into_iter()
                .map(|(key, value)| Setting {
                    key,
                    value,
                    place: Place::Code,
                })
                .collect(),
            particles: None,
        };
        let experiment = Experiment::parse(&self.text, &Origin::Embedded, &overrides)?;
        if experiment.run_count() != u64::from(experiment.replicates) {
            return Err(Error::ScenarioSyntax {
                origin: Origin::Embedded,
                line: None,
                message: "a single scenario takes no [sweep] or [[arm]] tables".into(),
            });
        }
        Ok(experiment.scenario(0, 0).clone())
    }
}

/// The rows an analysis reads for one side of its outcomes: whose they are
/// (`arm NAME`, `control members`), what some of their runs and what every
/// one of them can measure ([`Runs::Some`], [`Runs::Every`]), and the runs
/// that write them (none of their own for control members, who are in the
/// analysed arm's runs).
struct Rows<'s> {
    who: String,
    kinds: [RowsKind; 2],
    runs: Vec<&'s Scenario>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::keys::Kind;

    fn parse(text: &str) -> Result<Experiment> {
        Experiment::parse(text, &Origin::Embedded, &Overrides::default())
    }

    #[test]
    fn more_than_a_million_runs_are_refused_naming_the_product() {
        let e = parse("replicates = 10000\n[sweep]\ncommunity.groups = { from = 1, to = 200 }\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1"), "{e}");
        assert!(
            e.contains("10000 (× 200 point(s) × 1 arm(s) = 2000000 runs)"),
            "{e}"
        );
        assert!(parse("replicates = 10000\n[sweep]\ncommunity.groups = [1, 2]\n").is_ok());
    }

    /// Whole-number ranges near the ends of the 64-bit range neither wrap
    /// around nor run forever (found by the fuzz test).
    #[test]
    fn integer_ranges_at_the_ends_of_the_range_do_not_overflow() {
        let range = |from: i64, to: i64, step: i64| {
            let mut t = toml::Table::new();
            t.insert("from".into(), toml::Value::Integer(from));
            t.insert("to".into(), toml::Value::Integer(to));
            t.insert("step".into(), toml::Value::Integer(step));
            range_values("k", &t)
        };
        let values = range(0, i64::MAX, i64::MAX).unwrap();
        assert_eq!(values, [0, i64::MAX].map(toml::Value::Integer));
        let values = range(i64::MAX - 3, i64::MAX, 2).unwrap();
        assert_eq!(values.len(), 2);
        assert!(
            range(i64::MIN, i64::MAX, 1)
                .unwrap_err()
                .contains("at most")
        );
    }

    /// The sessions and members a run has, as the header says them: one
    /// figure where every point has it, the least and the most where a
    /// sweep changes it, and each arm's where the arms differ.
    #[test]
    fn runs_are_described_by_their_sessions_and_members_over_every_point() {
        let community = "[community]\ngroups = 10\ngroup_size = 9\ncontrol_members = 30\n";
        let described = |extra: &str| {
            parse(&format!("{community}{extra}"))
                .unwrap()
                .arms_described()
        };
        assert_eq!(described(""), "52 sessions, 120 members per run");
        assert_eq!(
            described("[sweep]\ncommunity.group_size = [9, 6, 12]\n"),
            "52 sessions, 90–150 members per run"
        );
        let arms = "[[arm]]\nname = \"year\"\n[[arm]]\nname = \"half\"\nformat.sessions = 26\n";
        assert_eq!(
            described(arms),
            "year: 52 sessions, 120 members; half: 26 sessions, 120 members"
        );
        // What the manifest and the progress bar count: each run's own.
        let e = parse(&format!("replicates = 3\n{community}{arms}")).unwrap();
        let sessions: u64 = e.runs().map(|r| e.run_sessions(&r)).sum();
        assert_eq!(sessions, 3 * (52 + 26));
        let (sessions, members) = e.run_sizes();
        assert_eq!((sessions.least, sessions.most), (26, 52));
        assert_eq!((members.least, members.most), (120, 120));
    }

    #[test]
    fn each_run_is_read_back_in_run_order_and_the_first_failure_in_that_order_is_the_error() {
        let e = parse("replicates = 7\n[sweep]\ncommunity.groups = [1, 2, 3]\n").unwrap();
        let ids = e.read_each_run(|run| Ok(run.id)).unwrap();
        assert_eq!(ids, (0..21).collect::<Vec<u64>>());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        for _ in 0..20 {
            // Runs 19 and 5 fail; 19 may well fail first on some thread.
            let failed = pool.install(|| {
                e.read_each_run(|run| match run.id {
                    5 | 19 => Err(Error::Plot {
                        path: PathBuf::from(format!("run {}", run.id)),
                        message: String::new(),
                    }),
                    _ => Ok(()),
                })
            });
            assert!(failed.unwrap_err().to_string().contains("run 5"));
        }
    }

    /// `[sweep] together = true` walks the lists side by side (point i
    /// takes the i-th value of each) where they are otherwise crossed;
    /// `scenario.resolved.toml` keeps it, so `--resume` runs the same
    /// points; lists of different lengths, and a `together` that is not
    /// true or false, are refused at their lines.
    #[test]
    fn lists_walked_together_give_one_point_per_position() {
        let lists = "community.group_size = [6, 9, 15]\ncommunity.groups = [30, 20, 12]\n";
        let crossed = parse(&format!("[sweep]\n{lists}")).unwrap();
        assert_eq!(crossed.points.len(), 9);
        let together = parse(&format!("[sweep]\ntogether = true\n{lists}")).unwrap();
        let int = |v: &[i64]| {
            v.iter()
                .map(|&i| toml::Value::Integer(i))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            together.points,
            [int(&[6, 30]), int(&[9, 20]), int(&[15, 12])]
        );
        let groups = |p: usize| together.scenario(p, 0).community.groups;
        assert_eq!((groups(0), groups(2)), (30, 12));

        let again = parse(&together.resolved_toml().unwrap()).unwrap();
        assert_eq!(again.points, together.points);
        assert!(again.sweep.together);

        let text = "[sweep]\ntogether = true\ncommunity.group_size = [6, 9, 15]\ncommunity.groups = [30, 20]\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.contains("line 4") && err.contains("sweep.community.groups"),
            "{err}"
        );
        assert!(
            err.contains("2 values")
                && err.contains("3 values, as many as sweep.community.group_size"),
            "{err}"
        );
        let err = parse(&format!("[sweep]\ntogether = \"yes\"\n{lists}"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2") && err.contains("sweep.together"),
            "{err}"
        );
        assert!(
            err.contains("true (the lists walked side by side) or false"),
            "{err}"
        );
    }

    /// An arm may not set a key the points vary: its value would stand at
    /// every point while the labels named the point's (an outside test
    /// read "group_size=6: big against a" of an arm that ran groups of 20).
    #[test]
    fn an_arm_that_sets_a_swept_key_is_refused_at_its_line() {
        let text = "[sweep]\ncommunity.group_size = [6, 9]\n\n[[arm]]\nname = \"a\"\n\n[[arm]]\nname = \"big\"\ncommunity.group_size = 20\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.contains("line 9") && err.contains("arm[1].community.group_size"),
            "{err}"
        );
        assert!(
            err.contains("the points vary community.group_size (line 2)"),
            "{err}"
        );
        assert!(parse(&text.replace("community.group_size = 20", "community.groups = 20")).is_ok());
    }

    #[test]
    fn a_bad_sweep_value_is_reported_at_the_sweep_line() {
        let text = "[format]\nsessions = 10\n\n[sweep]\nformat.sessions = [5, 0]\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains("line 5"), "{err}");
        assert!(err.contains("sweep.format.sessions"), "{err}");
    }

    #[test]
    fn a_misspelt_sweep_key_is_met_with_the_key_it_is_nearest() {
        for (line, meant) in [
            ("togeter = true", "did you mean `together`?"),
            ("replicate = 4", "did you mean `replicates`?"),
            (
                "comunity.group_size = [5, 6]",
                "did you mean `community.group_size`?",
            ),
            ("community.group_siz = [5, 6]", "did you mean `group_size`?"),
        ] {
            let text = format!("[community]\ngroups = 2\n[sweep]\n{line}\n");
            let err = parse(&text).unwrap_err().to_string();
            assert!(
                err.contains("line 4") && err.contains(meant),
                "{line}: {err}"
            );
        }
    }

    #[test]
    fn a_bad_arm_value_is_reported_at_the_arm_line() {
        let text = "[[arm]]\nname = \"a\"\n\n[[arm]]\nname = \"b\"\nmechanisms.dropout.base_hazard = 3.0\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains("line 6"), "{err}");
        assert!(
            err.contains("arm[1].mechanisms.dropout.base_hazard"),
            "{err}"
        );
    }

    #[test]
    fn seed_and_replicates_in_an_arm_are_refused() {
        for key in [
            "seed = 5",
            "replicates = 3",
            "output.members_csv = false",
            "network.metrics_every = 2",
        ] {
            let text = format!("[[arm]]\nname = \"a\"\n{key}\n");
            let err = parse(&text).unwrap_err().to_string();
            assert!(err.contains("line 3"), "{key}: {err}");
            assert!(err.contains("only in the base scenario"), "{key}: {err}");
        }
    }

    #[test]
    fn a_reference_that_names_no_arm_is_refused_with_the_arms_allowed() {
        let text = "[question]\nreference = \"peer\"\n[[arm]]\nname = \"peer_led\"\n[[arm]]\nname = \"facilitated\"\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.contains("line 2")
                && err.contains("question.reference")
                && err.contains("\"peer\"")
                && err.contains("\"peer_led\", \"facilitated\""),
            "{err}"
        );
        let named = text.replace("\"peer\"", "\"facilitated\"");
        assert_eq!(
            parse(&named).unwrap().base.question.reference,
            "facilitated"
        );
    }

    #[test]
    fn a_seed_line_below_an_arm_header_is_refused_not_ignored() {
        // TOML puts `seed` inside the arm: it must not silently run with seed 1.
        let err = parse("[[arm]]\nname = \"a\"\nseed = 7\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("arm[0].seed"), "{err}");
    }

    #[test]
    fn a_value_swept_twice_and_replicates_set_twice_are_refused() {
        let err = parse("[sweep]\ncommunity.group_size = [6, 9, 9]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("sweep.community.group_size") && err.contains("9 twice"),
            "{err}"
        );
        let err = parse("replicates = 4\n[sweep]\nreplicates = 2\ncommunity.group_size = [6, 9]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("sweep.replicates") && err.contains("set the replicates once"),
            "{err}"
        );
        // A walk may repeat a value where another key moves on.
        let walk =
            "[sweep]\ntogether = true\ncommunity.group_size = [6, 6]\nformat.sessions = [2, 3]\n";
        assert!(parse(walk).is_ok());
        for agreeing in [
            "replicates = 2\n[sweep]\nreplicates = 2\ncommunity.group_size = [6, 9]\n",
            "[sweep]\nreplicates = 2\ncommunity.group_size = [6, 9]\n",
        ] {
            assert_eq!(parse(agreeing).unwrap().replicates, 2, "{agreeing}");
        }
    }

    #[test]
    fn sweeps_over_seed_and_inside_arms_are_refused() {
        let err = parse("[sweep]\nseed = [1, 2, 3]\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("sweep.seed") && err.contains("replicates"),
            "{err}"
        );
        let err = parse("[[arm]]\nname = \"a\"\nsweep.format.sessions = [2, 3]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("arm[0].sweep.format.sessions"), "{err}");
    }

    #[test]
    fn huge_ranges_are_counted_before_they_are_expanded() {
        let err = parse("[sweep]\nformat.minutes = { from = 10.0, to = 480.0, step = 1e-9 }\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most"), "{err}");
    }

    #[test]
    fn every_arm_and_point_gets_its_values() {
        let text = "[sweep]\nformat.sessions = [3, 4]\n[[arm]]\nname = \"a\"\n[[arm]]\nname = \"b\"\nformat.delivery = \"online\"\n";
        let e = parse(text).unwrap();
        assert_eq!(e.points.len(), 2);
        assert_eq!(e.scenario(1, 1).format.sessions, 4);
        assert_eq!(e.scenario(1, 1).arm_name(), "b");
        assert_eq!(
            e.scenario(0, 0).format.delivery,
            crate::scenario::Delivery::InPerson
        );
        assert_eq!(
            e.scenario(0, 1).format.delivery,
            crate::scenario::Delivery::Online
        );
        assert_eq!(e.scenario(1, 0).seed, e.base.seed);
    }

    #[test]
    fn the_kind_of_each_key_is_known() {
        assert!(matches!(
            keys::registry().key("format.sessions").unwrap().kind,
            Kind::Whole { .. }
        ));
    }
}
