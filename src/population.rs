//! The members of a community, held group by group.
//!
//! Each [`GroupState`] owns its members (one [`Member`] per place, side by
//! side in one array, indexed by the member's place in the group) and the
//! group's [`BondMatrix`] (one array of pairs). Because a group owns its
//! members, the engine can hand every group to a different thread as a
//! plain `&mut GroupState`: no locks, no `unsafe`, and a group's data sit
//! together in memory, in a few allocations rather than one per property.
//!
//! A group's places are filled in arrival order: members `0..arrived` have
//! joined, the rest are on the waiting list (open groups). The control arm is
//! held in blocks of the same layout whose members never attend.
//!
//! Traits are drawn at creation from the `Population` stream of the group, for
//! every place whether or not it will be filled, so two scenarios that differ
//! only in their mechanisms or format start from the same people; with a
//! baseline cohort, a row of it then replaces the traits it gives
//! ([`crate::arrivals::Arrivals`]).

use rayon::prelude::*;
use serde::Serialize;

use crate::arrivals::Arrivals;
use crate::bonds::{BondMatrix, NetworkMemo, TieSummary};
use crate::context::SessionContext;
use crate::prefetch;
use crate::rng::{self, Purpose};
use crate::rules;
use crate::rules::forum;
use crate::rules::group_differences::GroupCharacter;
use crate::rules::loneliness::LONELY_CUTOFF;
use crate::scenario::Scenario;
use crate::traits;

/// Which arm of the study a group belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    /// Members attend a support group.
    Group,
    /// Members never attend (waitlist control).
    Control,
}

impl Arm {
    pub const ALL: [Arm; 2] = [Arm::Group, Arm::Control];

    /// The arm's place in [`Arm::ALL`].
    pub fn index(self) -> usize {
        match self {
            Arm::Group => 0,
            Arm::Control => 1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Arm::Group => "group",
            Arm::Control => "control",
        }
    }
}

/// Where a member stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Status {
    /// On the waiting list of an open group.
    #[default]
    Waiting,
    /// A current member.
    Active,
    /// Left before being better.
    DroppedOut,
    /// Left because they were better ("good enough").
    Graduated,
    /// In the control arm: never attends.
    Control,
    /// Was a current member of a closed group that ended because too few
    /// were left (`community.min_group_size`).
    GroupEnded,
}

impl Status {
    /// How many statuses there are: one past the last variant's
    /// discriminant (a status counted past it would fail its index check).
    pub const COUNT: usize = Status::GroupEnded as usize + 1;
}

/// Marks "not yet" in a member's step fields.
pub const NEVER: u32 = u32::MAX;

/// What a forum records of one member (`docs/MODEL.md` §7.17).
#[derive(Debug, Clone, Copy)]
pub struct ForumMember {
    /// Posting propensity, mean 1 (a trait, drawn at the start).
    pub propensity: f32,
    /// Posts written so far.
    pub posts: u32,
    /// Step of the member's first post, or [`NEVER`].
    pub first_post_step: u32,
    /// Whether a post of the period of their first post was answered.
    pub first_answered: bool,
    /// Whether they posted again in a later period.
    pub posted_again: bool,
}

impl ForumMember {
    /// Every place's forum member, with a posting propensity from the
    /// group's own stream (`Purpose::PostingPropensity`, step 0): one
    /// normal draw per place in place order.
    fn draw_all(ctx: &SessionContext, id: u32, places: usize) -> Vec<ForumMember> {
        let tail = ctx.scenario.forum.posting_tail;
        let mut draws = ctx.stream_key(0, id).stream(Purpose::PostingPropensity);
        (0..places)
            .map(|_| ForumMember {
                propensity: forum::posting_propensity(tail, rng::normal(&mut draws, 0.0, 1.0))
                    as f32,
                posts: 0,
                first_post_step: NEVER,
                first_answered: false,
                posted_again: false,
            })
            .collect()
    }
}

