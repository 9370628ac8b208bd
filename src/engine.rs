//! The session loop: build a replicate's community, step every group through
//! every session in parallel, fold the per-group tallies in group order.
//!
//! Groups are the unit of parallelism: each step hands the groups to rayon a
//! block at a time as `&mut GroupState`s, collects the block's per-group
//! [`Tally`]s into a `Vec` (in group order, whatever thread ran which group)
//! and folds them in that order before the next block, so the output is
//! byte-identical at any thread count and a run holds one block's tallies. Small runs also run
//! their replicates in parallel; large ones run replicates one after the
//! other so that only one community is in memory at a time.

use rayon::prelude::*;

use std::sync::Arc;

use crate::community::{self, CommunityGraph, NetworkKind};
use crate::metrics::{RowId, Tally};
use crate::network::{BondNetwork, CommunityPeople, NetStats};
use crate::output::{GroupRow, MemberRow, NetworkRow, PanelRow, TimeseriesRow};
use crate::outside::{self, GroupOutside, States};
use crate::population::{Arm, GroupState, build_community_with};
use crate::rng::{self, Purpose};
use crate::rules::loneliness;
use crate::scenario::Scenario;
use crate::session::{Scratch, SessionContext, step_group};
use crate::stats::Moments;
use crate::turnover;

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
    pub groups: Vec<GroupRow>,
    /// The network at each of `network.export_steps`.
    pub exports: Vec<NetworkExport>,
    /// One row per member of a meeting group per session they could
    /// attend, by step, then group, then member (empty when
    /// `output.panel_csv` is off).
    pub panel: Vec<PanelRow>,
    /// Loneliness, hope and self-stigma at the end of everyone who came
    /// ([`crate::output::MEMBER_SCORES`], in that order), by arm (group,
    /// control), for standardised effects.
    pub end_scores: [[Moments; 3]; 2],
}

/// The bond network of a run at one step, as files.
#[derive(Debug, Clone)]
pub struct NetworkExport {
    pub step: u32,
    pub graphml: String,
    pub edge_list_csv: String,
    /// The community network at that step (GraphML, edge list), when the
    /// scenario has one.
    pub community: Option<(String, String)>,
}

/// A step's tallies added up in group order: per arm, and the network
/// figures of the groups that meet. The tallies are folded a block of
/// groups at a time ([`STEP_BLOCK_GROUPS`]) as their sessions end, in the
/// same order as one pass over every group would, so a run holds one
/// block's tallies rather than one per group.
#[derive(Debug, Default)]
struct StepTotals {
    /// Per arm, in [`Arm::ALL`] order: the sum of its groups' tallies and
    /// how many groups it has.
    arms: [(Tally, u64); 2],
    /// Network figures summed over the groups that meet.
    network: NetStats,
}

impl StepTotals {
    /// Adds the tallies of `groups` (one each, in group order).
    fn add(&mut self, groups: &[GroupState], tallies: &[Tally]) {
        for (g, t) in groups.iter().zip(tallies) {
            let (total, count) = &mut self.arms[g.arm.index()];
            total.add(t);
            *count += 1;
            if g.meets {
                self.network.add(&t.network);
            }
        }
    }
}

/// Groups whose sessions run (in parallel) before their tallies are folded
/// into the step's totals and their group rows made.
const STEP_BLOCK_GROUPS: usize = 4096;

/// Where one step's group rows go, and whether they are due.
struct StepOutput<'a, 'b> {
    id: &'a RowId,
    step: u32,
    week: f64,
    /// `groups.csv` is written and the network measured at this step.
    rows_due: bool,
    group_rows: &'a mut (dyn FnMut(&[GroupRow]) + 'b),
    /// Reused between blocks.
    rows: Vec<GroupRow>,
}

