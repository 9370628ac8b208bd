//! The session loop: build a replicate's community, step every group through
//! every session in parallel, fold the per-group tallies in group order.
//!
//! Batches of eight groups are the unit of parallelism: each step hands the
//! groups to rayon a block at a time, eight `&mut GroupState`s to a task
//! ([`crate::session::step_groups`]), puts the block's per-group [`Tally`](crate::metrics::Tally)s
//! into a `Vec` (in group order, whatever thread ran which group)
//! and folds them in that order while the next block's sessions run
//! (`fold.rs`), so the output is byte-identical at any thread count and a
//! run holds two blocks' tallies. A block runs every session up to the
//! next at which something reads every group (the network exported;
//! every session with a community network or a panel), or at which the
//! group rows' figures held since the segment began reach their bound,
//! before the next block begins, its groups' state kept in the
//! processor's caches from session to session: a bare run's blocks each
//! run the whole year, and each session's totals are still added in
//! group order, its group rows handed on in group order after the
//! segment's last session.
//!
//! Small runs also run their replicates in parallel; large ones run
//! replicates one after the other so that only one community is in memory
//! at a time. The community network around the groups lives in
//! `community_ties.rs`, the rows of members.csv in `member_rows.rs`.

mod community_ties;
mod fold;
mod member_rows;

use rayon::prelude::*;

use std::sync::Arc;

use crate::community::CommunityGraph;
use crate::metrics::{GroupFigures, RowId};
use crate::network::{BondNetwork, CommunityPeople};
use crate::output::{GroupRow, MemberRow, NetworkRow, PanelRow, TimeseriesRow};
use crate::outside::{self, States};
use crate::population::{Arm, GroupState, build_community_with};
use crate::rules::group_differences::GroupCharacter;
use crate::scenario::Scenario;
use crate::session::SessionContext;
use crate::stats::Moments;

use community_ties::{
    add_lonely_ties, community_after_session, community_network, turn_over_community,
};
use fold::{
    StepOutput, StepTotals, baseline_in_blocks, push_rows, sessions_in_blocks, step_block_groups,
    step_in_blocks_with_panel,
};
pub use fold::{step_all, step_all_panel, step_all_with};
use member_rows::member_rows;
/// Below this many members in all replicates together, replicates run in
/// parallel with each other as well as over groups.
pub const PARALLEL_REPLICATES_MAX_MEMBERS: u64 = 2_000_000;

/// What one run (one replicate of one scenario) produced.
#[derive(Debug, Clone)]
pub struct ReplicateResult {
    /// Run id (the replicate number when a scenario runs on its own).
    pub run: u64,
    pub replicate: u32,
    /// One row per arm per step, steps 0..=sessions, the group arm first.
    pub timeseries: Vec<TimeseriesRow>,
    /// One row per member who came, in member-id order (empty when
    /// `output.members_csv` is off).
    pub members: Vec<MemberRow>,
    /// The group arm's bond network figures at the measured steps.
    pub network: Vec<NetworkRow>,
    /// One row per group that meets at the measured steps (empty when
    /// `output.groups_csv` is off).
    pub groups: Vec<GroupRow<'static>>,
    /// One row per member of a meeting group per session they could
    /// attend, by step, then group, then member (empty when
    /// `output.panel_csv` is off).
    pub panel: Vec<PanelRow>,
    /// Loneliness, hope and self-stigma at the end of everyone who came
    /// ([`crate::output::MEMBER_SCORES`], in that order), by arm (group,
    /// control), for standardised effects.
    pub end_scores: [[Moments; 3]; 2],
}

/// The bond network of a run at one step, to be written as files: its
/// text is made as it is written ([`BondNetwork::write_graphml`] and the
/// like), so that no export is ever whole in memory.
pub struct NetworkExport<'a> {
    pub step: u32,
    /// The arm of the group members (the nodes' `arm`).
    pub arm: &'a str,
    pub bonds: BondNetwork,
    /// The community network at that step and everyone in it, when the
    /// scenario has one.
    pub community: Option<(CommunityPeople, &'a CommunityGraph)>,
}

