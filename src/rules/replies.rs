//! Replies: each listener answers a disclosure or not, and the discloser
//! remembers whether they were answered.
//!
//! EVIDENCE.md E16, "Replies bring people back": receiving no reply or
//! support predicts leaving a group, most of all for newcomers (Kelly & Moos
//! 2003), and newcomers to online support and discussion groups whose first
//! post is answered are likelier to come back (Joyce & Kraut 2006; Arguello
//! et al. 2006). The giver's side, "helping others lowers the helper's
//! relapse risk" (Pagano et al. 2004, EVIDENCE.md E4), is altruism
//! (`altruism.rs`).
//!
//! Each listener `i` present when member `j` discloses replies with
//!
//!   logit P = logit(r) + o·(openness_i − ½) + t·min(1, s_ij / friend_hours)
//!             + q_g + f·\[facilitated\],
//!
//! one draw per listener: r is the chance of an average listener (openness
//! ½, no tie, an average peer-led group), s_ij the pair's tie strength before
//! the session, q_g the group's reply norm (`group_differences.rs`). A reply is support
//! received by `j` and given by `i`. After each disclosure the discloser's
//! reply memory m ∈ \[−1, 1\] moves toward +1 if at least one reply came and
//! toward −1 if none did: m ← (1 − w)·m + w·(±1). It starts at 0 and is read
//! by attendance and dropout with the newcomer weight
//! 1 + e·e^(−tenure/τ_n), so that the first sessions count most. A member
//! who disclosed with nobody else present is neither answered nor
//! unanswered. With replies off, nothing is received or given and memory
//! stays at 0: the mechanism is absent, not hostile.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// Replies to disclosures, and the memory of being answered (`[mechanisms.replies]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Replies {
    /// Switch the mechanism on or off (off: no disclosure is answered).
    #[default(true)]
    pub enabled: bool,
    /// Chance that an average listener (openness ½, no tie, average peer-led group) replies to a disclosure.
    #[default(0.4)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "probability per listener and disclosure"))]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online"))]
    pub reply_probability: f64,
    /// Logit change per unit of the listener's openness above one half.
    #[default(1.7)]
    #[schemars(range(min = -20.0, max = 20.0), extend("x-unit" = "logit per unit of openness"))]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online"))]
    pub openness_effect: f64,
    /// Logit change when listener and discloser are friends (scaled by strength / friend_hours, at most 1).
    #[default(1.0)]
    #[schemars(range(min = -20.0, max = 20.0), extend("x-unit" = "logit at a friend-level tie"))]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online"))]
    pub tie_effect: f64,
    /// Logit change when a facilitator leads the group (facilitators invite responses).
    #[default(0.5)]
    #[schemars(range(min = -20.0, max = 20.0), extend("x-unit" = "logit"))]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online; format.leadership = facilitated"))]
    pub facilitated_effect: f64,
    /// Weight of the latest disclosure in a member's reply memory.
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "weight of the latest disclosure"))]
    pub memory_weight: f64,
    /// Extra weight of the reply memory at a member's first session, fading with tenure: times (1 + this * e^(-t/newcomer_sessions)).
    #[default(2.0)]
    #[schemars(range(min = 0.0, max = 100.0), extend("x-unit" = "extra weight at the first session"))]
    pub newcomer_excess: f64,
    /// Sessions over which the newcomer's extra weight fades (e-folding).
    #[default(3.0)]
    #[schemars(range(min = 0.01, max = 10_000.0), extend("x-unit" = "sessions (e-folding)"))]
    pub newcomer_sessions: f64,
}

/// The part of a reply's log-odds that is the same for every listener of
/// a group's session: the base chance, the group's reply norm (logit, 0 in
/// an average group) and the facilitator.
pub fn group_logit(p: &Replies, group_norm: f64, facilitated: bool) -> f64 {
    let facilitated = if facilitated {
        p.facilitated_effect
    } else {
        0.0
    };
    super::logit(p.reply_probability) + group_norm + facilitated
}

