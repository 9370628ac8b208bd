//! The steps of a batch's session that run in the kernel's lanes
//! (`crate::kernel::steps`), behind the developer's switch
//! (`BONFIRE_KERNEL=lanes`, [`crate::context::SessionContext::kernel`]):
//! the batch is copied into lanes before such a step and back after it,
//! and what the step needs of the session (the scratch, the tie summary)
//! is gathered from each group. Being built step by step
//! (docs/kernel-plan.md); the copies around each step go when its
//! neighbours have moved too.

use super::Scratch;
use crate::context::SessionContext;
use crate::kernel::batch::BatchLanes;
use crate::kernel::lanes::Mask;
use crate::kernel::lanes::{Isa, WithLanes, dispatch};
use crate::kernel::rules::KernelRules;
use crate::kernel::steps::{
    self, AttendanceSession, CohesionSession, DropoutSession, LonelinessSession, PairSession,
    PlaceInPairs, RecoverySession, StigmaSession, gather, gather_flags,
};
use crate::outside::GroupOutside;
use crate::population::GroupState;
use crate::rules::bonding;

/// The group whose data lane `l` holds in a batch of `n` groups: its
/// own, or the first group's in a lane past the last
/// ([`BatchLanes::copy_in`]), whose results are never copied back.
#[inline(always)]
fn lane(l: usize, n: usize) -> usize {
    if l < n { l } else { 0 }
}

/// Whether step 8 runs in lanes: a room whose groups have bonding and
/// contact beyond the meetings on (the kernel's pair update; a forum's
/// exchanges, and either mechanism alone, run as before).
pub(super) fn pairs_run_in_lanes(ctx: &SessionContext) -> bool {
    let m = &ctx.scenario.mechanisms;
    !ctx.forum && m.bonding.enabled && m.beyond_meetings.enabled
}

/// The runs of steps that go into lanes: step 8 (the pairs, where
/// [`pairs_run_in_lanes`]), and steps 9 to 13 after the tie summaries.
#[derive(Debug, Clone, Copy)]
pub(super) enum Window {
    Pairs,
    AfterSummaries,
}

/// What the steps in lanes read of a batch's session.
pub(super) struct Batch<'a> {
    rules: &'a KernelRules,
    ctx: &'a SessionContext<'a>,
    step: u32,
    /// The groups' scratches, in order.
    scratches: &'a [Scratch],
    /// What each group's members' community ties are doing.
    outsides: &'a [&'a GroupOutside],
}

impl<'a> Batch<'a> {
    pub(super) fn new(
        rules: &'a KernelRules,
        ctx: &'a SessionContext<'a>,
        step: u32,
        scratches: &'a [Scratch],
        outsides: &'a [&'a GroupOutside],
    ) -> Batch<'a> {
        Batch {
            rules,
            ctx,
            step,
            scratches,
            outsides,
        }
    }
}

/// Runs `window`'s steps for the batch's groups (all meeting, of one
/// size).
pub(super) fn run(
    window: Window,
    batch: &Batch,
    groups: &mut [GroupState],
    lanes: &mut BatchLanes,
) {
    dispatch(
        batch.rules.portable,
        InWindow {
            window,
            batch,
            groups,
            lanes,
        },
    );
}

/// A window of steps of a batch, as work over lanes.
struct InWindow<'a> {
    window: Window,
    batch: &'a Batch<'a>,
    groups: &'a mut [GroupState],
    lanes: &'a mut BatchLanes,
}

impl WithLanes for InWindow<'_> {
    type Output = ();
    #[inline(always)]
    fn run<I: Isa>(self, isa: I) {
        match self.window {
            Window::Pairs => step_8_with(isa, self.batch, self.groups, self.lanes),
            Window::AfterSummaries => steps_9_to_13_with(isa, self.batch, self.groups, self.lanes),
        }
    }
}

/// Step 2, attendance, for the batch's groups (all meeting, of one
/// size): who comes is written to each group's scratch (`attended`, and
/// `attendees` in place order). The groups are only read, and the
/// scratches are these, not `batch`'s.
pub(super) fn attendance(
    batch: &Batch,
    groups: &[GroupState],
    scratches: &mut [Scratch],
    lanes: &mut BatchLanes,
) {
    dispatch(
        batch.rules.portable,
        Attendance {
            batch,
            groups,
            scratches,
            lanes,
        },
    );
}

/// Step 2 of a batch, as work over lanes.
struct Attendance<'a> {
    batch: &'a Batch<'a>,
    groups: &'a [GroupState],
    scratches: &'a mut [Scratch],
    lanes: &'a mut BatchLanes,
}

