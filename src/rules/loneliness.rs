//! Mechanism 9, loneliness: a UCLA-3 score relaxing toward a set point that
//! falls with strong ties; optional SISa contagion along ties.
//!
//! Lonely members also lose ties faster. EVIDENCE.md E12, "Loneliness in
//! networks and its confounding" (Cacioppo, Fowler & Christakis 2009; Hill et
//! al. 2010 for the SISa form; Shalizi & Thomas 2011 on confounding, which is
//! why contagion is off by default); E15, the UCLA-3 scale. Exact check 4:
//! the SISa mean field a(1−i) + βk·i(1−i) − g·i = 0; without onset the
//! prevalence is 1 − g/(βk).
//!
//! set point = max(3, arrival score − r·(1 − e^(−tie support)))
//! score ← score + κ·(set point − score) + noise, κ per session from the
//! weekly rate: κ = 1 − (1 − κ_week)^(τ/7). Lonely-tie decay lives in bonding.
//!
//! Contagion acts on a persistent state, *caught* loneliness: a member who
//! is not lonely catches it (onset a, plus β per lonely tie partner) and
//! keeps it until they recover (g). While caught, the score is held at or
//! above the cut-off and its set point at least [`CAUGHT_MARGIN`] above it;
//! at recovery the score drops to at most the cut-off less the margin and
//! follows the member's own set point again.

use crate::rng::{self, Stream};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// Mechanism 9, loneliness: relaxes toward a set point that ties lower (`[mechanisms.loneliness]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Loneliness {
    /// Switch the mechanism on or off.
    #[default(true)]
    pub enabled: bool,
    /// Share of the gap to the set point closed per week.
    #[default(0.1)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "share of the gap closed per week"))]
    pub relaxation_per_week: f64,
    /// UCLA-3 points the set point falls at full tie support.
    #[default(0.8)]
    #[schemars(range(min = 0.0, max = 6.0), extend("x-unit" = "UCLA-3 points at full tie support"))]
    pub tie_relief: f64,
    /// Standard deviation of the per-session fluctuation (UCLA-3 points).
    #[default(0.2)]
    #[schemars(range(min = 0.0, max = 3.0), extend("x-unit" = "UCLA-3 points per session"))]
    pub noise_sd: f64,
}

/// Optional SISa loneliness contagion along ties, off by default (`[mechanisms.contagion]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Contagion {
    /// Switch the mechanism on or off.
    #[default(false)]
    pub enabled: bool,
    /// Spontaneous onset probability per session (a): with recovery g, a
    /// share a/(a + g) = 13% lonely without lonely ties (Cacioppo, Fowler &
    /// Christakis 2009: 48 lonely days a year).
    #[default(0.015)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "probability per session"))]
    pub onset: f64,
    /// Onset probability per lonely tie partner (beta): one lonely tie
    /// raises the share lonely to (a + β)/(a + β + g) = 18% (17 more lonely
    /// days a year per lonely friend, Cacioppo et al. 2009).
    #[default(0.007)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "probability per lonely tie partner per session"))]
    pub transmission: f64,
    /// Recovery probability per session (g): a caught spell lasts 1/g
    /// sessions on average (a choice; the published estimates are prevalences).
    #[default(0.1)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "probability per session"))]
    pub recovery: f64,
}

/// Lowest UCLA-3 loneliness score.
pub const LONELINESS_MIN: f64 = 3.0;
/// Highest UCLA-3 loneliness score.
pub const LONELINESS_MAX: f64 = 9.0;
/// UCLA-3 score at or above which a member counts as lonely (the published cut-off).
pub const LONELY_CUTOFF: f64 = 6.0;

/// How far from the cut-off caught loneliness holds a member: a caught
/// member's set point is at least the cut-off plus this, and recovery
/// leaves the score at most the cut-off less this (UCLA-3 points).
pub const CAUGHT_MARGIN: f64 = 0.5;

/// The score a member's loneliness drifts toward, given their tie support.
pub fn set_point(arrival_score: f64, tie_support: f64, tie_relief: f64) -> f64 {
    (arrival_score - tie_relief * (1.0 - libm::exp(-tie_support))).max(LONELINESS_MIN)
}

