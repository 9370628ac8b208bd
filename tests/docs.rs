//! The README documents every scenario key and every output column.

use bonfire::scenario::RawScenario;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The part of the README between a table heading and the next heading.
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("README lacks {heading}"));
    let rest = &text[start + heading.len()..];
    let end = rest
        .find("\n**")
        .unwrap_or(rest.len())
        .min(rest.find("\n## ").unwrap_or(rest.len()));
    &rest[..end]
}

#[test]
fn every_scenario_key_is_in_the_reference() {
    let text = readme();
    let defaults = toml::Table::try_from(RawScenario::default()).unwrap();
    let mut missing = Vec::new();
    let mut check = |table: &str, key: &str| {
        let heading = if table.is_empty() {
            "**Top level**".to_string()
        } else {
            format!("**`[{table}]`**")
        };
        if !section(&text, &heading).contains(&format!("| `{key}` |")) {
            missing.push(format!("{table}.{key}"));
        }
    };
    for (key, value) in &defaults {
        match value {
            toml::Value::Table(t) if key == "mechanisms" => {
                for (mechanism, inner) in t {
                    for k in inner.as_table().unwrap().keys() {
                        check(&format!("mechanisms.{mechanism}"), k);
                    }
                }
            }
            toml::Value::Table(t) => t.keys().for_each(|k| check(key, k)),
            _ => check("", key),
        }
    }
    assert!(missing.is_empty(), "undocumented keys: {missing:?}");
}

#[test]
fn every_output_column_is_documented() {
    let text = readme();
    let dir = tempfile::tempdir().unwrap();
    assert_cmd::Command::cargo_bin("bonfire")
        .unwrap()
        .args(["run", "tests/fixtures/valid.toml", "--quiet", "--out"])
        .arg(dir.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .assert()
        .success();
    for (file, heading) in [
        ("timeseries.csv", "### `timeseries.csv`"),
        ("members.csv", "### `members.csv`"),
    ] {
        let body = std::fs::read_to_string(dir.path().join(file)).unwrap();
        let doc = section(&text, heading);
        for column in body.lines().next().unwrap().split(',') {
            assert!(
                doc.contains(&format!("`{column}`")),
                "{file}: column {column} undocumented"
            );
        }
    }
}