/// One member's state: traits drawn at arrival, scores that move with the
/// sessions, and counters. A group holds its members side by side in one
/// array (`GroupState::members`), so a group of ten is one allocation.
/// Laid out as 24 four-byte words with no padding (the four one-byte
/// fields fill the first), so that the session kernel can copy a batch's
/// members into lanes word by word (`kernel::batch`): what a session
/// changes lies in the first 16 words, which alone are copied back, and
/// what is fixed at arrival in the last 8.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct Member {
    pub status: Status,
    /// Problem profile: type (0..types) and severity (0–1), for similarity.
    pub problem_type: u8,
    /// Caught loneliness (SISa contagion): held lonely until recovery.
    pub caught: bool,
    /// Unused: fills the first word.
    pub spare: u8,
    /// Step at which the member left, or [`NEVER`].
    pub left_step: u32,
    pub sessions_attended: u32,
    /// UCLA-3 loneliness, 3–9.
    pub loneliness: f32,
    /// Loneliness when the member graduated, dropped out or saw their group
    /// end (NaN until then).
    pub loneliness_at_exit: f32,
    /// Step at which the member became hopeful (hope's adoption state;
    /// 0 = hopeful at arrival), or [`NEVER`].
    pub hopeful_since: u32,
    /// Hope, 0–1.
    pub hope: f32,
    /// Self-stigma, 0–1.
    pub stigma: f32,
    /// Recovery dose received so far (effective sessions).
    pub dose: f32,
    /// Sessions attended when the member improved, or [`NEVER`].
    pub improved_after: u32,
    /// Perceived cohesion, 0–10 (running measure, updated when attending).
    pub cohesion: f32,
    /// Memory of being answered, −1–1: toward +1 after a disclosure that got
    /// a reply, toward −1 after one that got none; 0 at arrival.
    pub reply_memory: f32,
    /// Sessions in which the member disclosed.
    pub disclosures: u32,
    /// Replies the member received to their disclosures, and gave to others'.
    pub replies_received: u32,
    pub replies_given: u32,
    /// Step at which the member joined (0 = before the first session; set
    /// when a seat is taken, before a session's kernel).
    pub joined_step: u32,
    pub loneliness_start: f32,
    pub hope_start: f32,
    pub stigma_start: f32,
    /// Openness, 0–1: willingness to talk and disclose (a trait).
    pub openness: f32,
    /// Multiplier of the dropout hazard, mean 1 (a trait).
    pub frailty: f32,
    /// Attendance propensity on the logit scale, mean 0 (a trait).
    pub propensity: f32,
    pub severity: f32,
    /// Dose at which this member improves (a trait).
    pub dose_needed: f32,
}

// Twenty-four words, no padding.
const _: () = assert!(std::mem::size_of::<Member>() == 96);

impl Member {
    /// The member leaves the group at `step` (graduated, dropped out, or
    /// their group ended), with the loneliness they leave with.
    pub fn leave(&mut self, status: Status, step: u32) {
        self.status = status;
        self.left_step = step;
        self.loneliness_at_exit = self.loneliness;
    }
}

/// One group (or control block) and its members.
#[derive(Debug, Clone)]
pub struct GroupState {
    /// Group number, unique across both arms within a replicate.
    pub id: u32,
    pub arm: Arm,
    /// Community-wide id of the member in place 0.
    pub first_member: u64,
    /// Members in places `0..arrived` have joined; the rest wait.
    pub arrived: usize,
    /// Whether the group meets: false for control blocks and for the groups
    /// of a waitlist arm (`attends = false`), whose members never attend.
    pub meets: bool,

    /// The members, one per place: `members[i]` is the member in place `i`.
    pub members: Vec<Member>,
    /// The baseline cohort's data row (1 = the first) each member's traits
    /// came from, by place; empty without a cohort (`population.file`).
    pub baseline_row: Vec<u32>,
    /// A forum's members (empty unless the group is a forum that meets).
    pub forum: Vec<ForumMember>,

    /// The group's own character (all zero for control blocks).
    pub character: GroupCharacter,

    /// Ties among the members.
    pub bonds: BondMatrix,
    /// Per-member tie figures, recomputed each session (scratch, reused).
    pub tie_summary: TieSummary,
    /// The network figures of the last session measured, with what they
    /// came from (none until the network is measured).
    pub network_memo: Option<Box<NetworkMemo>>,
}