impl WithLanes for Attendance<'_> {
    type Output = ();
    #[inline(always)]
    fn run<I: Isa>(self, isa: I) {
        attendance_with(isa, self.batch, self.groups, self.scratches, self.lanes);
    }
}

#[inline(always)]
fn attendance_with<I: Isa>(
    isa: I,
    batch: &Batch,
    groups: &[GroupState],
    scratches: &mut [Scratch],
    lanes: &mut BatchLanes,
) {
    let (rules, ctx, step) = (batch.rules, batch.ctx, batch.step);
    timed!(Attendance, lanes.copy_in(isa, groups));
    let n = groups.len();
    let group = |l: usize| &groups[lane(l, n)];
    let ids = isa.words(std::array::from_fn(|l| group(l).id));
    let enabled = ctx.scenario.mechanisms.attendance.enabled;
    let mut present: Vec<Mask<I>> = Vec::with_capacity(lanes.places());
    for i in 0..lanes.places() {
        let scratch = |l: usize| &scratches[lane(l, n)];
        present.push(gather_flags(isa, |l| {
            i < group(l).arrived && scratch(l).present[i]
        }));
    }
    let session = |i: usize| AttendanceSession {
        present: present[i],
        log_support: gather(isa, |l| group(l).tie_summary.members[i].log_support),
    };
    let record = |i: usize, attends: Mask<I>| {
        let bits = attends.bits();
        for (l, sc) in scratches.iter_mut().enumerate() {
            if bits >> l & 1 == 1 {
                sc.attended[i] = true;
                sc.attendees.push(i);
            }
        }
    };
    timed!(
        Attendance,
        steps::attendance(isa, rules, enabled, step, ids, lanes, session, record)
    );
}

/// Step 8, the pairs.
#[inline(always)]
fn step_8_with<I: Isa>(isa: I, batch: &Batch, groups: &mut [GroupState], lanes: &mut BatchLanes) {
    let (rules, ctx, step, scratches) = (batch.rules, batch.ctx, batch.step, batch.scratches);
    timed!(Ties, lanes.copy_in(isa, groups));
    let shared: &[GroupState] = groups;
    let n = shared.len();
    let group = |l: usize| &shared[lane(l, n)];
    let scratch = |l: usize| &scratches[lane(l, n)];
    let ties = |l: usize, i: usize| group(l).tie_summary.members[i];
    let b = &ctx.scenario.mechanisms.bonding;
    let minutes = ctx.scenario.format.minutes;
    let session = PairSession {
        hours_in_session: gather(isa, |l| {
            bonding::pair_hours(minutes, b.conversation_size, scratch(l).attendees.len()) as f32
        }),
        session_gain: gather(isa, |l| group(l).character.session_gain() as f32),
    };
    let ids = isa.words(std::array::from_fn(|l| group(l).id));
    let places = |i| PlaceInPairs {
        arrived: gather_flags(isa, |l| i < group(l).arrived),
        attended: gather_flags(isa, |l| scratch(l).attended[i]),
        lonely: gather_flags(isa, |l| scratch(l).lonely[i]),
        depth: gather(isa, |l| scratch(l).depth[i] as f32),
        ties_full: gather_flags(isa, |l| u32::from(ties(l, i).ties) >= b.tie_capacity),
        close_full: gather_flags(isa, |l| u32::from(ties(l, i).close) >= b.close_capacity),
    };
    let friend = |i, j| gather_flags(isa, |l| group(l).tie_summary.share_casual_friend(i, j));
    let mut buffer = Vec::with_capacity(lanes.places());
    timed!(
        Ties,
        steps::ties(
            isa,
            rules,
            step,
            ids,
            session,
            lanes,
            &mut buffer,
            places,
            friend
        )
    );
    timed!(Ties, lanes.copy_out(isa, groups));
}

