//! The model's mechanisms, one file each.
//!
//! A rule is a pure function over one member's or one group's numbers (and,
//! where it is random, the stream it is handed): it decides what happens, the
//! session in [`crate::session`] decides the order, and the engine decides the
//! parallelism. No rule reaches into another group. Each file holds its
//! mechanism's parameters and its formulas in f64, as `docs/MODEL.md` gives
//! them; the session's steps run their f32 transcription in the kernel's
//! lanes ([`crate::kernel`]), whose tests hold each to the formula here
//! within f32's precision, so a formula that only those tests call is the
//! reference the kernel answers to, not dead code. Each file cites the
//! section of `docs/EVIDENCE.md` it rests on; `docs/MODEL.md` gives the
//! equations with their defaults.
//!
//! This file is also the registry of mechanisms: a mechanism is a module
//! here and a line of [`Mechanisms`], whose field is its `[mechanisms.NAME]`
//! table. Its switch is that table's `enabled` key; the key registry finds
//! every switch from this list (`crate::scenario::keys::switches`), so tests
//! that turn all mechanisms off need no change when one is added.

pub mod affect;
pub mod altruism;
pub mod attendance;
pub mod beyond_meetings;
pub mod bonding;
pub mod cohesion;
pub mod dropout;
pub mod forum;
pub mod group_differences;
pub mod hope;
pub mod loneliness;
pub mod membership;
pub mod recovery;
pub mod replies;
pub mod sharing;
pub mod stigma;
pub mod universality;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The mechanisms of `docs/MODEL.md`, one table each under `[mechanisms]`,
/// in the order of the session's steps.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Mechanisms {
    pub group_differences: group_differences::GroupDifferences,
    pub attendance: attendance::Attendance,
    pub sharing: sharing::Sharing,
    // Replies answer disclosures and universality is heard in them, which
    // only sharing makes.
    #[schemars(extend("x-applies-when" = "mechanisms.sharing.enabled = true"))]
    pub replies: replies::Replies,
    #[schemars(extend("x-applies-when" = "mechanisms.sharing.enabled = true"))]
    pub universality: universality::Universality,
    pub hope: hope::Hope,
    pub bonding: bonding::Bonding,
    // Contact beyond the meetings acts on ties, which only bonding forms.
    #[schemars(extend("x-applies-when" = "mechanisms.bonding.enabled = true"))]
    pub beyond_meetings: beyond_meetings::BeyondMeetings,
    pub stigma: stigma::Stigma,
    pub loneliness: loneliness::Loneliness,
    pub contagion: loneliness::Contagion,
    pub altruism: altruism::Altruism,
    pub recovery: recovery::Recovery,
    pub dropout: dropout::Dropout,
    pub affect: affect::Affect,
}

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

/// A factor that fades with tenure, 1 + excess·e^(−t/scale): dropout's
/// early excess, replies' newcomer weight. Tabled once for every tenure a
/// run reaches (the same values, without an `exp` per member per session).
#[derive(Debug, Clone, PartialEq)]
pub struct Fading {
    excess: f64,
    scale: f64,
    table: Vec<f64>,
}

impl Fading {
    /// The factor at tenures 0 to `last`, tabled.
    pub fn new(excess: f64, scale: f64, last: u32) -> Fading {
        let table = (0..=last)
            .map(|t| Fading::at_tenure(excess, scale, t))
            .collect();
        Fading {
            excess,
            scale,
            table,
        }
    }

    /// The factor, computed.
    pub fn at_tenure(excess: f64, scale: f64, tenure: u32) -> f64 {
        1.0 + excess * libm::exp(-f64::from(tenure) / scale)
    }

    /// The factor at `tenure` sessions.
    #[inline]
    pub fn at(&self, tenure: u32) -> f64 {
        match self.table.get(tenure as usize) {
            Some(&factor) => factor,
            None => Fading::at_tenure(self.excess, self.scale, tenure),
        }
    }
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