impl GroupState {
    /// Draws a group's members for the context's replicate.
    pub fn new(ctx: &SessionContext, id: u32, arm: Arm, first_member: u64) -> Self {
        let scenario = ctx.scenario;
        let (places, initial) = match arm {
            Arm::Group => (
                scenario.pool_size() as usize,
                scenario.initial_members() as usize,
            ),
            Arm::Control => {
                let block = scenario.control_block_size() as u64;
                let start = first_member
                    - u64::from(scenario.community.groups) * u64::from(scenario.pool_size());
                let left = u64::from(scenario.community.control_members) - start;
                let n = left.min(block) as usize;
                (n, n)
            }
        };
        let meets = arm == Arm::Group && scenario.attends();
        let mut g = GroupState {
            id,
            arm,
            first_member,
            arrived: initial,
            meets,
            members: Vec::with_capacity(places),
            baseline_row: Vec::new(),
            forum: if meets && ctx.forum {
                ForumMember::draw_all(ctx, id, places)
            } else {
                Vec::new()
            },
            character: if meets {
                let mut character =
                    rng::stream_for(scenario.seed, ctx.replicate, 0, id, Purpose::GroupCharacter);
                GroupCharacter::draw(&scenario.mechanisms.group_differences, &mut character)
            } else {
                GroupCharacter::default()
            },
            bonds: BondMatrix::new(if meets { places } else { 0 }),
            tie_summary: TieSummary::default(),
            network_memo: None,
        };
        let mut arrivals = Arrivals::new(
            &scenario.population,
            ctx.dose_needed,
            scenario.cohort(),
            ctx.stream_key(0, id),
            first_member,
        );
        for place in 0..places {
            // Every trait is drawn for every place, in a fixed order.
            let (traits, row) = arrivals.next_member();
            g.baseline_row.extend(row);
            let status = match arm {
                Arm::Control => Status::Control,
                Arm::Group if place < initial && !meets => Status::Control,
                Arm::Group if place < initial => Status::Active,
                Arm::Group => Status::Waiting,
            };
            let joined = if meets && place < initial { 0 } else { NEVER };
            g.push_member(ctx, traits, status, joined);
        }
        g.prepare_ties(ctx);
        g
    }

    /// Hints that the memory a session reads of the group be loaded
    /// ([`crate::prefetch`]): its members, pairs and tie summary.
    #[inline(always)]
    pub fn prefetch(&self) {
        prefetch::slice(&self.members);
        let (numbers, flags) = self.bonds.storage();
        prefetch::slice(numbers);
        prefetch::slice(flags);
        self.tie_summary.prefetch();
    }

    /// Makes the tie summary valid before the first session (rules read
    /// it), and fixes the pair constants of a group that meets.
    fn prepare_ties(&mut self, ctx: &SessionContext) {
        let present: Vec<bool> = self
            .members
            .iter()
            .map(|m| m.status == Status::Active)
            .collect();
        let lonely: Vec<bool> = self
            .members
            .iter()
            .map(|m| f64::from(m.loneliness) >= LONELY_CUTOFF)
            .collect();
        self.tie_summary
            .compute(&self.bonds, self.arrived, &present, &lonely, &ctx.levels);
        if self.meets {
            let members = &self.members;
            self.bonds.fix_pair_constants(
                |i, j| {
                    let (a, b) = (&members[i], &members[j]);
                    rules::similarity(
                        a.problem_type,
                        a.severity,
                        b.problem_type,
                        b.severity,
                        ctx.type_weight,
                    )
                },
                |sim, lonely| ctx.kept_over_interval(sim, lonely),
            );
        }
    }

    /// Adds one place's member with their traits at arrival.
    fn push_member(
        &mut self,
        ctx: &SessionContext,
        t: traits::Traits,
        status: Status,
        joined: u32,
    ) {
        let hopeful = f64::from(t.hope) >= ctx.scenario.mechanisms.hope.hopeful_at;
        self.members.push(Member {
            status,
            problem_type: t.problem_type,
            caught: false,
            spare: 0,
            joined_step: joined,
            left_step: NEVER,
            sessions_attended: 0,
            loneliness: t.loneliness,
            loneliness_start: t.loneliness,
            loneliness_at_exit: f32::NAN,
            hopeful_since: if hopeful { 0 } else { NEVER },
            hope: t.hope,
            hope_start: t.hope,
            stigma: t.stigma,
            stigma_start: t.stigma,
            openness: t.openness,
            frailty: t.frailty,
            propensity: t.propensity,
            severity: t.severity,
            dose: 0.0,
            dose_needed: t.dose_needed,
            improved_after: NEVER,
            cohesion: ctx.cohesion_before_sessions(t.hope, t.loneliness),
            reply_memory: 0.0,
            disclosures: 0,
            replies_received: 0,
            replies_given: 0,
        });
    }

