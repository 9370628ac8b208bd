//! The steps of a batch's session that run in the kernel's lanes
//! (`crate::kernel::steps`, with the rules of
//! [`crate::kernel::rules::KernelRules`]). A batch of meeting groups (a room's or a forum's, all of one size)
//! runs its whole session from step 2 in one copy of the batch: step 2,
//! steps 3 to 7 (a room's in `room.rs`, a forum's in `forum.rs`), the
//! pairs, the tie summaries and steps 9 to 13, each reading and writing
//! the batch's lanes and the session's figures by place
//! ([`SessionLanes`]); then the groups get their state and summaries
//! back, and each scratch what the tally and the panel read. Where
//! nothing reads the groups before the batch's next session, the batch
//! may stay in its lanes, with its tie summaries' carries, for that
//! session instead ([`LanesKept`]). Control
//! blocks run hope and loneliness in one copy of their members.

use super::Scratch;
use crate::bonds::{Held, can_carry};
use crate::context::SessionContext;
use crate::kernel::batch::BatchLanes;
use crate::kernel::lanes::{F32s, Isa, U32s, WithLanes, dispatch, each_lane};
use crate::kernel::rules::KernelRules;
use crate::kernel::scratch::{Figure as Session, SessionLanes};
use crate::kernel::steps::{self, ForumPeriod, PairSession, gather};
use crate::kernel::summary::SummaryLanes;
use crate::kernel::tally::TallyLanes;
use crate::metrics::Tally;
use crate::outside::GroupOutside;
use crate::population::GroupState;
use crate::rules::bonding;

/// The group whose data lane `l` holds in a batch of `n` groups: its
/// own, or the first group's in a lane past the last
/// ([`BatchLanes::copy_in`]), whose results are never copied back.
#[inline(always)]
fn lane(l: usize, n: usize) -> usize {
    if l < n { l } else { 0 }
}

mod forum;
mod room;

/// What the steps in lanes read of a batch's session.
pub(super) struct Batch<'a> {
    rules: &'a KernelRules,
    ctx: &'a SessionContext<'a>,
    step: u32,
    /// What each group's members' community ties are doing.
    outsides: &'a [&'a GroupOutside],
}

impl<'a> Batch<'a> {
    pub(super) fn new(
        rules: &'a KernelRules,
        ctx: &'a SessionContext<'a>,
        step: u32,
        outsides: &'a [&'a GroupOutside],
    ) -> Batch<'a> {
        Batch {
            rules,
            ctx,
            step,
            outsides,
        }
    }
}

/// What a batch's session's steps hand on in the kernel's lanes; one per
/// thread, reused from batch to batch. (The batch's state and tie
/// summaries are in its [`KeptLanes`].)
#[derive(Debug, Default)]
pub struct BatchInLanes {
    session: SessionLanes,
    /// A forum's period.
    forum: ForumPeriod,
    /// The sums over each lane's members at the session's end.
    tally: TallyLanes,
}

/// A batch's state in lanes and its tie summaries TS(k): what one session
/// leaves for the next where the batch stays in lanes between them
/// ([`LanesKept`]); else a thread's, reused from batch to batch.
#[derive(Debug, Default)]
pub struct KeptLanes {
    lanes: BatchLanes,
    summaries: SummaryLanes,
}

/// Where a batch's session finds its state and leaves it: a batch whose
/// groups nothing reads between two sessions (no membership, no forum,
/// no panel, no community ties; network figures only of groups of up to
/// 64 places, which read the ties' bitsets the lanes give them) may stay
/// in its lanes from one to the next, with its tie summaries' carries,
/// rather than be copied out to its groups and in again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LanesKept {
    /// The lanes hold the batch as its last session left it.
    pub from_last: bool,
    /// The session leaves the batch in its lanes for the next (its groups
    /// get only what the tally reads: each tie summary's clustering sum,
    /// or where the network figures are measured, the network ties'
    /// bitsets they read).
    pub for_next: bool,
}

