//! Mechanism 5, hope: seeing a peer further along raises hope, as threshold
//! (complex) contagion.
//!
//! EVIDENCE.md E2, "Therapeutic factors": seeing a peer further along
//! improves hope, with an optional threshold of k distinct exemplars; E13,
//! "Complex contagion": threshold contagion with threshold k = 1, 2 (Centola
//! & Macy 2007).
//!
//! Hope spreads as an adoption state. A member is *hopeful* once their hope
//! reaches `hopeful_at` (at arrival, or after rising) or once they have
//! improved; the state lasts. An exemplar is a hopeful fellow attendee who
//! shared in the session, or a hopeful community tie. With at least
//! `threshold` distinct exemplars in a session: hope += gain·(1 − hope);
//! otherwise the hope of a member who is not hopeful drifts back toward its
//! arrival level by `fade` (the hopeful keep theirs). With `gain = 1` and a
//! threshold k this is threshold contagion: exposure to k hopeful contacts
//! makes a member hopeful in the same session (exact check 8).

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
    /// Share of the gap back to the arrival level lost per session without
    /// exemplars (members who are not hopeful).
    #[default(0.01)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "share of the gap to the arrival level lost per session"))]
    pub fade: f64,
    /// Hope at or above which a member is hopeful, an exemplar to others,
    /// for good (members who improve are hopeful too).
    #[default(0.75)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "hope, 0–1"))]
    #[schemars(extend("x-without-switch" = true))]
    pub hopeful_at: f64,
}

/// Hope after a session with `exemplars` distinct hopeful exemplars: a
/// gain with at least the threshold, otherwise a fade toward the arrival
/// level for a member who is not `hopeful` (the hopeful keep their hope).
pub fn update(hope: f64, hope_start: f64, hopeful: bool, exemplars: u32, p: &Hope) -> f64 {
    if exemplars >= p.threshold {
        hope + p.gain * (1.0 - hope)
    } else if hopeful {
        hope
    } else {
        hope - p.fade * (hope - hope_start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hope_rises_with_enough_exemplars_and_fades_without_unless_hopeful() {
        let p = |threshold, gain, fade| Hope {
            threshold,
            gain,
            fade,
            ..Hope::default()
        };
        assert!((update(0.4, 0.4, false, 1, &p(1, 0.1, 0.02)) - 0.46).abs() < 1e-12);
        assert_eq!(update(0.4, 0.4, false, 1, &p(2, 0.1, 0.02)), 0.4);
        assert!((update(0.6, 0.4, false, 0, &p(1, 0.1, 0.5)) - 0.5).abs() < 1e-12);
        assert_eq!(update(0.8, 0.4, true, 0, &p(1, 0.1, 0.5)), 0.8);
        // With gain 1, exposure to the threshold gives full hope at once.
        assert_eq!(update(0.1, 0.1, false, 2, &p(2, 1.0, 0.0)), 1.0);
    }
}