/// What a listener brings to the chance of replying to one disclosure.
#[derive(Debug, Clone, Copy)]
pub struct ListenerInputs {
    pub openness: f64,
    /// The pair's tie strength as a share of the friend level, at most 1.
    pub friendship: f64,
}

/// Chance that a listener replies to a disclosure, given the group's part
/// of the log-odds ([`group_logit`]).
pub fn reply_probability(p: &Replies, group_logit: f64, m: ListenerInputs) -> f64 {
    super::logistic(reply_log_odds(p, group_logit, m))
}

/// The log-odds that a listener replies to a disclosure.
#[inline]
pub fn reply_log_odds(p: &Replies, group_logit: f64, m: ListenerInputs) -> f64 {
    group_logit + p.openness_effect * (m.openness - 0.5) + p.tie_effect * m.friendship.min(1.0)
}

/// The reply memory after a disclosure that was answered or not.
pub fn remember(p: &Replies, memory: f64, answered: bool) -> f64 {
    let felt = if answered { 1.0 } else { -1.0 };
    (1.0 - p.memory_weight) * memory + p.memory_weight * felt
}

/// How much the reply memory weighs at this tenure (sessions belonged before
/// this one): most at the first session, fading toward 1.
pub fn newcomer_weight(p: &Replies, tenure: u32) -> f64 {
    super::Fading::at_tenure(p.newcomer_excess, p.newcomer_sessions, tenure)
}

/// The newcomer weight at every tenure up to `last`, tabled.
pub fn newcomer_weights(p: &Replies, last: u32) -> super::Fading {
    super::Fading::new(p.newcomer_excess, p.newcomer_sessions, last)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AVERAGE: ListenerInputs = ListenerInputs {
        openness: 0.5,
        friendship: 0.0,
    };

    #[test]
    fn an_average_listener_replies_with_the_base_chance() {
        let p = Replies::default();
        let peer_led = group_logit(&p, 0.0, false);
        assert!((reply_probability(&p, peer_led, AVERAGE) - p.reply_probability).abs() < 1e-12);
    }

    #[test]
    fn open_listeners_friends_and_facilitated_groups_reply_more() {
        let p = Replies::default();
        let peer_led = group_logit(&p, 0.0, false);
        let base = reply_probability(&p, peer_led, AVERAGE);
        let with = |m: ListenerInputs| reply_probability(&p, peer_led, m);
        assert!(
            with(ListenerInputs {
                openness: 0.9,
                ..AVERAGE
            }) > base
        );
        assert!(
            with(ListenerInputs {
                openness: 0.1,
                ..AVERAGE
            }) < base
        );
        assert!(
            with(ListenerInputs {
                friendship: 1.0,
                ..AVERAGE
            }) > base
        );
        let beyond = with(ListenerInputs {
            friendship: 5.0,
            ..AVERAGE
        });
        assert_eq!(
            beyond,
            with(ListenerInputs {
                friendship: 1.0,
                ..AVERAGE
            })
        );
        let in_group =
            |norm, facilitated| reply_probability(&p, group_logit(&p, norm, facilitated), AVERAGE);
        assert!(in_group(0.0, true) > base);
        assert!(in_group(-1.0, false) < base);
    }

    #[test]
    fn the_memory_moves_halfway_toward_what_happened_and_stays_in_range() {
        let p = Replies::default();
        assert_eq!(remember(&p, 0.0, true), 0.5);
        assert_eq!(remember(&p, 0.0, false), -0.5);
        let mut m = 0.0;
        for _ in 0..100 {
            m = remember(&p, m, true);
        }
        assert!(m <= 1.0 && m > 0.999);
    }

    #[test]
    fn newcomers_weigh_their_memory_most() {
        let p = Replies::default();
        assert_eq!(newcomer_weight(&p, 0), 1.0 + p.newcomer_excess);
        assert!(newcomer_weight(&p, 3) < newcomer_weight(&p, 0));
        assert!((newcomer_weight(&p, 1000) - 1.0).abs() < 1e-12);
    }
}
