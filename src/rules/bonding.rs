//! Mechanism 6, bonding: ties grow with shared time and reciprocal
//! disclosure, more with a shared friend, less between two lonely or
//! dissimilar members; they decay between contacts; capacity is limited.
//!
//! EVIDENCE.md E8, "Bonding takes time" (Hall 2019: ~50/90/200 hours for a
//! casual friend/friend/close friend); E9, "Tie formation, decay and
//! capacity" (Jin, Girvan & Newman 2001: triadic closure, decay, a cap on
//! ties; McPherson et al. 2001: dissimilar ties dissolve faster; capacity ~5
//! close, ~15 in all); E3: two lonely members bond more slowly (Masi et al.
//! 2011); E10: a conversation holds about 4 people (Dunbar et al. 1995).
//!
//! Strength is counted in effective hours. Between sessions it decays,
//! s ← s·e^(−δ'τ), with δ' = δ·(1 + d·(1 − similarity))·(1 + l·[a member is lonely]).
//! At a session both attend, it grows by the pair's share of the session,
//! H·min(1, (c − 1)/(n − 1)) for n attendees and conversation size c, times
//! the growth multiplier and the group's meeting quality e^η
//! (`group_differences.rs`; 1 with that mechanism off). Exact check 3: with increment Δ each meeting, decay
//! δ per day and interval τ days, strength after a session tends to
//! Δ / (1 − e^(−δτ)) ([`steady_state`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// Mechanism 6, bonding: ties grow with shared time and disclosure, and decay (`[mechanisms.bonding]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Bonding {
    /// Switch the mechanism on or off.
    #[default(true)]
    pub enabled: bool,
    /// People one conversation holds; a member talks with this many minus one.
    #[default(4.0)]
    #[schemars(range(min = 2.0, max = 1_000.0), extend("x-unit" = "people"))]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online"))]
    pub conversation_size: f64,
    /// Added growth per partner who disclosed (reciprocal disclosure doubles it).
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 10.0), extend("x-unit" = "added growth per unit of depth"))]
    pub reciprocity: f64,
    /// How much dissimilarity slows growth (0 = not at all, 1 = fully).
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "how much dissimilarity slows growth"))]
    pub homophily: f64,
    /// Growth lost when both members are lonely.
    #[default(0.3)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "growth lost when both are lonely"))]
    pub lonely_pair_penalty: f64,
    /// Added growth when the pair shares a casual friend (triadic closure).
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 10.0), extend("x-unit" = "added growth with a shared casual friend"))]
    pub closure_bonus: f64,
    /// Exponential decay rate of tie strength per day.
    #[default(0.002)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "per day"))]
    pub decay_per_day: f64,
    /// Extra decay for dissimilar pairs: rate times (1 + this * (1 - similarity)).
    #[default(1.0)]
    #[schemars(range(min = 0.0, max = 100.0), extend("x-unit" = "rate × (1 + d(1 − sim))"))]
    pub dissimilar_decay: f64,
    /// Extra decay when either member is lonely: rate times (1 + this).
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 100.0), extend("x-unit" = "rate × (1 + l) if either is lonely"))]
    pub lonely_decay: f64,
    /// Strength (hours) from which a tie counts in the network.
    #[default(2.0)]
    #[schemars(range(min = 0.01, max = 10_000.0), extend("x-unit" = "hours"))]
    pub tie_hours: f64,
    /// Strength (hours) of a casual friend (Hall 2019: about 50).
    #[default(50.0)]
    #[schemars(range(min = 0.01, max = 10_000.0), extend("x-unit" = "hours", "x-at-least" = "mechanisms.bonding.tie_hours"))]
    pub casual_hours: f64,
    /// Strength (hours) of a friend (Hall 2019: about 90).
    #[default(90.0)]
    #[schemars(range(min = 0.01, max = 10_000.0), extend("x-unit" = "hours", "x-at-least" = "mechanisms.bonding.casual_hours"))]
    pub friend_hours: f64,
    /// Strength (hours) of a close friend (Hall 2019: about 200).
    #[default(200.0)]
    #[schemars(range(min = 0.01, max = 10_000.0), extend("x-unit" = "hours", "x-at-least" = "mechanisms.bonding.friend_hours"))]
    pub close_hours: f64,
    /// Most ties a member keeps (about 15).
    #[default(15)]
    #[schemars(range(min = 1, max = 5_000), extend("x-unit" = "ties"))]
    pub tie_capacity: u32,
    /// Most close ties a member keeps (about 5).
    #[default(5)]
    #[schemars(range(min = 1, max = 5_000), extend("x-unit" = "close ties", "x-at-most" = "mechanisms.bonding.tie_capacity"))]
    pub close_capacity: u32,
    /// Growth multiplier when the group meets online.
    #[default(0.7)]
    #[schemars(range(min = 0.0, max = 10.0), extend("x-unit" = "growth multiplier online"))]
    #[schemars(extend("x-applies-when" = "format.delivery = online | forum"))]
    pub online_factor: f64,
}

/// Hours the pair spends in conversation during one session with
/// `attendees` present.
pub fn pair_hours(session_minutes: f64, conversation_size: f64, attendees: usize) -> f64 {
    if attendees < 2 {
        return 0.0;
    }
    let share = ((conversation_size - 1.0) / (attendees - 1) as f64).min(1.0);
    session_minutes / 60.0 * share
}

