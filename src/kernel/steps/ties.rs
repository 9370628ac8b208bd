//! Step 8 in lanes: the pairs (decay, contact beyond the meetings, growth
//! in a session both attended or from a forum's exchanged replies), with
//! either mechanism on or off.

use crate::kernel::batch::{BatchLanes, Column, PairRow};
use crate::kernel::contacts;
use crate::kernel::draws::Address;
use crate::kernel::lanes::{F32s, Isa, Mask, U32s};
use crate::kernel::math;
use crate::kernel::pairs::{PairRule, Pairs, Sides};
use crate::kernel::rules::KernelRules;
use crate::kernel::scratch::Figure::{self, OutsideShare};
use crate::kernel::scratch::{SessionLanes, figure, set_figure};
use crate::population::GroupState;
use crate::rng::Purpose;

/// What the session brings to step 8 of each place in each lane.
#[derive(Debug, Clone, Copy)]
pub struct PlaceInPairs<I: Isa> {
    /// The place's member has arrived (pairs with them exist).
    pub arrived: Mask<I>,
    pub attended: Mask<I>,
    /// Lonely at the session's start.
    pub lonely: Mask<I>,
    /// Depth of their disclosure this session (0 if none).
    pub depth: F32s<I>,
    /// They keep as many ties, or close ties, as they can (TS(k−1)).
    pub ties_full: Mask<I>,
    pub close_full: Mask<I>,
}

impl<I: Isa> PlaceInPairs<I> {
    /// Place `i`'s, from the session's figures.
    #[inline(always)]
    pub fn at(isa: I, session: &SessionLanes, i: usize) -> Self {
        PlaceInPairs {
            arrived: session.flag(isa, i, Figure::Arrived),
            attended: session.flag(isa, i, Figure::Attended),
            lonely: session.flag(isa, i, Figure::Lonely),
            depth: session.float(isa, i, Figure::Depth),
            ties_full: session.flag(isa, i, Figure::TiesFull),
            close_full: session.flag(isa, i, Figure::CloseFull),
        }
    }
}

/// What the session brings to the whole of step 8 in each lane.
#[derive(Debug, Clone, Copy)]
pub struct PairSession<I: Isa> {
    /// Hours a pair who both attended spent in conversation; in a forum,
    /// the hours of a reply.
    pub hours_in_session: F32s<I>,
    /// The group's meeting quality, as a factor on growth.
    pub session_gain: F32s<I>,
    /// A forum: the hours a pair spent together are their reply
    /// exchanges' ([`SessionLanes::exchanges`]), not the room's.
    pub forum: bool,
}

