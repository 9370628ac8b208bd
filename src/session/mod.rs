//! One session of a group: the process order of `docs/MODEL.md` §3.2.
//!
//! [`step_groups`] runs session `step` of a batch of up to
//! [`BATCH_GROUPS`] groups (or control blocks) on one thread and gives
//! each group's [`Tally`]. Step 1 (membership) and, for panel rows, the
//! session's flags run on each group (`steps.rs`); steps 2 to 13 run in the f32 kernel's
//! lanes, eight groups of one size at once, one group in each lane
//! (`in_lanes.rs`, over [`crate::kernel`]): attendance, floor time and
//! disclosure (a forum: posting), replies, mood, universality (a forum:
//! reading), hope, ties, the tie summaries, stigma, loneliness, recovery,
//! dropout, a closed group's end and cohesion, and each group's tally. A
//! control block's session (nobody attends, no ties) is hope and
//! loneliness alone, and its tally. Then the network figures, where
//! measured, and each tally's clustering.
//!
//! Steps 2 to 13 take their numbers from the replicate's Philox key at
//! (step, group, purpose, position: a place's or a pair's, four to a
//! call), step 1 its arrivals from the group's SplitMix64 stream, so a
//! draw depends neither on
//! the draws taken before it nor on which thread runs the group, nor on
//! which groups share its batch; a step touches nothing outside its
//! group.

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

mod in_lanes;
mod steps;

pub use in_lanes::{KeptLanes, LanesKept};

use crate::bonds::Held;
use crate::kernel::rules::KernelRules;
use crate::metrics::{RowId, Tally};
use crate::output::PanelRow;
use crate::outside::GroupOutside;
use crate::population::GroupState;
use crate::rng::StreamKey;

pub use crate::context::SessionContext;

/// What a session leaves of each group for its network figures and panel
/// rows; one per group of a batch ([`BatchScratch`]), reused from batch to
/// batch.
/// The rows by place are filled only for panel rows.
#[derive(Debug, Default)]
pub struct Scratch {
    /// By place: active at the start of the session (after admissions),
    /// attended, the depth (0–1) of their disclosure (0 if none), the
    /// replies they received.
    present: Vec<bool>,
    attended: Vec<bool>,
    depth: Vec<f64>,
    replies: Vec<f64>,
    /// Who joined and the strengths of the ties among them, where made
    /// (for the network figures).
    network: Option<crate::network::FromTally>,
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
    /// Empties the rows by place for a group of `n` places.
    fn reset(&mut self, n: usize) {
        zeroed(&mut self.present, n, false);
        zeroed(&mut self.attended, n, false);
        zeroed(&mut self.depth, n, 0.0);
        zeroed(&mut self.replies, n, 0.0);
    }

    /// The panel.csv rows of the session just run in `g` (call right after
    /// [`step_groups`], before the scratch's next session; the batch's
    /// scratches made by [`BatchScratch::for_panel`]): one per member
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

/// The scratches of a batch's groups, and the batch in the kernel's
/// lanes; one per thread, reused from batch to batch.
#[derive(Debug, Default)]
pub struct BatchScratch {
    groups: [Scratch; BATCH_GROUPS],
    /// What the batch's steps hand on in the kernel's lanes.
    in_lanes: in_lanes::BatchInLanes,
    /// The batch's state in the kernel's lanes where it has none of its
    /// own kept from session to session ([`step_groups`]' `kept`), and a
    /// control block's members.
    lanes: KeptLanes,
    /// The scratches keep their rows by place, for panel rows.
    panel: bool,
}

impl BatchScratch {
    /// Scratches that keep their rows by place, for
    /// [`Scratch::panel_rows`].
    pub fn for_panel() -> BatchScratch {
        BatchScratch {
            panel: true,
            ..BatchScratch::default()
        }
    }