/// Steps 9 to 13: stigma, loneliness, recovery, dropout, a closed group's
/// end, cohesion.
#[inline(always)]
fn steps_9_to_13_with<I: Isa>(
    isa: I,
    batch: &Batch,
    groups: &mut [GroupState],
    lanes: &mut BatchLanes,
) {
    timed!(Stigma, lanes.copy_in(isa, groups));
    let shared: &[GroupState] = groups;
    let n = shared.len();
    let group = |l: usize| &shared[lane(l, n)];
    let scratch = |l: usize| &batch.scratches[lane(l, n)];
    let ties = |l: usize, i: usize| group(l).tie_summary.members[i];
    let attended = |i: usize| gather_flags(isa, |l| scratch(l).attended[i]);
    let (rules, step, ctx) = (batch.rules, batch.step, batch.ctx);
    let ids = isa.words(std::array::from_fn(|l| group(l).id));
    if rules.stigma.enabled {
        let bonus = gather(isa, |l| {
            (ctx.safety_bonus + group(l).character.safety()) as f32
        });
        let stigma = |i| {
            let disclosed = |l: usize| scratch(l).depth[i] > 0.0;
            StigmaSession {
                attended: attended(i),
                disclosed: gather_flags(isa, disclosed),
                heard_others: gather_flags(isa, |l| {
                    scratch(l).disclosers > usize::from(disclosed(l))
                }),
                no_reply: gather_flags(isa, |l| scratch(l).no_reply[i]),
            }
        };
        timed!(
            Stigma,
            steps::stigma(isa, &rules.stigma, bonus, lanes, stigma)
        );
    }
    let loneliness = |i| LonelinessSession {
        arrived: gather_flags(isa, |l| i < group(l).arrived),
        lonely: gather_flags(isa, |l| scratch(l).lonely[i]),
        lonely_partners: gather(isa, |l| {
            let outside = batch.outsides[lane(l, n)].of(i).lonely;
            (u32::from(ties(l, i).lonely_partners) + u32::from(outside)) as f32
        }),
        support: gather(isa, |l| ties(l, i).support),
        relief: gather(isa, |l| scratch(l).relief[i] as f32),
    };
    timed!(
        Loneliness,
        steps::loneliness(isa, rules, step, ids, lanes, loneliness)
    );
    let gain = gather(isa, |l| group(l).character.session_gain() as f32);
    let recovery = |i| RecoverySession {
        attended: attended(i),
        given: gather(isa, |l| scratch(l).given[i] as f32),
    };
    timed!(
        Recovery,
        steps::recovery(isa, rules, step, ids, gain, lanes, recovery)
    );
    if ctx.scenario.mechanisms.dropout.enabled {
        let dropout = |i| DropoutSession {
            log_support: gather(isa, |l| ties(l, i).log_support),
            isolated: gather_flags(isa, |l| ties(l, i).ties == 0),
            replies: gather(isa, |l| scratch(l).replies[i] as f32),
            given: gather(isa, |l| scratch(l).given[i] as f32),
        };
        timed!(
            Dropout,
            steps::dropout(isa, rules, step, ids, lanes, dropout)
        );
    }
    if !ctx.open {
        let community = &ctx.scenario.community;
        let floor = community.min_group_size.min(community.group_size);
        timed!(GroupEnd, steps::group_end(isa, floor, step, lanes));
    }
    let cohesion = |i| CohesionSession {
        attended: attended(i),
        strength_to_present: gather(isa, |l| ties(l, i).strength_to_present),
        mood: gather(isa, |l| {
            let sc = scratch(l);
            sc.attendees
                .binary_search(&i)
                .map_or(0.0, |j| sc.moods[j] as f32)
        }),
    };
    timed!(
        Cohesion,
        steps::cohesion(isa, &rules.cohesion, lanes, cohesion)
    );
    timed!(Cohesion, lanes.copy_out(isa, groups));
}

#[cfg(test)]
mod tests {
    use crate::context::SessionContext;
    use crate::engine::step_all;
    use crate::kernel::rules::KernelRules;
    use crate::population::{Member, NEVER, Status, build_community_with};
    use crate::scenario::Scenario;

    /// What the tests compare after a year.
    const FIGURES: [&str; 11] = [
        "dropped out",
        "graduated",
        "improved",
        "sessions attended",
        "loneliness",
        "caught",
        "stigma",
        "cohesion",
        "group ended",
        "tie strength",
        "beyond the meetings",
    ];

    /// After a year of 1,600 groups with the kernel's steps in lanes or the
    /// f64 steps: [`FIGURES`], summed over everyone who came.
    fn year(s: &Scenario, replicate: u32, in_lanes: bool) -> [f64; 11] {
        let mut ctx = SessionContext::new(s, replicate);
        ctx.kernel = in_lanes.then(|| KernelRules::new(&ctx));
        let mut groups = build_community_with(&ctx);
        for step in 1..=s.format.sessions {
            step_all(&mut groups, &ctx, step);
        }
        let members: Vec<&Member> = groups.iter().flat_map(|g| &g.members).collect();
        let sum = |f: &dyn Fn(&Member) -> f64| members.iter().map(|m| f(m)).sum::<f64>();
        let count = |f: &dyn Fn(&Member) -> bool| sum(&|m| f64::from(u8::from(f(m))));
        [
            count(&|m| m.status == Status::DroppedOut),
            count(&|m| m.status == Status::Graduated),
            count(&|m| m.improved_after != NEVER),
            sum(&|m| f64::from(m.sessions_attended)),
            sum(&|m| f64::from(m.loneliness)),
            count(&|m| m.caught),
            sum(&|m| f64::from(m.stigma)),
            sum(&|m| f64::from(m.cohesion)),
            count(&|m| m.status == Status::GroupEnded),
            groups
                .iter()
                .flat_map(|g| g.bonds.strengths())
                .map(|&s| f64::from(s))
                .sum(),
            groups
                .iter()
                .flat_map(|g| g.bonds.beyond())
                .filter(|&&b| b)
                .count() as f64,
        ]
    }

