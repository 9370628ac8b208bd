//! What each member's community ties are doing at the start of a session,
//! and how lonely the people around lonely members are.
//!
//! [`outside_counts`] reads, for every member, how many of their community
//! ties ([`crate::community::CommunityGraph`]) are lonely, are hopeful, or
//! are active members, from the state at the start of a session: a
//! read-only pass over all groups before the groups are stepped, so the
//! groups stay independent within a step.
//!
//! A community tie between two members of the same meeting group is also a
//! channel in the room, and each person is counted once: a lonely group
//! mate with a tie in the bond matrix is counted there, not here, and the
//! hope step leaves out a hopeful mate it already heard disclose
//! ([`GroupOutside::mates`]).
//!
//! [`lonely_ties`] counts, per group, the community ties of lonely and of
//! other members that lead to a lonely person: whether loneliness clusters.
//! Both read each tie partner's state from [`States`], one byte per person
//! gathered after every session.

use rayon::prelude::*;

use crate::community::CommunityGraph;
use crate::metrics::LonelyTies;
use crate::population::{GroupState, NEVER, Status};
use crate::prefetch;
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

/// Every person's state as their community ties see it, one byte per
/// member id (lonely, hopeful, a current member), gathered in one pass
/// over the groups in member order: counting a tie partner is then one
/// read from a small array rather than three fields of a group's members,
/// which matters when a million people's ties lead anywhere in memory.
#[derive(Debug, Clone, Default)]
pub struct States {
    flags: Vec<u8>,
}

const LONELY: u8 = 1;
const HOPEFUL: u8 = 2;
const ACTIVE: u8 = 4;

impl States {
    /// The states now. Member ids run from 0 through the groups in order,
    /// each group's places one after the other (as the community is
    /// built), so each group's flags are written into its own part of
    /// the array, in parallel, asking for the members of the groups ahead
    /// where `ask_ahead` ([`crate::context::SessionContext::ask_ahead`]).
    pub fn of(groups: &[GroupState], ask_ahead: bool) -> States {
        let people = groups.iter().map(GroupState::places).sum();
        let mut flags = vec![0u8; people];
        let mut parts = Vec::with_capacity(groups.len());
        let mut rest = flags.as_mut_slice();
        for g in groups {
            assert_eq!(
                g.first_member as usize,
                people - rest.len(),
                "member ids run through the groups in order"
            );
            let (part, after) = rest.split_at_mut(g.places());
            parts.push(part);
            rest = after;
        }
        parts
            .into_par_iter()
            .zip(groups)
            .enumerate()
            .for_each(|(k, (part, g))| {
                if let Some(ahead) = groups.get(k + ASK_AHEAD_GROUPS).filter(|_| ask_ahead) {
                    prefetch::slice(&ahead.members);
                }
                for (i, (flag, m)) in part.iter_mut().zip(&g.members).enumerate() {
                    let lonely = f64::from(m.loneliness) >= LONELY_CUTOFF;
                    let hopeful = i < g.arrived && m.hopeful_since != NEVER;
                    let active = m.status == Status::Active;
                    let on = |on: bool, flag: u8| if on { flag } else { 0 };
                    *flag = on(lonely, LONELY) | on(hopeful, HOPEFUL) | on(active, ACTIVE);
                }
            });
        States { flags }
    }

    /// Whether member `id` is lonely (UCLA-3 at or above the cut-off).
    pub fn lonely(&self, id: usize) -> bool {
        self.flags[id] & LONELY != 0
    }

    /// Member `id`'s flags (one read for all three).
    fn of_member(&self, id: u32) -> u8 {
        self.flags[id as usize]
    }
}

/// How many groups ahead the passes over every group's members and
/// community ties ask for the groups' members and bond strengths: read
/// after a session, or at the next one's start, little of a million
/// members' state is still in the caches ([`crate::prefetch`]).
const ASK_AHEAD_GROUPS: usize = 2;

/// What the community ties of one group's members are doing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupOutside {
    /// Per place.
    pub members: Vec<Outside>,
    /// Community ties between two places of this group (lower place first)
    /// when the group meets: the two may also hear each other in the room.
    pub mates: Vec<(u32, u32)>,
}

impl GroupOutside {
    /// The counts of place `i` (none without a community network).
    pub fn of(&self, i: usize) -> Outside {
        self.members.get(i).copied().unwrap_or_default()
    }
}

