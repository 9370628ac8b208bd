//! Where a key applies (`x-applies-when`, and each mechanism's switch) is
//! what the engine does: for every clause of every key, a run where the
//! clause fails writes the same files whatever the key holds, and for
//! every key with clauses (every mechanism's key has its switch's), a run
//! where all of them hold writes other files when the key changes. So a
//! warning that a setting changes nothing is never a false alarm, no
//! declaration is wider than the code, and no key is read by no rule (a
//! key added to the declarations and the f64 rules but not to the session
//! kernel fails here).

use std::path::{Path, PathBuf};

use bonfire::scenario::applies::Clause;
use bonfire::scenario::keys::{self, Key, Kind};

use crate::common::bonfire;

/// A small community with every output, every session measured, and the
/// contagion of loneliness on (it is the one mechanism off by default).
const HEAD: &str = r#"
name = "applies"
seed = 5
[community]
groups = 24
group_size = 8
[format]
sessions = 20
[network]
metrics_every = 1
[output]
members_csv = true
groups_csv = true
[mechanisms.contagion]
enabled = true
"#;

/// The files a run writes that its rules decide.
const FILES: [&str; 4] = ["timeseries.csv", "members.csv", "groups.csv", "network.csv"];

fn set(table: &mut toml::Table, key: &str, value: toml::Value) {
    let (path, last) = key.rsplit_once('.').map_or(("", key), |(p, l)| (p, l));
    let mut at = table;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        at = at
            .entry(part)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .unwrap();
    }
    at.insert(last.to_string(), value);
}