/// Runs steps 2 to 13 for the batch's groups (all meeting, of one size),
/// from their opening (step 1). Each group's tally (in `tallies`, in
/// order) is made from how many attended and were active at the start
/// and the sums over the members, its network figures and clustering
/// left to the caller; each scratch is given, with the network figures
/// `measured` this step, who joined and the sum of the strengths of the
/// ties among them (groups of up to 64 places), and for a `panel`, who
/// attended, the depth of each disclosure and the replies received, by
/// place. Without the network figures each tie summary gets its sum of
/// local clustering (for the tally). The batch's state is in `state`, as
/// `kept` says (copied in from the groups and out to them, or kept there
/// from the batch's last session and for its next). The session asks for
/// the memory of `next` (the groups this thread runs next; empty where
/// none are to be asked for) as it goes.
pub(super) fn session(
    batch: &Batch,
    groups: &mut [GroupState],
    (scratches, tallies): (&mut [Scratch], &mut [Tally]),
    (into, state): (&mut BatchInLanes, &mut KeptLanes),
    (measured, panel, held, kept): (bool, bool, Held, LanesKept),
    next: &[GroupState],
) {
    // TS(k − 1) comes in as carries where the groups can hold them
    // (`SessionLanes::set_ties_before`), or from the lanes, and TS(k) goes
    // out as `held` says where they can (larger groups' summaries are
    // always whole, and never kept in lanes).
    let carries = can_carry(groups[0].places());
    assert!(
        carries || kept == LanesKept::default(),
        "kept in lanes with carries"
    );
    if !kept.from_last {
        for g in groups.iter_mut() {
            g.tie_summary.keep_carry_alone();
        }
    }
    let held = if carries { held } else { Held::Whole };
    timed!(Attendance, {
        into.session.reset(groups.len(), groups[0].places());
        for (l, g) in groups.iter().enumerate() {
            fill_opening(batch, g, l, &mut into.session);
        }
        into.session.fill_missing_lanes();
    });
    let work = WholeSession {
        batch,
        groups,
        into: &mut *into,
        state,
        measured,
        held,
        kept,
        next,
    };
    dispatch(batch.rules.portable, work);
    timed!(Tally, give_back(into, groups, (scratches, tallies), panel));
}

/// A batch's session from step 2, as work over lanes.
struct WholeSession<'a> {
    batch: &'a Batch<'a>,
    groups: &'a mut [GroupState],
    into: &'a mut BatchInLanes,
    state: &'a mut KeptLanes,
    /// The network figures are measured this step.
    measured: bool,
    /// What the groups' tie summaries hold after the session.
    held: Held,
    /// Whether the batch comes from its lanes and stays in them.
    kept: LanesKept,
    /// The groups of the batch this thread runs next, whose memory the
    /// session asks for a group at a time as it goes.
    next: &'a [GroupState],
}

impl WithLanes for WholeSession<'_> {
    type Output = ();
    #[inline(always)]
    fn run<I: Isa>(self, isa: I) {
        let (batch, groups) = (self.batch, self.groups);
        let BatchInLanes {
            session,
            forum,
            tally,
        } = self.into;
        let KeptLanes { lanes, summaries } = self.state;
        // One group of the next batch asked for after each of eight
        // parts: asked for all at once, the hints filled the processor's
        // queue of loads and waited there as long as the reads they
        // spared.
        let next = self.next;
        let ask = |at: usize| next.get(at).map(GroupState::prefetch);
        let from_last = self.kept.from_last;
        timed!(
            Attendance,
            ties_before(isa, batch, groups, (summaries, from_last), session)
        );
        ask(0);
        // A batch kept in lanes holds what its last session left there.
        // The lanes past its last group keep whatever they held: no step
        // lets a lane change another (a step only asks whether any lane
        // needs it, to skip work), and nothing reads them back.
        if !from_last {
            if batch.ctx.forum {
                timed!(Attendance, lanes.copy_in_strengths(isa, groups));
            } else {
                timed!(Attendance, lanes.copy_in(isa, groups));
            }
        }
        ask(1);
        opening_and_attendance(isa, batch, groups, lanes, session);
        ask(2);
        let disclosers = if batch.ctx.forum {
            forum::steps_3_to_7(isa, batch, groups, lanes, session, forum)
        } else {
            room::steps_3_to_7(isa, batch, groups, lanes, session)
        };
        ask(3);
        timed!(Ties, step_8_with(isa, batch, groups, lanes, session));
        ask(4);
        timed!(
            TieSummaries,
            summaries_with(isa, batch, lanes, session, summaries)
        );
        ask(5);
        if !self.measured {
            timed!(TieSummaries, summaries.clustering(isa, lanes, session));
        }
        let counted = disclosers.i32_to_f32();
        steps_9_to_13_with(isa, batch, groups, lanes, session, summaries, counted);
        ask(6);
        // The network figures of groups of up to 64 places take the
        // joined places and the strength sum made here.
        let tie_strengths = self.measured && groups[0].places() <= 64;
        let (levels, batch_kind) = (&batch.ctx.levels, (true, groups.len(), tie_strengths));
        timed!(
            Tally,
            tally.make(isa, levels, lanes, (session, summaries), batch_kind)
        );
        ask(7);
        if self.kept.for_next && self.measured {
            // What the network figures read of the groups' tie summaries.
            timed!(TieSummaries, summaries.tie_bits_out(isa, groups));
        } else if self.kept.for_next {
            // What the tally reads of the tie summaries (the clustering
            // sums, made above: no network figures were measured).
            let sums = summaries.clustering_sums();
            for (g, sum) in groups.iter_mut().zip(sums.expect("clustering made")) {
                g.tie_summary.joined_clustering_sum = Some(sum);
            }
        } else {
            give_groups_back(isa, lanes, (summaries, self.held), groups);
        }
    }
}

