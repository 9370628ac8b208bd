//! One session of a group: the process order of `docs/MODEL.md` §3.2.
//!
//! [`step_groups`] runs session `step` of a batch of up to
//! [`BATCH_GROUPS`] groups (or one step of control blocks) on one thread
//! and gives each group's [`Tally`]. A support group's session is the list
//! of numbered steps in `steps.rs`, one function each, named as in the
//! model's table: membership, attendance, floor time and disclosure,
//! replies, mood, universality, hope, ties, stigma, loneliness, recovery,
//! dropout, group end (closed groups too small), cohesion. The steps live
//! beside the list, step 8 (ties, the loop over pairs) in `ties.rs`. A
//! forum (`format.delivery = "forum"`) replaces steps 3, 4 and 6 with
//! posting, replies from readers and reading, in `forum.rs`. The list runs
//! in two halves, to the pairs' update of step 8 and from its tie summary
//! on, and the batch's tie summaries are made between them, at once
//! ([`tie_summaries`]): in vector lanes, one group in each.
//!
//! A step reads the `Session` (the replicate's [`SessionContext`], the
//! step's key, the community ties), the group and what the earlier
//! steps left in the [`Scratch`]; its signature says which of the group and
//! the scratch it writes. It applies the rules of [`crate::rules`] and takes
//! its draws from its own [`Purpose`]'s numbers at each member's place (or
//! pair's index, [`crate::rng::Draws`]), so a draw depends neither on the
//! draws taken before it nor on which thread runs the group. It touches
//! nothing outside the group.
//!
//! [`Purpose`]: crate::rng::Purpose

/// `$call`, its time added to [`crate::step_timing`]'s `$part` when the
/// `step-timing` feature is on (otherwise the call as it is).
macro_rules! timed {
    ($part:ident, $call:expr) => {{
        #[cfg(feature = "step-timing")]
        let since = crate::step_timing::now();
        let result = $call;
        #[cfg(feature = "step-timing")]
        crate::step_timing::add(crate::step_timing::Part::$part, since);
        result
    }};
}

mod forum;
mod in_lanes;
#[cfg(target_arch = "x86_64")]
mod loneliness_lanes;
mod steps;
mod ties;

use steps::{
    control_block, support_group_from_summary, support_group_opening, support_group_to_summary,
};

use crate::metrics::{RowId, Tally};
use crate::output::PanelRow;
use crate::outside::GroupOutside;
use crate::population::GroupState;
use crate::rng::StreamKey;

pub use crate::context::SessionContext;

/// What the steps of one session hand on to each other, by place in the
/// group; one per group of a batch ([`BatchScratch`]), reused from batch to
/// batch.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Active at the start of the session (after admissions).
    present: Vec<bool>,
    /// Loneliness at or above the cut-off at the start of the session.
    lonely: Vec<bool>,
    /// Members active at the start of the session.
    at_session: u64,
    attended: Vec<bool>,
    /// Places of those who attend, in place order.
    attendees: Vec<usize>,
    /// Attendees, most open first: the floor's rank order, as
    /// [`crate::rules::sharing::talk_order_key`]s.
    talk_order: Vec<u64>,
    /// Floor minutes of each attendee.
    minutes: Vec<f64>,
    /// Depth (0–1) of each member's disclosure; 0 if none.
    depth: Vec<f64>,
    /// Attendees who disclosed.
    disclosers: usize,
    /// In a room (step 3): the attendees who disclosed, in place order,
    /// with the depth of their disclosure, for the steps that walk the
    /// disclosures (replies, universality).
    disclosures: Vec<(usize, f64)>,
    /// Replies a discloser received this session: support received.
    replies: Vec<f64>,
    /// A discloser got no reply at all this session.
    no_reply: Vec<bool>,
    /// Replies a listener made this session: support given.
    given: Vec<f64>,
    /// Each attendee's mood (attendee order): the morale of cohesion.
    moods: Vec<f64>,
    mood_deltas: Vec<f64>,
    /// Universality's relief, applied in the loneliness step.
    relief: Vec<f64>,
    /// Share of each member's ties' wanted contact outside the sessions
    /// that their time budget covers (from the hours the ties would take).
    outside_share: Vec<f64>,
    /// What the pair pass in vector lanes gathers of each member.
    #[cfg(target_arch = "x86_64")]
    member_tables: ties::lanes::MemberTables,
    /// Each member's ties' wanted hours outside the sessions, summed in
    /// vector lanes.
    #[cfg(target_arch = "x86_64")]
    wanted_hours: ties::lanes::WantedHours,
    /// A forum's period: the author's place of every post, in order.
    post_authors: Vec<usize>,
    /// A forum's period: replies exchanged, by pair index, sorted.
    exchanges: Vec<(usize, u32)>,
    /// A forum's period: hopeful authors each visitor read (each once).
    hopeful_read: Vec<u32>,
}

