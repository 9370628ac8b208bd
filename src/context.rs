//! The figures derived from a scenario, computed once per replicate.
//!
//! [`SessionContext`] holds every constant the model derives from the
//! scenario's keys: the tie levels, the interval's share of decay and of
//! loneliness relaxation, the format's shift of attendance, the floor's rank
//! ratio, the minutes left to members, the safety a facilitator adds. The
//! engine builds it once per replicate; the population builds its groups
//! with it (each pair's share of strength kept over an interval) and the
//! session reads it at every step, so no formula of a scenario constant is
//! written twice.
//!
//! It reads the scenario and the rules' formulas and nothing above them:
//! population, session and engine read it.

use crate::bonds::TieLevels;
use crate::rng::StreamKey;
use crate::rules::{
    Fading, affect, attendance, beyond_meetings, bonding, cohesion, dropout, loneliness, replies,
    sharing,
};
use crate::scenario::{Delivery, Leadership, Membership, Scenario};
use crate::traits::DoseNeeded;

/// Figures derived once from the scenario and shared by every group of a
/// replicate.
#[derive(Debug, Clone)]
pub struct SessionContext<'a> {
    pub scenario: &'a Scenario,
    pub replicate: u32,
    /// Tie levels in hours (`[mechanisms.bonding]`'s `*_hours`).
    pub levels: TieLevels,
    /// Days between sessions.
    pub interval_days: f64,
    /// Meeting by video or as a forum (the online factors apply).
    pub online: bool,
    /// An asynchronous forum (`format.delivery = "forum"`).
    pub forum: bool,
    pub facilitated: bool,
    pub open: bool,
    /// Most active members of an open group.
    pub size_cap: usize,
    /// The parts of the log-odds of attending fixed for the run.
    pub attendance_odds: attendance::FixedOdds,
    /// The geometric rank law of speaking, its ratio after facilitation.
    pub floor_law: sharing::FloorLaw,
    /// Minutes of a session left to members.
    pub member_minutes: f64,
    /// Psychological safety a facilitator adds (0 when members lead).
    pub safety_bonus: f64,
    /// Share of the gap to the set point closed over one interval.
    pub relaxation: f64,
    /// Weight of the problem type in the similarity of two members.
    pub type_weight: f32,
    /// The distribution of the dose each member needs.
    pub dose_needed: DoseNeeded,
    /// Belonging as a function of mean tie strength (`[cohesion]`).
    pub belonging: cohesion::BelongingCurve,
    /// Replies' newcomer weight and dropout's early excess by tenure.
    pub newcomer_weight: Fading,
    pub early_dropout: Fading,
    /// Share of a pair's recent contacts outside the sessions still counted
    /// after one interval.
    pub contacts_kept: f64,
    /// The kernel's steps run in the portable lanes even where the
    /// processor has AVX2 (the same bits; `BONFIRE_KERNEL=portable`, or
    /// set by a test, to compare).
    pub portable_lanes: bool,
    /// Each batch's session asks for the next batch's memory as it goes
    /// ([`crate::prefetch`]): the members' and groups' state is larger
    /// than [`ASK_AHEAD_ABOVE_BYTES`] (or a test set it, to compare).
    pub ask_ahead: bool,
}

/// The size of a run's state (as [`Scenario::state_bytes`] estimates
/// it) above which a batch's session asks for the next batch's memory as
/// it goes: a state this large cannot stay in the caches from one session
/// to the next, so each group's first reads would wait on memory. A
/// smaller state mostly stays in the caches, where asking costs
/// instructions and saves nothing (the 10,000-member year, about 3 MB, ran
/// 1-2% slower with it; a million members, about 290 MB, 7% faster).
pub const ASK_AHEAD_ABOVE_BYTES: u64 = 16 << 20;

impl<'a> SessionContext<'a> {
    pub fn new(scenario: &'a Scenario, replicate: u32) -> Self {
        let m = &scenario.mechanisms;
        let online = scenario.format.delivery != Delivery::InPerson;
        let facilitated = scenario.format.leadership == Leadership::Facilitated;
        let interval_days = scenario.interval_days();
        let b = &m.bonding;
        SessionContext {
            scenario,
            replicate,
            levels: TieLevels {
                tie: b.tie_hours as f32,
                casual: b.casual_hours as f32,
                friend: b.friend_hours as f32,
                close: b.close_hours as f32,
            },
            interval_days,
            online,
            forum: scenario.format.delivery == Delivery::Forum,
            facilitated,
            open: scenario.format.membership == Membership::Open,
            size_cap: scenario.community.group_size as usize,
            attendance_odds: attendance::FixedOdds::new(&m.attendance, online, interval_days),
            floor_law: sharing::FloorLaw::new(sharing::effective_ratio(
                m.sharing.rank_ratio,
                facilitated,
                m.sharing.facilitation_flattening,
            )),
            member_minutes: sharing::member_minutes(scenario.format.minutes, m.sharing.overhead),
            safety_bonus: if facilitated {
                m.sharing.facilitated_safety
            } else {
                0.0
            },
            relaxation: loneliness::relaxation_per_session(
                m.loneliness.relaxation_per_week,
                interval_days,
            ),
            type_weight: scenario.population.type_weight as f32,
            dose_needed: DoseNeeded {
                log_median: libm::log(m.recovery.median_dose),
                log_sd: m.recovery.dose_log_sd,
            },
            belonging: cohesion::BelongingCurve::new(
                scenario.cohesion.belonging_hours,
                b.close_hours,
            ),
            newcomer_weight: replies::newcomer_weights(&m.replies, scenario.format.sessions),
            early_dropout: dropout::early_factors(&m.dropout, scenario.format.sessions),
            contacts_kept: beyond_meetings::contacts_kept(&m.beyond_meetings, interval_days / 7.0),
            portable_lanes: portable_lanes(),
            ask_ahead: scenario.state_bytes() > ASK_AHEAD_ABOVE_BYTES,
        }
    }

    /// The key of this replicate's streams for one group at one step.
    pub fn stream_key(&self, step: u32, group: u32) -> StreamKey {
        StreamKey::new(self.scenario.seed, self.replicate, step, group)
    }

    /// Share of a pair's strength kept over one interval between sessions.
    pub fn kept_over_interval(&self, similarity: f64, either_lonely: bool) -> f64 {
        let rate =
            bonding::decay_rate(&self.scenario.mechanisms.bonding, similarity, either_lonely);
        libm::exp(-rate * self.interval_days)
    }

    /// Perceived cohesion before a member's first session: the morale half
    /// alone (nobody belongs yet), from their own mood.
    pub fn cohesion_before_sessions(&self, hope: f32, loneliness: f32) -> f32 {
        let weight = self.scenario.mechanisms.affect.hope_weight;
        let mood = affect::baseline_mood(weight, f64::from(hope), f64::from(loneliness));
        cohesion::perceived(0.0, mood) as f32
    }
}

/// Whether the kernel runs in the portable lanes even where AVX2 is there
/// (`BONFIRE_KERNEL=portable`), read once.
fn portable_lanes() -> bool {
    static PORTABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PORTABLE.get_or_init(|| std::env::var("BONFIRE_KERNEL").as_deref() == Ok("portable"))
}