/// Runs a session of control blocks (a waitlist's or a control arm's;
/// nobody attends and there are no ties): hope from community exemplars,
/// then loneliness, each run of blocks of one size in one copy of its
/// members; each block's tally (in `tallies`, in order) is made from the
/// sums over its members; their members are copied into `state` and
/// back.
pub(super) fn control_blocks(
    batch: &Batch,
    blocks: &mut [GroupState],
    tallies: &mut [Tally],
    (into, state): (&mut BatchInLanes, &mut KeptLanes),
) {
    let mut from = 0;
    while from < blocks.len() {
        let places = blocks[from].places();
        let to = from
            + blocks[from..]
                .iter()
                .take_while(|b| b.places() == places)
                .count();
        let run = Batch::new(
            batch.rules,
            batch.ctx,
            batch.step,
            &batch.outsides[from..to],
        );
        let blocks = &mut blocks[from..to];
        into.session.reset(blocks.len(), places);
        for (l, g) in blocks.iter().enumerate() {
            let log_support = g.tie_summary.members().iter().map(|t| t.log_support);
            into.session.set_floats(Session::LogSupport, l, log_support);
            fill_opening(&run, g, l, &mut into.session);
        }
        into.session.fill_missing_lanes();
        let work = ControlSession {
            batch: &run,
            blocks,
            into: &mut *into,
            state: &mut *state,
        };
        dispatch(batch.rules.portable, work);
        for (l, (g, tally)) in blocks.iter().zip(&mut tallies[from..to]).enumerate() {
            tally.set_to_group(g, (0, 0), into.tally.of_lane(l));
        }
        from = to;
    }
}

/// A session of control blocks of one size, as work over lanes.
struct ControlSession<'a> {
    batch: &'a Batch<'a>,
    blocks: &'a mut [GroupState],
    into: &'a mut BatchInLanes,
    state: &'a mut KeptLanes,
}

impl WithLanes for ControlSession<'_> {
    type Output = ();
    #[inline(always)]
    fn run<I: Isa>(self, isa: I) {
        let (batch, blocks) = (self.batch, self.blocks);
        let BatchInLanes { session, tally, .. } = self.into;
        let KeptLanes { lanes, summaries } = self.state;
        let (rules, step) = (batch.rules, batch.step);
        lanes.copy_in_members(isa, blocks);
        steps::opening(isa, lanes, arrived(isa, blocks), session);
        summaries.without_ties(lanes.places());
        steps::hope(isa, &rules.hope, step, lanes, session);
        let ids = group_ids(isa, blocks);
        steps::loneliness(isa, rules, step, ids, lanes, (session, summaries));
        let (levels, batch_kind) = (&batch.ctx.levels, (false, blocks.len(), false));
        tally.make(isa, levels, lanes, (session, summaries), batch_kind);
        lanes.copy_out_members(isa, blocks);
    }
}

