//! One step of a run: every group's session, a block of groups at a time,
//! and the fold of their tallies into the step's totals in group order
//! ([`StepTotals`]), with the group rows made from the tallies and the
//! time-series rows the totals make. Where nothing between sessions reads
//! every group, a block runs several sessions before the next block, and
//! the group rows of those sessions are handed on after the last
//! ([`sessions_in_blocks`]).

use std::cell::RefCell;
use std::ops::RangeInclusive;

use rayon::prelude::*;

use crate::bonds::can_carry;
use crate::kernel::rules::KernelRules;
use crate::metrics::{GroupFigures, MemberSums, RowId, Tally};
use crate::network::NetStats;
use crate::output::{GroupRow, PanelRow, TimeseriesRow};
use crate::outside::GroupOutside;
use crate::population::{Arm, GroupState};
use crate::rules::group_differences::GroupCharacter;
use crate::scenario::{Membership, Scenario};
use crate::session::{
    BATCH_GROUPS, BatchScratch, KeptLanes, LanesKept, SessionContext, step_groups,
};

use super::measures_network;

/// A step's tallies added up in group order: per arm, and the network
/// figures of the groups that meet. The tallies are folded a block of
/// groups at a time ([`step_block_groups`]) as their sessions end, in the
/// same order as one pass over every group would, so a run holds two
/// blocks' tallies (the block being folded and the block whose sessions
/// run meanwhile) rather than one per group.
#[derive(Debug, Default)]
pub(super) struct StepTotals {
    /// Per arm, in [`Arm::ALL`] order: the sum of its groups' tallies and
    /// how many groups it has.
    pub(super) arms: [(Tally, u64); 2],
    /// Network figures summed over the groups that meet.
    pub(super) network: NetStats,
}

impl StepTotals {
    /// Adds the tallies of `groups` (one each, in group order).
    fn add(&mut self, groups: &[GroupState], tallies: &[Tally]) {
        for (g, t) in groups.iter().zip(tallies) {
            self.add_one(GroupKind::of(g), t);
        }
    }

    /// Adds the tallies of groups of these kinds (one each, in group order).
    fn add_kinds(&mut self, kinds: &[GroupKind], tallies: &[Tally]) {
        for (kind, t) in kinds.iter().zip(tallies) {
            self.add_one(*kind, t);
        }
    }

    /// Adds one group's tally.
    fn add_one(&mut self, kind: GroupKind, t: &Tally) {
        let (total, count) = &mut self.arms[kind.arm.index()];
        total.add(t);
        *count += 1;
        if kind.meets {
            self.network.add(&t.network);
        }
    }
}

/// What the fold reads of a group, which no session changes: its arm and
/// whether it meets.
#[derive(Debug, Clone, Copy)]
struct GroupKind {
    arm: Arm,
    meets: bool,
}

impl GroupKind {
    fn of(g: &GroupState) -> GroupKind {
        GroupKind {
            arm: g.arm,
            meets: g.meets,
        }
    }
}

/// Groups of a block for every two threads ([`step_block_groups`]): a
/// block's sessions run (in parallel) before its tallies are folded into
/// the step's totals and its group rows' figures taken.
const STEP_BLOCK_GROUPS: usize = 1024;

/// The most a block's batches may hold in lanes of their own between
/// sessions ([`sessions_in_blocks`]), as estimated from their groups'
/// state ([`Scenario::group_state_bytes`], which their lanes take about
/// as much of): a block of groups of 10 takes about 3.6 MB of it for
/// every two threads, and where a block's groups would take more (groups
/// of 28 places or more, at 1,024 groups), they are copied in and
/// out every session instead, so that a run's peak memory grows by at
/// most this much.
const KEPT_LANES_MAX_BYTES: u64 = 16 << 20;

/// Whether the batches of a block of `groups` groups may keep lanes of
/// their own between sessions within [`KEPT_LANES_MAX_BYTES`].
pub(super) fn lanes_kept_within_bounds(scenario: &Scenario, groups: usize) -> bool {
    (groups as u64).saturating_mul(scenario.group_state_bytes()) <= KEPT_LANES_MAX_BYTES
}