/// `v` as `n` copies of `zero`: filled in place when it already has `n`
/// (a batch's groups are alike, so it mostly has).
fn zeroed<T: Copy>(v: &mut Vec<T>, n: usize, zero: T) {
    if v.len() == n {
        v.fill(zero);
    } else {
        v.clear();
        v.resize(n, zero);
    }
}

impl Scratch {
    fn reset(&mut self, n: usize) {
        for v in [
            &mut self.present,
            &mut self.lonely,
            &mut self.attended,
            &mut self.no_reply,
        ] {
            zeroed(v, n, false);
        }
        for v in [
            &mut self.minutes,
            &mut self.depth,
            &mut self.replies,
            &mut self.given,
            &mut self.relief,
            &mut self.outside_share,
        ] {
            zeroed(v, n, 0.0);
        }
        self.at_session = 0;
        self.disclosers = 0;
        self.attendees.clear();
        self.talk_order.clear();
        self.disclosures.clear();
        self.moods.clear();
        self.post_authors.clear();
        self.exchanges.clear();
        zeroed(&mut self.hopeful_read, n, 0);
    }

    /// The panel.csv rows of the session just run in `g` (call right after
    /// [`step_groups`], before the scratch's next session): one per member
    /// active at its start, in place order, with the scores after it.
    pub fn panel_rows(
        &self,
        g: &GroupState,
        id: &RowId,
        step: u32,
        week: f64,
        out: &mut Vec<PanelRow>,
    ) {
        for i in (0..g.arrived).filter(|&i| self.present[i]) {
            out.push(PanelRow {
                run: id.run,
                replicate: id.replicate,
                arm: id.arm.clone(),
                group: g.id,
                member: g.first_member + i as u64,
                step,
                week,
                attended: self.attended[i],
                disclosed: self.depth[i] > 0.0,
                replies_received: self.replies[i] as u32,
                loneliness: g.members[i].loneliness,
                hope: g.members[i].hope,
                stigma: g.members[i].stigma,
                cohesion: g.members[i].cohesion,
            });
        }
    }
}

/// The session being run: the replicate's context, the step, the key of
/// this group's draws at this step, and what the members' community ties
/// are doing. Each step reads it with the group and the [`Scratch`].
struct Session<'a> {
    ctx: &'a SessionContext<'a>,
    step: u32,
    key: StreamKey,
    /// Per member (empty without a community network).
    outside: &'a GroupOutside,
}

/// Groups whose sessions run together on one thread ([`step_groups`]).
pub const BATCH_GROUPS: usize = 8;

// A batch's tie summaries fit the summary's lanes at once.
#[cfg(target_arch = "x86_64")]
const _: () = assert!(BATCH_GROUPS <= crate::bonds::summary_lanes::LANES);

/// The scratches of a batch's groups, and the tables of their tie
/// summaries in vector lanes; one per thread, reused from batch to batch.
#[derive(Debug, Default)]
pub struct BatchScratch {
    groups: [Scratch; BATCH_GROUPS],
    #[cfg(target_arch = "x86_64")]
    summaries: crate::bonds::summary_lanes::SummaryTables,
    /// The batch in the kernel's lanes, where its steps run.
    in_lanes: in_lanes::BatchInLanes,
}

impl BatchScratch {
    /// The scratch of the batch's group `at` (its panel rows).
    pub fn group(&self, at: usize) -> &Scratch {
        &self.groups[at]
    }
}