    /// The scratch of the batch's group `at` (its panel rows).
    pub fn group(&self, at: usize) -> &Scratch {
        &self.groups[at]
    }
}

/// Runs session `step` (1-based) for a batch of up to [`BATCH_GROUPS`]
/// groups or control blocks (the groups first), with the replicate's
/// context and the kernel's rules made from it, and puts their tallies in
/// `tallies` (one per group, in order); `outside` gives what the community
/// ties of the batch's group `at` are doing. With `carry`, the meeting
/// groups' tie summaries (of up to 128 places) are left holding only what
/// the next session reads of them, and the network ties where the network
/// is measured ([`crate::bonds::Held::Carry`]); else whole, for callers
/// that read them. Step 1 (and for panel rows
/// the session's flags) runs on each group, then the meeting groups'
/// steps 2 to 13 and the control blocks' sessions in the kernel's lanes,
/// which make each tally, then the network figures where measured and
/// each tally's clustering. The meeting groups' session asks for the
/// memory of `next`, the groups this thread runs next (empty where none
/// are to be asked for; [`crate::prefetch`]), as it goes. With `kept`, the
/// meeting groups' state in lanes is the batch's own, as its last session
/// left it and for its next, as [`LanesKept`] says (the caller decides
/// where a batch may stay in lanes); without, the groups' state is copied
/// in and out.
pub fn step_groups<'a>(
    groups: &mut [GroupState],
    (ctx, rules): (&SessionContext, &KernelRules),
    (step, carry): (u32, bool),
    scratch: &mut BatchScratch,
    outside: impl Fn(usize) -> &'a GroupOutside,
    (tallies, next): (&mut [Tally], &[GroupState]),
    kept: Option<(&mut KeptLanes, LanesKept)>,
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
    // The tally's clustering comes from the network figures when they are
    // measured, else from the tie summary.
    let measured = ctx
        .scenario
        .network
        .measures(step, ctx.scenario.format.sessions);
    for (at, g) in groups.iter_mut().enumerate() {
        // Closed groups admit nobody.
        if g.meets && ctx.open {
            timed!(Membership, steps::membership(&session(g, at), g)); // 1
        }
        if scratch.panel {
            let sc = &mut scratch.groups[at];
            timed!(Reset, sc.reset(g.places()));
            timed!(SessionFlags, steps::session_flags(g, sc));
        }
    }
    let outsides: [&GroupOutside; BATCH_GROUPS] =
        std::array::from_fn(|at| outside(at.min(groups.len() - 1)));
    let (meeting_groups, blocks) = groups.split_at_mut(meeting);
    let into = &mut scratch.in_lanes;
    if meeting > 0 {
        // Steps 2 to 13.
        let batch = in_lanes::Batch::new(rules, ctx, step, &outsides[..meeting]);
        let scratches = &mut scratch.groups[..meeting];
        let held = if carry {
            Held::Carry { tie_bits: measured }
        } else {
            Held::Whole
        };
        let panel = scratch.panel;
        let (state, lanes) = match kept {
            Some((own, lanes)) => {
                assert!(!panel, "panel rows read the groups");
                assert!(
                    !(lanes.for_next && measured && meeting_groups[0].places() > 64),
                    "the network figures of groups of over 64 places read the groups"
                );
                (own, lanes)
            }
            None => (&mut scratch.lanes, LanesKept::default()),
        };
        let wanted = (measured, panel, held, lanes);
        let each = (scratches, &mut tallies[..meeting]);
        in_lanes::session(&batch, meeting_groups, each, (into, state), wanted, next);
    }
    if !blocks.is_empty() {
        let outsides = &outsides[meeting..meeting + blocks.len()];
        let batch = in_lanes::Batch::new(rules, ctx, step, outsides);
        let tallies = &mut tallies[meeting..];
        timed!(
            ControlBlock,
            in_lanes::control_blocks(&batch, blocks, tallies, (into, &mut scratch.lanes))
        );
    }
    for (at, (g, tally)) in groups.iter_mut().zip(tallies).enumerate() {
        let sc = &scratch.groups[at];
        if g.meets && measured {
            let mut memo = g.network_memo.take();
            tally.network = timed!(
                NetworkFigures,
                crate::network::NetStats::of_group_remembered(g, &mut memo, sc.network)
            );
            g.network_memo = memo;
            // The sum over the members who joined, whose ties the network
            // figures read (a group left in lanes has them and no other
            // state to read).
            tally.clustering_sum = tally.network.clustering_sum;
        } else {
            timed!(Clustering, tally.set_clustering(g));
        }
    }
}
