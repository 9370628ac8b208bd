//! Mechanism 8, stigma: acceptance lowers self-stigma, which raises disclosure.
//!
//! EVIDENCE.md E5, "Stigma and disclosure": face-to-face contact lowers
//! stigma more than information does (Corrigan 2012); self-stigma gates
//! disclosure.
//!
//! stigma ← stigma · (1 − a·acceptance·\[disclosed\] − l·\[heard a disclosure\]),
//! both rates times the online factor when the group meets online.
//! Acceptance is the discloser's psychological safety (cohesion / 10, plus a
//! facilitator's bonus and the group's safety shift:
//! `sharing::psychological_safety`, as in disclosure); a disclosure nobody
//! answered gets the share `unanswered_acceptance` of it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// Mechanism 8, stigma: acceptance lowers self-stigma (`[mechanisms.stigma]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Stigma {
    /// Switch the mechanism on or off.
    #[default(true)]
    pub enabled: bool,
    /// Share of self-stigma lost when a disclosure meets full acceptance.
    #[default(0.06)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "share of stigma lost after a fully accepted disclosure"))]
    pub acceptance_rate: f64,
    /// Share lost by hearing others disclose without disclosing oneself.
    #[default(0.01)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "share lost by hearing others disclose"))]
    pub listening_rate: f64,
    /// Multiplier of both rates online (face-to-face contact works better).
    #[default(0.6)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "multiplier of both rates online"))]
    #[schemars(extend("x-applies-when" = "format.delivery = online | forum"))]
    pub online_factor: f64,
    /// Acceptance of a disclosure nobody replied to, as a share of the
    /// acceptance of an answered one.
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "share of an answered disclosure's acceptance"))]
    #[schemars(extend(
        "x-applies-when" = "mechanisms.replies.enabled = true; mechanisms.sharing.enabled = true"
    ))]
    pub unanswered_acceptance: f64,
}

/// Self-stigma after a session.
pub fn update(
    p: &Stigma,
    stigma: f64,
    disclosed: bool,
    acceptance: f64,
    heard_others: bool,
    online: bool,
) -> f64 {
    let online = if online { p.online_factor } else { 1.0 };
    let accepted = if disclosed {
        p.acceptance_rate * acceptance
    } else {
        0.0
    };
    let listened = if heard_others { p.listening_rate } else { 0.0 };
    (stigma * (1.0 - online * (accepted + listened))).clamp(0.0, 1.0)
}

/// How accepting the group was of a disclosure, 0–1, from the discloser's
/// psychological safety (0–1). `got_reply` is false only for a disclosure
/// someone could have answered and nobody did (replies on, another
/// attendee there: docs/MODEL.md §7.8); any other counts as answered.
pub fn acceptance(p: &Stigma, safety: f64, got_reply: bool) -> f64 {
    if got_reply {
        safety
    } else {
        p.unanswered_acceptance * safety
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_disclosure_lowers_stigma_most_and_face_to_face_more() {
        let p = Stigma::default();
        let told = update(&p, 0.5, true, 1.0, true, false);
        let heard = update(&p, 0.5, false, 1.0, true, false);
        assert!(told < heard && heard < 0.5);
        assert!(update(&p, 0.5, true, 1.0, true, true) > told);
        assert_eq!(update(&p, 0.5, false, 1.0, false, false), 0.5);
        assert!(acceptance(&p, 0.8, true) > acceptance(&p, 0.8, false));
        assert_eq!(acceptance(&p, 0.8, false), 0.4);
    }
}