/// A cohort of a row for each of [`HEAD`]'s 192 members, so that either
/// way of sampling it runs.
fn write_cohort(dir: &Path) -> PathBuf {
    let path = dir.join("cohort.csv");
    let mut text = String::from("id,loneliness,hope,stigma,openness\n");
    for i in 0..192 {
        let share = f64::from(i % 10) / 10.0;
        text.push_str(&format!(
            "P{i},{},{},{},{}\n",
            3 + i % 7,
            0.05 + share * 0.9,
            0.9 - share * 0.8,
            0.3 + share / 2.0
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// The files the keys of kind path name: a cohort, and two edge lists of
/// [`HEAD`]'s members that differ in who has how many ties (a ring; a
/// hub and pairs).
struct Inputs {
    cohort: PathBuf,
    edges: [PathBuf; 2],
}

impl Inputs {
    fn write(dir: &Path) -> Inputs {
        let edge_list = |name: &str, ties: Vec<(u32, u32)>| {
            let path = dir.join(name);
            let lines: String = ties.iter().map(|(a, b)| format!("{a},{b}\n")).collect();
            std::fs::write(&path, format!("source,target\n{lines}")).unwrap();
            path
        };
        let ring = (0..192).map(|i| (i, (i + 1) % 192)).collect();
        let hub_and_pairs = (1..40)
            .map(|i| (0, i))
            .chain((40..192).step_by(2).map(|i| (i, i + 1)))
            .collect();
        Inputs {
            cohort: write_cohort(dir),
            edges: [
                edge_list("ring.csv", ring),
                edge_list("hub.csv", hub_and_pairs),
            ],
        }
    }
}

/// Every value of the clause's key that meets it (`holds`), or every one
/// that fails it; None leaves a file out.
fn values_for(clause: &Clause, holds: bool, inputs: &Inputs) -> Vec<Option<toml::Value>> {
    let cohort = &inputs.cohort;
    let key = keys::registry().key(&clause.key).unwrap();
    let named = |word: &str| clause.words.iter().any(|w| w == word);
    let wanted = |word: &String| named(word) == (holds != clause.negated);
    let values: Vec<Option<toml::Value>> = match &key.kind {
        Kind::Choice(choices) => choices
            .iter()
            .map(|c| c.value.clone())
            .filter(wanted)
            .map(|word| Some(toml::Value::String(word)))
            .collect(),
        Kind::Switch => [true, false]
            .into_iter()
            .filter(|b| wanted(&b.to_string()))
            .map(|b| Some(toml::Value::Boolean(b)))
            .collect(),
        Kind::Real { .. } => {
            // `!= 0`: 0 fails it; a turnover of a fifth a year meets it.
            assert!(
                clause.negated && named("0"),
                "{}: a number clause other than != 0",
                clause.key
            );
            vec![Some(toml::Value::Float(if holds { 0.2 } else { 0.0 }))]
        }
        Kind::Path => {
            assert!(
                clause.negated && named("none"),
                "{}: a file clause other than != none",
                clause.key
            );
            vec![holds.then_some(path_value(cohort))]
        }
        other => panic!("{}: no clause on a key of kind {other:?}", clause.key),
    };
    assert!(
        !values.is_empty(),
        "{}: no value that {} {clause}",
        clause.key,
        if holds { "meets" } else { "fails" }
    );
    values
}

/// Values of `key` other than its default (for a file: other than the
/// first edge list, which [`context`] gives it), within its range.
fn other_values(key: &Key, inputs: &Inputs) -> Vec<toml::Value> {
    let default = &key.default;
    match &key.kind {
        Kind::Switch => vec![toml::Value::Boolean(!default.as_bool().unwrap())],
        Kind::Choice(choices) => choices
            .iter()
            .filter(|c| default.as_str() != Some(c.value.as_str()))
            .map(|c| toml::Value::String(c.value.clone()))
            .collect(),
        Kind::Real { min, max } => {
            let d = default.as_f64().unwrap();
            [
                d * 2.0,
                d / 2.0,
                d + 1.0,
                (min + max.min(100.0)) / 2.0,
                *min,
            ]
            .into_iter()
            .filter(|x| (min..=max).contains(&x) && *x != d)
            .map(toml::Value::Float)
            .collect()
        }
        Kind::Whole { min, max } => {
            let d = default.as_i64().unwrap();
            [d * 2, d / 2, d + 1]
                .into_iter()
                .filter(|x| (min..=max).contains(&x) && *x != d)
                .map(toml::Value::Integer)
                .collect()
        }
        Kind::Path => vec![path_value(&inputs.edges[1])],
        _ => Vec::new(),
    }
}

/// The files of a run of `table`, or None where the scenario is refused
/// (a value no run can take is refused, never ignored).
fn outputs(dir: &Path, name: &str, table: &toml::Table) -> Option<Vec<Vec<u8>>> {
    let scenario = dir.join(format!("{name}.toml"));
    std::fs::write(&scenario, toml::to_string(table).unwrap()).unwrap();
    let out = dir.join(name);
    let run = bonfire()
        .arg("run")
        .arg(&scenario)
        .args([
            "--quiet",
            "--no-charts",
            "--force",
            "--threads",
            "1",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    if !run.status.success() {
        return None;
    }
    Some(
        FILES
            .iter()
            .map(|f| std::fs::read(out.join(f)).unwrap())
            .collect(),
    )
}

/// A path as a scenario's value.
fn path_value(path: &Path) -> toml::Value {
    toml::Value::String(path.display().to_string())
}

/// `table` run for two years, with ties that reach each level in a tenth
/// of the hours (casual 5, friend 9, close 20): where a mechanism's key
/// acts only on ties that a few months of meetings do not make.
fn long(mut table: toml::Table) -> toml::Table {
    set(&mut table, "format.sessions", toml::Value::Integer(104));
    for (level, hours) in [("casual", 5.0), ("friend", 9.0), ("close", 20.0)] {
        let key = format!("mechanisms.bonding.{level}_hours");
        set(&mut table, &key, toml::Value::Float(hours));
    }
    table
}

/// [`HEAD`] with every clause of `key` met, but where `failing` names a
/// clause and a value of its key that fails it; a key naming a file names
/// the first edge list.
fn context(
    key: &Key,
    failing: Option<(usize, &Option<toml::Value>)>,
    inputs: &Inputs,
) -> toml::Table {
    let mut table: toml::Table = toml::from_str(HEAD).unwrap();
    for (i, clause) in key.applies_when.iter().enumerate() {
        let value = match failing {
            Some((f, value)) if f == i => value.clone(),
            _ => values_for(clause, true, inputs).swap_remove(0),
        };
        if let Some(value) = value {
            set(&mut table, &clause.key, value);
        }
    }
    if key.kind == Kind::Path {
        set(&mut table, &key.path, path_value(&inputs.edges[0]));
    }
    table
}

#[test]
fn a_key_changes_nothing_where_a_clause_of_where_it_applies_fails_and_something_where_all_hold() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = Inputs::write(dir.path());
    let (mut inert, mut live) = (0, 0);
    let mut problems = Vec::new();
    for key in keys::registry()
        .keys
        .iter()
        .filter(|k| !k.applies_when.is_empty())
    {
        let others = other_values(key, &inputs);
        assert!(!others.is_empty(), "{}: no other value to try", key.path);
        for (i, clause) in key.applies_when.iter().enumerate() {
            let mut tried = 0;
            for failing in values_for(clause, false, &inputs) {
                // A value that breaks a relation between keys is refused,
                // which is not ignoring it (`kind = "file"` needs a file).
                let table = context(key, Some((i, &failing)), &inputs);
                let Some(before) = outputs(dir.path(), "before", &table) else {
                    continue;
                };
                for value in &others {
                    let mut changed = table.clone();
                    set(&mut changed, &key.path, value.clone());
                    let Some(after) = outputs(dir.path(), "after", &changed) else {
                        continue;
                    };
                    tried += 1;
                    if after != before {
                        problems.push(format!(
                            "{} = {value} changes the outputs where {clause} fails ({} = {failing:?})",
                            key.path, clause.key
                        ));
                    }
                }
            }
            inert += tried;
            if tried == 0 {
                problems.push(format!(
                    "{}: no value could be tried where {clause} fails",
                    key.path
                ));
            }
        }
        // Where it applies, some other value changes the files: in the
        // short run, else in a long one where every kind of tie forms
        // (a cap on close friends acts only where someone has them).
        let changes = |table: &toml::Table| {
            let before = outputs(dir.path(), "before", table)
                .unwrap_or_else(|| panic!("{}: the run where it applies is refused", key.path));
            others.iter().any(|value| {
                let mut changed = table.clone();
                set(&mut changed, &key.path, value.clone());
                outputs(dir.path(), "after", &changed).is_some_and(|after| after != before)
            })
        };
        let table = context(key, None, &inputs);
        if changes(&table) || changes(&long(table)) {
            live += 1;
        } else {
            problems.push(format!(
                "{}: no value changes the outputs where it applies",
                key.path
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        inert > 400 && live > 30,
        "too few cases: {inert} inert, {live} live"
    );
}
