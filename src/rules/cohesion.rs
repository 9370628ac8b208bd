//! Perceived cohesion, 0–10: belonging plus morale (Bollen & Hoyle 1990).
//!
//! EVIDENCE.md E1, "Cohesion and outcomes": cohesion measured as perceived
//! cohesion = belonging + morale (Bollen & Hoyle 1990, 6 items, 0–10); E10:
//! cohesion falls as size grows (Carron & Spink 1995); E11: open groups'
//! newcomers weaken member–member bonds more than identification (Ren, Kraut
//! & Kiesler 2007).
//!
//! belonging = min(1, ln(1 + m/h) / ln(1 + close_hours/h)) for the mean
//! strength m to the members present and the scale h = `belonging_hours`:
//! it keeps growing, ever more slowly, as ties deepen, and is full only when
//! the average fellow member is a close friend (200 h), so a group's
//! cohesion goes on tracking its ties through the year instead of
//! saturating within weeks;
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
    /// Scale (hours) of the log curve of belonging: belonging = ln(1 + m/this) / ln(1 + close_hours/this) for mean strength m.
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

/// The curve of belonging: a log of mean strength with scale
/// `belonging_hours`, full at `full_hours` (the close level). Built once
/// per replicate.
#[derive(Debug, Clone, Copy)]
pub struct BelongingCurve {
    scale: f64,
    /// ln(1 + full_hours / scale).
    full: f64,
}

impl BelongingCurve {
    pub fn new(belonging_hours: f64, full_hours: f64) -> Self {
        BelongingCurve {
            scale: belonging_hours,
            full: libm::log1p(full_hours / belonging_hours),
        }
    }

    /// Belonging, 0–1, at this mean strength to the members present.
    pub fn at(&self, mean_strength_to_present: f64) -> f64 {
        (libm::log1p(mean_strength_to_present.max(0.0) / self.scale) / self.full).min(1.0)
    }
}

/// This session's perceived cohesion, 0–[`COHESION_MAX`], from belonging
/// (0–1) and morale.
pub fn perceived(belonging: f64, morale: f64) -> f64 {
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
        let curve = BelongingCurve::new(6.0, 200.0);
        assert_eq!(perceived(curve.at(0.0), 0.0), 0.0);
        assert_eq!(perceived(curve.at(200.0), 1.0), 10.0);
        assert_eq!(curve.at(1e9), 1.0);
        assert!(perceived(curve.at(5.0), 0.5) > perceived(curve.at(1.0), 0.5));
    }

    #[test]
    fn belonging_keeps_growing_through_the_friend_levels() {
        let curve = BelongingCurve::new(6.0, 200.0);
        let b = |hours| curve.at(hours);
        // Half way at about 30 h; still growing from a casual friend to a friend.
        assert!((b(29.0) - 0.5).abs() < 0.03, "{}", b(29.0));
        assert!(b(90.0) - b(50.0) > 0.1);
        assert!(b(90.0) < 0.85);
        assert_eq!(update(4.0, 8.0, 0.25), 5.0);
    }
}
