//! One session of one group: the process order of `docs/MODEL.md` §3.2.
//!
//! [`step_group`] runs session `step` of one group (or one step of a control
//! block) and returns the group's [`Tally`]. A support group's session is
//! the list of numbered steps in `steps.rs` (`support_group`), one function each, named
//! as in the model's table: membership, attendance, floor time and
//! disclosure, replies, mood, universality, hope, ties, stigma, loneliness,
//! recovery, dropout, group end (closed groups too small), cohesion. The
//! steps live beside the list, step 8 (ties,
//! the loop over pairs) in `ties.rs`. A forum (`format.delivery =
//! "forum"`) replaces steps 3, 4 and 6 with posting, replies from readers
//! and reading, in `forum.rs`.
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

mod forum;
mod steps;
mod ties;

use steps::{control_block, support_group};

use crate::metrics::{RowId, Tally};
use crate::output::PanelRow;
use crate::outside::GroupOutside;
use crate::population::GroupState;
use crate::rng::StreamKey;

pub use crate::context::SessionContext;

/// What the steps of one session hand on to each other, by place in the
/// group; one per thread, reused from group to group.
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

impl Scratch {
    fn reset(&mut self, n: usize) {
        for v in [
            &mut self.present,
            &mut self.lonely,
            &mut self.attended,
            &mut self.no_reply,
        ] {
            v.clear();
            v.resize(n, false);
        }
        for v in [
            &mut self.minutes,
            &mut self.depth,
            &mut self.replies,
            &mut self.given,
            &mut self.relief,
            &mut self.outside_share,
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
        self.at_session = 0;
        self.disclosers = 0;
        self.attendees.clear();
        self.talk_order.clear();
        self.disclosures.clear();
        self.moods.clear();
        self.post_authors.clear();
        self.exchanges.clear();
        self.hopeful_read.clear();
        self.hopeful_read.resize(n, 0);
    }

    /// The panel.csv rows of the session just run in `g` (call right after
    /// [`step_group`], before the scratch's next session): one per member
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

/// Runs session `step` (1-based) for one group or control block and
/// returns its tally.
pub fn step_group(
    g: &mut GroupState,
    ctx: &SessionContext,
    step: u32,
    scratch: &mut Scratch,
    outside: &GroupOutside,
) -> Tally {
    scratch.reset(g.places());
    let session = Session {
        ctx,
        step,
        key: ctx.stream_key(step, g.id),
        outside,
    };
    let mut tally = if g.meets {
        support_group(&session, g, scratch)
    } else {
        control_block(&session, g, scratch)
    };
    if g.meets
        && ctx
            .scenario
            .network
            .measures(step, ctx.scenario.format.sessions)
    {
        let mut memo = g.network_memo.take();
        tally.network = crate::network::NetStats::of_group_remembered(g, &mut memo);
        g.network_memo = memo;
    }
    tally.set_clustering(g);
    tally
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
