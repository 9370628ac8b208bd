//! Step 8, ties: every pair of members who have joined the group, in pair
//! order (`j = 1, 2, …`, then `i < j`); the tie summary TS(k) that ends
//! the step is made for a batch of groups at once (`super::tie_summaries`).
//! The pairs' update and the members' shares of contact outside run four pairs
//! at a time in vector lanes where the processor has them (`lanes.rs`),
//! with the same bits as the one-pair-at-a-time code here.

use super::{Scratch, Session};
use crate::bonds::{MemberTies, PairColumns, TieSummary, pair_count};
use crate::population::GroupState;
use crate::rng::{self, Draws, Purpose};
use crate::rules::beyond_meetings::{self, BeyondMeetings};
use crate::rules::bonding::{self, Bonding};

#[cfg(target_arch = "x86_64")]
pub(super) mod lanes;

/// Step 8, ties: for every pair with strength, or in which both attended
/// (in a forum: who exchanged replies), decay over the interval, contact
/// beyond the meetings and growth in the session (within capacity). The
/// tie summary TS(k) with this session's present and lonely flags follows
/// ([`super::tie_summaries`], for a batch of groups at once).
#[inline]
pub(super) fn ties(s: &Session, g: &mut GroupState, sc: &mut Scratch) {
    let m = &s.ctx.scenario.mechanisms;
    if m.beyond_meetings.enabled {
        outside_shares(s, g, sc);
    }
    if m.bonding.enabled || m.beyond_meetings.enabled {
        // Copies of the parameters, so that they stay in registers while
        // the loop stores into the pairs (which could alias borrowed ones).
        let (bonding, beyond) = (m.bonding.clone(), m.beyond_meetings.clone());
        let pair_rule = PairUpdate {
            bonding: &bonding,
            beyond: &beyond,
            hours_in_session: bonding::pair_hours(
                s.ctx.scenario.format.minutes,
                m.bonding.conversation_size,
                sc.attendees.len(),
            ),
            session_gain: g.character.session_gain(),
            levels: (f64::from(s.ctx.levels.tie), f64::from(s.ctx.levels.close)),
            online: s.ctx.online,
            weeks: s.ctx.interval_days / 7.0,
            contacts_kept: s.ctx.contacts_kept,
            contact: s.key.draws(Purpose::OutsideContact),
            pairs: pair_count(g.places()),
        };
        if s.ctx.forum {
            // A forum's reply exchanges, walked alongside the pairs (both
            // in pair order).
            let per_reply = s.ctx.scenario.forum.hours_per_reply;
            let mut exchanges = sc.exchanges.iter().peekable();
            pair_rule.each_pair(g, sc, |k, _| match exchanges.next_if(|&&(at, _)| at == k) {
                Some(&(_, replies)) => f64::from(replies) * per_reply,
                None => 0.0,
            });
        } else if in_lanes(s, g) {
            pairs_in_lanes(&pair_rule, g, sc);
        } else {
            let attended = &sc.attended[..g.arrived];
            pair_rule.each_pair(g, sc, |_, ends| pair_rule.in_room(attended, ends));
        }
    }
}

/// Whether this session's pair pass runs in vector lanes: the processor
/// has them and the group is one they serve (a room with bonding and
/// contact beyond the meetings on, up to 64 places).
fn in_lanes(s: &Session, g: &GroupState) -> bool {
    let m = &s.ctx.scenario.mechanisms;
    s.ctx.lanes() && m.bonding.enabled && m.beyond_meetings.enabled && g.places() <= 64
}

