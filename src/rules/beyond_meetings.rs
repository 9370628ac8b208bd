//! Mechanism 7, bonds beyond meetings: contact outside the sessions.
//!
//! EVIDENCE.md E8, "Bonding takes time": weekly 90-minute sessions alone
//! cannot make close friends within a year, so out-of-session contact (texts,
//! coffee) must be modelled explicitly; E18, "Friendships beyond the
//! meetings": contact outside sessions becomes likelier as a tie strengthens,
//! adds hours, and survives a member's dropout; E4 (Kelly et al. 2012):
//! 40–64% of AA's benefit runs through network change.
//!
//! P(contact in an interval) = max · s² / (s² + half²) · [online factor]: a
//! Hill curve, so that contact concentrates on the strongest ties (a member
//! meets one or two fellow members for coffee, not all of them).
//! A contact adds `hours_per_contact` to strength and hours and marks the
//! pair as reaching beyond the meetings. It happens whether or not the two
//! are still in the group.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// Mechanism 7, bonds beyond meetings: contact outside the sessions (`[mechanisms.beyond_meetings]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct BeyondMeetings {
    /// Switch the mechanism on or off.
    #[default(true)]
    pub enabled: bool,
    /// Highest chance per interval that a pair meets outside the group.
    #[default(0.7)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "probability per interval"))]
    pub max_probability: f64,
    /// Tie strength (hours) at which that chance is half its highest.
    #[default(25.0)]
    #[schemars(range(min = 0.01, max = 10_000.0), extend("x-unit" = "hours of strength at half the maximum"))]
    pub half_hours: f64,
    /// Hours one outside contact adds (a coffee, a long call).
    #[default(3.0)]
    #[schemars(range(min = 0.0, max = 100.0), extend("x-unit" = "hours"))]
    pub hours_per_contact: f64,
    /// Multiplier of the contact chance when the group meets online.
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "multiplier of the chance online"))]
    pub online_factor: f64,
}

/// Chance that a pair with tie strength `strength` meets outside the group
/// during one interval between sessions.
pub fn contact_probability(p: &BeyondMeetings, strength: f64, online: bool) -> f64 {
    let online = if online { p.online_factor } else { 1.0 };
    let s2 = strength * strength;
    p.max_probability * s2 / (s2 + p.half_hours * p.half_hours) * online
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_grows_with_strength_toward_its_maximum() {
        let p = BeyondMeetings::default();
        assert_eq!(contact_probability(&p, 0.0, false), 0.0);
        assert!(
            (contact_probability(&p, p.half_hours, false) - p.max_probability / 2.0).abs() < 1e-12
        );
        assert!(contact_probability(&p, 1e6, false) < p.max_probability);
        assert!(contact_probability(&p, 10.0, true) < contact_probability(&p, 10.0, false));
    }
}