/// What a pair brings to the growth of its tie in a session.
#[derive(Debug, Clone, Copy)]
pub struct PairInputs {
    /// Depth (0–1) of each member's disclosure this session, 0 if none.
    pub depth_a: f64,
    pub depth_b: f64,
    pub similarity: f64,
    pub both_lonely: bool,
    pub share_a_friend: bool,
    pub online: bool,
}

/// Multiplier of the pair's session hours into tie strength.
pub fn growth_multiplier(p: &Bonding, m: PairInputs) -> f64 {
    let disclosure = 1.0 + p.reciprocity * (m.depth_a + m.depth_b);
    let homophily = 1.0 - p.homophily * (1.0 - m.similarity);
    let lonely = if m.both_lonely {
        1.0 - p.lonely_pair_penalty
    } else {
        1.0
    };
    let closure = if m.share_a_friend {
        1.0 + p.closure_bonus
    } else {
        1.0
    };
    let online = if m.online { p.online_factor } else { 1.0 };
    disclosure * homophily * lonely * closure * online
}

/// Decay rate per day of one pair's tie.
pub fn decay_rate(p: &Bonding, similarity: f64, either_lonely: bool) -> f64 {
    let lonely = if either_lonely {
        1.0 + p.lonely_decay
    } else {
        1.0
    };
    p.decay_per_day * (1.0 + p.dissimilar_decay * (1.0 - similarity)) * lonely
}

/// Capacity: a new tie cannot grow when either member already keeps as many
/// ties as they can; a tie cannot become close when either member already
/// has as many close ties as they can. Returns the strength allowed.
pub fn within_capacity(
    old: f64,
    new: f64,
    levels: (f64, f64),
    ties: (u32, u32),
    close: (u32, u32),
    capacity: (u32, u32),
) -> f64 {
    let (tie_level, close_level) = levels;
    if old < tie_level && new >= tie_level && (ties.0 >= capacity.0 || ties.1 >= capacity.0) {
        return old.max(new.min(tie_level * 0.999));
    }
    if old < close_level && new >= close_level && (close.0 >= capacity.1 || close.1 >= capacity.1) {
        return old.max(new.min(close_level * 0.999));
    }
    new
}

/// Strength just after a session once periodic reinforcement has settled
/// (exact check 3).
pub fn steady_state(increment: f64, decay_per_day: f64, interval_days: f64) -> f64 {
    increment / (1.0 - libm::exp(-decay_per_day * interval_days))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_check_3_periodic_reinforcement() {
        // The published figures: 3.39Δ weekly, 1.99Δ biweekly at δ = .05/day.
        assert!((steady_state(1.0, 0.05, 7.0) - 3.39).abs() < 0.005);
        assert!((steady_state(1.0, 0.05, 14.0) - 1.99).abs() < 0.005);
        // And iterating the rule converges to it.
        for tau in [7.0, 14.0] {
            let mut s = 0.0;
            for _ in 0..500 {
                s = s * libm::exp(-0.05 * tau) + 1.0;
            }
            assert!((s - steady_state(1.0, 0.05, tau)).abs() < 1e-9);
        }
    }

    #[test]
    fn conversation_size_dilutes_pair_time_in_large_groups() {
        assert_eq!(pair_hours(90.0, 4.0, 4), 1.5);
        assert!((pair_hours(90.0, 4.0, 10) - 0.5).abs() < 1e-12);
        assert!(pair_hours(90.0, 4.0, 20) < pair_hours(90.0, 4.0, 10));
        assert_eq!(pair_hours(90.0, 4.0, 1), 0.0);
    }

    #[test]
    fn growth_follows_disclosure_similarity_loneliness_and_closure() {
        let p = Bonding::default();
        let base = PairInputs {
            depth_a: 0.0,
            depth_b: 0.0,
            similarity: 1.0,
            both_lonely: false,
            share_a_friend: false,
            online: false,
        };
        let g = |m| growth_multiplier(&p, m);
        assert_eq!(g(base), 1.0);
        assert!(
            g(PairInputs {
                depth_a: 1.0,
                depth_b: 1.0,
                ..base
            }) > g(PairInputs {
                depth_a: 1.0,
                ..base
            })
        );
        assert!(
            g(PairInputs {
                similarity: 0.2,
                ..base
            }) < 1.0
        );
        assert!(
            g(PairInputs {
                both_lonely: true,
                ..base
            }) < 1.0
        );
        assert!(
            g(PairInputs {
                share_a_friend: true,
                ..base
            }) > 1.0
        );
        assert!(
            g(PairInputs {
                online: true,
                ..base
            }) < 1.0
        );
        assert!(decay_rate(&p, 0.2, false) > decay_rate(&p, 1.0, false));
        assert!(decay_rate(&p, 1.0, true) > decay_rate(&p, 1.0, false));
    }

    #[test]
    fn capacity_stops_new_and_close_ties() {
        let levels = (2.0, 200.0);
        assert_eq!(
            within_capacity(1.0, 3.0, levels, (15, 3), (0, 0), (15, 5)),
            1.998
        );
        assert_eq!(
            within_capacity(1.0, 3.0, levels, (14, 3), (0, 0), (15, 5)),
            3.0
        );
        assert_eq!(
            within_capacity(199.0, 201.0, levels, (5, 5), (5, 0), (15, 5)),
            199.8
        );
        assert_eq!(
            within_capacity(199.0, 201.0, levels, (5, 5), (4, 0), (15, 5)),
            201.0
        );
    }
}