/// What a run records after each session: one time-series row per arm
/// with groups, and the network figures due; the exports due go to
/// `exports`.
struct Record<'s> {
    /// The rows' ids, by arm ([`Arm::ALL`] order).
    ids: [RowId; 2],
    timeseries: Vec<TimeseriesRow>,
    /// The network figures of the measured steps.
    network: Vec<NetworkRow>,
    exports: &'s mut dyn FnMut(NetworkExport<'_>),
}

impl<'s> Record<'s> {
    fn new(
        scenario: &Scenario,
        run: u64,
        replicate: u32,
        exports: &'s mut dyn FnMut(NetworkExport<'_>),
    ) -> Record<'s> {
        let id = |arm: &str| RowId {
            run,
            arm: arm.to_string(),
            replicate,
        };
        Record {
            ids: [id(scenario.arm_name()), id(Arm::Control.name())],
            timeseries: Vec::with_capacity(2 * (scenario.format.sessions as usize + 1)),
            network: Vec::new(),
            exports,
        }
    }

    /// Records `step`'s totals, and hands the network of `groups` (and of
    /// the `community` around them) to the exports' sink where an export
    /// is due.
    fn after(
        &mut self,
        ctx: &SessionContext,
        step: u32,
        totals: &StepTotals,
        groups: &[GroupState],
        community: Option<&CommunityGraph>,
    ) {
        let ids = &self.ids;
        let id = |arm: Arm| ids[arm.index()].clone();
        push_rows(&mut self.timeseries, ctx.scenario, &id, step, totals);
        let group_id = &ids[Arm::Group.index()];
        observe_network(
            &mut self.network,
            ctx,
            group_id,
            (step, totals),
            (groups, community),
            self.exports,
        );
    }
}

/// Network figures due after `step`, and the exports due, handed to
/// `exports` as they are made (so that a run holds one at a time).
fn observe_network(
    network_rows: &mut Vec<NetworkRow>,
    ctx: &SessionContext,
    id: &RowId,
    (step, totals): (u32, &StepTotals),
    (groups, community): (&[GroupState], Option<&CommunityGraph>),
    exports: &mut dyn FnMut(NetworkExport<'_>),
) {
    let scenario = ctx.scenario;
    let options = &scenario.network;
    let week = f64::from(step) * scenario.interval_days() / 7.0;
    if measures_network(scenario, step) {
        network_rows.push(NetworkRow {
            run: id.run,
            arm: id.arm.clone(),
            replicate: id.replicate,
            step,
            week,
            ..totals.network.row()
        });
    }
    if options.export_steps.contains(&step) {
        let network = BondNetwork::build(groups, &ctx.levels);
        exports(NetworkExport {
            step,
            arm: &id.arm,
            bonds: network,
            community: community.map(|graph| (CommunityPeople::of(groups, &id.arm), graph)),
        });
    }
}

/// Whether the group arm's bond network is measured after `step`.
fn measures_network(scenario: &Scenario, step: u32) -> bool {
    scenario.network.measures(step, scenario.format.sessions) && scenario.attends()
}

/// Runs every replicate of one scenario and hands each result to `sink` in
/// replicate order (run id = replicate). `step_done` is called after every
/// session of every replicate (from any thread); it must not affect the
/// results.
pub fn run<E>(
    scenario: &Scenario,
    step_done: &(dyn Fn() + Sync),
    mut sink: impl FnMut(ReplicateResult) -> Result<(), E>,
) -> Result<(), E> {
    let replicates = scenario.replicates;
    if scenario.total_members() * u64::from(replicates) <= PARALLEL_REPLICATES_MAX_MEMBERS {
        let results: Vec<ReplicateResult> = (0..replicates)
            .into_par_iter()
            .map(|r| run_one(scenario, u64::from(r), r, step_done))
            .collect();
        results.into_iter().try_for_each(sink)
    } else {
        (0..replicates).try_for_each(|r| sink(run_one(scenario, u64::from(r), r, step_done)))
    }
}

/// Runs one replicate from its own population and streams (run id = replicate).
pub fn run_replicate(scenario: &Scenario, replicate: u32) -> ReplicateResult {
    run_one(scenario, u64::from(replicate), replicate, &|| {})
}

/// Whether runs of this size may run in parallel with each other (small
/// communities), rather than one after the other with only their groups in
/// parallel (large ones, so that one community is in memory at a time).
pub fn runs_in_parallel(scenario: &Scenario, runs: u64) -> bool {
    scenario.total_members().saturating_mul(runs.min(64)) <= PARALLEL_REPLICATES_MAX_MEMBERS
}

/// Runs replicate `replicate` of `scenario` as run `run`.
pub fn run_one(
    scenario: &Scenario,
    run: u64,
    replicate: u32,
    step_done: &(dyn Fn() + Sync),
) -> ReplicateResult {
    let (mut groups, mut members) = (Vec::new(), Vec::new());
    let mut result = run_one_with(
        scenario,
        run,
        replicate,
        step_done,
        RowSinks {
            groups: &mut |rows: &[GroupRow]| groups.extend(rows.iter().map(GroupRow::owned)),
            members: &mut |rows: &[MemberRow]| members.extend_from_slice(rows),
            // The exports are files, which only the runner writes.
            exports: &mut |_| (),
        },
    );
    result.groups = groups;
    result.members = members;
    result
}

/// Where a run hands its group and member rows as it makes them: group
/// rows of each measured step in step order, each step's in group order,
/// some groups at a time (one call per block of groups, which may be
/// empty, at step 0 and with a panel; else some at a time after the
/// segment of sessions that holds the step), member rows at the end, some
/// groups at a time (in member order).
pub struct RowSinks<'a> {
    pub groups: &'a mut dyn FnMut(&[GroupRow]),
    pub members: &'a mut dyn FnMut(&[MemberRow]),
    /// The network exports, each as soon as it is made, in step order.
    pub exports: &'a mut dyn FnMut(NetworkExport<'_>),
}