/// The set point of a member who has caught loneliness: their own, held at
/// least [`CAUGHT_MARGIN`] above the cut-off until they recover.
pub fn caught_set_point(own: f64) -> f64 {
    own.max(LONELY_CUTOFF + CAUGHT_MARGIN)
}

/// Loneliness at arrival given community ties: lower by `per_tie` points
/// for each tie above the community's mean degree, higher for each below
/// (Cacioppo, Fowler & Christakis 2009: fewer lonely days with each extra
/// friend), kept on the scale.
pub fn arrival_with_ties(drawn: f64, per_tie: f64, degree: f64, mean_degree: f64) -> f64 {
    (drawn - per_tie * (degree - mean_degree)).clamp(LONELINESS_MIN, LONELINESS_MAX)
}

/// The share of the gap to the set point closed in one interval.
pub fn relaxation_per_session(per_week: f64, interval_days: f64) -> f64 {
    1.0 - libm::pow(1.0 - per_week, interval_days / 7.0)
}

/// One interval of relaxation plus fluctuation, kept on the scale.
pub fn relax(score: f64, set_point: f64, rate: f64, noise: f64) -> f64 {
    (score + rate * (set_point - score) + noise).clamp(LONELINESS_MIN, LONELINESS_MAX)
}

/// The SISa transition probability for one person: onset for the not
/// lonely (a + β·lonely contacts), recovery (g) for the lonely.
pub fn sisa_probability(
    lonely: bool,
    lonely_contacts: u32,
    onset: f64,
    transmission: f64,
    recovery: f64,
) -> f64 {
    if lonely {
        recovery
    } else {
        (onset + transmission * f64::from(lonely_contacts)).min(1.0)
    }
}

/// Whether a member has caught loneliness after one session's SISa draw
/// `u` (a uniform drawn for every member, whatever their state).
///
/// `caught`: caught at the start of the session; `lonely`: at or above the
/// cut-off then (caught, or by their own score); `lonely_partners`: tie
/// partners lonely then. A caught member recovers with probability g; a
/// member who is not lonely catches loneliness with probability
/// a + β·lonely partners; a member lonely by their own score alone is not
/// caught (their loneliness follows their own set point).
pub fn caught_after(
    caught: bool,
    lonely: bool,
    lonely_partners: u32,
    c: &Contagion,
    u: f64,
) -> bool {
    let p = if caught || !lonely {
        sisa_probability(caught, lonely_partners, c.onset, c.transmission, c.recovery)
    } else {
        0.0
    };
    caught != (u < p)
}

/// One synchronous SISa step on a complete graph of `states.len()` people
/// (every other person is a contact). Returns the new prevalence.
pub fn sisa_step_complete(
    states: &mut [bool],
    onset: f64,
    transmission: f64,
    recovery: f64,
    stream: &mut Stream,
) -> f64 {
    let lonely_now = states.iter().filter(|&&s| s).count() as u32;
    for s in states.iter_mut() {
        let contacts = lonely_now - u32::from(*s);
        if rng::bernoulli(
            stream,
            sisa_probability(*s, contacts, onset, transmission, recovery),
        ) {
            *s = !*s;
        }
    }
    states.iter().filter(|&&s| s).count() as f64 / states.len() as f64
}