/// Step 8: first, with contact beyond the meetings, each member's share
/// of their ties' wanted contact outside the sessions that their budget
/// covers (from the strengths before the interval); then every pair of
/// members who have arrived, in pair order (`j = 1, 2, …`, then `i < j`),
/// updated by [`crate::kernel::pairs::PairRule::update`] with the hours
/// they spent together (a room's conversation if both came; a forum's
/// reply exchanges) and its contacts outside the sessions
/// ([`contacts::count`] from the numbers of `Purpose::OutsideContact`:
/// pair k's is word k mod 4 at position k / 4 of block 0; a mean of 30
/// or more takes position k's block 1). What the session brings to each
/// place is read from its `figures`, where the members' shares are
/// written and TS(k − 1)'s casual ties are kept, for whether a pair
/// shares a casual friend. A batch copied in with its pairs' strengths
/// alone ([`BatchLanes::copy_in_strengths`]) takes each pair's other
/// numbers from `groups` as it comes to update it. With bonding and
/// contact beyond the meetings both off, nothing.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn ties<I: Isa>(
    isa: I,
    rules: &KernelRules,
    step: u32,
    group_ids: U32s<I>,
    session: PairSession<I>,
    (lanes, groups): (&mut BatchLanes, &[GroupState]),
    figures: &mut SessionLanes,
) {
    if !rules.pairs.changes_pairs() {
        return;
    }
    let rule = &rules.pairs.in_lanes(isa);
    // The contact counts' key and exponential.
    let numbers = (rules.key, &math::Exp::kept(isa));
    let zero = isa.f(0.0);
    let share = OutsideShare;
    if rule.has_contact() {
        outside_shares(isa, rule, lanes, figures);
    }
    let figures: &SessionLanes = figures;
    let mut exchanged = figures.exchanges();
    // The first number of each pair's count: word k mod 4 of the call at
    // position k / 4, shared by four pairs in a row (made when the first
    // of them needs it).
    let mut shared = (usize::MAX, [isa.u(0); 4]);
    for j in 1..lanes.filled_places() {
        let b = PlaceInPairs::at(isa, figures, j);
        if !b.arrived.any() {
            continue;
        }
        let share_b = figures.float(isa, j, share);
        let row = j * (j - 1) / 2;
        let mut pairs = lanes.pair_row(j);
        for i in 0..j {
            let k = row + i;
            let (a, share_a) = (
                PlaceInPairs::at(isa, figures, i),
                figures.float(isa, i, share),
            );
            let strength = pairs.get(isa, Column::Strength, i);
            let together = if session.forum {
                exchanged.of(isa, k) * session.hours_in_session
            } else {
                (a.attended & b.attended).keep(session.hours_in_session)
            };
            // A pair without strength whose members spent no time together
            // is left as it is (in every lane: nothing to do).
            if !((strength.gt(zero) | together.gt(zero)) & b.arrived).any() {
                continue;
            }
            if pairs.strengths_only() {
                pairs.take(i, groups);
            }
            let pair = Pairs {
                strength,
                hours: pairs.get(isa, Column::Hours, i),
                recent_contacts: pairs.get(isa, Column::RecentContacts, i),
                beyond: pairs.beyond(isa, i),
            };
            let either_lonely = a.lonely | b.lonely;
            let sides = Sides {
                together,
                session_gain: session.session_gain,
                kept: either_lonely.select(
                    pairs.get(isa, Column::KeptLonely, i),
                    pairs.get(isa, Column::Kept, i),
                ),
                similarity: pairs.get(isa, Column::Similarity, i),
                outside_share: share_a.min(share_b),
                depth_sum: a.depth + b.depth,
                both_lonely: a.lonely & b.lonely,
                share_a_friend: figures.share_a_casual_friend(isa, i, j),
                ties_full: a.ties_full | b.ties_full,
                close_full: a.close_full | b.close_full,
            };
            let decay = rule.decay(&pair, &sides);
            let at = |block: u32, position: usize| Address {
                step,
                purpose: Purpose::OutsideContact,
                block,
                position: position as u32,
            };
            let count = if rule.has_contact() {
                if shared.0 != k / 4 {
                    shared = (k / 4, rules.key.words(group_ids, at(0, k / 4)));
                }
                let first = shared.1[k % 4];
                contacts::count(numbers, group_ids, first, at(1, k), decay.contact_mean)
            } else {
                zero
            };
            let next = rule.update(&pair, &sides, &decay, count);
            store_pair(&mut pairs, i, b.arrived, &next, &pair);
        }
    }
}

/// Writes the update `next` of the pair with place `i` in the lanes of
/// `valid` (those whose group has the pair), keeping `before` in the
/// others.
#[inline(always)]
fn store_pair<I: Isa>(
    pairs: &mut PairRow,
    i: usize,
    valid: Mask<I>,
    next: &Pairs<I>,
    before: &Pairs<I>,
) {
    let strength = valid.select(next.strength, before.strength);
    pairs.set(Column::Strength, i, strength);
    pairs.set(Column::Hours, i, valid.select(next.hours, before.hours));
    let recent = valid.select(next.recent_contacts, before.recent_contacts);
    pairs.set(Column::RecentContacts, i, recent);
    pairs.set_beyond(i, (valid & next.beyond) | (!valid & before.beyond));
}

/// Each member's share of their ties' wanted contact outside the sessions
/// that their budget covers, from the strengths before the interval, into
/// `figures`' `OutsideShare`.
#[inline(always)]
fn outside_shares<I: Isa>(
    isa: I,
    rule: &PairRule<F32s<I>>,
    lanes: &BatchLanes,
    figures: &mut SessionLanes,
) {
    let (zero, share) = (isa.f(0.0), OutsideShare);
    // The members' wanted hours, then their shares.
    for i in 0..lanes.places() {
        figures.put_float(i, share, zero);
    }
    for j in 1..lanes.filled_places() {
        let mut wanted_j = figures.float(isa, j, share);
        let strengths = lanes.column_row(Column::Strength, j);
        for (place, strength) in figures.places_before(j).iter_mut().zip(strengths) {
            let strength = isa.words(strength.0).float_bits();
            let wanted = strength.gt(zero).keep(rule.wanted_hours(strength));
            set_figure(place, share, figure(isa, place, share) + wanted);
            wanted_j = wanted_j + wanted;
        }
        figures.put_float(j, share, wanted_j);
    }
    for i in 0..lanes.places() {
        let covered = rule.member_share(figures.float(isa, i, share));
        figures.put_float(i, share, covered);
    }
}