impl<'a, 'b> StepOutput<'a, 'b> {
    fn new(
        scenario: &Scenario,
        id: &'a RowId,
        step: u32,
        group_rows: &'a mut (dyn FnMut(&[GroupRow]) + 'b),
    ) -> Self {
        StepOutput {
            id,
            step,
            week: f64::from(step) * scenario.interval_days() / 7.0,
            rows_due: scenario.output.groups_csv && measures_network(scenario, step),
            group_rows,
            rows: Vec::new(),
        }
    }

    /// Folds a block's tallies into `totals` and hands on its group rows
    /// when they are due.
    fn fold(&mut self, totals: &mut StepTotals, groups: &[GroupState], tallies: &[Tally]) {
        totals.add(groups, tallies);
        if self.rows_due {
            let (id, step, week) = (self.id, self.step, self.week);
            self.rows.clear();
            self.rows.par_extend(
                groups
                    .par_iter()
                    .zip(tallies)
                    .filter(|(g, _)| g.meets)
                    .map(|(g, t)| GroupRow::new(id, g, step, week, t)),
            );
            (self.group_rows)(&self.rows);
        }
    }
}

/// What a run records of its network as it goes: the network figures of
/// the measured steps and the exports.
#[derive(Debug, Default)]
struct Observed {
    network: Vec<NetworkRow>,
    exports: Vec<NetworkExport>,
}