/// Makes each group's tally from how many attended and were active at
/// the start and the sums over its members, read where the lanes left
/// them; gives each scratch who joined and their ties' strength sum
/// (where made), and for a `panel`, by place, who attended, each
/// disclosure's depth and the replies received.
fn give_back(
    into: &BatchInLanes,
    groups: &[GroupState],
    (scratches, tallies): (&mut [Scratch], &mut [Tally]),
    panel: bool,
) {
    let session = &into.session;
    let each = groups.iter().zip(tallies).zip(scratches.iter_mut());
    for (l, ((g, tally), sc)) in each.enumerate() {
        let attendance = into.tally.attendance_of_lane(l);
        tally.set_to_group(g, attendance, into.tally.of_lane(l));
        sc.network = into.tally.network_of_lane(l);
        if !panel {
            continue;
        }
        for i in 0..sc.attended.len() {
            sc.attended[i] = session.word_at(i, Session::Attended, l) != 0;
            sc.depth[i] = f64::from(f32::from_bits(session.word_at(i, Session::Depth, l)));
            sc.replies[i] = f64::from(f32::from_bits(session.word_at(i, Session::Replies, l)));
        }
    }
}

/// What the session brings of the places of group `g` (lane `l`) at its
/// opening from outside the lanes and the tie summaries: the community
/// ties' counts (none without a community network), and in a forum the
/// posting propensities. Who has arrived, is active or lonely is worked
/// out in lanes ([`steps::opening`]).
#[inline]
fn fill_opening(batch: &Batch, g: &GroupState, l: usize, into: &mut SessionLanes) {
    if batch.ctx.forum {
        let propensity = g.forum.iter().map(|f| f.propensity);
        into.set_floats(Session::Propensity, l, propensity);
    }
    let outside = &batch.outsides[l].members;
    if !outside.is_empty() {
        let lonely = outside.iter().map(|o| u32::from(o.lonely));
        into.set_words(Session::OutsideLonely, l, lonely);
        let hopeful = outside.iter().map(|o| u32::from(o.hopeful));
        into.set_words(Session::OutsideHopeful, l, hopeful);
    }
}

/// What the session reads of its groups' tie summaries TS(k − 1): the
/// log of support, who keeps as many ties, or close ties, as they can, and
/// the casual ties; from the carries in the batch's `summaries` where its
/// last session left them there (`from_last`), else from the groups'.
#[inline(always)]
fn ties_before<I: Isa>(
    isa: I,
    batch: &Batch,
    groups: &[GroupState],
    (summaries, from_last): (&mut SummaryLanes, bool),
    session: &mut SessionLanes,
) {
    let b = &batch.ctx.scenario.mechanisms.bonding;
    let capacities = (b.tie_capacity, b.close_capacity);
    if from_last {
        session.set_ties_before_from_carries(isa, summaries.carry_rows(isa), capacities);
        return;
    }
    let summaries = each_lane(|l| &groups[lane(l, groups.len())].tie_summary);
    session.set_ties_before(isa, &summaries, capacities);
}

/// Step 2 on the batch in `lanes` (its members copied in): who has
/// arrived, is active or lonely, then who comes, in the session's figures.
#[inline(always)]
fn opening_and_attendance<I: Isa>(
    isa: I,
    batch: &Batch,
    groups: &[GroupState],
    lanes: &BatchLanes,
    session: &mut SessionLanes,
) {
    steps::opening(isa, lanes, arrived(isa, groups), session);
    let enabled = batch.ctx.scenario.mechanisms.attendance.enabled;
    let (rules, step, ids) = (batch.rules, batch.step, group_ids(isa, groups));
    timed!(
        Attendance,
        steps::attendance(isa, rules, enabled, step, ids, lanes, session)
    );
}

/// Gives the groups in `lanes` their state and their tie summaries back,
/// these holding `held`.
#[inline(always)]
fn give_groups_back<I: Isa>(
    isa: I,
    lanes: &BatchLanes,
    (summaries, held): (&mut SummaryLanes, Held),
    groups: &mut [GroupState],
) {
    timed!(Cohesion, lanes.copy_out(isa, groups));
    timed!(TieSummaries, summaries.copy_out(isa, groups, held));
}

/// Each lane's group's count of places whose members have arrived.
#[inline(always)]
fn arrived<I: Isa>(isa: I, groups: &[GroupState]) -> U32s<I> {
    isa.words(each_lane(|l| groups[lane(l, groups.len())].arrived as u32))
}

/// The batch's group ids, one a lane.
#[inline(always)]
fn group_ids<I: Isa>(isa: I, groups: &[GroupState]) -> U32s<I> {
    isa.words(each_lane(|l| groups[lane(l, groups.len())].id))
}

