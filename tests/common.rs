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

/// `ALL_OFF` after `head`, with some tables replaced: each override is a
/// whole table (header and keys) that replaces the table of the same header.
pub fn all_off_text(head: &str, overrides: &[&str]) -> String {
    let mut text = String::from(head);
    for chunk in ALL_OFF.split("\n[").filter(|c| !c.trim().is_empty()) {
        let chunk = format!("[{}", chunk.trim_start_matches('['));
        let header = chunk.lines().next().unwrap().to_string();
        let table = match overrides
            .iter()
            .find(|o| o.trim_start().starts_with(&header))
        {
            Some(o) => o.to_string(),
            None => chunk,
        };
        text.push('\n');
        text.push_str(&table);
        text.push('\n');
    }
    text
}

/// The scenario of [`all_off_text`].
pub fn all_off_except(head: &str, overrides: &[&str]) -> Scenario {
    scenario(&all_off_text(head, overrides))
}
