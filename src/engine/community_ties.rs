//! The community network around the groups: generated or imported before
//! the first session (with arrival loneliness shifted by community ties),
//! joined by group ties that reach beyond the meetings, counted for ties to
//! lonely people, and turned over between sessions.

use rayon::prelude::*;

use std::sync::Arc;

use crate::community::{self, CommunityGraph, NetworkKind};
use crate::outside::{self, States};
use crate::population::GroupState;
use crate::prefetch;
use crate::rng::{self, Purpose};
use crate::rules::loneliness;
use crate::session::SessionContext;
use crate::turnover;

use super::fold::StepTotals;

/// The community network after a session: the group ties that now reach
/// beyond the meetings join it, everyone's state is read afresh (for the
/// tallies now, and for the next session's outside counts and the ties'
/// turnover), and each group's ties to lonely people are added to its
/// arm's total.
pub(super) fn community_after_session(
    graph: &mut Arc<CommunityGraph>,
    states: &mut States,
    ctx: &SessionContext,
    groups: &mut [GroupState],
    totals: &mut StepTotals,
) {
    if ctx.scenario.community_network.group_ties_join {
        join_group_ties(Arc::make_mut(graph), groups);
    }
    *states = States::of(groups, ctx.ask_ahead);
    add_lonely_ties(totals, graph, states, groups);
}

/// Ties between members of a meeting group that reach beyond the meetings
/// for the first time join the community network (found in parallel,
/// added in group order); a pair joins once, and a joined tie then turns
/// over like any other community tie.
pub(super) fn join_group_ties(graph: &mut CommunityGraph, groups: &mut [GroupState]) {
    let found: Vec<Vec<(u32, u32)>> = groups
        .par_chunks_mut(JOIN_CHUNK_GROUPS)
        .map(|chunk| {
            let mut pairs = Vec::new();
            for at in 0..chunk.len() {
                let (now, later) = chunk[at..].split_at_mut(1);
                if let Some(ahead) = later.get(JOIN_ASK_AHEAD - 1) {
                    prefetch::slice(ahead.bonds.storage().1);
                }
                newly_beyond(&mut now[0], &mut pairs);
            }
            pairs
        })
        .collect();
    graph.add_ties(&found.concat());
}

/// Groups whose new ties beyond the meetings one piece of parallel work
/// finds, in order.
const JOIN_CHUNK_GROUPS: usize = 64;

/// How many groups ahead [`join_group_ties`] asks for a group's pair
/// flags ([`crate::prefetch`]): read long after the group's session, they
/// are rarely still in the caches.
const JOIN_ASK_AHEAD: usize = 4;

/// Appends the pairs of `g` (a meeting group) whose tie reaches beyond the
/// meetings and has not joined the community network yet, as member ids
/// (lower place first, pairs in order), and marks them joined.
fn newly_beyond(g: &mut GroupState, pairs: &mut Vec<(u32, u32)>) {
    if !g.meets {
        return;
    }
    let people = g.bonds.people();
    let first = g.first_member as u32;
    let bonds = g.bonds.columns_mut();
    // Most sessions bring a group no new such tie: one pass without a
    // branch a pair says so.
    let any = (bonds.beyond.iter())
        .zip(bonds.joined.iter())
        .fold(false, |any, (&beyond, &joined)| any | (beyond & !joined));
    if !any {
        return;
    }
    let mut k = 0;
    for j in 1..people {
        for i in 0..j {
            if bonds.beyond[k] && !bonds.joined[k] {
                bonds.joined[k] = true;
                pairs.push((first + i as u32, first + j as u32));
            }
            k += 1;
        }
    }
}

/// Each group's community ties that lead to lonely people, added to its
/// arm's total (counts: the order of adding does not matter).
pub(super) fn add_lonely_ties(
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
pub(super) fn turn_over_community(
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
    let lonely: Vec<bool> = (0..graph.nodes())
        .into_par_iter()
        .map(|id| states.lonely(id))
        .collect();
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

/// The replicate's community network (generated or imported), with each
/// member's loneliness at arrival shifted by their number of community ties
/// (`loneliness_per_tie` points lower per tie above the mean); a loneliness
/// measured in a baseline cohort is kept as measured.
pub(super) fn community_network(
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
    Some((graph, States::of(groups, ctx.ask_ahead)))
}
