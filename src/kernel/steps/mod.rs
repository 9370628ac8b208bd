//! The session's steps in lanes, over a batch copied in
//! ([`super::batch::BatchLanes`]): each step the rules of its mechanism in
//! f32 for eight groups at once (one in each lane), its numbers from the
//! replicate's Philox key at (step, group, purpose, place). Here: what
//! the steps share (the lanes that hold a group, a member's status and
//! tenure, leaving, the session's opening, a place's numbers).

mod attendance;
mod cohesion;
mod dropout;
mod floor;
mod forum;
mod hope;
mod loneliness;
mod mood;
mod recovery;
mod replies;
mod stigma;
mod ties;

pub use attendance::{AttendanceSession, attendance};
pub use cohesion::{CohesionRule, CohesionSession, cohesion};
pub use dropout::{DropoutSession, dropout, group_end};
pub use floor::{FloorRule, floor};
pub use forum::{
    ForumPeriod, ForumRule, first_answers, posting, reading, replies as forum_replies,
};
pub use hope::{HopeRule, exemplar, hope};
pub use loneliness::{LonelinessRule, LonelinessSession, loneliness};
pub use mood::{MoodRule, mood, universality};
pub use recovery::{RecoveryRule, RecoverySession, recovery};
pub use replies::{ReplyRule, listened_to, remember_replies, replies};
pub use stigma::{StigmaRule, StigmaSession, stigma};
pub use ties::{PairSession, PlaceInPairs, ties};

use super::batch::{BatchLanes, field};
use super::lanes::{F32s, Isa, Mask, U32s, each_lane};
use super::scratch::{Figure, SessionLanes};
use crate::population::Status;
use crate::rules::loneliness::LONELY_CUTOFF;

/// The lanes that hold a group, as a mask.
#[inline(always)]
fn occupied<I: Isa>(isa: I, lanes: &BatchLanes) -> Mask<I> {
    isa.mask_of_bits(lanes.groups())
}

/// The lanes whose member at place `i` has `status` (among the lanes that
/// hold a group).
#[inline(always)]
fn with_status<I: Isa>(isa: I, lanes: &BatchLanes, i: usize, status: Status) -> Mask<I> {
    lanes.status(isa, i).eq(isa.u(status as u32)) & occupied(isa, lanes)
}

/// Sessions each lane's member has belonged before session `step` (0 for
/// one who joined at it; for one who has not joined, whose joining step
/// is `NEVER`, `step`: read only for active members).
#[inline(always)]
fn tenure<I: Isa>(isa: I, lanes: &BatchLanes, i: usize, step: u32) -> F32s<I> {
    let joined = lanes.word(isa, i, field::JOINED_STEP).i32_to_f32();
    (isa.f((step - 1) as f32) - joined).max(isa.f(0.0))
}

/// The members at place `i` of the lanes in `leaving` leave at `step`
/// with `status`, keeping the loneliness they leave with
/// ([`crate::population::Member::leave`]).
#[inline(always)]
fn leave<I: Isa>(
    isa: I,
    lanes: &mut BatchLanes,
    i: usize,
    leaving: Mask<I>,
    status: Status,
    step: u32,
) {
    lanes.set_status(i, leaving, status);
    let at = lanes.word(isa, i, field::LEFT_STEP);
    lanes.set_word(i, field::LEFT_STEP, leaving.select_u(isa.u(step), at));
    let exit = lanes.float(isa, i, field::LONELINESS_AT_EXIT);
    let now = lanes.float(isa, i, field::LONELINESS);
    lanes.set_float(i, field::LONELINESS_AT_EXIT, leaving.select(now, exit));
}

/// The session's flags at its opening (step 1 done), in lanes: who has
/// arrived (`arrived`: each lane's group's count), and of them who is
/// active and who is lonely.
#[inline(always)]
pub fn opening<I: Isa>(isa: I, lanes: &BatchLanes, arrived: U32s<I>, session: &mut SessionLanes) {
    let arrived = arrived.i32_to_f32();
    let cutoff = isa.f(LONELY_CUTOFF as f32);
    for i in 0..lanes.places() {
        let here = isa.f(i as f32).lt(arrived);
        session.put_flag(i, Figure::Arrived, here);
        let active = with_status(isa, lanes, i, Status::Active);
        session.put_flag(i, Figure::Present, here & active);
        let lonely = lanes.float(isa, i, field::LONELINESS).ge(cutoff);
        session.put_flag(i, Figure::Lonely, here & lonely);
    }
}

/// The four words of item `position` for `purpose` at `step` in each
/// lane's group (`group_ids`), their first block.
#[inline(always)]
fn words<I: Isa>(
    key: super::draws::Key,
    group_ids: U32s<I>,
    step: u32,
    purpose: crate::rng::Purpose,
    position: usize,
) -> [U32s<I>; 4] {
    let at = super::draws::Address {
        step,
        purpose,
        block: 0,
        position: position as u32,
    };
    key.words(group_ids, at)
}

/// The uniform numbers in [0, 1) of a step's places for one purpose, in
/// each lane's group, four places to a Philox call: place `i`'s is word
/// `i mod 4` of the call at position `i / 4`, made when the first of its
/// places asks.
pub struct Uniforms<I: Isa> {
    key: super::draws::Key,
    group_ids: U32s<I>,
    step: u32,
    purpose: crate::rng::Purpose,
    /// The position of the call in `words`.
    made: usize,
    words: [U32s<I>; 4],
}

impl<I: Isa> Uniforms<I> {
    #[inline(always)]
    pub fn new(
        key: super::draws::Key,
        group_ids: U32s<I>,
        step: u32,
        purpose: crate::rng::Purpose,
    ) -> Self {
        Uniforms {
            key,
            group_ids,
            step,
            purpose,
            made: usize::MAX,
            words: [group_ids; 4],
        }
    }

    /// Place `i`'s number in each lane.
    #[inline(always)]
    pub fn at(&mut self, i: usize) -> F32s<I> {
        if self.made != i / 4 {
            self.made = i / 4;
            self.words = words(self.key, self.group_ids, self.step, self.purpose, i / 4);
        }
        super::philox::unit_f32(self.words[i % 4])
    }
}

/// The eight lanes' values of `f` at lanes `0..LANES`.
#[inline(always)]
pub fn gather<I: Isa>(isa: I, f: impl Fn(usize) -> f32) -> F32s<I> {
    isa.floats(each_lane(f))
}