/// Network figures and exports due after `step`.
fn observe_network(
    observed: &mut Observed,
    ctx: &SessionContext,
    id: &RowId,
    step: u32,
    groups: &[GroupState],
    totals: &StepTotals,
    community: Option<&CommunityGraph>,
) {
    let scenario = ctx.scenario;
    let options = &scenario.network;
    let week = f64::from(step) * scenario.interval_days() / 7.0;
    if measures_network(scenario, step) {
        observed.network.push(NetworkRow {
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
        observed.exports.push(NetworkExport {
            step,
            graphml: network.graphml(&id.arm),
            edge_list_csv: network.edge_list_csv(),
            community: community.map(|graph| {
                let people = CommunityPeople::of(groups, &id.arm);
                (people.graphml(graph), people.edge_list_csv(graph))
            }),
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
            groups: &mut |rows: &[GroupRow]| groups.extend_from_slice(rows),
            members: &mut |rows: &[MemberRow]| members.extend_from_slice(rows),
        },
    );
    result.groups = groups;
    result.members = members;
    result
}

/// Where a run hands its group and member rows as it makes them: group
/// rows each measured step (in group order, one call per block of groups,
/// which may be empty), member rows at the end, some groups at a time (in
/// member order).
pub struct RowSinks<'a> {
    pub groups: &'a mut dyn FnMut(&[GroupRow]),
    pub members: &'a mut dyn FnMut(&[MemberRow]),
}

/// Runs replicate `replicate` of `scenario` as run `run`, handing its group
/// and member rows to `sinks` as they are made rather than keeping them:
/// the result's `groups` and `members` are empty.
pub fn run_one_with(
    scenario: &Scenario,
    run: u64,
    replicate: u32,
    step_done: &(dyn Fn() + Sync),
    sinks: RowSinks,
) -> ReplicateResult {
    let blocks = Blocks(STEP_BLOCK_GROUPS);
    run_in_blocks(scenario, (run, replicate), step_done, sinks, blocks)
}

/// How many groups' sessions run before their tallies are folded.
#[derive(Debug, Clone, Copy)]
struct Blocks(usize);

/// [`run_one_with`], folding the tallies `blocks` groups at a time.
fn run_in_blocks(
    scenario: &Scenario,
    (run, replicate): (u64, u32),
    step_done: &(dyn Fn() + Sync),
    sinks: RowSinks,
    Blocks(block_groups): Blocks,
) -> ReplicateResult {
    let RowSinks {
        groups: group_rows,
        members: member_sink,
    } = sinks;
    let ctx = SessionContext::new(scenario, replicate);
    let mut groups = build_community_with(&ctx);
    let mut outside_network = community_network(&ctx, &mut groups);
    let mut timeseries = Vec::with_capacity(2 * (scenario.format.sessions as usize + 1));
    let ids = |arm: Arm| RowId {
        run,
        arm: match arm {
            Arm::Group => scenario.arm_name().to_string(),
            Arm::Control => Arm::Control.name().to_string(),
        },
        replicate,
    };

    let last = scenario.format.sessions;
    let mut observed = Observed::default();
    let mut panel = Vec::new();
    let group_id = ids(Arm::Group);
    let mut totals = StepTotals::default();
    let mut output = StepOutput::new(scenario, &group_id, 0, &mut *group_rows);
    for block in groups.chunks(block_groups) {
        output.fold(&mut totals, block, &baseline_tallies(&ctx, block));
    }
    if let Some((graph, states)) = &outside_network {
        add_lonely_ties(&mut totals, graph, states, &groups);
    }
    push_rows(&mut timeseries, scenario, &ids, 0, &totals);
    let community = outside_network.as_ref().map(|(g, _)| g.as_ref());
    observe_network(
        &mut observed,
        &ctx,
        &group_id,
        0,
        &groups,
        &totals,
        community,
    );
    let with_panel = scenario.output.panel_csv && scenario.attends();
    for step in 1..=last {
        let outside = outside_network
            .as_ref()
            .map(|(g, states)| outside::outside_counts(g, states, &groups, ctx.levels.tie));
        let mut output = StepOutput::new(scenario, &group_id, step, &mut *group_rows);
        let panel = with_panel.then_some(&mut panel);
        let blocks = Blocks(block_groups);
        let mut totals = step_in_blocks(
            &mut groups,
            &ctx,
            outside.as_deref(),
            panel,
            &mut output,
            blocks,
        );
        if let Some((graph, states)) = outside_network.as_mut() {
            community_after_session(graph, states, scenario, &mut groups, &mut totals);
        }
        step_done();
        push_rows(&mut timeseries, scenario, &ids, step, &totals);
        let community = outside_network.as_ref().map(|(g, _)| g.as_ref());
        observe_network(
            &mut observed,
            &ctx,
            &group_id,
            step,
            &groups,
            &totals,
            community,
        );
        // Ties turn over between sessions: the network the last session
        // leaves is the one exported and counted in members.csv.
        if let Some((graph, states)) = outside_network.as_mut().filter(|_| step < last) {
            turn_over_community(Arc::make_mut(graph), &ctx, step, states);
        }
    }

    if scenario.output.members_csv {
        let community = outside_network.as_ref().map(|(g, _)| g.as_ref());
        let ids = [ids(Arm::Group), ids(Arm::Control)];
        member_rows(&groups, &ids, last, &ctx, community, member_sink);
    }
    let end_scores = end_scores(&groups);
    let Observed { network, exports } = observed;
    ReplicateResult {
        run,
        replicate,
        timeseries,
        members: Vec::new(),
        network,
        groups: Vec::new(),
        exports,
        panel,
        end_scores,
    }
}

/// Session `output.step` for every group, a block of groups at a time:
/// each block's tallies are folded into the step's totals, and its group
/// rows handed on, before the next block runs; with `panel`, each meeting
/// group's panel rows are appended in group order.
fn step_in_blocks(
    groups: &mut [GroupState],
    ctx: &SessionContext,
    outside: Option<&[GroupOutside]>,
    mut panel: Option<&mut Vec<PanelRow>>,
    output: &mut StepOutput,
    Blocks(block_groups): Blocks,
) -> StepTotals {
    let (step, mut totals, mut start) = (output.step, StepTotals::default(), 0);
    for block in groups.chunks_mut(block_groups) {
        let end = start + block.len();
        let outside = outside.map(|o| &o[start..end]);
        let tallies = match panel.as_deref_mut() {
            Some(panel) => step_all_panel(block, ctx, step, outside, output.id, panel),
            None => step_all_with(block, ctx, step, outside),
        };
        output.fold(&mut totals, block, &tallies);
        start = end;
    }
    totals
}

/// Every group's tally before the first session.
fn baseline_tallies(ctx: &SessionContext, groups: &[GroupState]) -> Vec<Tally> {
    let scenario = ctx.scenario;
    groups
        .iter()
        .map(|g| {
            let mut t = Tally::of_group(g, &ctx.levels, 0, 0);
            if g.meets && scenario.network.measures(0, scenario.format.sessions) {
                t.network = NetStats::of_group(g);
            }
            t.set_clustering(g);
            t
        })
        .collect()
}

/// The community network after a session: the group ties that now reach
/// beyond the meetings join it, everyone's state is read afresh (for the
/// tallies now, and for the next session's outside counts and the ties'
/// turnover), and each group's ties to lonely people are added to its
/// arm's total.
fn community_after_session(
    graph: &mut Arc<CommunityGraph>,
    states: &mut States,
    scenario: &Scenario,
    groups: &mut [GroupState],
    totals: &mut StepTotals,
) {
    if scenario.community_network.group_ties_join {
        join_group_ties(Arc::make_mut(graph), groups);
    }
    *states = States::of(groups);
    add_lonely_ties(totals, graph, states, groups);
}

/// Ties between members of a meeting group that reach beyond the meetings
/// for the first time join the community network (found in parallel,
/// added in group order); a pair joins once, and a joined tie then turns
/// over like any other community tie.
fn join_group_ties(graph: &mut CommunityGraph, groups: &mut [GroupState]) {
    let found: Vec<Vec<(u32, u32)>> = groups
        .par_iter_mut()
        .map(|g| {
            let mut pairs = Vec::new();
            if !g.meets {
                return pairs;
            }
            let people = g.bonds.people();
            let first = g.first_member as u32;
            let bonds = &mut g.bonds;
            let mut k = 0;
            for j in 1..people {
                for i in 0..j {
                    if bonds.pairs[k].beyond && !bonds.pairs[k].joined {
                        bonds.pairs[k].joined = true;
                        pairs.push((first + i as u32, first + j as u32));
                    }
                    k += 1;
                }
            }
            pairs
        })
        .collect();
    for (a, b) in found.into_iter().flatten() {
        graph.add_tie(a, b);
    }
}

/// Each group's community ties that lead to lonely people, added to its
/// arm's total (counts: the order of adding does not matter).
fn add_lonely_ties(
    totals: &mut StepTotals,
    graph: &CommunityGraph,
    states: &States,
    groups: &[GroupState],
) {
    let counts = outside::lonely_ties(graph, states, groups);
    for (g, c) in groups.iter().zip(&counts) {
        let (total, _) = &mut totals.arms[g.arm.index()];
        total.lonely_ties.get_or_insert_default().add(c);
    }
}

/// Community ties that dissolve and form between session `step` and the
/// next ([`turnover`]), if the scenario's network changes.
fn turn_over_community(
    graph: &mut CommunityGraph,
    ctx: &SessionContext,
    step: u32,
    states: &States,
) {
    let scenario = ctx.scenario;
    let settings = &scenario.community_network;
    if settings.tie_turnover_per_year <= 0.0 {
        return;
    }
    let lonely: Vec<bool> = (0..graph.nodes()).map(|id| states.lonely(id)).collect();
    let p = turnover::per_session(settings.tie_turnover_per_year, scenario.interval_days());
    let mut stream = rng::stream_for(
        scenario.seed,
        ctx.replicate,
        step,
        0,
        Purpose::CommunityTurnover,
    );
    turnover::turn_over(
        graph,
        &lonely,
        p,
        settings.lonely_turnover_factor,
        &mut stream,
    );
}

/// Groups whose member rows are made and handed on together.
const MEMBER_ROW_GROUPS: usize = 256;

/// The rows of members.csv: every member who came, in member-id order
/// (`ids`: the group arm's, then the control arm's), with their strength and
/// core number in the bond network at the end, and their community ties;
/// handed to `sink` some groups at a time. Strength and core number are
/// read from each group's own bond network: ties never cross groups, so a
/// group is whole components of the run's network, and a node's strength
/// and core number depend on its component alone.
fn member_rows(
    groups: &[GroupState],
    ids: &[RowId; 2],
    last: u32,
    ctx: &SessionContext,
    community: Option<&CommunityGraph>,
    sink: &mut dyn FnMut(&[MemberRow]),
) {
    let mut members = Vec::new();
    for chunk in groups.chunks(MEMBER_ROW_GROUPS) {
        members.clear();
        members.par_extend(
            chunk
                .par_iter()
                .flat_map_iter(|g| member_rows_of_group(g, ids, last, ctx, community)),
        );
        sink(&members);
    }
}

/// The members.csv rows of one group's members, with their community
/// degree and their strength and core number in the group's bond network.
fn member_rows_of_group(
    g: &GroupState,
    ids: &[RowId; 2],
    last: u32,
    ctx: &SessionContext,
    community: Option<&CommunityGraph>,
) -> Vec<MemberRow> {
    let id = &ids[g.arm.index()];
    let mut members = Vec::with_capacity(g.arrived);
    MemberRow::of_group(g, id, last, ctx.scenario.cohort(), &mut members);
    if let Some(graph) = community {
        for row in &mut members {
            row.community_ties = Some(graph.degree(row.member as usize) as u32);
        }
    }
    if g.meets {
        let network = BondNetwork::build(std::slice::from_ref(g), &ctx.levels);
        let (cores, strengths) = (network.core_numbers(), network.strengths());
        let joined = members
            .iter_mut()
            .filter(|m| m.joined_step.is_some() && m.arm == ids[0].arm);
        for (node, row) in joined.enumerate() {
            row.strength = Some(strengths[node]);
            row.core_number = Some(cores[node]);
        }
    }
    members
}

/// Loneliness, hope and self-stigma at the end of everyone who came, by arm
/// (group, control).
fn end_scores(groups: &[GroupState]) -> [[Moments; 3]; 2] {
    let mut moments = [[Moments::default(); 3]; 2];
    for g in groups {
        let arm = &mut moments[g.arm.index()];
        for i in 0..g.arrived {
            arm[0].push(f64::from(g.members[i].loneliness));
            arm[1].push(f64::from(g.members[i].hope));
            arm[2].push(f64::from(g.members[i].stigma));
        }
    }
    moments
}

/// One session for every group, in parallel; tallies come back in group order.
pub fn step_all(groups: &mut [GroupState], ctx: &SessionContext, step: u32) -> Vec<Tally> {
    step_all_with(groups, ctx, step, None)
}

/// One session for every group, with what each member's community ties are
/// doing (one list per group, from [`outside::outside_counts`]).
pub fn step_all_with(
    groups: &mut [GroupState],
    ctx: &SessionContext,
    step: u32,
    outside: Option<&[GroupOutside]>,
) -> Vec<Tally> {
    match outside {
        None => groups
            .par_iter_mut()
            .map_init(Scratch::default, |scratch, g| {
                step_group(g, ctx, step, scratch, &GroupOutside::default())
            })
            .collect(),
        Some(outside) => groups
            .par_iter_mut()
            .zip(outside.par_iter())
            .map_init(Scratch::default, |scratch, (g, o)| {
                step_group(g, ctx, step, scratch, o)
            })
            .collect(),
    }
}

/// [`step_all_with`], and the panel.csv rows of every meeting group's
/// session appended to `panel` in group order, each group's taken from its
/// scratch right after its session (whatever thread ran it).
pub fn step_all_panel(
    groups: &mut [GroupState],
    ctx: &SessionContext,
    step: u32,
    outside: Option<&[GroupOutside]>,
    id: &RowId,
    panel: &mut Vec<PanelRow>,
) -> Vec<Tally> {
    let week = f64::from(step) * ctx.scenario.interval_days() / 7.0;
    let one = |scratch: &mut Scratch, g: &mut GroupState, o: &GroupOutside| {
        let tally = step_group(g, ctx, step, scratch, o);
        let mut rows = Vec::new();
        if g.meets {
            scratch.panel_rows(g, id, step, week, &mut rows);
        }
        (tally, rows)
    };
    let stepped: Vec<(Tally, Vec<PanelRow>)> = match outside {
        None => groups
            .par_iter_mut()
            .map_init(Scratch::default, |scratch, g| {
                one(scratch, g, &GroupOutside::default())
            })
            .collect(),
        Some(outside) => groups
            .par_iter_mut()
            .zip(outside.par_iter())
            .map_init(Scratch::default, |scratch, (g, o)| one(scratch, g, o))
            .collect(),
    };
    stepped
        .into_iter()
        .map(|(tally, rows)| {
            panel.extend(rows);
            tally
        })
        .collect()
}

/// The replicate's community network (generated or imported), with each
/// member's loneliness at arrival shifted by their number of community ties
/// (`loneliness_per_tie` points lower per tie above the mean); a loneliness
/// measured in a baseline cohort is kept as measured.
fn community_network(
    ctx: &SessionContext,
    groups: &mut [GroupState],
) -> Option<(Arc<CommunityGraph>, States)> {
    let scenario = ctx.scenario;
    let settings = &scenario.community_network;
    let graph = match settings.kind {
        NetworkKind::None => return None,
        NetworkKind::File => scenario.imported_network()?.clone(),
        _ => {
            // Arrival loneliness by member id (groups hold ids in order).
            let loneliness: Vec<f32> = groups
                .iter()
                .flat_map(|g| g.members.iter().map(|m| m.loneliness_start))
                .collect();
            Arc::new(community::generate(
                settings,
                scenario.total_members() as usize,
                scenario.seed,
                ctx.replicate,
                &loneliness,
            ))
        }
    };
    let mean = graph.mean_degree();
    let per_tie = settings.loneliness_per_tie;
    let cohort = scenario.cohort();
    groups.par_iter_mut().for_each(|g| {
        for i in 0..g.places() {
            let measured = cohort
                .zip(g.baseline_row.get(i))
                .is_some_and(|(c, &row)| c.row(row).value("loneliness").is_some());
            if measured {
                continue;
            }
            let degree = graph.degree(g.first_member as usize + i) as f64;
            let shifted = loneliness::arrival_with_ties(
                f64::from(g.members[i].loneliness_start),
                per_tie,
                degree,
                mean,
            ) as f32;
            g.members[i].loneliness = shifted;
            g.members[i].loneliness_start = shifted;
            g.members[i].cohesion = ctx.cohesion_before_sessions(g.members[i].hope, shifted);
        }
    });
    Some((graph, States::of(groups)))
}

/// One time-series row per arm that has groups, from the step's totals.
fn push_rows(
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
                step,
                scenario.interval_days(),
                count,
                total,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run's rows when its tallies are folded `blocks` groups at a time:
    /// the result and the group and member rows, as text (NaN equals NaN).
    fn run_folding(scenario: &Scenario, blocks: usize) -> String {
        let (mut groups, mut members) = (Vec::new(), Vec::new());
        let sinks = RowSinks {
            groups: &mut |rows: &[GroupRow]| groups.extend_from_slice(rows),
            members: &mut |rows: &[MemberRow]| members.extend_from_slice(rows),
        };
        let result = run_in_blocks(scenario, (0, 1), &|| {}, sinks, Blocks(blocks));
        assert!(!groups.is_empty() && !members.is_empty() && !result.panel.is_empty());
        format!("{result:?}\n{groups:?}\n{members:?}")
    }

    #[test]
    fn folding_in_blocks_gives_the_rows_of_one_pass_over_every_group() {
        // Open groups, controls, a panel, every row, an export, and a
        // community network whose ties turn over and which group ties join:
        // everything a block boundary could disturb (the community's counts
        // per block, ties to lonely people, panel and group row order).
        let scenario = Scenario::builder()
            .text(
                "[community]\ngroups = 30\ngroup_size = 6\ncontrol_members = 40\n\
                 [format]\nmembership = \"open\"\nsessions = 6\n\
                 [network]\nmetrics_every = 1\nexport_steps = [3]\n\
                 [output]\npanel_csv = true\n\
                 [community_network]\nkind = \"watts_strogatz\"\nmean_degree = 4.0\n\
                 tie_turnover_per_year = 1.0\n",
            )
            .build()
            .unwrap();
        let whole = run_folding(&scenario, usize::MAX);
        for blocks in [1, 7, 29] {
            assert!(
                run_folding(&scenario, blocks) == whole,
                "blocks of {blocks}"
            );
        }
    }
}