    /// Number of places (joined or waiting).
    pub fn places(&self) -> usize {
        self.members.len()
    }

    /// Sessions a member has belonged to the group by `step`.
    pub fn tenure(&self, i: usize, step: u32) -> u32 {
        if self.members[i].joined_step == NEVER {
            return 0;
        }
        let end = if self.members[i].left_step == NEVER {
            step
        } else {
            self.members[i].left_step
        };
        end.saturating_sub(self.members[i].joined_step)
    }
}

/// Builds every group and control block of one replicate, in id order
/// (in parallel: each group draws from its own stream).
pub fn build_community(scenario: &Scenario, replicate: u32) -> Vec<GroupState> {
    build_community_with(&SessionContext::new(scenario, replicate))
}

/// [`build_community`] with the replicate's context already built.
pub fn build_community_with(ctx: &SessionContext) -> Vec<GroupState> {
    let scenario = ctx.scenario;
    let groups = scenario.community.groups;
    let pool = u64::from(scenario.pool_size());
    let block = u64::from(scenario.control_block_size());
    let control = u64::from(scenario.community.control_members);
    let control_blocks = control.div_ceil(block) as u32;
    (0..groups + control_blocks)
        .into_par_iter()
        .map(|id| {
            if id < groups {
                GroupState::new(ctx, id, Arm::Group, u64::from(id) * pool)
            } else {
                let first = u64::from(groups) * pool + u64::from(id - groups) * block;
                GroupState::new(ctx, id, Arm::Control, first)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_place_among_the_counts_by_status() {
        let all = [
            Status::Waiting,
            Status::Active,
            Status::DroppedOut,
            Status::Graduated,
            Status::Control,
            Status::GroupEnded,
        ];
        for status in all {
            // Exhaustive: a new status does not compile here until listed.
            match status {
                Status::Waiting
                | Status::Active
                | Status::DroppedOut
                | Status::Graduated
                | Status::Control
                | Status::GroupEnded => {}
            }
            assert!((status as usize) < Status::COUNT, "{status:?}");
        }
        assert_eq!(Status::COUNT, all.len());
    }

    #[test]
    fn community_has_every_member_once_with_traits_on_scale() {
        let s = Scenario::builder()
            .set("community.groups", 7)
            .set("community.control_members", 20) // 3 blocks of 9: 9, 9, 2
            .build()
            .unwrap();
        let c = build_community(&s, 0);
        assert_eq!(c.len(), 7 + 3);
        let total: usize = c.iter().map(GroupState::places).sum();
        assert_eq!(total as u64, s.total_members());
        assert_eq!(c.last().unwrap().places(), 2);
        let mut next = 0;
        for g in &c {
            assert_eq!(g.first_member, next);
            next += g.places() as u64;
            for i in 0..g.places() {
                assert!((3.0..=9.0).contains(&g.members[i].loneliness));
                assert!((0.0..=1.0).contains(&g.members[i].hope));
                assert!((0.0..=1.0).contains(&g.members[i].stigma));
                assert!(g.members[i].frailty >= 0.0 && g.members[i].dose_needed > 0.0);
            }
        }
    }

    #[test]
    fn the_same_people_whatever_the_mechanisms() {
        let s = Scenario::embedded_default();
        let t = Scenario::builder()
            .set("mechanisms.bonding.enabled", false)
            .set("format.leadership", "facilitated")
            .build()
            .unwrap();
        let (a, b) = (
            GroupState::new(&SessionContext::new(&s, 2), 5, Arm::Group, 0),
            GroupState::new(&SessionContext::new(&t, 2), 5, Arm::Group, 0),
        );
        let traits = |g: &GroupState| -> Vec<(f32, f32)> {
            g.members
                .iter()
                .map(|m| (m.loneliness, m.openness))
                .collect()
        };
        assert_eq!(traits(&a), traits(&b));
    }
}