/// Runs replicate `replicate` of `scenario` as run `run`, handing its group
/// and member rows and its network exports to `sinks` as they are made
/// rather than keeping them: the result's `groups` and `members` are
/// empty.
pub fn run_one_with(
    scenario: &Scenario,
    run: u64,
    replicate: u32,
    step_done: &(dyn Fn() + Sync),
    sinks: RowSinks,
) -> ReplicateResult {
    run_in_blocks(
        scenario,
        run,
        replicate,
        step_done,
        sinks,
        (
            step_block_groups(rayon::current_num_threads()),
            Some(held_row_sessions(scenario)),
        ),
    )
}

/// [`run_one_with`], folding the tallies `block_groups` groups at a time;
/// with `segments`, the most sessions' group rows a segment may hold,
/// each block runs the sessions up to the next that something reads
/// every group after or that holds that many ([`segment_end`]) before
/// the next block begins, where the run has no community network or
/// panel; else every group runs a session before any runs the next (the
/// same results).
fn run_in_blocks(
    scenario: &Scenario,
    run: u64,
    replicate: u32,
    step_done: &(dyn Fn() + Sync),
    sinks: RowSinks,
    (block_groups, segments): (usize, Option<u64>),
) -> ReplicateResult {
    let RowSinks {
        groups: group_rows,
        members: member_sink,
        exports,
    } = sinks;
    let ctx = SessionContext::new(scenario, replicate);
    let mut groups = build_community_with(&ctx);
    let mut outside_network = community_network(&ctx, &mut groups);
    let mut record = Record::new(scenario, run, replicate, exports);
    let last = scenario.format.sessions;
    let mut panel = Vec::new();
    let group_id = record.ids[Arm::Group.index()].clone();
    let mut output = StepOutput::new(scenario, &group_id, &mut *group_rows);
    let mut totals = baseline_in_blocks(&groups, &ctx, &mut output, block_groups);
    if let Some((graph, states)) = &outside_network {
        add_lonely_ties(&mut totals, graph, states, &groups);
    }
    record.after(&ctx, 0, &totals, &groups, graph_of(&outside_network));
    let with_panel = scenario.output.panel_csv && scenario.attends();
    // A community network (counted before each session, joined and turned
    // over after it) and a panel (rows every session) read every group
    // every session: each session is then a segment of its own.
    let segments = segments.filter(|_| !with_panel && outside_network.is_none());
    let mut first = 1;
    while first <= last {
        let end = segments.map_or(first, |most| segment_end(scenario, first, most));
        let outside = outside_network.as_ref().map(|(g, states)| {
            outside::outside_counts(g, states, &groups, ctx.levels.tie, ctx.ask_ahead)
        });
        let mut totals = if with_panel {
            output.at(scenario, first);
            let outside = outside.as_deref();
            let (groups, panel) = (&mut groups, &mut panel);
            let totals =
                step_in_blocks_with_panel(groups, &ctx, outside, panel, &mut output, block_groups);
            step_done();
            vec![totals]
        } else {
            let steps = (first..=end, outside.as_deref());
            sessions_in_blocks(
                &mut groups,
                &ctx,
                steps,
                &mut output,
                block_groups,
                step_done,
            )
        };
        if let Some((graph, states)) = outside_network.as_mut() {
            community_after_session(graph, states, &ctx, &mut groups, &mut totals[0]);
        }
        for (step, totals) in (first..=end).zip(&totals) {
            record.after(&ctx, step, totals, &groups, graph_of(&outside_network));
        }
        // Ties turn over between sessions: the network the last session
        // leaves is the one exported and counted in members.csv.
        if let Some((graph, states)) = outside_network.as_mut().filter(|_| end < last) {
            turn_over_community(Arc::make_mut(graph), &ctx, end, states);
        }
        first = end + 1;
    }

    if scenario.output.members_csv {
        let community = graph_of(&outside_network);
        member_rows(&groups, &record.ids, last, &ctx, community, member_sink);
    }
    let end_scores = end_scores(&groups);
    free_in_parallel(groups);
    let Record {
        timeseries,
        network,
        ..
    } = record;
    ReplicateResult {
        run,
        replicate,
        timeseries,
        members: Vec::new(),
        network,
        groups: Vec::new(),
        panel,
        end_scores,
    }
}

