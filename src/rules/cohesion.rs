//! Perceived cohesion, 0–10: belonging plus morale (Bollen & Hoyle 1990).
//!
//! EVIDENCE.md E1, "Cohesion and outcomes": cohesion measured as perceived
//! cohesion = belonging + morale (Bollen & Hoyle 1990, 6 items, 0–10); E10:
//! cohesion falls as size grows (Carron & Spink 1995); E11: open groups'
//! newcomers weaken member–member bonds more than identification (Ren, Kraut
//! & Kiesler 2007).
//!
//! belonging = 1 − e^(−mean strength to the members present / belonging hours);
//! morale = the member's mood at the end of the session;
//! perceived = 10·(½·belonging + ½·morale), folded into a running measure
//! with the update weight each time the member attends. The rules that read
//! cohesion (attendance, disclosure safety, stigma, recovery, dropout) read
//! it as a share of the scale's top, [`COHESION_MAX`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// How perceived cohesion (belonging + morale, 0–10) is measured (`[cohesion]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct CohesionMeasure {
    /// Mean tie strength (hours) to fellow members at which belonging is 63% of full.
    #[default(6.0)]
    #[schemars(range(min = 0.01, max = 1_000.0), extend("x-unit" = "hours of mean strength"))]
    pub belonging_hours: f64,
    /// Weight of the latest session in a member's running cohesion (0–1).
    #[default(0.5)]
    #[schemars(range(min = 0.01, max = 1.0), extend("x-unit" = "weight of the latest session"))]
    pub update_weight: f64,
}

/// Top of the perceived-cohesion scale (Bollen & Hoyle's 0–10).
pub const COHESION_MAX: f64 = 10.0;

/// This session's perceived cohesion, 0–[`COHESION_MAX`].
pub fn perceived(mean_strength_to_present: f64, belonging_hours: f64, morale: f64) -> f64 {
    let belonging = 1.0 - libm::exp(-mean_strength_to_present / belonging_hours);
    COHESION_MAX * (0.5 * belonging + 0.5 * morale.clamp(0.0, 1.0))
}

/// The running measure after a session.
pub fn update(running: f64, this_session: f64, weight: f64) -> f64 {
    (1.0 - weight) * running + weight * this_session
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohesion_spans_zero_to_ten_and_rises_with_ties() {
        assert_eq!(perceived(0.0, 6.0, 0.0), 0.0);
        assert!(perceived(1e9, 6.0, 1.0) > 9.999);
        assert!(perceived(5.0, 6.0, 0.5) > perceived(1.0, 6.0, 0.5));
        assert_eq!(update(4.0, 8.0, 0.25), 5.0);
    }
}
