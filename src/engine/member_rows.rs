//! The rows of members.csv, made on every core a few hundred groups at a
//! time and handed on in member order.

use rayon::prelude::*;

use crate::community::CommunityGraph;
use crate::metrics::RowId;
use crate::network;
use crate::output::MemberRow;
use crate::population::GroupState;
use crate::session::SessionContext;

/// Groups whose member rows are made and handed on together.
pub(super) const MEMBER_ROW_GROUPS: usize = 256;

/// The rows of members.csv: every member who came, in member-id order
/// (`ids`: the group arm's, then the control arm's), with their strength and
/// core number in the bond network at the end, and their community ties;
/// handed to `sink` some groups at a time. Each group's rows are made in
/// place, on every core, in one buffer of rows kept from one handful of
/// groups to the next. Strength and core number are read from each group's
/// own bond network: ties never cross groups, so a group is whole
/// components of the run's network, and a node's strength and core number
/// depend on its component alone.
pub(super) fn member_rows(
    groups: &[GroupState],
    ids: &[RowId; 2],
    last: u32,
    ctx: &SessionContext,
    community: Option<&CommunityGraph>,
    sink: &mut dyn FnMut(&[MemberRow]),
) {
    let mut members = Vec::new();
    for chunk in groups.chunks(MEMBER_ROW_GROUPS) {
        members.resize_with(chunk.iter().map(|g| g.arrived).sum(), MemberRow::default);
        let mut rest = &mut members[..];
        let mut rows_of = Vec::with_capacity(chunk.len());
        for g in chunk {
            let (rows, after) = rest.split_at_mut(g.arrived);
            rows_of.push(rows);
            rest = after;
        }
        chunk
            .par_iter()
            .zip(rows_of)
            .for_each(|(g, rows)| member_rows_of_group(g, ids, last, ctx, community, rows));
        sink(&members);
    }
}

/// The members.csv rows of one group's members (`rows`, one for each who
/// arrived), with their community degree and their strength and core
/// number in the group's bond network.
pub(super) fn member_rows_of_group(
    g: &GroupState,
    ids: &[RowId; 2],
    last: u32,
    ctx: &SessionContext,
    community: Option<&CommunityGraph>,
    rows: &mut [MemberRow],
) {
    let id = &ids[g.arm.index()];
    MemberRow::of_group(g, id, last, ctx.scenario.cohort(), rows);
    if let Some(graph) = community {
        for row in rows.iter_mut() {
            row.community_ties = Some(graph.degree(row.member as usize) as u32);
        }
    }
    if g.meets {
        let (strengths, cores) = network::node_figures(g, &ctx.levels);
        let joined = rows
            .iter_mut()
            .filter(|m| m.joined_step.is_some() && m.arm == ids[0].arm);
        for (node, row) in joined.enumerate() {
            row.strength = Some(strengths[node]);
            row.core_number = Some(cores[node]);
        }
    }
}