/// The pair pass in vector lanes ([`lanes`]): the members' tables, then
/// the pairs among those who have arrived.
#[cfg(target_arch = "x86_64")]
fn pairs_in_lanes(rule: &PairUpdate, g: &mut GroupState, sc: &mut Scratch) {
    let count = pair_count(g.arrived);
    let figures = lanes::MemberFigures {
        attended: &sc.attended,
        lonely: &sc.lonely,
        outside_share: &sc.outside_share,
        depth: &sc.depth,
        ties: &g.tie_summary.members,
        casual_bits: g.tie_summary.casual_bits(),
        capacity: (rule.bonding.tie_capacity, rule.bonding.close_capacity),
    };
    sc.member_tables.fill(count, g.arrived, &figures);
    let mut pairs = g.bonds.columns_mut();
    // SAFETY: `in_lanes` found AVX2 on the running processor
    // (`SessionContext::lanes`), the one feature the pass is compiled for.
    let done = unsafe { lanes::update_pairs(rule, &sc.member_tables, &mut pairs, count) };
    // The last pairs of the matrix, fewer than four, as the scalar pass
    // updates them.
    let sides = Sides::cut(sc, &g.tie_summary, g.arrived);
    let attended = &sc.attended[..g.arrived];
    for k in done..count {
        let ends = lanes::ends_of(k);
        let together = rule.in_room(attended, ends);
        rule.update(&mut pairs, &sides, (k, ends), together);
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn pairs_in_lanes(_: &PairUpdate, _: &mut GroupState, _: &mut Scratch) {
    unreachable!("vector lanes are only built for x86-64")
}

/// What a pair's update reads of its two members: the scratch's entries
/// and their tie figures (TS(k−1)), each cut to the members who have
/// arrived (the pair loop's range, so that its indices need no check
/// against a longer length).
struct Sides<'a> {
    lonely: &'a [bool],
    outside_share: &'a [f64],
    depth: &'a [f64],
    ties: &'a [MemberTies],
    /// For the casual friends a pair shares.
    summary: &'a TieSummary,
}

impl<'a> Sides<'a> {
    #[inline(always)]
    fn cut(sc: &'a Scratch, summary: &'a TieSummary, arrived: usize) -> Sides<'a> {
        Sides {
            lonely: &sc.lonely[..arrived],
            outside_share: &sc.outside_share[..arrived],
            depth: &sc.depth[..arrived],
            ties: &summary.members[..arrived],
            summary,
        }
    }
}

/// The share of their ties' wanted contact outside the sessions that each
/// member's time budget covers: from the hours a week their ties would
/// take, with the strengths before this interval (summed in vector lanes
/// where the pair pass may use them, the same bits).
fn outside_shares(s: &Session, g: &GroupState, sc: &mut Scratch) {
    // A copy of the parameters, so that they stay in registers while the
    // loop stores into the scratch (which could alias a borrowed copy).
    let p = &s.ctx.scenario.mechanisms.beyond_meetings.clone();
    let online = s.ctx.online;
    #[cfg(target_arch = "x86_64")]
    if s.ctx.lanes() && g.arrived <= lanes::MOST_PLACES {
        let wanted = &mut sc.wanted_hours;
        // SAFETY: `SessionContext::lanes` found AVX2 on the processor.
        unsafe { lanes::wanted_hours(p, online, g.bonds.strengths(), g.arrived, wanted) };
        for (share, &hours) in sc.outside_share[..g.arrived].iter_mut().zip(&wanted.0) {
            *share = beyond_meetings::member_share(p, hours);
        }
        return;
    }
    let wanted = &mut sc.outside_share[..g.arrived];
    for j in 1..g.arrived {
        let row = j * (j - 1) / 2;
        for (i, &strength) in g.bonds.strengths()[row..row + j].iter().enumerate() {
            if strength > 0.0 {
                let hours = beyond_meetings::wanted_hours_per_week(p, f64::from(strength), online);
                wanted[i] += hours;
                wanted[j] += hours;
            }
        }
    }
    for share in wanted.iter_mut() {
        *share = beyond_meetings::member_share(p, *share);
    }
}

/// What every pair's update needs, fixed for the session.
struct PairUpdate<'a> {
    /// `[mechanisms.bonding]`: decay and growth, when enabled.
    bonding: &'a Bonding,
    /// `[mechanisms.beyond_meetings]`: contact between sessions, when enabled.
    beyond: &'a BeyondMeetings,
    /// Hours a pair who both attend spend in conversation (not in a forum).
    hours_in_session: f64,
    /// The group's meeting quality, as a factor on tie growth.
    session_gain: f64,
    /// The tie and close levels, in hours.
    levels: (f64, f64),
    online: bool,
    /// Weeks in one interval between sessions.
    weeks: f64,
    /// Share of a pair's recent contacts still counted after the interval.
    contacts_kept: f64,
    /// The numbers of the contact outside the sessions: pair `k`'s count
    /// is drawn from its rounds among the group's `pairs`.
    contact: Draws,
    pairs: usize,
}

