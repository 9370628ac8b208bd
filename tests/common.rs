//! Helpers shared by the integration tests.

use bonfire::Scenario;
use bonfire::error::Origin;
use bonfire::scenario::RawScenario;

/// A scenario from TOML text (panics on an invalid one: test input).
pub fn scenario(text: &str) -> Scenario {
    let raw = RawScenario::parse(text, &Origin::Embedded).expect("test scenario parses");
    Scenario::try_from_raw(raw, text, &Origin::Embedded).expect("test scenario is valid")
}

/// Every social mechanism off: what is left are the rules a test turns on.
pub const ALL_OFF: &str = r#"
[mechanisms.attendance]
enabled = false
[mechanisms.sharing]
enabled = false
[mechanisms.universality]
enabled = false
[mechanisms.hope]
enabled = false
[mechanisms.bonding]
enabled = false
[mechanisms.beyond_meetings]
enabled = false
[mechanisms.stigma]
enabled = false
[mechanisms.loneliness]
enabled = false
[mechanisms.contagion]
enabled = false
[mechanisms.altruism]
enabled = false
[mechanisms.recovery]
enabled = false
[mechanisms.dropout]
enabled = false
[mechanisms.affect]
enabled = false
"#;

/// `ALL_OFF` with some tables replaced: each override is a whole table
/// (header and keys) that replaces the table of the same header.
pub fn all_off_except(head: &str, overrides: &[&str]) -> Scenario {
    let mut text = String::from(head);
    let mut tables: Vec<String> = Vec::new();
    for chunk in ALL_OFF.split("\n[").filter(|c| !c.trim().is_empty()) {
        let chunk = format!("[{}", chunk.trim_start_matches('['));
        let header = chunk.lines().next().unwrap().to_string();
        match overrides
            .iter()
            .find(|o| o.trim_start().starts_with(&header))
        {
            Some(o) => tables.push(o.to_string()),
            None => tables.push(chunk),
        }
    }
    for t in tables {
        text.push('\n');
        text.push_str(&t);
        text.push('\n');
    }
    scenario(&text)
}