/// Step 8, the pairs, on the batch in `lanes` (the groups give each
/// lane's session constants and TS(k − 1)'s casual ties).
#[inline(always)]
fn step_8_with<I: Isa>(
    isa: I,
    batch: &Batch,
    groups: &[GroupState],
    lanes: &mut BatchLanes,
    session: &mut SessionLanes,
) {
    let (rules, ctx, step) = (batch.rules, batch.ctx, batch.step);
    let n = groups.len();
    let group = |l: usize| &groups[lane(l, n)];
    let b = &ctx.scenario.mechanisms.bonding;
    let minutes = ctx.scenario.format.minutes;
    let attendees = session.count(isa, Session::Attended).array();
    let per_reply = ctx.scenario.forum.hours_per_reply as f32;
    let pairs = PairSession {
        hours_in_session: gather(isa, |l| {
            let attendees = attendees[l] as usize;
            if ctx.forum {
                per_reply
            } else {
                bonding::pair_hours(minutes, b.conversation_size, attendees) as f32
            }
        }),
        session_gain: gather(isa, |l| group(l).character.session_gain() as f32),
        forum: ctx.forum,
    };
    let ids = group_ids(isa, groups);
    steps::ties(isa, rules, step, ids, pairs, (lanes, groups), session);
}

/// The tie summaries TS(k) of the batch in `lanes`, after step 8, from
/// this session's present and lonely flags.
#[inline(always)]
fn summaries_with<I: Isa>(
    isa: I,
    batch: &Batch,
    lanes: &BatchLanes,
    session: &SessionLanes,
    summaries: &mut SummaryLanes,
) {
    summaries.make(isa, &batch.ctx.levels, lanes, session);
}

/// Steps 9 to 13: stigma, loneliness, recovery, dropout, a closed group's
/// end, cohesion, with the tie summaries TS(k) in `summaries`.
#[inline(always)]
fn steps_9_to_13_with<I: Isa>(
    isa: I,
    batch: &Batch,
    groups: &[GroupState],
    lanes: &mut BatchLanes,
    session: &SessionLanes,
    summaries: &SummaryLanes,
    disclosers: F32s<I>,
) {
    let n = groups.len();
    let group = |l: usize| &groups[lane(l, n)];
    let (rules, step, ctx) = (batch.rules, batch.step, batch.ctx);
    let ids = group_ids(isa, groups);
    let figures = (session, summaries);
    if rules.stigma.enabled {
        let bonus = gather(isa, |l| {
            (ctx.safety_bonus + group(l).character.safety()) as f32
        });
        timed!(
            Stigma,
            steps::stigma(isa, &rules.stigma, (bonus, disclosers), lanes, session)
        );
    }
    timed!(
        Loneliness,
        steps::loneliness(isa, rules, step, ids, lanes, figures)
    );
    let gain = gather(isa, |l| group(l).character.session_gain() as f32);
    timed!(
        Recovery,
        steps::recovery(isa, rules, step, ids, gain, lanes, session)
    );
    if ctx.scenario.mechanisms.dropout.enabled {
        timed!(
            Dropout,
            steps::dropout(isa, rules, step, ids, lanes, figures)
        );
    }
    if !ctx.open {
        let community = &ctx.scenario.community;
        let floor = community.min_group_size.min(community.group_size);
        timed!(GroupEnd, steps::group_end(isa, floor, step, lanes));
    }
    timed!(
        Cohesion,
        steps::cohesion(isa, &rules.cohesion, lanes, figures)
    );
}

#[cfg(test)]
mod tests {
    use crate::context::SessionContext;
    use crate::engine::{step_all, step_all_with};
    use crate::outside::{GroupOutside, Outside};
    use crate::population::build_community_with;
    use crate::scenario::Scenario;

    /// Every group's and control block's members' and pairs' state after
    /// a year, as bits, in AVX2's lanes or the portable ones.
    fn state_after_a_year(s: &Scenario, portable: bool) -> Vec<u32> {
        state_after_a_year_asking(s, portable, false)
    }

