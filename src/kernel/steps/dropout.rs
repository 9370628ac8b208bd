//! Step 12 in lanes: dropout.

use super::{Uniforms, leave, tenure, with_status};
use crate::kernel::batch::{BatchLanes, field};
use crate::kernel::chances::Members;
use crate::kernel::lanes::{F32s, Isa, Mask, U32s};
use crate::kernel::rules::KernelRules;
use crate::kernel::scratch::{Figure, SessionLanes};
use crate::kernel::summary::{Figure as Tie, SummaryLanes};
use crate::population::Status;
use crate::rng::Purpose;

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

impl<I: Isa> DropoutSession<I> {
    /// Place `i`'s, from the session's figures and the tie summaries.
    #[inline(always)]
    pub fn at(isa: I, session: &SessionLanes, summaries: &SummaryLanes, i: usize) -> Self {
        DropoutSession {
            log_support: summaries.float(isa, i, Tie::LogSupport),
            isolated: summaries.count_of(isa, i, Tie::Ties).eq(isa.u(0)),
            replies: session.float(isa, i, Figure::Replies),
            given: session.float(isa, i, Figure::Given),
        }
    }
}

/// Step 12, dropout: each active member leaves with the chance of
/// [`crate::kernel::chances::Chances::dropout`], decided by their place's
/// number of `Purpose::Dropout`; one who leaves has status dropped out.
#[inline(always)]
pub fn dropout<I: Isa>(
    isa: I,
    rules: &KernelRules,
    step: u32,
    group_ids: U32s<I>,
    lanes: &mut BatchLanes,
    (session, summaries): (&SessionLanes, &SummaryLanes),
) {
    let mut numbers = Uniforms::new(rules.key, group_ids, step, Purpose::Dropout);
    for i in 0..lanes.places() {
        let active = with_status(isa, lanes, i, Status::Active);
        if !active.any() {
            continue;
        }
        let here = DropoutSession::at(isa, session, summaries, i);
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
        let u = numbers.at(i);
        let leaving = active & u.lt(chance);
        if leaving.any() {
            leave(isa, lanes, i, leaving, Status::DroppedOut, step);
        }
    }
}

/// Step 12b, a closed group's end: where fewer than `floor` current
/// members are left (but some), those left leave with status group ended
/// (`community.min_group_size`).
#[inline(always)]
pub fn group_end<I: Isa>(isa: I, floor: u32, step: u32, lanes: &mut BatchLanes) {
    let mut active = isa.f(0.0);
    for i in 0..lanes.places() {
        let here = with_status(isa, lanes, i, Status::Active);
        active = active + here.keep(isa.f(1.0));
    }
    let ends = active.gt(isa.f(0.0)) & active.lt(isa.f(floor as f32));
    if !ends.any() {
        return;
    }
    for i in 0..lanes.places() {
        let leaving = ends & with_status(isa, lanes, i, Status::Active);
        if leaving.any() {
            leave(isa, lanes, i, leaving, Status::GroupEnded, step);
        }
    }
}
