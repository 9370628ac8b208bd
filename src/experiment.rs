//! Experiments: a scenario file's `[sweep]` and `[[arm]]` tables expanded
//! into runs.
//!
//! A `[sweep]` table lists scenario keys (dotted, as in the file) with a list
//! of values or a range `{ from, to, step }`; the experiment runs the full
//! factorial of them (a *point* is one combination). `[[arm]]` tables name
//! conditions, each a set of keys that differ from the base scenario; an arm
//! with `attends = false` is a waitlist control whose members never attend.
//! Every point is run for every arm and replicate. A *run* is one
//! (point, replicate, arm), numbered point-major, then replicate, then arm.
//!
//! Arms share common random numbers: all arms of a point use the point's
//! seed, and replicate r of every arm draws the same population from the same
//! streams, so a difference between arms is the arms' doing, not noise.
//! Point 0 uses the base seed; point p > 0 a seed mixed from the base seed
//! and p.
//!
//! Every (point, arm) scenario is built and validated before the first run,
//! so a bad sweep value fails in a second, naming the key and the value.

use crate::community::CommunityGraph;
use crate::error::{Error, Origin, Result};
use crate::scenario::{NetworkKind, RawScenario, Scenario};

/// One swept key and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct SweptKey {
    pub key: String,
    pub values: Vec<toml::Value>,
}

/// One named condition.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmSpec {
    pub name: String,
    /// False for a waitlist control arm: its members never attend.
    pub attends: bool,
    /// (dotted key, value) pairs that differ from the base scenario.
    pub overrides: Vec<(String, toml::Value)>,
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
    pub sweep: Vec<SweptKey>,
    pub arms: Vec<ArmSpec>,
    /// The value of every swept key at each point, in `sweep` order.
    pub points: Vec<Vec<toml::Value>>,
    pub replicates: u32,
    /// The base scenario (no sweep value, no arm applied): name, output
    /// settings and the resolved file come from it.
    pub base: Scenario,
}

/// Settings given on the command line, applied to the file's base.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub seed: Option<u64>,
    pub replicates: Option<u32>,
    /// `--export-network`: steps at which to export the bond network.
    pub export_steps: Option<Vec<u32>>,
}

/// The name of the single arm of a scenario without `[[arm]]` tables.
pub const DEFAULT_ARM: &str = "group";

fn bad(
    origin: &Origin,
    text: &str,
    key: &str,
    given: impl std::fmt::Display,
    allowed: &str,
) -> Error {
    Error::ScenarioValue {
        origin: origin.clone(),
        line: crate::scenario::line_of_key(text, key),
        key: key.to_string(),
        given: given.to_string(),
        allowed: allowed.to_string(),
    }
}

/// Leaves of a table as (dotted key, value), in key order.
fn leaves(prefix: &str, table: &toml::Table, out: &mut Vec<(String, toml::Value)>) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) if !is_range(t) => leaves(&key, t, out),
            _ => out.push((key, v.clone())),
        }
    }
}

fn is_range(t: &toml::Table) -> bool {
    t.contains_key("from") && t.contains_key("to")
}

