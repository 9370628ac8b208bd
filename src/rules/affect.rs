//! Session mood: Friedkin–Johnsen / DeGroot averaging among those present,
//! with negative mood spreading more readily. Mood feeds the morale half of
//! perceived cohesion.
//!
//! EVIDENCE.md E14, "Affect and mood averaging": negative affect transmits
//! about twice as readily as positive (Hill et al. 2010); within-session mood
//! can follow Friedkin–Johnsen averaging (each member anchored to their own
//! baseline). Exact check 5 (EVIDENCE.md E21): in a fully connected group
//! with symmetric weights the mean is conserved and each deviation shrinks by
//! exactly 1 − αN/(N−1) per round.
//!
//! One round: m_i ← m_i + α/(N−1) · Σ_j w_ij (m_j − m_i), w_ij = ν when m_j < m_i
//! (a worse mood pulls harder), else 1. Each member starts the session from
//! their own baseline, w·hope + (1 − w)·(1 − (loneliness − 3)/6) with w the
//! hope weight (½): the anchor.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::loneliness::{LONELINESS_MAX, LONELINESS_MIN};

/// Session mood averaging (Friedkin–Johnsen), which feeds morale (`[mechanisms.affect]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Affect {
    /// Switch the mechanism on or off.
    #[default(true)]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online"))]
    pub enabled: bool,
    /// Weight alpha of the others' mood in one averaging round; at most
    /// 0.5 / max(1, negative_weight) when enabled, so the averaging cannot overshoot.
    #[default(0.2)]
    #[schemars(
        range(min = 0.0, max = 1.0),
        extend(
            "x-unit" = "weight of the others' mood",
            "x-also" = "α · 2 · max(ν, 1) ≤ 1 when enabled"
        )
    )]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online"))]
    pub susceptibility: f64,
    /// How much more readily a worse mood spreads than a better one.
    #[default(2.0)]
    #[schemars(range(min = 0.0, max = 100.0), extend("x-unit" = "relative pull of a worse mood"))]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online"))]
    pub negative_weight: f64,
    /// Weight of hope in a member's mood on arrival; the rest is the
    /// inverse of their loneliness. Used whether or not the averaging is on.
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "weight of hope (the rest: loneliness)"))]
    #[schemars(extend("x-without-switch" = true))]
    pub hope_weight: f64,
}

/// A member's mood on arrival at a session, 0–1: hope and the inverse of
/// loneliness on its scale, weighted by `hope_weight`.
pub fn baseline_mood(hope_weight: f64, hope: f64, loneliness: f64) -> f64 {
    let not_lonely = 1.0 - (loneliness - LONELINESS_MIN) / (LONELINESS_MAX - LONELINESS_MIN);
    hope_weight * hope + (1.0 - hope_weight) * not_lonely
}

/// One synchronous averaging round over everyone in `moods`. `deltas` is
/// scratch space.
pub fn average_round(
    moods: &mut [f64],
    deltas: &mut Vec<f64>,
    susceptibility: f64,
    negative_weight: f64,
) {
    let n = moods.len();
    if n < 2 {
        return;
    }
    deltas.clear();
    let scale = susceptibility / (n - 1) as f64;
    for &mi in moods.iter() {
        let pull: f64 = moods
            .iter()
            .map(|&mj| {
                let w = if mj < mi { negative_weight } else { 1.0 };
                w * (mj - mi)
            })
            .sum();
        deltas.push(scale * pull);
    }
    for (m, d) in moods.iter_mut().zip(deltas.iter()) {
        *m = (*m + d).clamp(0.0, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_check_5_mean_conserved_and_deviations_shrink_exactly() {
        let start = [0.1, 0.9, 0.4, 0.6, 0.35, 0.8, 0.5];
        let n = start.len() as f64;
        let alpha = 0.3;
        let shrink = 1.0 - alpha * n / (n - 1.0);
        let mean = start.iter().sum::<f64>() / n;
        let mut m = start.to_vec();
        let mut scratch = Vec::new();
        for round in 1..=5 {
            average_round(&mut m, &mut scratch, alpha, 1.0);
            let new_mean = m.iter().sum::<f64>() / n;
            assert!((new_mean - mean).abs() < 1e-12);
            for (x, x0) in m.iter().zip(start) {
                let expected = (x0 - mean) * shrink.powi(round);
                assert!((x - new_mean - expected).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn a_bad_mood_spreads_more_readily() {
        let mut sym = vec![0.2, 0.8, 0.8];
        let mut neg = sym.clone();
        let mut scratch = Vec::new();
        average_round(&mut sym, &mut scratch, 0.3, 1.0);
        average_round(&mut neg, &mut scratch, 0.3, 2.0);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!(mean(&neg) < mean(&sym));
    }

    #[test]
    fn baseline_mood_spans_its_scale() {
        assert_eq!(baseline_mood(0.5, 1.0, 3.0), 1.0);
        assert_eq!(baseline_mood(0.5, 0.0, 9.0), 0.0);
        assert!((baseline_mood(0.5, 0.4, 6.0) - 0.45).abs() < 1e-15);
        assert_eq!(baseline_mood(1.0, 0.4, 6.0), 0.4);
    }
}