/// The session at which the sessions from `first` on must stop for every
/// group, so that every group's state may be read at it: the first at
/// which the network is exported, else the last. Group rows are made from
/// figures held for them until the segment's end ([`GroupFigures`]), so
/// a segment also ends at the session whose rows are the `most`-th it
/// holds (a run's [`held_row_sessions`]). (Runs with a community network
/// or a panel stop after every session: their counts and rows read every
/// group.)
fn segment_end(scenario: &Scenario, first: u32, most: u64) -> u32 {
    let last = scenario.format.sessions;
    let mut due = 0;
    for step in first..last {
        if scenario.network.export_steps.contains(&step) {
            return step;
        }
        if fold::rows_due(scenario, step) {
            due += 1;
            if due == most {
                return step;
            }
        }
    }
    last
}

/// The least a segment may hold of its group rows' figures
/// ([`segment_end`]): a row's figures take 64 bytes, so 32 MiB holds a
/// whole year's rows of 10,000 groups.
const HELD_ROWS_FLOOR_BYTES: u64 = 32 << 20;

/// The most a segment may hold of its group rows' figures: a quarter of
/// the run's state ([`Scenario::state_bytes`]), or [`HELD_ROWS_FLOOR_BYTES`]
/// where that is more. A segment's end reads and writes every group's
/// state, which a million members' year with group rows every session
/// felt (its sessions' instructions 18% dearer by the clock in segments
/// of five sessions than in one); a quarter holds thirteen sessions'
/// rows of a million members in groups of 10, for a quarter more memory
/// at most.
fn held_rows_max_bytes(scenario: &Scenario) -> u64 {
    HELD_ROWS_FLOOR_BYTES.max(scenario.state_bytes() / 4)
}

/// The sessions whose group rows a segment may hold
/// ([`held_rows_max_bytes`]), at least one.
fn held_row_sessions(scenario: &Scenario) -> u64 {
    (held_rows_max_bytes(scenario) / held_session_bytes(scenario).max(1)).max(1)
}

/// The figures of one session's group rows: a group's each.
fn held_session_bytes(scenario: &Scenario) -> u64 {
    u64::from(scenario.community.groups) * size_of::<GroupFigures>() as u64
}

/// What a run holds at most of its group rows' figures (between its
/// segments' ends) and of its groups' ids and characters for them, for
/// the memory estimate.
pub fn held_rows_bytes(scenario: &Scenario) -> u64 {
    if !scenario.output.groups_csv {
        return 0;
    }
    let sessions = held_row_sessions(scenario).min(u64::from(scenario.format.sessions));
    let characters =
        u64::from(scenario.community.groups) * size_of::<(u32, GroupCharacter)>() as u64;
    held_session_bytes(scenario)
        .saturating_mul(sessions)
        .saturating_add(characters)
}

