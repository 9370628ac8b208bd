//! Steps 3 to 7 of a room's session in lanes: floor time and disclosure,
//! replies, mood, universality, hope.

use super::{Batch, group_ids, lane};
use crate::kernel::batch::BatchLanes;
use crate::kernel::lanes::{Isa, U32s};
use crate::kernel::scratch::{Figure as Session, SessionLanes};
use crate::kernel::steps::{self, gather};
use crate::population::GroupState;

/// Steps 3 to 7: floor time and disclosure, replies, mood, universality,
/// hope; gives each lane's disclosers.
#[inline(always)]
pub(super) fn steps_3_to_7<I: Isa>(
    isa: I,
    batch: &Batch,
    groups: &[GroupState],
    lanes: &mut BatchLanes,
    session: &mut SessionLanes,
) -> U32s<I> {
    let (rules, step, ctx) = (batch.rules, batch.step, batch.ctx);
    let n = groups.len();
    let group = |l: usize| &groups[lane(l, n)];
    let ids = group_ids(isa, groups);
    let bonus = gather(isa, |l| {
        (ctx.safety_bonus + group(l).character.safety()) as f32
    });
    let disclosers = timed!(
        FloorAndDisclosure,
        steps::floor(
            isa,
            &rules.floor,
            rules.key,
            step,
            ids,
            bonus,
            lanes,
            session
        )
    );
    let norm = gather(isa, |l| group(l).character.reply_norm() as f32);
    let group_logit = rules.replies.group_logit(norm);
    timed!(
        Replies,
        steps::replies(
            isa,
            &rules.replies,
            rules.key,
            (step, ids),
            group_logit,
            lanes,
            session
        )
    );
    timed!(Mood, steps::mood(isa, &rules.mood, lanes, session));
    let gain = gather(isa, |l| group(l).character.session_gain() as f32);
    timed!(
        Universality,
        steps::universality(isa, &rules.mood, gain, lanes, session)
    );
    timed!(Hope, heard_twice(isa, batch, n, lanes, session));
    timed!(Hope, steps::hope(isa, &rules.hope, step, lanes, session));
    disclosers
}

/// Each place's community ties in its own group who attended with them
/// and were hopeful exemplars: heard in the room, so counted once
/// ([`crate::outside::GroupOutside::mates`]).
#[inline(always)]
fn heard_twice<I: Isa>(
    isa: I,
    batch: &Batch,
    groups: usize,
    lanes: &BatchLanes,
    session: &mut SessionLanes,
) {
    let outsides = &batch.outsides[..groups];
    if outsides.iter().all(|o| o.mates.is_empty()) {
        return;
    }
    let exemplars: Vec<u8> = (0..lanes.places())
        .map(|i| steps::exemplar(isa, lanes, session, i).bits())
        .collect();
    for (l, outside) in outsides.iter().enumerate() {
        let exemplar = |i: usize| exemplars[i] >> l & 1 == 1;
        let attended = |i: usize| session.word_at(i, Session::Attended, l) != 0;
        let mut twice = vec![0u32; lanes.places()];
        for &(a, b) in &outside.mates {
            let (a, b) = (a as usize, b as usize);
            twice[a] += u32::from(attended(a) && exemplar(b));
            twice[b] += u32::from(attended(b) && exemplar(a));
        }
        session.set_words(Session::HeardTwice, l, twice);
    }
}