/// Whether a block of `groups` groups may stay in lanes from one session
/// to the next ([`LanesKept`]) where the session reads no group after it:
/// nothing else reads or changes its groups between sessions (no
/// newcomers join, as in open groups; no forum, whose session takes a
/// pair's numbers from the groups as it comes to the pair; panel rows
/// and community ties end every session's segment), their tie summaries can be carried (groups of up to 128
/// places, every meeting group's places the roster's) and the block's
/// lanes fit in their bound.
fn may_stay_in_lanes(ctx: &SessionContext, groups: usize) -> bool {
    let scenario = ctx.scenario;
    !ctx.open
        && !ctx.forum
        && can_carry(scenario.pool_size() as usize)
        && lanes_kept_within_bounds(scenario, groups)
}

/// Batches a thread runs one after another, each asking for the next
/// one's memory as it goes, where [`SessionContext::ask_ahead`]; elsewhere
/// a thread takes one batch at a time, so that a small community's few
/// batches are shared out finely among many threads.
const RUN_BATCHES: usize = 8;

/// The groups of a block with `threads` threads: [`STEP_BLOCK_GROUPS`] for
/// every two threads, so that each thread has about 64 batches of a block
/// to run, however many threads share it (the fewer a thread has, the more
/// of a block's time goes to starting it and waiting for its last batch).
/// The results do not depend on it.
pub(super) fn step_block_groups(threads: usize) -> usize {
    STEP_BLOCK_GROUPS * threads.div_ceil(2).max(1)
}

/// Where a step's group rows go, and whether they are due: one for the
/// run, moved on from step to step ([`StepOutput::at`]).
pub(super) struct StepOutput<'a, 'b> {
    pub(super) id: &'a RowId,
    pub(super) step: u32,
    week: f64,
    /// `groups.csv` is written and the network measured at this step.
    rows_due: bool,
    group_rows: &'a mut (dyn FnMut(&[GroupRow]) + 'b),
    /// Reused between blocks and steps (a block's rows, grown once).
    rows: Vec<GroupRow<'a>>,
    /// Reused between blocks and steps: the tallies of the block being
    /// folded and of the block whose sessions run meanwhile, each written
    /// whole by its group's session.
    tallies: [Vec<Tally>; 2],
    /// Reused between blocks and steps: each batch's state in lanes, kept
    /// there from one session to the next ([`sessions_in_blocks`]).
    kept: Vec<KeptLanes>,
    /// Reused between segments: the meeting groups' figures at each
    /// session of a segment whose rows are due (the first such session's
    /// first), held until the segment's last ([`sessions_in_blocks`]).
    held: Vec<Vec<GroupFigures>>,
    /// The meeting groups' ids and characters, which no session changes,
    /// for their held rows: taken from the groups once, so that a
    /// session's rows read them rather than every group's state.
    meeting: Vec<(u32, GroupCharacter)>,
}