/// The community network's graph, in a run that has one.
fn graph_of(network: &Option<(Arc<CommunityGraph>, States)>) -> Option<&CommunityGraph> {
    network.as_ref().map(|(graph, _)| graph.as_ref())
}

/// Groups whose members' end scores are read at once (on every thread)
/// before they are added up (on one, in group order): a block's scores
/// (24 bytes a member) take some hundreds of kilobytes, where the whole
/// community's would add about 8% to a run's peak memory.
const END_SCORES_BLOCK: usize = 1024;

/// Loneliness, hope and self-stigma at the end of everyone who came, by arm
/// (group, control). The scores are read in parallel, a block of groups at
/// a time, and added in group and place order, whatever the threads.
fn end_scores(groups: &[GroupState]) -> [[Moments; 3]; 2] {
    let mut moments = [[Moments::default(); 3]; 2];
    let mut scores: Vec<(usize, [f32; 3])> = Vec::new();
    for block in groups.chunks(END_SCORES_BLOCK) {
        scores.clear();
        scores.par_extend(block.par_iter().flat_map_iter(|g| {
            let arm = g.arm.index();
            g.members[..g.arrived]
                .iter()
                .map(move |m| (arm, [m.loneliness, m.hope, m.stigma]))
        }));
        for (arm, values) in &scores {
            for (moments, value) in moments[*arm].iter_mut().zip(values) {
                moments.push(f64::from(*value));
            }
        }
    }
    moments
}

