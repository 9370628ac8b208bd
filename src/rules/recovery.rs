//! Mechanism 11, recovery: diminishing dose–response, and graduation kept
//! apart from dropout.
//!
//! EVIDENCE.md E7, "Dose–response": ~50% improved by session 8, ~75% by
//! session 26 (Howard et al. 1986), with diminishing returns; E6: leaving
//! because one is better ("good-enough level", Barkham 2006) is not failure,
//! so graduation and dropout are kept apart.
//!
//! Each member needs a dose D ~ LogNormal(ln 8, 1.75) (the probit-in-log-dose
//! form of Howard et al.: 50% by 8 sessions, 75% by 8·e^(0.674·1.75) ≈ 26). An
//! attended session adds engagement = max(0, 1 + w·((hope − ½) + (cohesion/10 − ½)))
//! times the group's meeting quality e^η (`group_differences.rs`), plus the
//! altruism bonus; the member has improved once the dose reaches D. A
//! member who has improved, has attended enough sessions, is no longer
//! lonely (UCLA-3 below `graduation_loneliness`, by default the lonely
//! cut-off of 6) and is no lonelier than on arrival graduates with a fixed
//! chance per session, so that "left because better" means better on the
//! outcomes the model reports: the problem (the dose reached) and
//! loneliness alike.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::cohesion::COHESION_MAX;

/// Mechanism 11, recovery: dose–response improvement and graduation (`[mechanisms.recovery]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Recovery {
    /// Switch the mechanism on or off.
    #[default(true)]
    pub enabled: bool,
    /// Median effective sessions a member needs to improve (Howard 1986: 8).
    #[default(8.0)]
    #[schemars(range(min = 0.1, max = 10_000.0), extend("x-unit" = "effective sessions"))]
    pub median_dose: f64,
    /// Standard deviation of the log of the sessions needed.
    #[default(1.75)]
    #[schemars(range(min = 0.0, max = 10.0), extend("x-unit" = "sd of ln(dose)"))]
    pub dose_log_sd: f64,
    /// How much engagement (hope, cohesion) changes a session's dose.
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 2.0), extend("x-unit" = "dose per unit of hope and of cohesion/10"))]
    pub engagement_weight: f64,
    /// Chance per session that an improved member leaves, better.
    #[default(0.03)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "per session"))]
    pub graduation_probability: f64,
    /// Sessions attended before an improved member may graduate.
    #[default(12)]
    #[schemars(range(min = 0, max = 10_000), extend("x-unit" = "sessions attended"))]
    pub graduation_min_sessions: u32,
    /// A member graduates only with loneliness below this UCLA-3 score (6: no longer lonely; 10: any).
    #[default(6.0)]
    #[schemars(range(min = 3.0, max = 10.0), extend("x-unit" = "UCLA-3 points"))]
    pub graduation_loneliness: f64,
}

/// A member's standing at the end of a session, as graduation reads it.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    /// The dose has been reached.
    pub improved: bool,
    pub sessions_attended: u32,
    pub loneliness: f64,
    pub loneliness_start: f64,
}

/// Whether an active member may graduate this session: improved, enough
/// sessions attended, loneliness below the threshold and no higher than on
/// arrival.
pub fn may_graduate(p: &Recovery, m: Standing) -> bool {
    m.improved
        && m.sessions_attended >= p.graduation_min_sessions
        && m.loneliness < p.graduation_loneliness
        && m.loneliness <= m.loneliness_start
}

/// Dose one attended session gives.
pub fn engagement(weight: f64, hope: f64, cohesion: f64) -> f64 {
    (1.0 + weight * ((hope - 0.5) + (cohesion / COHESION_MAX - 0.5))).max(0.0)
}

/// Share of members improved after `dose` sessions of unit engagement, under
/// the log-normal dose–response with the given median and log-sd.
pub fn expected_improved(dose: f64, median: f64, log_sd: f64) -> f64 {
    if dose <= 0.0 {
        return 0.0;
    }
    let z = (libm::log(dose) - libm::log(median)) / log_sd;
    0.5 * libm::erfc(-z / core::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_reproduce_howard_s_curve() {
        assert!((expected_improved(8.0, 8.0, 1.75) - 0.5).abs() < 1e-12);
        assert!((expected_improved(26.0, 8.0, 1.75) - 0.75).abs() < 0.005);
        // Diminishing returns: the gain from 8 to 16 exceeds that from 16 to 24.
        let gain = |a, b| expected_improved(b, 8.0, 1.75) - expected_improved(a, 8.0, 1.75);
        assert!(gain(8.0, 16.0) > gain(16.0, 24.0));
    }

    #[test]
    fn only_the_improved_who_are_no_longer_lonely_may_graduate() {
        let p = Recovery::default();
        let m = Standing {
            improved: true,
            sessions_attended: 12,
            loneliness: 5.9,
            loneliness_start: 7.0,
        };
        assert!(may_graduate(&p, m));
        assert!(!may_graduate(
            &p,
            Standing {
                loneliness: 6.0,
                ..m
            }
        ));
        assert!(!may_graduate(
            &p,
            Standing {
                loneliness_start: 5.0,
                ..m
            }
        ));
        assert!(!may_graduate(
            &p,
            Standing {
                improved: false,
                ..m
            }
        ));
        assert!(!may_graduate(
            &p,
            Standing {
                sessions_attended: 11,
                ..m
            }
        ));
        let any = Recovery {
            graduation_loneliness: 10.0,
            ..Recovery::default()
        };
        assert!(may_graduate(
            &any,
            Standing {
                loneliness: 9.0,
                loneliness_start: 9.0,
                ..m
            }
        ));
    }

    #[test]
    fn engagement_is_one_for_an_average_member() {
        assert_eq!(engagement(0.5, 0.5, 5.0), 1.0);
        assert!(engagement(0.5, 0.9, 8.0) > 1.0);
        assert_eq!(engagement(2.0, 0.0, 0.0), 0.0);
    }
}
