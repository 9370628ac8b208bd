//! Mechanism 2, attendance: who comes to a session.
//!
//! A per-session probability from propensity, cohesion, bonds, hope, format
//! (online attends more) and meeting frequency; EVIDENCE.md E11, "Online and
//! open groups" (Lopez et al.): videoconference members attended more.
//!
//! logit P(attend) = logit(base) + propensity + c·(cohesion/10 − ½)
//!                   + t·ln(1 + tie support) + h·(hope − ½)
//!                   + r·m_w + o·\[online\] + f·log2(interval / 7 days)
//!
//! where m_w is the member's reply memory weighted toward their first
//! sessions (`replies.rs`; EVIDENCE.md E16: newcomers who are answered come
//! back).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::cohesion::COHESION_MAX;

/// Mechanism 2, attendance: who comes to a session (`[mechanisms.attendance]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Attendance {
    /// Switch the mechanism on or off.
    #[default(true)]
    pub enabled: bool,
    /// Attendance probability of an average member.
    #[default(0.75)]
    #[schemars(range(min = 0.01, max = 1.0), extend("x-unit" = "probability"))]
    pub base_probability: f64,
    /// Logit change per unit of perceived cohesion / 10 above one half.
    #[default(1.0)]
    #[schemars(range(min = -10.0, max = 10.0), extend("x-unit" = "logit per unit of cohesion/10"))]
    pub cohesion_effect: f64,
    /// Logit change per unit of ln(1 + tie support).
    #[default(0.4)]
    #[schemars(range(min = -10.0, max = 10.0), extend("x-unit" = "logit per unit of ln(1 + support)"))]
    pub tie_effect: f64,
    /// Logit change per unit of hope above one half.
    #[default(0.8)]
    #[schemars(range(min = -10.0, max = 10.0), extend("x-unit" = "logit per unit of hope"))]
    pub hope_effect: f64,
    /// Logit change for online delivery (online members attend more).
    #[default(0.3)]
    #[schemars(range(min = -10.0, max = 10.0), extend("x-unit" = "logit"))]
    #[schemars(extend("x-applies-when" = "format.delivery = online | forum"))]
    pub online_effect: f64,
    /// Logit change per doubling of the interval beyond a week.
    #[default(0.2)]
    #[schemars(range(min = -10.0, max = 10.0), extend("x-unit" = "logit per doubling of the interval beyond a week"))]
    #[schemars(extend("x-applies-when" = "format.frequency = biweekly | monthly"))]
    pub interval_effect: f64,
    /// Logit change per unit of the member's reply memory (−1 never answered … +1 always), weighted toward the first sessions.
    #[default(0.5)]
    #[schemars(range(min = -10.0, max = 10.0), extend("x-unit" = "logit per unit of weighted reply memory"))]
    #[schemars(extend(
        "x-applies-when" = "mechanisms.replies.enabled = true; mechanisms.sharing.enabled = true"
    ))]
    pub reply_effect: f64,
}

/// What a member brings to the attendance decision.
#[derive(Debug, Clone, Copy)]
pub struct AttendanceInputs {
    pub propensity: f64,
    pub cohesion: f64,
    /// ln(1 + tie support), as kept in the tie summary.
    pub log_tie_support: f64,
    pub hope: f64,
    /// Reply memory times the newcomer weight (`replies.rs`).
    pub reply_memory: f64,
}

/// The format's part of the log-odds, the same for every member of a group.
pub fn format_shift(p: &Attendance, online: bool, interval_days: f64) -> f64 {
    let online = if online { p.online_effect } else { 0.0 };
    online + p.interval_effect * libm::log2(interval_days / 7.0)
}

/// The parts of the log-odds of attending that are the same for every
/// member of a run: the base rate's and the format's, computed once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedOdds {
    pub base: f64,
    pub format: f64,
}

impl FixedOdds {
    pub fn new(p: &Attendance, online: bool, interval_days: f64) -> FixedOdds {
        FixedOdds::with_format(p, format_shift(p, online, interval_days))
    }

    /// With the format's part given.
    pub fn with_format(p: &Attendance, format: f64) -> FixedOdds {
        FixedOdds {
            base: super::logit(p.base_probability),
            format,
        }
    }
}

/// Probability that a member attends.
pub fn probability(p: &Attendance, fixed: FixedOdds, m: AttendanceInputs) -> f64 {
    super::logistic(log_odds(p, fixed, m))
}

/// The log-odds that a member attends.
#[inline]
pub fn log_odds(p: &Attendance, fixed: FixedOdds, m: AttendanceInputs) -> f64 {
    fixed.base
        + m.propensity
        + p.cohesion_effect * (m.cohesion / COHESION_MAX - 0.5)
        + p.tie_effect * m.log_tie_support
        + p.hope_effect * (m.hope - 0.5)
        + p.reply_effect * m.reply_memory
        + fixed.format
}

#[cfg(test)]
mod tests {
    use super::*;

    const AVERAGE: AttendanceInputs = AttendanceInputs {
        propensity: 0.0,
        cohesion: 5.0,
        log_tie_support: 0.0,
        hope: 0.5,
        reply_memory: 0.0,
    };

    #[test]
    fn an_average_member_attends_at_the_base_rate() {
        let p = Attendance::default();
        let fixed = FixedOdds::new(&p, false, 7.0);
        assert!((probability(&p, fixed, AVERAGE) - p.base_probability).abs() < 1e-12);
    }

    #[test]
    fn cohesion_ties_hope_and_online_raise_attendance() {
        let p = Attendance::default();
        let zero = FixedOdds::with_format(&p, 0.0);
        let base = probability(&p, zero, AVERAGE);
        assert!(
            probability(
                &p,
                zero,
                AttendanceInputs {
                    cohesion: 8.0,
                    ..AVERAGE
                }
            ) > base
        );
        assert!(
            probability(
                &p,
                zero,
                AttendanceInputs {
                    log_tie_support: 1.1,
                    ..AVERAGE
                }
            ) > base
        );
        assert!(
            probability(
                &p,
                zero,
                AttendanceInputs {
                    hope: 0.9,
                    ..AVERAGE
                }
            ) > base
        );
        assert!(probability(&p, FixedOdds::new(&p, true, 7.0), AVERAGE) > base);
    }
}