/// Mean-field SISa equilibrium prevalence without onset: 1 − g/(βk).
pub fn sisa_equilibrium_without_onset(transmission: f64, contacts: f64, recovery: f64) -> f64 {
    (1.0 - recovery / (transmission * contacts)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream_for};

    #[test]
    fn exact_check_4_sisa_prevalence_on_a_complete_group() {
        // N = 400, k = N - 1, beta = 0.001, g = 0.2: i* = 1 - 0.2/0.399 = 0.4987.
        let n = 400;
        let (beta, g) = (0.001, 0.2);
        let expected = sisa_equilibrium_without_onset(beta, (n - 1) as f64, g);
        let mut stream = stream_for(11, 0, 0, 0, Purpose::Contagion);
        let mut states: Vec<bool> = (0..n).map(|i| i % 2 == 0).collect();
        for _ in 0..200 {
            sisa_step_complete(&mut states, 0.0, beta, g, &mut stream);
        }
        let mut total = 0.0;
        let steps = 2000;
        for _ in 0..steps {
            total += sisa_step_complete(&mut states, 0.0, beta, g, &mut stream);
        }
        let mean = total / steps as f64;
        // Stationary prevalence fluctuates with sd ~ sqrt(i(1-i)/N) ~ 0.025 and
        // autocorrelation time ~ 1/g = 5 steps: the standard error of a
        // 2000-step mean is ~ 0.025 * sqrt(2 * 5 / 2000) ~ 0.0018; the
        // finite-N correction to the mean field is O(1/N) ~ 0.0025.
        assert!(
            (mean - expected).abs() < 5.0 * 0.0018 + 0.0025,
            "mean {mean}, expected {expected}"
        );
    }

    #[test]
    fn below_threshold_sisa_dies_out_without_onset() {
        assert_eq!(sisa_equilibrium_without_onset(0.001, 99.0, 0.2), 0.0);
        let mut stream = stream_for(12, 0, 0, 0, Purpose::Contagion);
        let mut states = vec![true; 100];
        for _ in 0..300 {
            sisa_step_complete(&mut states, 0.0, 0.001, 0.2, &mut stream);
        }
        assert!(states.iter().all(|&s| !s));
    }

    #[test]
    fn caught_loneliness_lasts_until_recovery_and_own_loneliness_is_not_caught() {
        let c = Contagion {
            enabled: true,
            onset: 0.0,
            transmission: 1.0,
            recovery: 0.0,
        };
        let mut draws = stream_for(13, 0, 0, 0, Purpose::Contagion);
        // Without recovery a caught state never ends; with one lonely
        // partner (β = 1) a member who is not lonely always catches it.
        assert!((0..100).all(|_| caught_after(true, true, 0, &c, rng::uniform(&mut draws))));
        assert!(caught_after(false, false, 1, &c, rng::uniform(&mut draws)));
        assert!(!caught_after(false, false, 0, &c, rng::uniform(&mut draws)));
        // Lonely by their own score: nothing to catch.
        assert!(!caught_after(false, true, 5, &c, rng::uniform(&mut draws)));
        let certain = Contagion { recovery: 1.0, ..c };
        assert!(!caught_after(
            true,
            true,
            5,
            &certain,
            rng::uniform(&mut draws)
        ));
        assert_eq!(caught_set_point(4.0), LONELY_CUTOFF + CAUGHT_MARGIN);
        assert_eq!(caught_set_point(8.0), 8.0);
    }

    #[test]
    fn community_ties_lower_loneliness_at_arrival() {
        assert_eq!(arrival_with_ties(6.0, 0.1, 6.0, 6.0), 6.0);
        assert!((arrival_with_ties(6.0, 0.1, 10.0, 6.0) - 5.6).abs() < 1e-12);
        assert!((arrival_with_ties(6.0, 0.1, 0.0, 6.0) - 6.6).abs() < 1e-12);
        assert_eq!(arrival_with_ties(8.9, 1.0, 0.0, 6.0), 9.0);
    }

    #[test]
    fn set_point_falls_with_ties_and_relaxation_reaches_it() {
        assert_eq!(set_point(7.0, 0.0, 1.5), 7.0);
        assert!(set_point(7.0, 2.0, 1.5) < set_point(7.0, 1.0, 1.5));
        assert_eq!(set_point(3.5, 10.0, 1.5), 3.0);
        let rate = relaxation_per_session(0.1, 14.0);
        assert!((rate - 0.19).abs() < 1e-12);
        let mut s = 8.0;
        for _ in 0..300 {
            s = relax(s, 5.0, rate, 0.0);
        }
        assert!((s - 5.0).abs() < 1e-9);
        assert_eq!(relax(8.9, 9.0, 0.5, 1.0), 9.0);
    }
}