impl<'a, 'b> StepOutput<'a, 'b> {
    /// The output of step 0 (before the first session).
    pub(super) fn new(
        scenario: &Scenario,
        id: &'a RowId,
        group_rows: &'a mut (dyn FnMut(&[GroupRow]) + 'b),
    ) -> Self {
        let mut output = StepOutput {
            id,
            step: 0,
            week: 0.0,
            rows_due: false,
            group_rows,
            rows: Vec::new(),
            tallies: [Vec::new(), Vec::new()],
            kept: Vec::new(),
            held: Vec::new(),
            meeting: Vec::new(),
        };
        output.at(scenario, 0);
        output
    }

    /// Moves on to `step`.
    pub(super) fn at(&mut self, scenario: &Scenario, step: u32) {
        self.step = step;
        self.week = f64::from(step) * scenario.interval_days() / 7.0;
        self.rows_due = rows_due(scenario, step);
    }

    /// Folds a block's tallies into `totals` and hands on its group rows
    /// when they are due. The rows are made on this thread: a row is a few
    /// copies from its tally, cheaper than gathering rows made on several
    /// threads (the rows are serialized on every core).
    pub(super) fn fold(
        &mut self,
        totals: &mut StepTotals,
        groups: &[GroupState],
        tallies: &[Tally],
    ) {
        totals.add(groups, tallies);
        if self.rows_due {
            let (id, step, week) = (self.id, self.step, self.week);
            self.rows.clear();
            self.rows.extend(
                groups
                    .iter()
                    .zip(tallies)
                    .filter(|(g, _)| g.meets)
                    .map(|(g, t)| GroupRow::new(id, g, step, week, t)),
            );
            (self.group_rows)(&self.rows);
        }
    }

    /// Room for the figures of the group rows due at `steps`, a meeting
    /// group's each at each, in the buffers of the last segment's.
    fn hold_rows(
        &mut self,
        scenario: &Scenario,
        groups: &[GroupState],
        steps: RangeInclusive<u32>,
    ) -> HeldRows {
        let due: Vec<u32> = steps.filter(|&step| rows_due(scenario, step)).collect();
        if !due.is_empty() && self.meeting.is_empty() {
            let meeting = groups.iter().filter(|g| g.meets);
            self.meeting.extend(meeting.map(|g| (g.id, g.character)));
        }
        let mut figures = std::mem::take(&mut self.held);
        figures.resize_with(due.len(), Vec::new);
        for session in &mut figures {
            session.clear();
            session.reserve_exact(self.meeting.len());
        }
        HeldRows { due, figures }
    }

    /// Hands on the group rows `held` for each of its sessions in turn,
    /// `block_groups` groups' rows at a time, and keeps its buffers.
    fn hand_on_held(&mut self, scenario: &Scenario, held: HeldRows, block_groups: usize) {
        for (&step, figures) in held.due.iter().zip(&held.figures) {
            self.at(scenario, step);
            self.hand_on_rows(figures, block_groups);
        }
        self.held = held.figures;
    }

    /// Hands on the group rows of `self.step` from the meeting groups'
    /// figures (in group order), `block_groups` groups' rows at a time.
    fn hand_on_rows(&mut self, figures: &[GroupFigures], block_groups: usize) {
        let (id, step, week) = (self.id, self.step, self.week);
        assert_eq!(self.meeting.len(), figures.len(), "a row a meeting group");
        let mut rows = self.meeting.iter().zip(figures);
        loop {
            self.rows.clear();
            let block = rows.by_ref().take(block_groups.max(1));
            self.rows.extend(block.map(|((group, character), figures)| {
                GroupRow::of_figures(id, (*group, character), step, week, figures)
            }));
            if self.rows.is_empty() {
                break;
            }
            (self.group_rows)(&self.rows);
        }
    }
}

/// The figures of the group rows due at the sessions of a segment, held
/// until its last ([`StepOutput::hold_rows`]).
struct HeldRows {
    /// The sessions whose rows are due, in order.
    due: Vec<u32>,
    /// Each one's figures, a meeting group's each, in group order.
    figures: Vec<Vec<GroupFigures>>,
}

impl HeldRows {
    /// Holds the figures of a block's meeting groups (of these `kinds`)
    /// from their `tallies` at `step`, where its rows are due.
    fn add(&mut self, step: u32, kinds: &[GroupKind], tallies: &[Tally]) {
        if let Ok(at) = self.due.binary_search(&step) {
            let meeting = kinds.iter().zip(tallies).filter(|(kind, _)| kind.meets);
            self.figures[at].extend(meeting.map(|(_, t)| GroupFigures::of(step, t)));
        }
    }
}

/// Whether `groups.csv`'s rows are written after `step` (when the network
/// is measured).
pub(super) fn rows_due(scenario: &Scenario, step: u32) -> bool {
    scenario.output.groups_csv && measures_network(scenario, step)
}

