//! The session's steps in lanes, over a batch copied in
//! ([`super::batch::BatchLanes`]): each step the rules of its mechanism in
//! f32 for eight groups at once (one in each lane), its numbers from the
//! replicate's Philox key at (step, group, purpose, place). Being built
//! step by step (docs/kernel-plan.md); the steps not yet here run as
//! before, on the groups themselves.

use super::batch::{BatchLanes, field};
use super::chances::{Chances, Members};
use super::draws::{Address, Key};
use super::lanes::{F32s, Isa, LANES, Mask, U32s};
use super::philox::unit_f32;
use crate::population::Status;
use crate::rng::Purpose;
use crate::scenario::Scenario;

/// The run's rules of the steps in lanes, in f32, and the key of its
/// numbers.
#[derive(Debug, Clone, Copy)]
pub struct KernelRules {
    pub key: Key,
    pub chances: Chances,
}

impl KernelRules {
    pub fn new(
        scenario: &Scenario,
        replicate: u32,
        attendance_odds: crate::rules::attendance::FixedOdds,
    ) -> KernelRules {
        let m = &scenario.mechanisms;
        KernelRules {
            key: Key::new(scenario.seed, replicate),
            chances: Chances::new(
                &m.attendance,
                attendance_odds,
                &m.dropout,
                &m.replies,
                &m.altruism,
            ),
        }
    }
}

/// What the session brings to a place's dropout in each lane, beyond the
/// member's own state: their tie summary and this session's replies.
#[derive(Debug, Clone, Copy)]
pub struct DropoutSession<I: Isa> {
    /// ln(1 + tie support).
    pub log_support: F32s<I>,
    /// No tie at the network threshold.
    pub isolated: Mask<I>,
    /// Replies received and given this session.
    pub replies: F32s<I>,
    pub given: F32s<I>,
}

/// The lanes that hold a group, as a mask.
#[inline(always)]
fn occupied<I: Isa>(isa: I, lanes: &BatchLanes) -> Mask<I> {
    let bits = lanes.groups();
    isa.flags(std::array::from_fn(|l| bits >> l & 1 == 1))
}

/// The status byte of a member's first word.
const STATUS_BITS: u32 = 0xFF;

/// Sessions each lane's member has belonged before session `step`
/// (0 for one who joined at it or has not joined).
#[inline(always)]
fn tenure<I: Isa>(isa: I, lanes: &BatchLanes, i: usize, step: u32) -> F32s<I> {
    let joined = lanes.word(isa, i, field::JOINED_STEP);
    let joined_before = joined.i32_to_f32();
    (isa.f((step - 1) as f32) - joined_before).max(isa.f(0.0))
}

/// Step 12, dropout: each active member leaves with the chance of
/// [`Chances::dropout`], decided by their place's number of
/// `Purpose::Dropout`; one who leaves has status dropped out, leaves at
/// `step` and keeps the loneliness they leave with. `session(i)` gives
/// what the session brings to place `i`.
#[inline(always)]
pub fn dropout<I: Isa>(
    isa: I,
    rules: &KernelRules,
    step: u32,
    group_ids: U32s<I>,
    lanes: &mut BatchLanes,
    session: impl Fn(usize) -> DropoutSession<I>,
) {
    let groups = occupied(isa, lanes);
    let active_status = isa.u(Status::Active as u32);
    for i in 0..lanes.places() {
        let flags = lanes.word(isa, i, field::FLAGS);
        let active = (flags & STATUS_BITS).eq(active_status) & groups;
        if !active.any() {
            continue;
        }
        let here = session(i);
        let members = Members {
            tenure: tenure(isa, lanes, i, step),
            cohesion: lanes.float(isa, i, field::COHESION),
            reply_memory: lanes.float(isa, i, field::REPLY_MEMORY),
            log_support: here.log_support,
            propensity: isa.f(0.0),
            hope: isa.f(0.0),
            frailty: lanes.float(isa, i, field::FRAILTY),
            isolated: here.isolated,
            replies: here.replies,
            given: here.given,
        };
        let chance = rules.chances.dropout(&members);
        let at = Address {
            step,
            purpose: Purpose::Dropout,
            block: 0,
            position: i as u32,
        };
        let u = unit_f32(rules.key.words(group_ids, at)[0]);
        let leaves = active & u.lt(chance);
        if !leaves.any() {
            continue;
        }
        let dropped = (flags & !STATUS_BITS) | Status::DroppedOut as u32;
        lanes.set_word(i, field::FLAGS, leaves.select_u(dropped, flags));
        let left = lanes.word(isa, i, field::LEFT_STEP);
        lanes.set_word(i, field::LEFT_STEP, leaves.select_u(isa.u(step), left));
        let exit = lanes.float(isa, i, field::LONELINESS_AT_EXIT);
        let now = lanes.float(isa, i, field::LONELINESS);
        lanes.set_float(i, field::LONELINESS_AT_EXIT, leaves.select(now, exit));
    }
}

/// The eight lanes' values of `f` at lanes `0..LANES`.
#[inline(always)]
pub fn gather<I: Isa>(isa: I, f: impl Fn(usize) -> f32) -> F32s<I> {
    isa.floats(std::array::from_fn(f))
}

/// The eight lanes' flags of `f` at lanes `0..LANES`.
#[inline(always)]
pub fn gather_flags<I: Isa>(isa: I, f: impl Fn(usize) -> bool) -> Mask<I> {
    isa.flags(std::array::from_fn::<bool, LANES, _>(f))
}
