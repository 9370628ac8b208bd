//! The model's mechanisms, one file each.
//!
//! A rule is a pure function over one member's or one group's numbers (and,
//! where it is random, the stream it is handed): it decides what happens, the
//! session in [`crate::session`] decides the order, and the engine decides the
//! parallelism. No rule reaches into another group. Each file cites the line
//! of `../shared/domain/MECHANISMS.md` it rests on; `docs/MODEL.md` gives the
//! equations with their defaults.

pub mod affect;
pub mod altruism;
pub mod attendance;
pub mod beyond_meetings;
pub mod bonding;
pub mod cohesion;
pub mod dropout;
pub mod hope;
pub mod loneliness;
pub mod membership;
pub mod recovery;
pub mod replies;
pub mod sharing;
pub mod stigma;
pub mod universality;

/// The logistic function.
#[inline]
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

/// The log-odds of a probability in (0, 1).
#[inline]
pub fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    libm::log(p / (1.0 - p))
}

/// Similarity of two members' problem profiles, 0–1: the same problem type
/// counts `type_weight`, closeness of severity the rest.
#[inline]
pub fn similarity(
    type_a: u8,
    severity_a: f32,
    type_b: u8,
    severity_b: f32,
    type_weight: f32,
) -> f32 {
    let same = if type_a == type_b { 1.0 } else { 0.0 };
    type_weight * same + (1.0 - type_weight) * (1.0 - (severity_a - severity_b).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_inverts_logit() {
        for p in [0.01, 0.3, 0.5, 0.9] {
            assert!((logistic(logit(p)) - p).abs() < 1e-12);
        }
    }

    #[test]
    fn similarity_is_one_for_twins_and_falls_with_difference() {
        assert_eq!(similarity(1, 0.4, 1, 0.4, 0.6), 1.0);
        assert!((similarity(0, 0.0, 1, 1.0, 0.6) - 0.0).abs() < 1e-6);
        assert!(similarity(0, 0.2, 0, 0.9, 0.6) < similarity(0, 0.2, 0, 0.3, 0.6));
    }
}