impl PairUpdate<'_> {
    /// Updates every pair of the group in pair order, with the hours its
    /// members spent together (`together(pair index, (i, j))`). Written
    /// once and called with each way of meeting, so that each loop is
    /// compiled for its own.
    #[inline(always)]
    fn each_pair(
        &self,
        g: &mut GroupState,
        sc: &Scratch,
        mut together: impl FnMut(usize, (usize, usize)) -> f64,
    ) {
        let sides = Sides::cut(sc, &g.tie_summary, g.arrived);
        let mut pairs = g.bonds.columns_mut();
        for j in 1..g.arrived {
            let row = j * (j - 1) / 2;
            for (i, k) in (row..row + j).enumerate() {
                let hours = together(k, (i, j));
                self.update(&mut pairs, &sides, (k, (i, j)), hours);
            }
        }
    }

    /// The hours members `i` and `j` spend together in a room's session:
    /// the pair's share of the conversation if both attend, else 0.
    #[inline(always)]
    fn in_room(&self, attended: &[bool], (i, j): (usize, usize)) -> f64 {
        if attended[i] && attended[j] {
            self.hours_in_session
        } else {
            0.0
        }
    }

    /// The tie of members `i < j` (index `k` in pair order) over one
    /// interval and session, in which they spent `together` hours (0 if
    /// they did not meet).
    #[inline(always)]
    fn update(
        &self,
        pair: &mut PairColumns,
        sides: &Sides,
        (k, (i, j)): (usize, (usize, usize)),
        together: f64,
    ) {
        let mut strength = f64::from(pair.strength[k]);
        let both_here = together > 0.0;
        if strength <= 0.0 && !both_here {
            return;
        }
        if self.bonding.enabled && strength > 0.0 {
            // `|`, not `||`: one flag to choose by, not a second branch
            // on whichever member happens to be lonely.
            let lonely = sides.lonely[i] | sides.lonely[j];
            let kept = if lonely {
                pair.kept_lonely[k]
            } else {
                pair.kept[k]
            };
            strength *= f64::from(kept);
        }
        if self.beyond.enabled && strength > 0.0 {
            strength += self.contact_outside(pair, sides, (k, (i, j)), strength);
        }
        if self.bonding.enabled && both_here {
            let similarity = f64::from(pair.similarity[k]);
            strength = self.grow(sides, (i, j), similarity, strength, together);
            pair.hours[k] += together as f32;
        }
        pair.strength[k] = strength as f32;
    }

    /// The pair's contacts outside the sessions over the interval, from the
    /// strength after decay: counted, and their hours added to the pair's
    /// hours and returned.
    #[inline(always)]
    fn contact_outside(
        &self,
        pair: &mut PairColumns,
        sides: &Sides,
        (k, (i, j)): (usize, (usize, usize)),
        strength: f64,
    ) -> f64 {
        let p = self.beyond;
        let share = beyond_meetings::pair_share(sides.outside_share[i], sides.outside_share[j]);
        let mean =
            beyond_meetings::contacts_per_week(p, strength, self.online) * share * self.weeks;
        let contacts = rng::poisson(&mut self.contact.rounds(k, self.pairs), mean);
        let before = f64::from(pair.recent_contacts[k]);
        let recent = beyond_meetings::recent_contacts(before, self.contacts_kept, contacts);
        pair.recent_contacts[k] = recent as f32;
        pair.beyond[k] = recent >= p.repeated_contacts;
        // Most intervals bring no contact: no hours to work out or add
        // (a pair's hours are never −0, so adding +0 would change nothing).
        if contacts == 0 {
            return 0.0;
        }
        let hours = f64::from(contacts) * beyond_meetings::contact_hours(p, strength);
        pair.hours[k] += hours as f32;
        hours
    }

    /// A pair's strength after a session both attended: their `hours`
    /// together times the growth multiplier, within both members' capacity
    /// (from TS(k−1)).
    #[inline(always)]
    fn grow(
        &self,
        sides: &Sides,
        (i, j): (usize, usize),
        similarity: f64,
        strength: f64,
        hours: f64,
    ) -> f64 {
        let p = self.bonding;
        let inputs = bonding::PairInputs {
            depth_a: sides.depth[i],
            depth_b: sides.depth[j],
            similarity,
            both_lonely: sides.lonely[i] & sides.lonely[j],
            share_a_friend: sides.summary.share_casual_friend(i, j),
            online: self.online,
        };
        let grow = hours * bonding::growth_multiplier(p, inputs) * self.session_gain;
        let (a, b) = (sides.ties[i], sides.ties[j]);
        bonding::within_capacity(
            strength,
            strength + grow,
            self.levels,
            (u32::from(a.ties), u32::from(b.ties)),
            (u32::from(a.close), u32::from(b.close)),
            (p.tie_capacity, p.close_capacity),
        )
    }
}