/// For every member of every group, the counts of [`Outside`], from the
/// states at the start of the session (read only, in parallel; no group is
/// changed). A lonely partner in the same meeting group whose bond is at
/// or above `tie_level` is left out: the group's ties already count them.
/// Where `ask_ahead`, the bond strengths of the groups ahead are asked for.
pub fn outside_counts(
    graph: &CommunityGraph,
    states: &States,
    groups: &[GroupState],
    tie_level: f32,
    ask_ahead: bool,
) -> Vec<GroupOutside> {
    groups
        .par_iter()
        .enumerate()
        .map(|(k, g)| {
            if let Some(ahead) = groups.get(k + ASK_AHEAD_GROUPS).filter(|_| ask_ahead) {
                prefetch::slice(ahead.bonds.strengths());
            }
            let mut mates = Vec::new();
            let (first, places) = (g.first_member as usize, g.places());
            let bonded_places = g.bonds.people();
            let members = (0..places)
                .map(|i| {
                    let mut o = Outside::default();
                    for &u in graph.neighbours(first + i) {
                        let flags = states.of_member(u);
                        let mut lonely = flags & LONELY != 0;
                        // A partner in this group, at place `place`.
                        let place = (u as usize).wrapping_sub(first);
                        if g.meets && place < places {
                            if place > i {
                                mates.push((i as u32, place as u32));
                            }
                            let bonded = place.max(i) < bonded_places
                                && g.bonds.strength(i, place) >= tie_level;
                            lonely &= !bonded;
                        }
                        o.lonely += u16::from(lonely);
                        o.hopeful += u16::from(flags & HOPEFUL != 0);
                        o.active += u16::from(flags & ACTIVE != 0);
                    }
                    o
                })
                .collect();
            GroupOutside { members, mates }
        })
        .collect()
}

/// Per group, the community ties of its members who came that lead to a
/// lonely person (UCLA-3 at or above the cut-off; anyone in the community),
/// for its lonely members and for the others.
pub fn lonely_ties(
    graph: &CommunityGraph,
    states: &States,
    groups: &[GroupState],
) -> Vec<LonelyTies> {
    groups
        .par_iter()
        .map(|g| {
            let mut t = LonelyTies::default();
            for id in g.first_member as usize..g.first_member as usize + g.arrived {
                let neighbours = graph.neighbours(id);
                let to_lonely: u64 = neighbours
                    .iter()
                    .map(|&u| u64::from(states.of_member(u) & LONELY != 0))
                    .sum();
                let all = neighbours.len() as u64;
                if states.lonely(id) {
                    t.of_lonely += all;
                    t.of_lonely_to_lonely += to_lonely;
                } else {
                    t.of_others += all;
                    t.of_others_to_lonely += to_lonely;
                }
            }
            t
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::population::build_community;
    use crate::scenario::Scenario;

    /// One group of four that meets, and a control block of four: member 1
    /// is tied in the community to its lonely group mates 0 (also bonded)
    /// and 2 (not bonded), and to lonely member 4 of the control arm.
    #[test]
    fn a_lonely_group_mate_already_counted_by_the_bond_is_counted_once() {
        let s = Scenario::builder()
            .text("[community]\ngroups = 1\ngroup_size = 4\ncontrol_members = 4\nmin_group_size = 1\n")
            .build()
            .unwrap();
        let mut groups = build_community(&s, 0);
        for g in &mut groups {
            g.members.iter_mut().for_each(|m| m.loneliness = 7.0);
        }
        groups[0].members[1].loneliness = 3.0;
        let tie_level = 1.0;
        groups[0].bonds.columns_mut().strength[crate::bonds::pair_index(0, 1)] = 2.0;
        let graph = CommunityGraph::from_edges(8, &[(1, 0), (1, 2), (1, 4)]);
        let states = States::of(&groups, false);
        let counts = outside_counts(&graph, &states, &groups, tie_level, false);
        assert!(groups[0].meets && !groups[1].meets);
        // Mate 0 is counted by the bond, mate 2 and member 4 here.
        assert_eq!(counts[0].members[1].lonely, 2);
        assert_eq!(counts[0].mates, vec![(0, 1), (1, 2)]);
        // Member 0's tie to member 1 (not lonely) counts nothing.
        assert_eq!(counts[0].members[0].lonely, 0);
        assert_eq!(counts[1].members[0].lonely, 0);
        assert!(counts[1].mates.is_empty());
    }
}