    /// Eight replicates each way: each figure's means within four standard
    /// errors of their difference (the figures `compared`), and the lanes'
    /// own numbers (not the f64 steps' draws) in every replicate.
    fn same_figures(s: &Scenario, compared: &[usize]) {
        let (lanes, f64s): (Vec<[f64; 11]>, Vec<[f64; 11]>) = (0..8)
            .map(|r| (year(s, r, true), year(s, r, false)))
            .unzip();
        let moments = |v: &[[f64; 11]], k: usize| {
            let n = v.len() as f64;
            let mean = v.iter().map(|x| x[k]).sum::<f64>() / n;
            let var = v.iter().map(|x| (x[k] - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, var / n)
        };
        for &k in compared {
            let ((a, va), (b, vb)) = (moments(&lanes, k), moments(&f64s, k));
            let what = FIGURES[k];
            assert!(a > 100.0, "{a} {what}");
            assert!(
                (a - b).abs() < 4.0 * (va + vb).sqrt(),
                "{what}: {a} against {b}"
            );
        }
        assert!(
            lanes
                .iter()
                .zip(&f64s)
                .all(|(x, y)| x[0] != y[0] && x[4] != y[4])
        );
    }

    /// Every meeting group's members' and pairs' state after a year with
    /// the kernel's steps in lanes, as bits.
    fn state_after_a_year(s: &Scenario, portable: bool) -> Vec<u32> {
        let mut ctx = SessionContext::new(s, 3);
        ctx.kernel = Some(KernelRules {
            portable,
            ..KernelRules::new(&ctx)
        });
        let mut groups = build_community_with(&ctx);
        for step in 1..=s.format.sessions {
            step_all(&mut groups, &ctx, step);
        }
        let mut bits = Vec::new();
        for g in groups.iter().filter(|g| g.meets) {
            for m in &g.members {
                let scores = [
                    m.loneliness,
                    m.hope,
                    m.stigma,
                    m.cohesion,
                    m.dose,
                    m.reply_memory,
                ];
                bits.extend(scores.map(f32::to_bits));
                bits.extend([
                    m.status as u32,
                    m.left_step,
                    m.sessions_attended,
                    u32::from(m.caught),
                ]);
            }
            bits.extend(g.bonds.strengths().iter().map(|x| x.to_bits()));
            bits.extend(g.bonds.hours().iter().map(|x| x.to_bits()));
        }
        bits
    }

    #[test]
    fn avx2_and_portable_lanes_give_the_same_year() {
        #[cfg(target_arch = "x86_64")]
        if crate::kernel::lanes::Avx2::detect().is_some() {
            let s = Scenario::builder()
                .set("community.groups", 200)
                .set("mechanisms.contagion.enabled", true)
                .build()
                .unwrap();
            let (avx2, portable) = (state_after_a_year(&s, false), state_after_a_year(&s, true));
            assert!(avx2.len() > 10_000);
            assert!(avx2 == portable, "the lanes differ");
        }
    }

    #[test]
    fn a_groups_year_does_not_depend_on_what_shares_its_batch() {
        // Thirteen groups: the second batch holds five groups, and with a
        // control arm its control blocks too; the groups' years are the
        // same bits either way.
        let community = |control_members: u32| {
            Scenario::builder()
                .set("community.groups", 13)
                .set("community.control_members", control_members)
                .build()
                .unwrap()
        };
        let alone = state_after_a_year(&community(0), false);
        assert!(alone.len() > 1_000);
        assert!(alone == state_after_a_year(&community(40), false));
    }

    #[test]
    fn steps_in_lanes_give_the_f64_steps_figures() {
        let s = Scenario::builder()
            .set("community.groups", 1600)
            .build()
            .unwrap();
        same_figures(&s, &[0, 1, 2, 3, 4, 6, 7, 8, 9, 10]);
    }

    #[test]
    fn contagion_in_lanes_gives_the_f64_steps_figures() {
        let s = Scenario::builder()
            .set("community.groups", 1600)
            .set("mechanisms.contagion.enabled", true)
            .build()
            .unwrap();
        same_figures(&s, &[0, 1, 4, 5, 6, 7, 9, 10]);
    }
}
