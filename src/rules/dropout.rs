//! Mechanism 12, dropout: a per-session hazard with individual frailty,
//! front-loaded, lowered by ties, support received and cohesion.
//!
//! EVIDENCE.md E6, "Dropout is front-loaded; graduation is not failure"
//! (Swift & Greenberg 2012; Kelly & Moos 2003): predictors are youth, early
//! sessions, receiving no reply or support (E16), an isolated position in the
//! group. Exact check 1 (EVIDENCE.md E21): with a constant hazard p,
//! retention is S(t) = (1−p)^t and mean tenure 1/p.
//!
//! h = min(1, base · frailty · (1 + e·e^(−tenure/τ_e)) · \[isolated\]
//!         · exp(−t·ln(1 + tie support) − s·replies − c·(cohesion/10 − ½)
//!               − r·m_w − altruism))
//!
//! where `replies` counts the replies received this session and m_w is the
//! member's reply memory weighted toward their first sessions (`replies.rs`;
//! EVIDENCE.md E16: receiving no reply predicts leaving, most for newcomers).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::cohesion::COHESION_MAX;

/// Mechanism 12, dropout: leaving before one is better (`[mechanisms.dropout]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Dropout {
    /// Switch the mechanism on or off.
    #[default(true)]
    pub enabled: bool,
    /// Hazard per session of an average member past the early sessions.
    #[default(0.013)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "probability per session"))]
    pub base_hazard: f64,
    /// Extra hazard at the first session, fading with tenure: times (1 + this * e^(-t/early)).
    #[default(2.0)]
    #[schemars(range(min = 0.0, max = 100.0), extend("x-unit" = "extra hazard at the first session"))]
    pub early_excess: f64,
    /// Sessions over which the early excess fades (e-folding).
    #[default(3.0)]
    #[schemars(range(min = 0.01, max = 10_000.0), extend("x-unit" = "sessions (e-folding)"))]
    pub early_sessions: f64,
    /// Log-hazard reduction per unit of ln(1 + tie support).
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 10.0), extend("x-unit" = "log-hazard per unit of ln(1 + support)"))]
    pub tie_protection: f64,
    /// Log-hazard reduction per reply received this session.
    #[default(0.3)]
    #[schemars(range(min = 0.0, max = 10.0), extend("x-unit" = "log-hazard per reply received"))]
    pub support_protection: f64,
    /// Log-hazard reduction per unit of cohesion / 10 above one half.
    #[default(0.5)]
    #[schemars(range(min = -10.0, max = 10.0), extend("x-unit" = "log-hazard per unit of cohesion/10"))]
    pub cohesion_protection: f64,
    /// Log-hazard reduction per unit of the member's reply memory (−1 never answered … +1 always), weighted toward the first sessions.
    #[default(0.5)]
    #[schemars(range(min = -10.0, max = 10.0), extend("x-unit" = "log-hazard per unit of weighted reply memory"))]
    #[schemars(extend(
        "x-applies-when" = "mechanisms.replies.enabled = true; mechanisms.sharing.enabled = true"
    ))]
    pub reply_protection: f64,
    /// Hazard multiplier for a member in an isolated position: no tie at the
    /// network threshold (`tie_hours`) to anyone in the group.
    #[default(1.3)]
    #[schemars(range(min = 0.0, max = 100.0), extend("x-unit" = "hazard multiplier"))]
    pub isolated_factor: f64,
}

/// What a member brings to the dropout hazard this session.
#[derive(Debug, Clone, Copy)]
pub struct DropoutInputs {
    pub frailty: f64,
    /// The early excess at the member's tenure ([`early_factor`]).
    pub early: f64,
    /// ln(1 + tie support), as kept in the tie summary.
    pub log_tie_support: f64,
    pub replies_received: f64,
    pub cohesion: f64,
    /// Reply memory times the newcomer weight (`replies.rs`).
    pub reply_memory: f64,
    pub isolated: bool,
    /// Log-hazard reduction from support given (altruism).
    pub altruism: f64,
}

