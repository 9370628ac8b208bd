//! Mechanism 5, hope: seeing a peer further along raises hope, as threshold
//! (complex) contagion.
//!
//! EVIDENCE.md E2, "Therapeutic factors": seeing a peer further along
//! improves hope, with an optional threshold of k distinct exemplars; E13,
//! "Complex contagion": threshold contagion with threshold k = 1, 2 (Centola
//! & Macy 2007).
//!
//! In a session, an exemplar is a fellow attendee who shared and has already
//! improved. With at least `threshold` exemplars: hope += gain·(1 − hope);
//! otherwise hope drifts back toward its arrival level by `fade`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// Mechanism 5, hope: seeing a peer further along raises hope (`[mechanisms.hope]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Hope {
    /// Switch the mechanism on or off.
    #[default(true)]
    pub enabled: bool,
    /// Share of the gap to full hope closed in a session with enough exemplars.
    #[default(0.06)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "share of the gap to 1 closed"))]
    pub gain: f64,
    /// Distinct exemplars needed in one session (complex contagion threshold k).
    #[default(1)]
    #[schemars(range(min = 1, max = 100), extend("x-unit" = "distinct exemplars in one session"))]
    pub threshold: u32,
    /// Share of the gap back to the arrival level lost per session without exemplars.
    #[default(0.01)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "share of the gap to the arrival level lost per session"))]
    pub fade: f64,
}

/// Hope after a session with `exemplars` distinct exemplars.
pub fn update(
    hope: f64,
    hope_start: f64,
    exemplars: u32,
    threshold: u32,
    gain: f64,
    fade: f64,
) -> f64 {
    if exemplars >= threshold {
        hope + gain * (1.0 - hope)
    } else {
        hope - fade * (hope - hope_start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hope_rises_with_enough_exemplars_and_fades_without() {
        assert!((update(0.4, 0.4, 1, 1, 0.1, 0.02) - 0.46).abs() < 1e-12);
        assert_eq!(update(0.4, 0.4, 1, 2, 0.1, 0.02), 0.4);
        assert!((update(0.6, 0.4, 0, 1, 0.1, 0.5) - 0.5).abs() < 1e-12);
    }
}
