//! `bonfire schema` prints a valid JSON Schema that covers every key: the
//! shipped scenarios validate against it, and what `check` refuses, the
//! schema refuses too (so an editor marks it as it is typed).

use assert_cmd::Command;
use bonfire::scenario::keys;

fn printed_schema() -> serde_json::Value {
    let out = Command::cargo_bin("bonfire")
        .unwrap()
        .arg("schema")
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("the schema is JSON")
}

/// A compiled schema and a validator of TOML texts.
struct Validator {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl Validator {
    fn new() -> Validator {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        // Compiling checks the schema against the 2020-12 meta-schema.
        compiler
            .add_resource("bonfire.schema.json", printed_schema())
            .unwrap();
        let index = compiler
            .compile("bonfire.schema.json", &mut schemas)
            .unwrap_or_else(|e| panic!("not a valid JSON Schema: {e}"));
        Validator { schemas, index }
    }

    fn accepts(&self, toml_text: &str) -> Result<(), String> {
        let table: toml::Table = toml::from_str(toml_text).unwrap();
        let json = serde_json::to_value(table).unwrap();
        self.schemas
            .validate(&json, self.index)
            .map_err(|e| format!("{e:#}"))
    }
}

#[test]
fn every_shipped_scenario_validates_against_the_schema() {
    let v = Validator::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            v.accepts(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            seen += 1;
        }
    }
    assert!(seen >= 10, "only {seen} scenarios");
    v.accepts(include_str!("fixtures/valid.toml")).unwrap();
}

#[test]
fn the_schema_refuses_what_check_refuses() {
    let v = Validator::new();
    for bad in [
        "[format]\nsesions = 3\n",
        "[mechanisms.dropout]\nbase_hazard = 1.5\n",
        "[community]\ngroups = \"many\"\n",
        "[format]\nfrequency = \"fortnightly\"\n",
        "name = \"a b\"\n",
        "[sweep]\nseed = [1, 2]\n",
        "[sweep]\nformat.sesions = [1, 2]\n",
        "[[arm]]\nname = \"a\"\nseed = 3\n",
        "[[arm]]\nname = \"a\"\noutput.members_csv = false\n",
        "[[arm]]\nformat.sessions = 3\n",
    ] {
        assert!(v.accepts(bad).is_err(), "the schema accepts {bad:?}");
        assert!(
            bonfire::Scenario::builder().text(bad).build().is_err()
                || bonfire::experiment::Experiment::parse(
                    bad,
                    &bonfire::error::Origin::Embedded,
                    &Default::default()
                )
                .is_err(),
            "check accepts {bad:?}"
        );
    }
    for good in [
        "[sweep]\nformat.sessions = { from = 4, to = 12, step = 4 }\nreplicates = 2\n",
        "[[arm]]\nname = \"online\"\nformat.delivery = \"online\"\n",
        "[[arm]]\nname = \"waitlist\"\nattends = false\n",
    ] {
        v.accepts(good).unwrap_or_else(|e| panic!("{good:?}: {e}"));
    }
}

#[test]
fn the_schema_describes_every_declared_key() {
    let schema = printed_schema();
    let defs = &schema["$defs"];
    for key in &keys::registry().keys {
        let mut here = &schema;
        let mut property = &schema;
        for part in key.path.split('.') {
            property = &here["properties"][part];
            here = match property.get("$ref").and_then(|r| r.as_str()) {
                Some(r) => &defs[r.trim_start_matches("#/$defs/")],
                None => property,
            };
        }
        assert!(!property.is_null(), "{} missing from the schema", key.path);
        assert!(
            property.get("description").is_some() && property.get("default").is_some(),
            "{} has no description or default",
            key.path
        );
    }
}