/// Probability of dropping out after this session.
pub fn hazard(p: &Dropout, m: DropoutInputs) -> f64 {
    let (scale, exponent) = hazard_factors(p, m);
    (scale * libm::exp(exponent)).min(1.0)
}

/// The hazard as `min(1, scale · e^exponent)`: the scale (base, frailty,
/// early excess, isolation) and the exponent (−protection), so that a
/// draw can be decided without the exponential (`u < scale · e^exponent`).
/// The session kernel decides it the same way in f32, from its own copy
/// of the factors (`crate::kernel::chances`), held to this function by
/// its tests: a factor added here must be added there too.
#[inline]
pub fn hazard_factors(p: &Dropout, m: DropoutInputs) -> (f64, f64) {
    let early = m.early;
    let isolated = if m.isolated { p.isolated_factor } else { 1.0 };
    let protection = p.tie_protection * m.log_tie_support
        + p.support_protection * m.replies_received
        + p.cohesion_protection * (m.cohesion / COHESION_MAX - 0.5)
        + p.reply_protection * m.reply_memory
        + m.altruism;
    (p.base_hazard * m.frailty * early * isolated, -protection)
}

/// The hazard's factor at `tenure` sessions belonged before this one:
/// 1 + e·e^(−tenure/τ_e), front-loading dropout.
pub fn early_factor(p: &Dropout, tenure: u32) -> f64 {
    super::Fading::at_tenure(p.early_excess, p.early_sessions, tenure)
}

/// [`early_factor`] at every tenure up to `last`, tabled.
pub fn early_factors(p: &Dropout, last: u32) -> super::Fading {
    super::Fading::new(p.early_excess, p.early_sessions, last)
}

/// Retention after `t` sessions under a constant hazard (exact check 1).
pub fn constant_hazard_retention(p: f64, t: u32) -> f64 {
    libm::pow(1.0 - p, f64::from(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: DropoutInputs = DropoutInputs {
        frailty: 1.0,
        early: 1.0,
        log_tie_support: 0.0,
        replies_received: 0.0,
        cohesion: 5.0,
        reply_memory: 0.0,
        isolated: false,
        altruism: 0.0,
    };

    #[test]
    fn an_average_settled_member_has_the_base_hazard() {
        let p = Dropout {
            early_excess: 0.0,
            ..Dropout::default()
        };
        assert!((hazard(&p, PLAIN) - p.base_hazard).abs() < 1e-15);
    }

    #[test]
    fn hazard_is_front_loaded_and_follows_its_predictors() {
        let p = Dropout::default();
        let settled = hazard(&p, PLAIN);
        assert!(
            hazard(
                &p,
                DropoutInputs {
                    early: early_factor(&p, 0),
                    ..PLAIN
                }
            ) > hazard(
                &p,
                DropoutInputs {
                    early: early_factor(&p, 3),
                    ..PLAIN
                }
            )
        );
        assert!(
            hazard(
                &p,
                DropoutInputs {
                    log_tie_support: 1.1,
                    ..PLAIN
                }
            ) < settled
        );
        assert!(
            hazard(
                &p,
                DropoutInputs {
                    replies_received: 1.0,
                    ..PLAIN
                }
            ) < settled
        );
        assert!(
            hazard(
                &p,
                DropoutInputs {
                    cohesion: 9.0,
                    ..PLAIN
                }
            ) < settled
        );
        assert!(
            hazard(
                &p,
                DropoutInputs {
                    reply_memory: -1.0,
                    ..PLAIN
                }
            ) > settled
        );
        assert!(
            hazard(
                &p,
                DropoutInputs {
                    isolated: true,
                    ..PLAIN
                }
            ) > settled
        );
        assert!(
            hazard(
                &p,
                DropoutInputs {
                    frailty: 1000.0,
                    ..PLAIN
                }
            ) == 1.0
        );
    }
}
