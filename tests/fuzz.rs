//! Fuzzing the scenario grammar: whatever text a scenario file holds, bonfire
//! answers with a valid experiment or one clear, bounded message, never a
//! panic; and a valid experiment's resolved scenario reads back as the same
//! experiment.
//!
//! Two sources of text: scenarios built line by line from the registry's
//! keys with values of every TOML type at the edges of their ranges (and
//! beyond what TOML allows), inside the base, `[sweep]` and `[[arm]]`; and
//! the shipped scenarios mutated (lines dropped, doubled or swapped,
//! numbers replaced by extreme ones).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use bonfire::error::Origin;
use bonfire::experiment::{Experiment, Overrides};
use bonfire::memory;
use bonfire::scenario::keys::{self, Kind};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// The longest message an error may be: a line quoted (bounded), a key,
/// what was given (bounded) and what is allowed.
const LONGEST_MESSAGE: usize = 1500;

/// Values at the edges: of every TOML type, in and out of every range,
/// and numbers TOML itself cannot hold.
fn value() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "0",
        "1",
        "-1",
        "2",
        "52",
        "1000000",
        "10000000",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "18446744073709551615",
        "99999999999999999999999",
        "0x7fffffffffffffff",
        "1_000",
        "0.5",
        "-0.0",
        "1e-320",
        "1e308",
        "1e400",
        "-1e308",
        "nan",
        "inf",
        "-inf",
        "true",
        "false",
        "\"\"",
        "\"x\"",
        "\"online\"",
        "\"watts_strogatz\"",
        "\"file\"",
        "\"../../etc/passwd\"",
        "\"loneliness_mean\"",
        "[]",
        "[1, 2]",
        "[0, 26, 52]",
        "[\"a\", 1]",
        "[[1], [2]]",
        "[\"loneliness_mean\", \"nope\"]",
        "{}",
        "{ from = 0, to = 1, step = 0.5 }",
        "{ from = 0, to = 10, step = 1e-300 }",
        "{ from = 1, to = 0, step = 1 }",
        "{ from = 0, to = 1, step = 0 }",
        "{ from = 0, to = 9223372036854775807, step = 9223372036854775807 }",
        "{ from = \"a\" }",
        "1979-05-27T07:32:00Z",
        "07:32:00",
    ]);
    prop_oneof![
        8 => words.prop_map(String::from),
        1 => "[a-z_]{0,12}".prop_map(|s| format!("\"{s}\"")),
        1 => (0usize..3000).prop_map(|n| format!("\"{}\"", "y".repeat(n))),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|x| format!("{x:?}")),
    ]
}

/// A key: one the registry declares (often), a section, or a made-up one.
fn key() -> impl Strategy<Value = String> {
    let registry = keys::registry();
    let declared: Vec<String> = registry.keys.iter().map(|k| k.path.clone()).collect();
    let sections: Vec<String> = registry
        .sections
        .iter()
        .map(|s| s.path.clone())
        .filter(|p| !p.is_empty())
        .collect();
    prop_oneof![
        6 => prop::sample::select(declared),
        1 => prop::sample::select(sections),
        1 => "[a-z]{1,8}(\\.[a-z]{1,8}){0,2}",
        1 => Just("name".to_string()),
    ]
}

/// A value its key allows: its bounds, their middle, one of its words.
fn allowed(kind: &Kind) -> Vec<String> {
    match kind {
        Kind::Switch => vec!["true".into(), "false".into()],
        Kind::Whole { min, max } => vec![
            min.to_string(),
            max.to_string(),
            (min / 2 + max / 2).to_string(),
            min.saturating_add(1).min(*max).to_string(),
        ],
        Kind::Real { min, max } => vec![
            format!("{min:?}"),
            format!("{max:?}"),
            format!("{:?}", min / 2.0 + max / 2.0),
        ],
        Kind::Text { .. } => vec!["\"a-b_1\"".into()],
        Kind::Path => vec!["\"\"".into()],
        Kind::Choice(choices) => choices.iter().map(|c| format!("{:?}", c.value)).collect(),
        Kind::Steps { min, .. } => vec![format!("[{min}]"), "[]".into()],
        Kind::Metrics => vec!["[\"loneliness_mean\", \"hope_mean\"]".into()],
    }
}

/// `key = value`: mostly a declared key with a value it allows, else any
/// value, or any key with any value.
fn setting() -> impl Strategy<Value = String> {
    let declared: Vec<(String, Vec<String>)> = keys::registry()
        .keys
        .iter()
        .map(|k| (k.path.clone(), allowed(&k.kind)))
        .collect();
    let fitting = prop::sample::select(declared).prop_flat_map(|(key, values)| {
        (
            Just(key),
            prop_oneof![5 => prop::sample::select(values), 1 => value()],
        )
    });
    prop_oneof![
        6 => fitting.prop_map(|(k, v)| format!("{k} = {v}")),
        1 => (key(), value()).prop_map(|(k, v)| format!("{k} = {v}")),
    ]
}