    /// [`state_after_a_year`], each batch's session asking for the next
    /// batch's memory or not.
    fn state_after_a_year_asking(s: &Scenario, portable: bool, ask_ahead: bool) -> Vec<u32> {
        let mut ctx = SessionContext::new(s, 3);
        ctx.portable_lanes = portable;
        ctx.ask_ahead = ask_ahead;
        let mut groups = build_community_with(&ctx);
        for step in 1..=s.format.sessions {
            step_all(&mut groups, &ctx, step);
        }
        let mut bits = Vec::new();
        for g in &groups {
            for m in &g.members {
                let scores = [
                    m.loneliness,
                    m.hope,
                    m.stigma,
                    m.cohesion,
                    m.dose,
                    m.reply_memory,
                ];
                bits.extend(scores.map(f32::to_bits));
                bits.extend([
                    m.status as u32,
                    m.left_step,
                    m.sessions_attended,
                    u32::from(m.caught),
                    m.disclosures,
                    m.replies_received,
                    m.replies_given,
                ]);
            }
            for f in &g.forum {
                bits.extend([f.posts, f.first_post_step, u32::from(f.posted_again)]);
            }
            bits.extend(g.bonds.strengths().iter().map(|x| x.to_bits()));
            bits.extend(g.bonds.hours().iter().map(|x| x.to_bits()));
        }
        bits
    }

    #[test]
    fn avx2_and_portable_lanes_give_the_same_year() {
        #[cfg(target_arch = "x86_64")]
        if crate::kernel::lanes::Avx2::detect().is_some() {
            let room = Scenario::builder()
                .set("community.groups", 200)
                .set("community.control_members", 100)
                .set("mechanisms.contagion.enabled", true)
                .build()
                .unwrap();
            let forum = Scenario::builder()
                .set("community.groups", 24)
                .set("community.group_size", 60)
                .set("format.delivery", "forum")
                .build()
                .unwrap();
            for s in [room, forum] {
                let avx2 = state_after_a_year(&s, false);
                assert!(avx2.len() > 10_000);
                assert!(avx2 == state_after_a_year(&s, true), "the lanes differ");
            }
        }
    }

    #[test]
    fn asking_for_the_next_batchs_memory_changes_nothing() {
        // 200 groups: runs of eight batches, the last run short; open
        // groups, whose rosters change, and control blocks after them.
        let s = Scenario::builder()
            .set("community.groups", 200)
            .set("community.control_members", 100)
            .set("format.membership", "open")
            .build()
            .unwrap();
        assert!(
            !SessionContext::new(&s, 3).ask_ahead,
            "a small state asks for nothing"
        );
        let asking = state_after_a_year_asking(&s, false, true);
        assert!(asking.len() > 10_000);
        assert!(
            asking == state_after_a_year(&s, false),
            "asking changed the year"
        );
    }

    #[test]
    fn asking_ahead_gives_each_group_its_own_community_counts() {
        // Runs of eight batches index the community ties' counts by each
        // group's place in the community: counts that differ from group
        // to group must reach the same groups either way.
        let s = Scenario::builder()
            .set("community.groups", 200)
            .build()
            .unwrap();
        let year = |ask_ahead: bool, shift: usize| {
            let mut ctx = SessionContext::new(&s, 3);
            ctx.ask_ahead = ask_ahead;
            let mut groups = build_community_with(&ctx);
            let outside: Vec<GroupOutside> = (0..groups.len())
                .map(|k| GroupOutside {
                    members: (0..groups[k].places())
                        .map(|i| Outside {
                            lonely: ((k + shift + i) % 4) as u16,
                            hopeful: ((7 * (k + shift) + i) % 3) as u16,
                            active: 1,
                        })
                        .collect(),
                    mates: Vec::new(),
                })
                .collect();
            for step in 1..=s.format.sessions {
                step_all_with(&mut groups, &ctx, step, Some(&outside));
            }
            let members = groups.iter().flat_map(|g| &g.members);
            members
                .map(|m| [m.loneliness, m.hope].map(f32::to_bits))
                .collect::<Vec<_>>()
        };
        let asking = year(true, 0);
        assert!(asking == year(false, 0), "asking changed the year");
        assert!(asking != year(true, 1), "the counts change nothing");
    }

    #[test]
    fn a_groups_year_does_not_depend_on_what_shares_its_batch() {
        // Thirteen groups: the second batch holds five groups, and with a
        // control arm its control blocks too; the groups' years are the
        // same bits either way.
        let community = |control_members: u32| {
            Scenario::builder()
                .set("community.groups", 13)
                .set("community.control_members", control_members)
                .build()
                .unwrap()
        };
        let alone = state_after_a_year(&community(0), false);
        assert!(alone.len() > 1_000);
        let with_control = state_after_a_year(&community(40), false);
        assert!(alone[..] == with_control[..alone.len()]);
    }
}