/// Sessions `steps` for every group, `block_groups` at a time: each block
/// runs every session of `steps` before the next block begins, so that
/// its groups' state stays in the processor's caches from one session to
/// the next (where every group's session in turn would bring each group
/// back from memory every session). Each (block, session)'s tallies are
/// folded into that session's totals on this thread while the next one's
/// sessions run on the others, so that the fold (a sum in group order,
/// which no other order may replace: it adds floats) does not leave the
/// other threads waiting, and every session's totals are added in group
/// order, as one pass over every group would add them; the last is folded
/// alone. The group rows due at the sessions of `steps` are made from the
/// figures the fold holds for them ([`GroupFigures`], a row's worth of
/// each meeting group's tally) and handed on, session by session in group
/// order, after the last: nothing between the sessions of `steps` reads
/// or changes a group's state but its own sessions (the engine's segments
/// end where something does). So a batch may stay in its lanes from one
/// session of `steps` to the next, where it may ([`may_stay_in_lanes`]):
/// its groups get their state back after the last, and after a session
/// whose network figures cannot be made from what the lanes give
/// ([`network_read_from_lanes`]). `outside` (the community ties' counts)
/// is for one session alone. `step_done` is called once a session, spread
/// over the blocks as they run.
pub(super) fn sessions_in_blocks(
    groups: &mut [GroupState],
    ctx: &SessionContext,
    (steps, outside): (RangeInclusive<u32>, Option<&[GroupOutside]>),
    output: &mut StepOutput,
    block_groups: usize,
    step_done: &(dyn Fn() + Sync),
) -> Vec<StepTotals> {
    let (first, end) = (*steps.start(), *steps.end());
    assert!(
        outside.is_none() || first == end,
        "community counts for one session"
    );
    let scenario = ctx.scenario;
    let last = scenario.format.sessions;
    let mut totals: Vec<StepTotals> = steps.clone().map(|_| StepTotals::default()).collect();
    let [mut folding, mut stepping] = std::mem::take(&mut output.tallies);
    let mut kept = std::mem::take(&mut output.kept);
    let mut held = output.hold_rows(scenario, groups, steps.clone());
    // A batch stays in its lanes after a session up to the last, where it
    // may, unless the session's network figures read the groups' state.
    let may_stay = may_stay_in_lanes(ctx, block_groups.min(groups.len()));
    let stays = |step: u32| {
        may_stay
            && step < end
            && (!scenario.network.measures(step, last) || network_read_from_lanes(scenario))
    };
    let lanes_kept = |step: u32| LanesKept {
        from_last: step > first && stays(step - 1),
        for_next: stays(step),
    };
    // The kinds of each block, by its number's parity: a block's sessions
    // are folded while its next session runs, its last while the next
    // block's first runs.
    let mut kinds: [Vec<GroupKind>; 2] = Default::default();
    // The (session, block parity) whose tallies wait to be folded.
    let mut pending: Option<(u32, usize)> = None;
    let mut fold = |step: u32, kinds: &[GroupKind], tallies: &[Tally]| {
        let at = (step - first) as usize;
        totals[at].add_kinds(kinds, tallies);
        held.add(step, kinds, tallies);
    };
    let sessions = u64::from(end - first + 1);
    let items = groups.len().div_ceil(block_groups.max(1)) as u64 * sessions;
    let (mut done, mut told) = (0u64, 0u64);
    let mut start = 0;
    for (number, block) in groups.chunks_mut(block_groups).enumerate() {
        let outside = outside.map(|o| &o[start..start + block.len()]);
        start += block.len();
        let parity = number % 2;
        kinds[parity].clear();
        kinds[parity].extend(block.iter().map(GroupKind::of));
        for step in steps.clone() {
            // Between sessions the groups' tie summaries hold only what the
            // next session reads of them; the last session's are whole
            // (members.csv).
            let (carry, lanes) = (step < last, lanes_kept(step));
            let session = (step, carry, lanes);
            let into = (&mut stepping, &mut kept);
            match pending.take() {
                None => step_all_into(block, ctx, session, outside, into),
                Some(folded) => rayon::in_place_scope(|scope| {
                    scope.spawn(|_| step_all_into(block, ctx, session, outside, into));
                    fold(folded.0, &kinds[folded.1], &folding);
                }),
            }
            std::mem::swap(&mut folding, &mut stepping);
            pending = Some((step, parity));
            done += 1;
            while told < done * sessions / items {
                step_done();
                told += 1;
            }
        }
    }
    if let Some(folded) = pending {
        fold(folded.0, &kinds[folded.1], &folding);
    }
    for _ in told..sessions {
        step_done();
    }
    output.tallies = [folding, stepping];
    output.kept = kept;
    output.hand_on_held(scenario, held, block_groups);
    totals
}

/// Whether the network figures of a session can be made with the
/// groups' state left in lanes: from the ties' bitsets the lanes give
/// the groups ([`LanesKept::for_next`]) and who has joined and the
/// strength sum the tally makes in lanes, in groups of up to 64 places
/// (larger groups' figures read who has joined from the groups).
pub(super) fn network_read_from_lanes(scenario: &Scenario) -> bool {
    scenario.pool_size() <= 64
}

/// Session `output.step` for every group, with a panel: each block's
/// session, then its fold (its tallies into the step's totals, its group
/// rows handed on, and each meeting group's panel rows appended to
/// `panel`, in group order).
pub(super) fn step_in_blocks_with_panel(
    groups: &mut [GroupState],
    ctx: &SessionContext,
    outside: Option<&[GroupOutside]>,
    panel: &mut Vec<PanelRow>,
    output: &mut StepOutput,
    block_groups: usize,
) -> StepTotals {
    let (step, mut totals, mut start) = (output.step, StepTotals::default(), 0);
    for block in groups.chunks_mut(block_groups) {
        let end = start + block.len();
        let outside = outside.map(|o| &o[start..end]);
        let tallies = step_all_panel(block, ctx, step, outside, output.id, panel);
        output.fold(&mut totals, block, &tallies);
        start = end;
    }
    totals
}