/// Sets a dotted key in a table, creating tables on the way.
fn set_key(
    table: &mut toml::Table,
    key: &str,
    value: toml::Value,
) -> std::result::Result<(), String> {
    let mut parts: Vec<&str> = key.split('.').collect();
    let leaf = parts.pop().ok_or("an empty key")?;
    let mut here = table;
    for part in parts {
        let next = here
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        here = match next {
            toml::Value::Table(t) => t,
            _ => return Err(format!("`{part}` is a value, not a table")),
        };
    }
    here.insert(leaf.to_string(), value);
    Ok(())
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
        return Ok((0..)
            .map(|i| a + i * s)
            .take_while(|&v| v <= b)
            .map(toml::Value::Integer)
            .collect());
    }
    match (num(from), num(to), num(step)) {
        (Some(a), Some(b), Some(s)) if s > 0.0 && b >= a => {
            let n = ((b - a) / s + 1e-9).floor() as i64;
            // Rounded to 12 significant digits so 0.1 steps print as 0.3, not 0.30000000000000004.
            Ok((0..=n)
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

/// The seed of a sweep point.
pub fn point_seed(base: u64, point: usize) -> u64 {
    if point == 0 {
        return base;
    }
    let mut z = base ^ (point as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) & (i64::MAX as u64)
}

impl Experiment {
    /// Parses a scenario file's text, expands it, and validates every
    /// scenario. `overrides` are command-line settings (seed, replicates)
    /// applied to the base before expansion.
    pub fn parse(text: &str, origin: &Origin, overrides: &Overrides) -> Result<Experiment> {
        let (seed, replicates) = (overrides.seed, overrides.replicates);
        // The whole file as a scenario first: syntax errors, unknown keys and
        // wrong types get their line numbers here.
        let mut raw = RawScenario::parse(text, origin)?;
        raw.sweep = None;
        raw.arm = Vec::new();
        let mut table: toml::Table = toml::from_str(text).expect("parsed just above");
        let sweep_table = match table.remove("sweep") {
            None => toml::Table::new(),
            Some(toml::Value::Table(t)) => t,
            Some(other) => return Err(bad(origin, text, "sweep", other, "a table: [sweep]")),
        };
        let arm_tables = match table.remove("arm") {
            None => Vec::new(),
            Some(toml::Value::Array(a)) => a,
            Some(other) => return Err(bad(origin, text, "arm", other, "tables: [[arm]]")),
        };
        if let Some(s) = seed {
            table.insert(
                "seed".into(),
                toml::Value::Integer(s.min(i64::MAX as u64) as i64),
            );
        }
        if let Some(steps) = &overrides.export_steps {
            let list = steps
                .iter()
                .map(|&st| toml::Value::Integer(i64::from(st)))
                .collect();
            set_key(&mut table, "network.export_steps", toml::Value::Array(list))
                .expect("network is a table");
            raw.network.export_steps = steps.clone();
        }

        // The sweep: replicates, then every other leaf is a swept key.
        let mut sweep_leaves = Vec::new();
        leaves("", &sweep_table, &mut sweep_leaves);
        let mut sweep_replicates = None;
        let mut sweep = Vec::new();
        for (key, value) in sweep_leaves {
            let full = format!("sweep.{key}");
            if key == "replicates" {
                match value.as_integer() {
                    Some(n) if (1..=10_000).contains(&n) => sweep_replicates = Some(n as u32),
                    _ => {
                        return Err(bad(
                            origin,
                            text,
                            &full,
                            value,
                            "a whole number from 1 to 10000",
                        ));
                    }
                }
                continue;
            }
            let values = match value {
                toml::Value::Array(vs) if !vs.is_empty() => vs,
                toml::Value::Table(t) => range_values(&key, &t)
                    .map_err(|why| bad(origin, text, &full, "a range", &why))?,
                other => {
                    return Err(bad(
                        origin,
                        text,
                        &full,
                        other,
                        "a non-empty list of values, or a range { from, to, step }",
                    ));
                }
            };
            sweep.push(SweptKey { key, values });
        }
        if let Some(r) = replicates.or(sweep_replicates) {
            table.insert("replicates".into(), toml::Value::Integer(i64::from(r)));
        }

        // The arms.
        let mut arms = Vec::new();
        for (index, value) in arm_tables.into_iter().enumerate() {
            let key = format!("arm[{index}]");
            let toml::Value::Table(mut t) = value else {
                return Err(bad(origin, text, &key, value, "a table: [[arm]]"));
            };
            let name = match t.remove("name") {
                Some(toml::Value::String(n))
                    if !n.is_empty()
                        && n.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                        && n != "control" =>
                {
                    n
                }
                other => {
                    return Err(bad(
                        origin,
                        text,
                        &format!("{key}.name"),
                        other.map_or("missing".to_string(), |v| v.to_string()),
                        "a name of letters, digits, '-' and '_' (not \"control\", which names the within-run control arm)",
                    ));
                }
            };
            if arms.iter().any(|a: &ArmSpec| a.name == name) {
                return Err(bad(
                    origin,
                    text,
                    &format!("{key}.name"),
                    &name,
                    "a name used by no other arm",
                ));
            }
            let attends = match t.remove("attends") {
                None => true,
                Some(toml::Value::Boolean(b)) => b,
                Some(other) => {
                    return Err(bad(
                        origin,
                        text,
                        &format!("{key}.attends"),
                        other,
                        "true or false",
                    ));
                }
            };
            let mut overrides = Vec::new();
            leaves("", &t, &mut overrides);
            arms.push(ArmSpec {
                name,
                attends,
                overrides,
            });
        }
        if arms.is_empty() {
            arms.push(ArmSpec {
                name: DEFAULT_ARM.into(),
                attends: true,
                overrides: Vec::new(),
            });
        }

        // The points: the full factorial, first key slowest.
        let mut points: Vec<Vec<toml::Value>> = vec![Vec::new()];
        for swept in &sweep {
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

        // The base scenario alone (no sweep value, no arm) must be valid too:
        // it is what `scenario.resolved.toml` writes before [sweep] and [[arm]].
        if let Some(s) = seed {
            raw.seed = s;
        }
        if let Some(r) = replicates.or(sweep_replicates) {
            raw.replicates = r;
        }
        // An imported community network: the path is made absolute (so the
        // resolved scenario reproduces the run from anywhere on this
        // machine) and the file is read and checked now, before any run.
        if let Some(file) = raw
            .community_network
            .file
            .clone()
            .filter(|_| raw.community_network.kind == NetworkKind::File)
        {
            let base_dir = match origin {
                Origin::File(path) => path
                    .parent()
                    .map(std::path::Path::to_path_buf)
                    .unwrap_or_default(),
                Origin::Embedded => std::path::PathBuf::from("."),
            };
            let absolute =
                std::path::absolute(base_dir.join(&file)).unwrap_or_else(|_| base_dir.join(&file));
            let absolute = absolute.display().to_string();
            raw.community_network.file = Some(absolute.clone());
            set_key(
                &mut table,
                "community_network.file",
                toml::Value::String(absolute),
            )
            .expect("a table");
        }
        let mut base = Scenario::try_from_raw(raw, text, origin)?;
        let mut imported: Vec<(u64, std::sync::Arc<CommunityGraph>)> = Vec::new();
        let mut import = |s: &mut Scenario| -> Result<()> {
            if s.community_network.kind != NetworkKind::File {
                return Ok(());
            }
            let members = s.total_members();
            let graph = match imported.iter().find(|(n, _)| *n == members) {
                Some((_, g)) => g.clone(),
                None => {
                    let path = std::path::PathBuf::from(
                        s.community_network.file.clone().unwrap_or_default(),
                    );
                    let g = std::sync::Arc::new(crate::community::read_edge_list(
                        &path,
                        members as usize,
                    )?);
                    imported.push((members, g.clone()));
                    g
                }
            };
            s.imported_network = Some(graph);
            Ok(())
        };
        import(&mut base)?;
        let base_seed = base.seed;
        let mut scenarios = Vec::with_capacity(points.len() * arms.len());
        for (p, values) in points.iter().enumerate() {
            for arm in &arms {
                let mut t = table.clone();
                let mut origin_note = Vec::new();
                for (swept, value) in sweep.iter().zip(values) {
                    set_key(&mut t, &swept.key, value.clone()).map_err(|why| {
                        bad(origin, text, &format!("sweep.{}", swept.key), value, &why)
                    })?;
                    origin_note.push(format!("{} = {value}", swept.key));
                }
                for (key, value) in &arm.overrides {
                    set_key(&mut t, key, value.clone())
                        .map_err(|why| bad(origin, text, key, value, &why))?;
                }
                t.insert(
                    "seed".into(),
                    toml::Value::Integer(point_seed(base_seed, p) as i64),
                );
                let scenario = Self::validate_one(t, text, origin, &origin_note, &arm.name)?;
                let mut scenario = scenario;
                scenario.arm_name = arm.name.clone();
                scenario.attends = arm.attends;
                import(&mut scenario)?;
                scenarios.push(scenario);
            }
        }
        let replicates = base.replicates;
        Ok(Experiment {
            scenarios,
            sweep,
            arms,
            points,
            replicates,
            base,
        })
    }

    /// Deserialises and validates one expanded table; errors say which sweep
    /// point and arm produced the value.
    fn validate_one(
        table: toml::Table,
        text: &str,
        origin: &Origin,
        point: &[String],
        arm: &str,
    ) -> Result<Scenario> {
        let context = || {
            let mut c = format!("arm {arm}");
            if !point.is_empty() {
                c = format!("{c}, sweep point {}", point.join(", "));
            }
            c
        };
        let raw: RawScenario =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| Error::ScenarioSyntax {
                    origin: origin.clone(),
                    line: None,
                    message: format!("{} ({})", e.message().trim(), context()),
                })?;
        Scenario::try_from_raw(raw, text, origin).map_err(|e| match e {
            Error::ScenarioValue {
                origin,
                key,
                line,
                given,
                allowed,
            } => Error::ScenarioValue {
                origin,
                key,
                line,
                given: format!("{given} ({})", context()),
                allowed,
            },
            other => other,
        })
    }

    /// Reads and expands a scenario file.
    pub fn from_file(path: &std::path::Path, overrides: &Overrides) -> Result<Experiment> {
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

    pub fn run_count(&self) -> u64 {
        self.points.len() as u64 * u64::from(self.replicates) * self.arms.len() as u64
    }

    /// A short label of a point: "key = value, ..." (empty without a sweep).
    pub fn point_label(&self, point: usize) -> String {
        self.sweep
            .iter()
            .zip(&self.points[point])
            .map(|(s, v)| format!("{} = {}", s.key, v))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The experiment with every default filled in, as TOML: the base
    /// scenario resolved, then the `[sweep]` and `[[arm]]` tables as given.
    /// Running it again reproduces every run.
    pub fn resolved_toml(&self) -> String {
        let mut text = self.base.resolved_toml();
        if !self.sweep.is_empty() {
            let mut t = toml::Table::new();
            t.insert(
                "replicates".into(),
                toml::Value::Integer(i64::from(self.replicates)),
            );
            for s in &self.sweep {
                t.insert(s.key.clone(), toml::Value::Array(s.values.clone()));
            }
            let mut wrapper = toml::Table::new();
            wrapper.insert("sweep".into(), toml::Value::Table(t));
            text.push('\n');
            text.push_str(&toml::to_string(&wrapper).expect("a sweep serialises"));
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
                    for (k, v) in &a.overrides {
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
