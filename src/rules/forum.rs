//! Online forums (`format.delivery = "forum"`): members who post at their
//! own rate, replies drawn from readers, and reading that carries part of
//! what sharing carries.
//!
//! EVIDENCE.md E22, "Online forums where most people read": participation
//! in online health communities is very unequal, a few members writing most
//! posts and most members never posting (van Mierlo 2014); newcomers whose
//! first post is answered come back more often (Joyce & Kraut 2006;
//! Arguello et al. 2006); members who only read gain from a forum, but less
//! than those who post (Setoyama, Yamazaki & Namayama 2011).
//!
//! A session becomes a period of `format.frequency`. Each member has a
//! posting propensity π, drawn once at arrival: π = exp(σ·z − σ²/2) with z
//! standard normal, a lognormal of mean 1 whose spread σ is
//! `posting_tail` (σ = 0: everyone posts at the same rate). A member who
//! visits in a period (the attendance rule) writes Poisson(posts_per_week ·
//! τ/7 · π) posts. Each post receives Poisson(`replies_per_post`) replies,
//! each from a visitor other than the poster chosen with probability
//! proportional to π (those who write also answer). Every visitor reads up
//! to `posts_read` posts drawn at random from the period's posts; what they
//! read carries universality and hope, at `reading_weight` of the full
//! effect for a visitor who did not post. A reply adds `hours_per_reply` to
//! the tie between poster and replier; visitors who do not exchange replies
//! do not bond.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// Online forums (`[forum]`): used when `format.delivery = "forum"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Forum {
    /// Mean posts a week of a member who visits that week, at posting
    /// propensity 1 (the mean).
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 100.0), extend("x-unit" = "posts per week"))]
    pub posts_per_week: f64,
    /// Spread σ of members' posting propensities (a lognormal of mean 1):
    /// 0 gives everyone the same rate, 2 puts two in three members within a
    /// factor e² of the median and lets a few post hundreds of times more.
    #[default(2.0)]
    #[schemars(range(min = 0.0, max = 5.0), extend("x-unit" = "log-scale standard deviation"))]
    pub posting_tail: f64,
    /// Mean replies a post receives from the period's visitors.
    #[default(1.5)]
    #[schemars(range(min = 0.0, max = 100.0), extend("x-unit" = "replies per post"))]
    pub replies_per_post: f64,
    /// Posts a visitor reads in a period, drawn at random from its posts.
    #[default(10)]
    #[schemars(range(min = 0, max = 10_000), extend("x-unit" = "posts"))]
    pub posts_read: u32,
    /// What reading without posting carries, as a share of the relief and
    /// hope a member who posted draws from the same posts.
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "share"))]
    pub reading_weight: f64,
    /// Tie strength a reply adds between the poster and the replier.
    #[default(0.25)]
    #[schemars(range(min = 0.0, max = 24.0), extend("x-unit" = "hours"))]
    pub hours_per_reply: f64,
}

/// A member's posting propensity from a standard normal draw `z`: a
/// lognormal of mean 1 and log-scale spread `tail` (1 for everyone at 0).
pub fn posting_propensity(tail: f64, z: f64) -> f64 {
    libm::exp(tail * z - tail * tail / 2.0)
}

/// Mean posts in a period of `interval_days` of a visitor with propensity
/// `propensity`.
pub fn mean_posts(p: &Forum, propensity: f64, interval_days: f64) -> f64 {
    p.posts_per_week * interval_days / 7.0 * propensity
}

/// Weight of what a visitor read: full if they posted in the period,
/// `reading_weight` if they only read.
pub fn reading_share(p: &Forum, posted: bool) -> f64 {
    if posted { 1.0 } else { p.reading_weight }
}

/// Share of all posts written by the `top` share of members (0–1) who post
/// most, from a histogram of members by their number of posts
/// (`members_with[k]` members wrote k posts); `None` without members or
/// posts. The boundary bucket is split: the top 1% of 250 members is 2.5
/// members.
pub fn top_share(members_with: &[u64], top: f64) -> Option<f64> {
    let members: u64 = members_with.iter().sum();
    let posts: f64 = members_with
        .iter()
        .enumerate()
        .map(|(k, &m)| k as f64 * m as f64)
        .sum();
    if members == 0 || posts <= 0.0 {
        return None;
    }
    let mut left = top * members as f64;
    let mut written = 0.0;
    for (k, &m) in members_with.iter().enumerate().rev() {
        if left <= 0.0 {
            break;
        }
        let taken = left.min(m as f64);
        written += taken * k as f64;
        left -= taken;
    }
    Some(written / posts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tail_of_zero_gives_everyone_the_mean_propensity() {
        for z in [-3.0, -0.5, 0.0, 1.2, 4.0] {
            assert_eq!(posting_propensity(0.0, z), 1.0);
        }
        // With a tail the median is exp(−σ²/2) and the mean stays 1.
        assert!((posting_propensity(2.0, 0.0) - libm::exp(-2.0)).abs() < 1e-12);
    }

    #[test]
    fn the_mean_propensity_is_one_at_any_tail() {
        // E[exp(σz − σ²/2)] = 1: the midpoint rule over z in [−10, 10].
        for tail in [0.5, 1.0, 2.0] {
            let steps = 200_000;
            let h = 20.0 / f64::from(steps);
            let mean: f64 = (0..steps)
                .map(|k| {
                    let z = -10.0 + (f64::from(k) + 0.5) * h;
                    let density = libm::exp(-z * z / 2.0) / (2.0 * std::f64::consts::PI).sqrt();
                    posting_propensity(tail, z) * density * h
                })
                .sum();
            assert!((mean - 1.0).abs() < 1e-6, "tail {tail}: {mean}");
        }
    }

    #[test]
    fn top_shares_split_the_boundary_bucket() {
        // 100 members: 90 wrote nothing, 9 wrote 1, 1 wrote 91: 100 posts.
        let mut members_with = vec![0u64; 92];
        members_with[0] = 90;
        members_with[1] = 9;
        members_with[91] = 1;
        assert_eq!(top_share(&members_with, 0.01), Some(0.91));
        assert_eq!(top_share(&members_with, 0.10), Some(1.0));
        assert_eq!(top_share(&members_with, 0.05), Some(0.95));
        assert_eq!(top_share(&[5], 0.1), None);
        assert_eq!(top_share(&[], 0.1), None);
    }
}