/// Frees the groups' memory on every thread: a million members' groups
/// hold some 500,000 allocations, whose freeing on one thread (60 ms on
/// the 2-core machine) every other thread would wait on.
fn free_in_parallel(groups: Vec<GroupState>) {
    groups.into_par_iter().for_each(drop);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run's rows when its tallies are folded `blocks` groups at a time,
    /// each block running several sessions where `segments` (the most
    /// sessions' group rows held) and the run allow it: the result and
    /// the group and member rows, as text (NaN equals NaN), and how many
    /// times the run said a session was done.
    fn run_ordered(scenario: &Scenario, blocks: usize, segments: Option<u64>) -> (String, usize) {
        let (mut groups, mut members, mut exports) = (Vec::new(), Vec::new(), Vec::new());
        let sinks = RowSinks {
            groups: &mut |rows: &[GroupRow]| groups.extend(rows.iter().map(GroupRow::owned)),
            members: &mut |rows: &[MemberRow]| members.extend_from_slice(rows),
            exports: &mut |e: NetworkExport| {
                let mut text = format!("step {}\n", e.step);
                e.bonds.write_graphml(e.arm, &mut text).unwrap();
                e.bonds.write_edge_list(&mut text).unwrap();
                if let Some((people, graph)) = &e.community {
                    people.write_graphml(graph, &mut text).unwrap();
                    people.write_edge_list(graph, &mut text).unwrap();
                }
                exports.push(text);
            },
        };
        let done = std::sync::atomic::AtomicUsize::new(0);
        let step_done = || {
            done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        };
        let result = run_in_blocks(scenario, 0, 1, &step_done, sinks, (blocks, segments));
        assert!(!members.is_empty());
        assert_eq!(result.panel.is_empty(), !scenario.output.panel_csv);
        let text = format!("{result:?}\n{groups:?}\n{members:?}\n{exports:?}");
        (text, done.into_inner())
    }

    /// [`run_ordered`]'s text, for a run with group rows.
    fn run_folding(scenario: &Scenario, blocks: usize) -> String {
        let (text, _) = run_ordered(scenario, blocks, Some(held_row_sessions(scenario)));
        assert!(text.contains("GroupRow"));
        text
    }

    #[test]
    fn folding_in_blocks_gives_the_rows_of_one_pass_over_every_group() {
        // Open groups, controls, a panel, every row, an export, and a
        // community network whose ties turn over and which group ties join:
        // everything a block boundary could disturb (the community's counts
        // per block, ties to lonely people, panel and group row order).
        // Without a panel, a block is folded while the next one's sessions
        // run; with one, each block's sessions come before its fold.
        for panel in [true, false] {
            let scenario = Scenario::builder()
                .text(&format!(
                    "[community]\ngroups = 30\ngroup_size = 6\ncontrol_members = 40\n\
                     [format]\nmembership = \"open\"\nsessions = 6\n\
                     [network]\nmetrics_every = 1\nexport_steps = [3]\n\
                     [output]\npanel_csv = {panel}\n\
                     [community_network]\nkind = \"watts_strogatz\"\nmean_degree = 4.0\n\
                     tie_turnover_per_year = 1.0\n"
                ))
                .build()
                .unwrap();
            let whole = run_folding(&scenario, usize::MAX);
            for blocks in [1, 7, 29] {
                assert!(
                    run_folding(&scenario, blocks) == whole,
                    "blocks of {blocks}, panel {panel}"
                );
            }
        }
    }

    #[test]
    fn blocks_running_several_sessions_give_the_rows_of_session_by_session() {
        // Open groups, controls, a forum's posts, the network measured every
        // session or every other with group rows and an export (so that
        // blocks run up to the export before every group must be at the
        // same session), members.csv; and closed groups, whose batches
        // stay in their lanes from session to session up to an export or
        // the run's last, giving their groups the network ties alone at a
        // session whose network figures are measured (every session with
        // group rows, every other, every third without group rows), with
        // batches of fewer than eight groups and of groups and control
        // blocks both; closed groups of 40 and of 64 places whose ties
        // form within the first sessions (ties to places in the high half
        // of a bitset's word, the network every session, and an export
        // at session 5); closed groups of 70 places, whose network
        // figures read who has joined from the groups, so that their
        // batches go back to their groups at each measured session; and
        // open groups in a year that measures nothing, whose newcomers
        // keep them out of the lanes between sessions: every block size,
        // whether or not it divides the groups, with segments that hold
        // one, two or every session's group rows, gives session by
        // session's rows and says every session was done once.
        let runs = [
            (
                6,
                "membership = \"open\"\n",
                "[network]\nmetrics_every = 1\n[output]\ngroups_csv = false\nmembers_csv = true\n",
            ),
            (
                6,
                "membership = \"open\"\ndelivery = \"forum\"\n",
                "[network]\nmetrics_every = 2\nexport_steps = [3]\n[output]\nmembers_csv = true\n",
            ),
            (
                6,
                "membership = \"closed\"\n",
                "[network]\nmetrics_every = 3\n[output]\ngroups_csv = false\nmembers_csv = true\n",
            ),
            (
                6,
                "membership = \"closed\"\n",
                "[network]\nmetrics_every = 0\n[output]\nmembers_csv = true\n",
            ),
            (
                6,
                "membership = \"open\"\n",
                "[network]\nmetrics_every = 0\n[output]\nmembers_csv = true\n",
            ),
            (
                6,
                "membership = \"closed\"\n",
                "[network]\nmetrics_every = 1\n[output]\nmembers_csv = true\n",
            ),
            (
                6,
                "membership = \"closed\"\n",
                "[network]\nmetrics_every = 2\nexport_steps = [4]\n[output]\nmembers_csv = true\n",
            ),
            (
                70,
                "membership = \"closed\"\n",
                "[network]\nmetrics_every = 2\n[output]\nmembers_csv = true\n",
            ),
            (
                40,
                "membership = \"closed\"\n",
                "[network]\nmetrics_every = 1\n[output]\nmembers_csv = true\n",
            ),
            (
                64,
                "membership = \"closed\"\n",
                "[network]\nmetrics_every = 1\nexport_steps = [5]\n[output]\nmembers_csv = true\n",
            ),
        ];
        // In groups of more than 32 places, ties a tenth of an hour's
        // contact makes, so that the high places' ties form within the
        // seven sessions (a group of 64 has thousands by the second).
        let quick_ties = "[mechanisms.bonding]\ntie_hours = 0.1\n";
        for (group_size, format, network) in runs {
            let (groups, bonding) = if group_size > 32 {
                (9, quick_ties)
            } else {
                (30, "")
            };
            let scenario = Scenario::builder()
                .text(&format!(
                    "[community]\ngroups = {groups}\ngroup_size = {group_size}\n\
                     control_members = 40\n[format]\nsessions = 7\n{format}{network}{bonding}"
                ))
                .build()
                .unwrap();
            let (one_by_one, done) = run_ordered(&scenario, usize::MAX, None);
            assert_eq!(done, 7);
            if group_size > 32 {
                // Ties to the high places have formed.
                let network = run_replicate(&scenario, 1).network;
                assert!(network.iter().any(|row| row.edges > 1000), "{network:?}");
            }
            let measured = scenario.network.metrics_every > 0;
            assert_eq!(one_by_one.contains("NetworkRow"), measured);
            // Segments that hold one or two sessions' group rows, or as
            // many as the run may.
            for most in [1, 2, held_row_sessions(&scenario)] {
                for blocks in [1, 7, 29, 30, usize::MAX] {
                    assert_eq!(
                        run_ordered(&scenario, blocks, Some(most)),
                        (one_by_one.clone(), 7),
                        "blocks of {blocks}, rows of {most} sessions held, \
                         groups of {group_size}, {format}{network}"
                    );
                }
            }
        }
    }

    #[test]
    fn batches_keep_lanes_of_their_own_only_where_a_blocks_lanes_fit_the_bound() {
        let groups_of = |k: u32| {
            let text = format!("[community]\ngroup_size = {k}\n");
            Scenario::builder().text(&text).build().unwrap()
        };
        // By the estimate, a block of 1,024 groups of 10 takes about 3.6
        // MB, of 27 about 16.7 (the bound 16.8), of 28 about 17.8, of 40
        // about 32.8; 203 groups of 40 about 6.5.
        assert!(fold::lanes_kept_within_bounds(&groups_of(10), 1024));
        assert!(fold::lanes_kept_within_bounds(&groups_of(27), 1024));
        assert!(!fold::lanes_kept_within_bounds(&groups_of(28), 1024));
        assert!(!fold::lanes_kept_within_bounds(&groups_of(40), 1024));
        assert!(fold::lanes_kept_within_bounds(&groups_of(40), 203));
    }

    #[test]
    fn blocks_run_sessions_up_to_one_that_reads_every_group() {
        let scenario = |text: &str| Scenario::builder().text(text).build().unwrap();
        let ends = |s: &Scenario| {
            let most = held_row_sessions(s);
            let mut ends = vec![segment_end(s, 1, most)];
            while ends[ends.len() - 1] < s.format.sessions {
                ends.push(segment_end(s, ends[ends.len() - 1] + 1, most));
            }
            ends
        };
        let bare = scenario("[format]\nsessions = 9\n[network]\nmetrics_every = 0\n");
        assert_eq!(ends(&bare), [9]);
        let measured = "[format]\nsessions = 9\n[network]\nmetrics_every = 4\n";
        assert_eq!(ends(&scenario(measured)), [9], "group rows held");
        let without_rows = format!("{measured}[output]\ngroups_csv = false\n");
        assert_eq!(ends(&scenario(&without_rows)), [9], "no group rows");
        let export = format!("{measured}export_steps = [0, 6]\n");
        assert_eq!(ends(&scenario(&export)), [6, 9], "an export");
        // 200,000 groups' figures take 12.8 MB a session: 32 MiB holds
        // two sessions' (their state, groups of 2, takes 91.2 MB, a
        // quarter of it less). 300,000 groups' take 19.2 MB a session, a
        // quarter of their state 34.2 MB: one session's. In groups of
        // 10, a quarter of 200,000 groups' state is 175 MB: 13 sessions'.
        let many = |groups: u32, group_size: u32, sessions: u32| {
            let text = format!(
                "[community]\ngroups = {groups}\ngroup_size = {group_size}\n\
                 control_members = 0\n[format]\nsessions = {sessions}\n\
                 [network]\nmetrics_every = 1\n"
            );
            scenario(&text)
        };
        assert_eq!(ends(&many(200_000, 2, 5)), [2, 4, 5], "two sessions' rows");
        assert_eq!(ends(&many(300_000, 2, 5)), [1, 2, 3, 4, 5], "one session's");
        assert_eq!(ends(&many(200_000, 10, 30)), [13, 26, 30], "a quarter");
        let characters = |groups: u64| groups * 40;
        let held = held_rows_bytes(&many(200_000, 2, 5));
        assert_eq!(held, 2 * 200_000 * 64 + characters(200_000));
        let held = held_rows_bytes(&many(10_000, 2, 5));
        assert_eq!(held, 5 * 10_000 * 64 + characters(10_000));
    }
}
