//! Groups that differ: each support group draws its own character when it
//! is created: how readily its members answer one another (a peer norm),
//! how safe it feels to speak, and how much its meetings give (a
//! meeting-quality effect, as a facilitator's or a group's skill would).
//!
//! EVIDENCE.md E17, "Groups differ": cohesion–outcome meta-analyses find
//! large heterogeneity between studies and groups (I² = 79%, Burlingame et
//! al. 2018); who leads accounts for a modest share of outcome variance,
//! about 5% on average for therapists (Baldwin & Imel 2013); members of one
//! group have correlated outcomes (Baldwin, Murray & Shadish 2005).
//!
//! Three normal random effects, drawn once per group from the group's
//! `GroupCharacter` stream (so every arm of a point holds the same groups):
//! the reply norm q ~ N(0, reply_norm_sd) on the logit of each reply
//! (`replies.rs`), a safety shift ψ ~ N(0, safety_sd) added to the
//! psychological safety that gates disclosure and acceptance
//! (`sharing.rs`, `stigma.rs`), and a meeting quality η ~ N(0, quality_sd)
//! whose factor e^η multiplies what a session gives: the tie growth of
//! pairs who meet there (`bonding.rs`), universality's relief
//! (`universality.rs`) and the recovery dose (`recovery.rs`). They act only
//! through those rules:
//! how much groups then differ in loneliness is an output, not an input.
//! With the mechanism off (or every standard deviation 0) all groups share
//! the same character, and groups differ only by chance.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use crate::rng::{self, Stream};

/// Groups that differ: each group's reply norm, safety and meeting quality (`[mechanisms.group_differences]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct GroupDifferences {
    /// Switch the mechanism on or off (off: every group has the average character).
    #[default(true)]
    pub enabled: bool,
    /// Standard deviation between groups of the reply norm, on the logit of each listener's reply.
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 10.0), extend("x-unit" = "logit"))]
    pub reply_norm_sd: f64,
    /// Standard deviation between groups of the shift in psychological safety (0–1 scale).
    #[default(0.1)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "safety, 0–1 scale"))]
    pub safety_sd: f64,
    /// Standard deviation between groups of the meeting quality, the log of the factor on what a session gives (tie growth, relief, dose).
    #[default(0.2)]
    #[schemars(range(min = 0.0, max = 2.0), extend("x-unit" = "log of the factor"))]
    pub quality_sd: f64,
}

/// One group's character: its random effects. All zero in an average group
/// and in the control arm. Fixed once drawn (read it through the methods).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupCharacter {
    /// Added to the logit of every reply in the group.
    reply_norm: f64,
    /// Added to every member's psychological safety (then clamped to 0–1).
    safety: f64,
    /// Meeting quality: the log of the factor on what a session gives.
    quality: f64,
    /// e^quality, computed once: every session's steps use it.
    session_gain: f64,
}

impl Default for GroupCharacter {
    /// An average group.
    fn default() -> Self {
        GroupCharacter::new(0.0, 0.0, 0.0)
    }
}

impl GroupCharacter {
    pub fn new(reply_norm: f64, safety: f64, quality: f64) -> Self {
        GroupCharacter {
            reply_norm,
            safety,
            quality,
            session_gain: libm::exp(quality),
        }
    }

    /// Draws a group's character in a fixed order: reply norm, safety,
    /// quality. With the mechanism off nothing is drawn.
    pub fn draw(p: &GroupDifferences, stream: &mut Stream) -> GroupCharacter {
        if !p.enabled {
            return GroupCharacter::default();
        }
        let reply_norm = rng::normal(stream, 0.0, p.reply_norm_sd);
        let safety = rng::normal(stream, 0.0, p.safety_sd);
        let quality = rng::normal(stream, 0.0, p.quality_sd);
        GroupCharacter::new(reply_norm, safety, quality)
    }

    /// Added to the logit of every reply in the group.
    pub fn reply_norm(&self) -> f64 {
        self.reply_norm
    }

    /// Added to every member's psychological safety.
    pub fn safety(&self) -> f64 {
        self.safety
    }

    /// Meeting quality: the log of the factor on what a session gives.
    pub fn quality(&self) -> f64 {
        self.quality
    }

    /// The factor on what a session gives: e^quality, 1 in an average group.
    #[inline]
    pub fn session_gain(&self) -> f64 {
        self.session_gain
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    #[test]
    fn off_or_with_no_variance_every_group_is_average() {
        let mut s = rng::stream_for(1, 0, 0, 7, Purpose::GroupCharacter);
        let off = GroupDifferences {
            enabled: false,
            ..GroupDifferences::default()
        };
        assert_eq!(
            GroupCharacter::draw(&off, &mut s),
            GroupCharacter::default()
        );
        let none = GroupDifferences {
            reply_norm_sd: 0.0,
            safety_sd: 0.0,
            quality_sd: 0.0,
            ..GroupDifferences::default()
        };
        assert_eq!(
            GroupCharacter::draw(&none, &mut s),
            GroupCharacter::default()
        );
    }

    #[test]
    fn characters_spread_with_their_standard_deviations() {
        let p = GroupDifferences::default();
        let norms: Vec<f64> = (0..4000)
            .map(|g| {
                let mut s = rng::stream_for(1, 0, 0, g, Purpose::GroupCharacter);
                GroupCharacter::draw(&p, &mut s).reply_norm
            })
            .collect();
        let mean = norms.iter().sum::<f64>() / norms.len() as f64;
        let var = norms.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (norms.len() - 1) as f64;
        // Standard error of the sd is about sd / sqrt(2n) = 0.0056.
        assert!(
            (var.sqrt() - p.reply_norm_sd).abs() < 0.03,
            "sd {}",
            var.sqrt()
        );
        assert!(mean.abs() < 0.05, "mean {mean}");
    }
}
