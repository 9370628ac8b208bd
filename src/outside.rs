//! What each member's community ties are doing at the start of a session.
//!
//! [`outside_counts`] reads, for every member, how many of their community
//! ties ([`crate::community::CommunityGraph`]) are lonely, are hopeful, or
//! are active members, from the state at the start of a session: a
//! read-only pass over all groups before the groups are stepped, so the
//! groups stay independent within a step.

use rayon::prelude::*;

use crate::community::CommunityGraph;
use crate::population::{GroupState, NEVER, Status};
use crate::rules::loneliness::LONELY_CUTOFF;

/// What a member's community ties are doing at the start of a session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outside {
    /// Tie partners whose loneliness is at or above the cut-off.
    pub lonely: u16,
    /// Tie partners who are hopeful (exemplars of hope).
    pub hopeful: u16,
    /// Tie partners who are current members of a group.
    pub active: u16,
}

/// The group index of every member id (4 bytes a member), built once per
/// replicate so that finding a tie partner's state is one lookup.
#[derive(Debug, Clone)]
pub struct Locator {
    group_of: Vec<u32>,
}

impl Locator {
    pub fn new(groups: &[GroupState]) -> Locator {
        let mut group_of = Vec::with_capacity(groups.iter().map(GroupState::places).sum());
        for (index, g) in groups.iter().enumerate() {
            group_of.extend(std::iter::repeat_n(index as u32, g.places()));
        }
        Locator { group_of }
    }

    /// (group index, place) of a member id.
    fn locate(&self, groups: &[GroupState], id: u32) -> (usize, usize) {
        let g = self.group_of[id as usize] as usize;
        (g, (u64::from(id) - groups[g].first_member) as usize)
    }
}

/// For every member of every group, the counts of [`Outside`], from the
/// groups' state now (read only, in parallel; no group is changed).
pub fn outside_counts(
    graph: &CommunityGraph,
    locator: &Locator,
    groups: &[GroupState],
) -> Vec<Vec<Outside>> {
    groups
        .par_iter()
        .map(|g| {
            (0..g.places())
                .map(|i| {
                    let id = g.first_member as usize + i;
                    let mut o = Outside::default();
                    for &u in graph.neighbours(id) {
                        let (gi, place) = locator.locate(groups, u);
                        let other = &groups[gi];
                        let arrived = place < other.arrived;
                        let lonely = f64::from(other.loneliness[place]) >= LONELY_CUTOFF;
                        o.lonely += u16::from(lonely);
                        o.hopeful += u16::from(arrived && other.hopeful_since[place] != NEVER);
                        o.active += u16::from(other.status[place] == Status::Active);
                    }
                    o
                })
                .collect()
        })
        .collect()
}