/// Every group's tally before the first session, folded a block of groups
/// at a time as [`sessions_in_blocks`] folds a session's.
pub(super) fn baseline_in_blocks(
    groups: &[GroupState],
    ctx: &SessionContext,
    output: &mut StepOutput,
    block_groups: usize,
) -> StepTotals {
    let mut totals = StepTotals::default();
    for block in groups.chunks(block_groups) {
        output.fold(&mut totals, block, &baseline_tallies(ctx, block));
    }
    totals
}

/// Every group's tally before the first session, made in parallel (in
/// group order).
fn baseline_tallies(ctx: &SessionContext, groups: &[GroupState]) -> Vec<Tally> {
    let scenario = ctx.scenario;
    groups
        .par_iter()
        .map(|g| {
            let sums = MemberSums::of_group(g, &ctx.levels);
            let mut t = Tally::of_group(g, (0, 0), &sums);
            if g.meets && scenario.network.measures(0, scenario.format.sessions) {
                t.network = NetStats::of_group(g);
            }
            t.set_clustering(g);
            t
        })
        .collect()
}

/// One session for every group, in parallel; tallies come back in group order.
pub fn step_all(groups: &mut [GroupState], ctx: &SessionContext, step: u32) -> Vec<Tally> {
    step_all_with(groups, ctx, step, None)
}

/// One session for every group, with what each member's community ties are
/// doing (one list per group, from [`crate::outside::outside_counts`]): a batch
/// of groups at a time on each thread ([`step_groups`]).
pub fn step_all_with(
    groups: &mut [GroupState],
    ctx: &SessionContext,
    step: u32,
    outside: Option<&[GroupOutside]>,
) -> Vec<Tally> {
    let mut tallies = Vec::new();
    let whole = (step, false, LanesKept::default());
    step_all_into(groups, ctx, whole, outside, (&mut tallies, &mut Vec::new()));
    tallies
}

thread_local! {
    /// Each thread's batch scratch, kept from batch to batch, block to
    /// block and step to step: made anew for each piece of work rayon
    /// splits off, the scratches' buffers were allocated and grown again
    /// many times a step, the more the more threads. A session does not
    /// depend on what a scratch held before it.
    static SCRATCH: RefCell<BatchScratch> = RefCell::new(BatchScratch::default());
}

