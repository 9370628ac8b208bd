//! The members of a community, held group by group.
//!
//! Each [`GroupState`] owns the member columns of one group (struct of arrays:
//! one `Vec` per property, indexed by the member's place in the group) and the
//! group's [`BondMatrix`]. Because a group owns its columns, the engine can
//! hand every group to a different thread as a plain `&mut GroupState`: no
//! locks, no `unsafe`, and a group's data sit together in memory.
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
use crate::bonds::{BondMatrix, TieSummary};
use crate::context::SessionContext;
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

/// Marks "not yet" in step columns.
pub const NEVER: u32 = u32::MAX;

/// What a forum records of its members, one entry per place
/// (`docs/MODEL.md` §7.17).
#[derive(Debug, Clone, Default)]
pub struct ForumMembers {
    /// Posting propensity, mean 1 (a trait, drawn at the start).
    pub propensity: Vec<f32>,
    /// Posts written so far.
    pub posts: Vec<u32>,
    /// Step of the member's first post, or [`NEVER`].
    pub first_post_step: Vec<u32>,
    /// Whether a post of the period of their first post was answered.
    pub first_answered: Vec<bool>,
    /// Whether they posted again in a later period.
    pub posted_again: Vec<bool>,
}

impl ForumMembers {
    /// Every place's posting propensity from the group's own stream
    /// (`Purpose::PostingPropensity`, step 0), one normal draw per place in
    /// place order.
    fn draw(ctx: &SessionContext, id: u32, places: usize) -> ForumMembers {
        let tail = ctx.scenario.forum.posting_tail;
        let mut draws = ctx.stream_key(0, id).stream(Purpose::PostingPropensity);
        ForumMembers {
            propensity: (0..places)
                .map(|_| forum::posting_propensity(tail, rng::normal(&mut draws, 0.0, 1.0)) as f32)
                .collect(),
            posts: vec![0; places],
            first_post_step: vec![NEVER; places],
            first_answered: vec![false; places],
            posted_again: vec![false; places],
        }
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

    // Member columns, one entry per place.
    pub status: Vec<Status>,
    /// Step at which the member joined (0 = before the first session).
    pub joined_step: Vec<u32>,
    /// Step at which the member left, or [`NEVER`].
    pub left_step: Vec<u32>,
    pub sessions_attended: Vec<u32>,
    /// UCLA-3 loneliness, 3–9.
    pub loneliness: Vec<f32>,
    pub loneliness_start: Vec<f32>,
    /// Loneliness when the member graduated, dropped out or saw their group
    /// end (NaN until then).
    pub loneliness_at_exit: Vec<f32>,
    /// Caught loneliness (SISa contagion): held lonely until recovery.
    pub caught: Vec<bool>,
    /// Step at which the member became hopeful (hope's adoption state;
    /// 0 = hopeful at arrival), or [`NEVER`].
    pub hopeful_since: Vec<u32>,
    /// Hope, 0–1.
    pub hope: Vec<f32>,
    pub hope_start: Vec<f32>,
    /// Self-stigma, 0–1.
    pub stigma: Vec<f32>,
    pub stigma_start: Vec<f32>,
    /// Openness, 0–1: willingness to talk and disclose (a trait).
    pub openness: Vec<f32>,
    /// Multiplier of the dropout hazard, mean 1 (a trait).
    pub frailty: Vec<f32>,
    /// Attendance propensity on the logit scale, mean 0 (a trait).
    pub propensity: Vec<f32>,
    /// Problem profile: type (0..types) and severity (0–1), for similarity.
    pub problem_type: Vec<u8>,
    pub severity: Vec<f32>,
    /// Recovery dose received so far (effective sessions).
    pub dose: Vec<f32>,
    /// Dose at which this member improves (a trait).
    pub dose_needed: Vec<f32>,
    /// The baseline cohort's data row (1 = the first) each member's traits
    /// came from; empty without a cohort (`population.file`).
    pub baseline_row: Vec<u32>,
    /// Sessions attended when the member improved, or [`NEVER`].
    pub improved_after: Vec<u32>,
    /// Perceived cohesion, 0–10 (running measure, updated when attending).
    pub cohesion: Vec<f32>,
    /// Memory of being answered, −1–1: toward +1 after a disclosure that got
    /// a reply, toward −1 after one that got none; 0 at arrival.
    pub reply_memory: Vec<f32>,
    /// Sessions in which the member disclosed.
    pub disclosures: Vec<u32>,
    /// Replies the member received to their disclosures, and gave to others'.
    pub replies_received: Vec<u32>,
    pub replies_given: Vec<u32>,
    /// A forum's members (empty unless the group is a forum that meets).
    pub forum: ForumMembers,

    /// The group's own character (all zero for control blocks).
    pub character: GroupCharacter,

    /// Ties among the members.
    pub bonds: BondMatrix,
    /// Per-member tie figures, recomputed each session (scratch, reused).
    pub tie_summary: TieSummary,
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
            status: Vec::with_capacity(places),
            joined_step: Vec::with_capacity(places),
            left_step: vec![NEVER; places],
            sessions_attended: vec![0; places],
            loneliness: Vec::with_capacity(places),
            loneliness_start: Vec::with_capacity(places),
            hope: Vec::with_capacity(places),
            hope_start: Vec::with_capacity(places),
            stigma: Vec::with_capacity(places),
            stigma_start: Vec::with_capacity(places),
            openness: Vec::with_capacity(places),
            frailty: Vec::with_capacity(places),
            propensity: Vec::with_capacity(places),
            problem_type: Vec::with_capacity(places),
            severity: Vec::with_capacity(places),
            dose: vec![0.0; places],
            dose_needed: Vec::with_capacity(places),
            baseline_row: Vec::new(),
            improved_after: vec![NEVER; places],
            caught: vec![false; places],
            hopeful_since: Vec::with_capacity(places),
            cohesion: Vec::with_capacity(places),
            loneliness_at_exit: vec![f32::NAN; places],
            reply_memory: vec![0.0; places],
            disclosures: vec![0; places],
            replies_received: vec![0; places],
            replies_given: vec![0; places],
            forum: if meets && ctx.forum {
                ForumMembers::draw(ctx, id, places)
            } else {
                ForumMembers::default()
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

    /// Makes the tie summary valid before the first session (rules read
    /// it), and fixes the pair constants of a group that meets.
    fn prepare_ties(&mut self, ctx: &SessionContext) {
        let present: Vec<bool> = self.status.iter().map(|&st| st == Status::Active).collect();
        let lonely: Vec<bool> = self
            .loneliness
            .iter()
            .map(|&l| f64::from(l) >= LONELY_CUTOFF)
            .collect();
        self.tie_summary
            .compute(&self.bonds, self.arrived, &present, &lonely, &ctx.levels);
        if self.meets {
            let (types, severity) = (&self.problem_type, &self.severity);
            self.bonds.fix_pair_constants(
                |i, j| {
                    rules::similarity(
                        types[i],
                        severity[i],
                        types[j],
                        severity[j],
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
        self.status.push(status);
        self.joined_step.push(joined);
        self.loneliness.push(t.loneliness);
        self.loneliness_start.push(t.loneliness);
        self.hope.push(t.hope);
        self.hope_start.push(t.hope);
        let hopeful = f64::from(t.hope) >= ctx.scenario.mechanisms.hope.hopeful_at;
        self.hopeful_since.push(if hopeful { 0 } else { NEVER });
        self.stigma.push(t.stigma);
        self.stigma_start.push(t.stigma);
        self.openness.push(t.openness);
        self.frailty.push(t.frailty);
        self.propensity.push(t.propensity);
        self.problem_type.push(t.problem_type);
        self.severity.push(t.severity);
        self.dose_needed.push(t.dose_needed);
        self.cohesion
            .push(ctx.cohesion_before_sessions(t.hope, t.loneliness));
    }

    /// Number of places (joined or waiting).
    pub fn places(&self) -> usize {
        self.status.len()
    }

    /// Sessions a member has belonged to the group by `step`.
    pub fn tenure(&self, i: usize, step: u32) -> u32 {
        if self.joined_step[i] == NEVER {
            return 0;
        }
        let end = if self.left_step[i] == NEVER {
            step
        } else {
            self.left_step[i]
        };
        end.saturating_sub(self.joined_step[i])
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
                assert!((3.0..=9.0).contains(&g.loneliness[i]));
                assert!((0.0..=1.0).contains(&g.hope[i]));
                assert!((0.0..=1.0).contains(&g.stigma[i]));
                assert!(g.frailty[i] >= 0.0 && g.dose_needed[i] > 0.0);
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
        assert_eq!(a.loneliness, b.loneliness);
        assert_eq!(a.openness, b.openness);
    }
}
