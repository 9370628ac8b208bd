//! A room's session from step 2 on in one copy of the batch: attendance, floor time
//! and disclosure, replies, mood, universality, hope, the pairs, the tie
//! summaries and steps 9 to 13, each reading and writing the batch's
//! lanes and the session's figures by place; then the groups, their
//! summaries, and what the tally and the panel read of each scratch.

use super::{
    Batch, BatchInLanes, fill_opening, fill_ties_before, give_groups_back, group_ids, lane,
    opening_and_attendance, step_8_with, steps_9_to_13_with, summaries_with,
};
use crate::kernel::batch::BatchLanes;
use crate::kernel::lanes::{Isa, LANES, U32s, WithLanes, dispatch};
use crate::kernel::scratch::{Figure as Session, SessionLanes};
use crate::kernel::steps::{self, gather};
use crate::population::GroupState;
use crate::session::Scratch;

/// Runs steps 2 to 13 for the batch's groups (all meeting in a room, of
/// one size), from their opening (step 1 and the session's flags in
/// `scratches`); with `clustering`, each tie summary gets its sum of local
/// clustering. Each scratch is given who attended (in place order), the
/// depth of each disclosure, the replies received and the disclosers.
pub(in crate::session) fn room_session(
    batch: &Batch,
    groups: &mut [GroupState],
    scratches: &mut [Scratch],
    into: &mut BatchInLanes,
    clustering: bool,
) {
    timed!(Attendance, {
        into.session.reset(groups.len(), groups[0].places());
        for (l, g) in groups.iter().enumerate() {
            fill_opening(batch, g, l, &mut into.session);
            fill_ties_before(batch, g, l, &mut into.session);
        }
        into.session.fill_missing_lanes();
    });
    let work = RoomSession {
        batch,
        groups,
        into: &mut *into,
        clustering,
    };
    let disclosers = dispatch(batch.rules.portable, work);
    timed!(Tally, give_back(&into.session, &disclosers, scratches));
}

/// A room's session from step 2, as work over lanes; gives each lane's
/// disclosers.
struct RoomSession<'a> {
    batch: &'a Batch<'a>,
    groups: &'a mut [GroupState],
    into: &'a mut BatchInLanes,
    clustering: bool,
}

impl WithLanes for RoomSession<'_> {
    type Output = [u32; LANES];
    #[inline(always)]
    fn run<I: Isa>(self, isa: I) -> [u32; LANES] {
        let (batch, groups) = (self.batch, self.groups);
        let BatchInLanes {
            lanes,
            summaries,
            session,
        } = self.into;
        timed!(Attendance, lanes.copy_in(isa, groups));
        opening_and_attendance(isa, batch, groups, lanes, session);
        let disclosers = steps_3_to_7(isa, batch, groups, lanes, session);
        timed!(Ties, step_8_with(isa, batch, groups, lanes, session));
        timed!(
            TieSummaries,
            summaries_with(isa, batch, lanes, session, summaries)
        );
        if self.clustering {
            timed!(TieSummaries, summaries.clustering(isa));
        }
        let counted = disclosers.i32_to_f32();
        steps_9_to_13_with(isa, batch, groups, lanes, session, summaries, counted);
        give_groups_back(isa, lanes, summaries, groups);
        disclosers.array()
    }
}

/// Steps 3 to 7: floor time and disclosure, replies, mood, universality,
/// hope; gives each lane's disclosers.
#[inline(always)]
fn steps_3_to_7<I: Isa>(
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

/// Gives each scratch what the tally and the panel read: who attended
/// (and the attendees in place order), each disclosure's depth, the
/// replies received, the disclosers.
fn give_back(session: &SessionLanes, disclosers: &[u32; LANES], scratches: &mut [Scratch]) {
    for (l, sc) in scratches.iter_mut().enumerate() {
        for i in 0..sc.attended.len() {
            let attended = session.word_at(i, Session::Attended, l) != 0;
            sc.attended[i] = attended;
            if attended {
                sc.attendees.push(i);
            }
            sc.depth[i] = f64::from(f32::from_bits(session.word_at(i, Session::Depth, l)));
            sc.replies[i] = f64::from(f32::from_bits(session.word_at(i, Session::Replies, l)));
        }
        sc.disclosers = disclosers[l] as usize;
    }
}