/// [`step_all_with`] into `tallies`, kept from one call to the next:
/// each group's session writes its tally whole, so one already there
/// is overwritten rather than made afresh. With `carry`, the groups' tie
/// summaries are left holding only what the next session reads of them
/// ([`crate::bonds::Held::Carry`]; [`step_groups`]). Each thread takes
/// [`RUN_BATCHES`] batches at a time, where [`SessionContext::ask_ahead`],
/// and runs them in order, each session asking for the next batch's
/// memory (else one batch at a time, with nothing to ask for). Each
/// batch's state stays in lanes of its own as `lanes` says: in `kept`,
/// one a batch, kept from one call to the next and grown only by a
/// session that keeps or finds lanes (a session without, as
/// [`step_all`]'s, leaves it alone).
/// A session that starts from its lanes asks for no group's memory.
fn step_all_into(
    groups: &mut [GroupState],
    ctx: &SessionContext,
    (step, carry, lanes): (u32, bool, LanesKept),
    outside: Option<&[GroupOutside]>,
    (tallies, kept): (&mut Vec<Tally>, &mut Vec<KeptLanes>),
) {
    let none = GroupOutside::default();
    let kernel = KernelRules::new(ctx);
    tallies.resize_with(groups.len(), Tally::default);
    let batches = if ctx.ask_ahead { RUN_BATCHES } else { 1 };
    let run = BATCH_GROUPS * batches;
    // The batches of `run` groups from group `at · run` on, in turn, each
    // in its own lanes where `kept` has them.
    let run_batches = |at: usize,
                       groups: &mut [GroupState],
                       tallies: &mut [Tally],
                       mut kept: Option<&mut [KeptLanes]>| {
        let mut start = 0;
        while start < groups.len() {
            let first = at * run + start;
            let end = (start + BATCH_GROUPS).min(groups.len());
            let (now, later) = groups[start..].split_at_mut(end - start);
            let next = if lanes.from_last {
                &[]
            } else {
                &later[..later.len().min(BATCH_GROUPS)]
            };
            let tallies = &mut tallies[start..end];
            let mut own = kept
                .as_deref_mut()
                .map(|kept| &mut kept[start / BATCH_GROUPS]);
            let outside = |at| outside.map_or(&none, |o: &[GroupOutside]| &o[first + at]);
            let mut run = |scratch: &mut BatchScratch| {
                let own = own.as_deref_mut().map(|own| (own, lanes));
                step_groups(
                    now,
                    (ctx, &kernel),
                    (step, carry),
                    scratch,
                    outside,
                    (tallies, next),
                    own,
                );
            };
            // A session starts no parallel work, so this thread cannot be
            // inside another batch's session here; if it ever were, the
            // batch would take a fresh scratch.
            SCRATCH.with(|cell| match cell.try_borrow_mut() {
                Ok(mut scratch) => run(&mut scratch),
                Err(_) => run(&mut BatchScratch::default()),
            });
            start = end;
        }
    };
    let batches_in_all = groups.len().div_ceil(BATCH_GROUPS);
    let chunks = groups.par_chunks_mut(run).zip(tallies.par_chunks_mut(run));
    if lanes == LanesKept::default() {
        let each = chunks.enumerate();
        each.for_each(|(at, (groups, tallies))| run_batches(at, groups, tallies, None));
    } else {
        kept.resize_with(batches_in_all, KeptLanes::default);
        let each = chunks.zip(kept.par_chunks_mut(batches)).enumerate();
        each.for_each(|(at, ((groups, tallies), kept))| {
            run_batches(at, groups, tallies, Some(kept));
        });
    }
}

/// [`step_all_with`], and the panel.csv rows of every meeting group's
/// session appended to `panel` in group order, each group's taken from its
/// scratch right after its batch's sessions (whatever thread ran it).
pub fn step_all_panel(
    groups: &mut [GroupState],
    ctx: &SessionContext,
    step: u32,
    outside: Option<&[GroupOutside]>,
    id: &RowId,
    panel: &mut Vec<PanelRow>,
) -> Vec<Tally> {
    let week = f64::from(step) * ctx.scenario.interval_days() / 7.0;
    let none = GroupOutside::default();
    let kernel = KernelRules::new(ctx);
    let stepped: Vec<(Tally, Vec<PanelRow>)> = groups
        .par_chunks_mut(BATCH_GROUPS)
        .enumerate()
        .map_init(BatchScratch::for_panel, |scratch, (batch, groups)| {
            let first = batch * BATCH_GROUPS;
            let outside = |at| outside.map_or(&none, |o: &[GroupOutside]| &o[first + at]);
            let mut tallies = vec![Tally::default(); groups.len()];
            let whole = (step, false);
            step_groups(
                groups,
                (ctx, &kernel),
                whole,
                scratch,
                outside,
                (&mut tallies, &[]),
                None,
            );
            let rows = groups.iter().enumerate().map(|(at, g)| {
                let mut rows = Vec::new();
                if g.meets {
                    scratch.group(at).panel_rows(g, id, step, week, &mut rows);
                }
                rows
            });
            tallies
                .into_iter()
                .zip(rows.collect::<Vec<_>>())
                .collect::<Vec<_>>()
        })
        .flatten_iter()
        .collect();
    stepped
        .into_iter()
        .map(|(tally, rows)| {
            panel.extend(rows);
            tally
        })
        .collect()
}

/// One time-series row per arm that has groups, from the step's totals.
pub(super) fn push_rows(
    rows: &mut Vec<TimeseriesRow>,
    scenario: &Scenario,
    ids: &dyn Fn(Arm) -> RowId,
    step: u32,
    totals: &StepTotals,
) {
    for (arm, (total, count)) in Arm::ALL.into_iter().zip(&totals.arms) {
        let count = *count;
        if count > 0 {
            let meets = arm == Arm::Group && scenario.attends();
            rows.push(TimeseriesRow::new(
                ids(arm),
                meets,
                scenario.format.membership == Membership::Open,
                step,
                scenario.interval_days(),
                count,
                total,
            ));
        }
    }
}