/// Runs session `step` (1-based) for a batch of up to [`BATCH_GROUPS`]
/// groups or control blocks, and puts their tallies in `tallies` (one per
/// group, in order); `outside` gives what the community ties of the batch's
/// group `at` are doing. Each group's session runs its steps in order,
/// touching nothing outside the group, but the tie summaries that end step
/// 8 are made for the whole batch at once ([`tie_summaries`]), so that they
/// can be made in vector lanes, one group in each.
pub fn step_groups<'a>(
    groups: &mut [GroupState],
    ctx: &SessionContext,
    step: u32,
    scratch: &mut BatchScratch,
    outside: impl Fn(usize) -> &'a GroupOutside,
    tallies: &mut [Tally],
) {
    assert!(groups.len() <= BATCH_GROUPS && tallies.len() == groups.len());
    let session = |g: &GroupState, at: usize| Session {
        ctx,
        step,
        key: ctx.stream_key(step, g.id),
        outside: outside(at),
    };
    // The meeting groups come first, the control blocks after every group.
    let meeting = groups.iter().take_while(|g| g.meets).count();
    assert!(
        groups[meeting..].iter().all(|g| !g.meets),
        "meeting groups first"
    );
    let kernel = ctx.kernel.as_ref();
    // The tally's clustering comes from the network figures when they are
    // measured, else from the tie summary.
    let measured = ctx
        .scenario
        .network
        .measures(step, ctx.scenario.format.sessions);
    for (at, g) in groups.iter_mut().enumerate() {
        let sc = &mut scratch.groups[at];
        timed!(Reset, sc.reset(g.places()));
        match (kernel.is_some(), g.meets) {
            (true, true) => support_group_opening(&session(g, at), g, sc),
            (true, false) => timed!(ControlBlock, steps::session_flags(g, sc)),
            (false, true) => support_group_to_summary(&session(g, at), g, sc),
            (false, false) => {}
        }
    }
    let outsides: [&GroupOutside; BATCH_GROUPS] =
        std::array::from_fn(|at| outside(at.min(groups.len() - 1)));
    if let Some(rules) = kernel {
        // The whole session from step 2, then the control blocks'.
        let (meeting_groups, blocks) = groups.split_at_mut(meeting);
        let into = &mut scratch.in_lanes;
        if meeting > 0 {
            let batch = in_lanes::Batch::new(rules, ctx, step, &outsides[..meeting]);
            let scratches = &mut scratch.groups[..meeting];
            in_lanes::session(&batch, meeting_groups, scratches, into, !measured);
        }
        if !blocks.is_empty() {
            let outsides = &outsides[meeting..meeting + blocks.len()];
            let batch = in_lanes::Batch::new(rules, ctx, step, outsides);
            timed!(ControlBlock, in_lanes::control_blocks(&batch, blocks, into));
        }
    } else {
        timed!(TieSummaries, tie_summaries(groups, ctx, !measured, scratch));
    }
    for (at, (g, tally)) in groups.iter_mut().zip(tallies).enumerate() {
        let sc = &mut scratch.groups[at];
        *tally = match (kernel.is_some(), g.meets) {
            (true, true) => steps::tally(&session(g, at), g, sc),
            (true, false) => Tally::of_group(g, &ctx.levels, 0, 0),
            (false, true) => support_group_from_summary(&session(g, at), g, sc),
            (false, false) => timed!(ControlBlock, control_block(&session(g, at), g, sc)),
        };
        if g.meets && measured {
            let mut memo = g.network_memo.take();
            tally.network = timed!(
                NetworkFigures,
                crate::network::NetStats::of_group_remembered(g, &mut memo)
            );
            g.network_memo = memo;
        }
        timed!(Clustering, tally.set_clustering(g));
    }
}

/// The tie summary TS(k) that ends step 8, for every meeting group of a
/// batch, from this session's present and lonely flags: in vector lanes
/// for the groups that fit them where the processor has them
/// ([`crate::bonds::summary_lanes`]), else one group at a time; the same
/// bits either way. The lanes make each group's clustering sum too where
/// the tally will need it (`with_clustering`).
fn tie_summaries(
    groups: &mut [GroupState],
    ctx: &SessionContext,
    with_clustering: bool,
    scratch: &mut BatchScratch,
) {
    #[cfg(target_arch = "x86_64")]
    use crate::bonds::summary_lanes::{self, Lane};
    let meeting = groups
        .iter_mut()
        .zip(&scratch.groups)
        .filter(|(g, _)| g.meets);
    #[cfg(target_arch = "x86_64")]
    let (in_lanes, mut lanes, mut filled) =
        (ctx.lanes(), <[Option<Lane>; BATCH_GROUPS]>::default(), 0);
    for (g, sc) in meeting {
        #[cfg(target_arch = "x86_64")]
        if in_lanes && summary_lanes::fits(g.places()) {
            lanes[filled] = Some(Lane {
                bonds: &g.bonds,
                arrived: g.arrived,
                present: &sc.present,
                lonely: &sc.lonely,
                joined: if with_clustering { joined_places(g) } else { 0 },
                summary: &mut g.tie_summary,
            });
            filled += 1;
            continue;
        }
        g.tie_summary
            .compute(&g.bonds, g.arrived, &sc.present, &sc.lonely, &ctx.levels);
    }
    #[cfg(target_arch = "x86_64")]
    if filled > 0 {
        // SAFETY: `ctx.lanes()` found AVX2 on the running processor.
        unsafe {
            summary_lanes::summarize(
                &mut lanes[..filled],
                &ctx.levels,
                with_clustering,
                &mut scratch.summaries,
            )
        };
    }
    // Without lanes the tally makes its clustering sum itself.
    #[cfg(not(target_arch = "x86_64"))]
    let _ = with_clustering;
}

/// Bit `i`: member `i` of a group of up to 64 places has joined.
#[cfg(target_arch = "x86_64")]
fn joined_places(g: &GroupState) -> u64 {
    let joined = g
        .members
        .iter()
        .map(|m| m.joined_step != crate::population::NEVER);
    joined
        .enumerate()
        .fold(0, |bits, (i, j)| bits | u64::from(j) << i)
}

/// A discloser who had listeners (or a poster who had readers) received
/// `received` replies this session: counted, flagged when there were none
/// (`no_reply`, the scratch's), and remembered as answered or not.
fn remember_replies(
    p: &crate::rules::replies::Replies,
    g: &mut GroupState,
    no_reply: &mut bool,
    j: usize,
    received: u32,
) {
    *no_reply = received == 0;
    g.members[j].replies_received += received;
    let memory = f64::from(g.members[j].reply_memory);
    g.members[j].reply_memory = crate::rules::replies::remember(p, memory, received > 0) as f32;
}