/// A line that is not TOML, or a table header where none belongs.
fn junk() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "= =",
            "[",
            "]]",
            "a.b.",
            "\"x",
            "é = 1",
            "\u{0}",
            "[[",
            "x = 1 2",
            "[sweep]",
            "[question]",
            "[[arm]]",
        ])
        .prop_map(String::from),
        key().prop_map(|k| format!("[{k}]")),
    ]
}

/// A scenario file: settings of the base, maybe a `[question]`, a
/// `[sweep]` and `[[arm]]`s with their own settings, and now and then a
/// line of junk anywhere.
fn text() -> impl Strategy<Value = String> {
    let question = prop::option::of(prop::collection::vec(
        (
            prop::sample::select(vec!["outcomes", "reference", "other"]),
            value(),
        )
            .prop_map(|(k, v)| format!("{k} = {v}")),
        0..3,
    ));
    let sweep = prop::option::of(prop::collection::vec(setting(), 0..4));
    let arm = (0u8..4, prop::collection::vec(setting(), 0..4));
    (
        prop::collection::vec(setting(), 0..12),
        question,
        sweep,
        prop::collection::vec(arm, 0..4),
        prop::option::weighted(0.2, (junk(), any::<prop::sample::Index>())),
    )
        .prop_map(|(base, question, sweep, arms, junk)| {
            let mut lines = base;
            if let Some(q) = question {
                lines.push("[question]".into());
                lines.extend(q);
            }
            if let Some(sweep) = sweep {
                lines.push("[sweep]".into());
                lines.extend(sweep);
            }
            for (name, settings) in arms {
                lines.push("[[arm]]".into());
                if name > 0 {
                    lines.push(format!("name = \"arm{name}\""));
                }
                lines.extend(settings);
            }
            if let Some((junk, at)) = junk {
                lines.insert(at.index(lines.len() + 1), junk);
            }
            lines.join("\n")
        })
}

/// What bonfire must do with any text: no panic; an error is one bounded
/// line that names the file; a valid experiment's resolved scenario
/// parses back to the same resolved scenario, and its memory estimate is
/// made.
fn holds(text: &str) -> Result<(), TestCaseError> {
    // In the scenarios folder, so that the shipped scenarios' files are found.
    let origin = Origin::File(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fuzz.toml"));
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        Experiment::parse(text, &origin, &Overrides::default())
    }));
    let Ok(parsed) = parsed else {
        return Err(TestCaseError::fail(format!("panicked on:\n{text}")));
    };
    match parsed {
        Err(e) => {
            let message = e.to_string();
            prop_assert!(
                message.len() <= LONGEST_MESSAGE,
                "a message of {} bytes on:\n{text}\n{message}",
                message.len()
            );
            prop_assert!(message.contains("fuzz.toml"), "names no file: {message}");
        }
        Ok(experiment) => {
            let resolved = experiment
                .resolved_toml()
                .map_err(|e| TestCaseError::fail(format!("resolved: {e}")))?;
            let again =
                Experiment::parse(&resolved, &origin, &Overrides::default()).map_err(|e| {
                    TestCaseError::fail(format!("resolved does not parse: {e}\n{resolved}"))
                })?;
            prop_assert_eq!(again.resolved_toml().unwrap(), resolved);
            memory::estimate(&experiment, 16, true);
        }
    }
    Ok(())
}

/// The shipped scenarios, each mutated by a few edits.
fn mutated() -> impl Strategy<Value = String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut texts: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    texts.sort();
    let edit = (
        0u8..4,
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        value(),
    );
    (
        prop::sample::select(texts),
        prop::collection::vec(edit, 1..4),
    )
        .prop_map(|(text, edits)| {
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            for (kind, at, other, value) in edits {
                if lines.is_empty() {
                    break;
                }
                let (i, j) = (at.index(lines.len()), other.index(lines.len()));
                match kind {
                    0 => {
                        lines.remove(i);
                    }
                    1 => lines.insert(j, lines[i].clone()),
                    2 => lines.swap(i, j),
                    _ => {
                        if let Some((key, _)) = lines[i].split_once(" = ") {
                            lines[i] = format!("{key} = {value}");
                        }
                    }
                }
            }
            lines.join("\n")
        })
}

/// Cases run by the two properties below (the note of the hardening
/// issue reports them), from a fixed seed so that every run of the suite
/// tries the same texts. `BONFIRE_FUZZ_CASES` and `BONFIRE_FUZZ_SEED` run
/// more, or others, when searching for new failures.
const GRAMMAR_CASES: u32 = 4000;
const MUTATION_CASES: u32 = 2000;

fn var<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: var("BONFIRE_FUZZ_CASES").unwrap_or(cases),
        rng_seed: RngSeed::Fixed(var("BONFIRE_FUZZ_SEED").unwrap_or(2026)),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(GRAMMAR_CASES))]
    #[test]
    fn any_text_built_from_the_grammar_is_a_valid_experiment_or_one_clear_message(text in text()) {
        holds(&text)?;
    }
}

proptest! {
    #![proptest_config(config(MUTATION_CASES))]
    #[test]
    fn any_mutation_of_a_shipped_scenario_is_valid_or_one_clear_message(text in mutated()) {
        holds(&text)?;
    }
}
