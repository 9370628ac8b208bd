//! The steps of a batch's session that run in the kernel's lanes
//! (`crate::kernel::steps`), behind the developer's switch
//! (`BONFIRE_KERNEL=lanes`, [`crate::context::SessionContext::kernel`]):
//! the batch is copied into lanes before such a step and back after it,
//! and what the step needs of the session (the scratch, the tie summary)
//! is gathered from each group. Being built step by step
//! (docs/kernel-plan.md); the copies around each step go when its
//! neighbours have moved too.

use super::Scratch;
use crate::kernel::batch::BatchLanes;
use crate::kernel::lanes::{Isa, Portable};
use crate::kernel::rules::KernelRules;
use crate::kernel::steps::{
    self, DropoutSession, LonelinessSession, RecoverySession, gather, gather_flags,
};
use crate::outside::GroupOutside;
use crate::population::GroupState;

/// Steps 10 to 12 (loneliness, recovery, then dropout where it is on)
/// for the batch's groups (all meeting, of one size), with what each
/// group's members' community ties are doing (`outsides`).
pub(super) fn steps_10_to_12(
    rules: &KernelRules,
    dropout: bool,
    step: u32,
    groups: &mut [GroupState],
    scratches: &[Scratch],
    outsides: &[&GroupOutside],
    lanes: &mut BatchLanes,
) {
    let batch = Batch {
        rules,
        dropout,
        step,
        scratches,
        outsides,
    };
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = crate::kernel::lanes::Avx2::detect() {
        // SAFETY: the processor has AVX2 (the token says so).
        unsafe { steps_10_to_12_avx2(avx2, &batch, groups, lanes) };
        return;
    }
    steps_10_to_12_with(Portable, &batch, groups, lanes);
}

/// What the steps in lanes read of the batch's session.
struct Batch<'a> {
    rules: &'a KernelRules,
    dropout: bool,
    step: u32,
    scratches: &'a [Scratch],
    outsides: &'a [&'a GroupOutside],
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn steps_10_to_12_avx2(
    isa: crate::kernel::lanes::Avx2,
    batch: &Batch,
    groups: &mut [GroupState],
    lanes: &mut BatchLanes,
) {
    steps_10_to_12_with(isa, batch, groups, lanes);
}

#[inline(always)]
fn steps_10_to_12_with<I: Isa>(
    isa: I,
    batch: &Batch,
    groups: &mut [GroupState],
    lanes: &mut BatchLanes,
) {
    let (rules, step) = (batch.rules, batch.step);
    timed!(Loneliness, lanes.copy_in(isa, groups));
    let last = groups.len() - 1;
    let lane = |l: usize| l.min(last);
    let shared: &[GroupState] = groups;
    let ids = isa.words(std::array::from_fn(|l| shared[lane(l)].id));
    let gain = gather(isa, |l| shared[lane(l)].character.session_gain() as f32);
    let scratch = |l: usize| &batch.scratches[lane(l)];
    let ties = |l: usize, i: usize| shared[lane(l)].tie_summary.members[i];
    timed!(
        Loneliness,
        steps::loneliness(isa, rules, step, ids, lanes, |i| LonelinessSession {
            arrived: gather_flags(isa, |l| i < shared[lane(l)].arrived),
            lonely: gather_flags(isa, |l| scratch(l).lonely[i]),
            lonely_partners: gather(isa, |l| {
                let outside = batch.outsides[lane(l)].of(i).lonely;
                (u32::from(ties(l, i).lonely_partners) + u32::from(outside)) as f32
            }),
            support: gather(isa, |l| ties(l, i).support),
            relief: gather(isa, |l| scratch(l).relief[i] as f32),
        })
    );
    timed!(
        Recovery,
        steps::recovery(isa, rules, step, ids, gain, lanes, |i| RecoverySession {
            attended: gather_flags(isa, |l| scratch(l).attended[i]),
            given: gather(isa, |l| scratch(l).given[i] as f32),
        })
    );
    if batch.dropout {
        timed!(
            Dropout,
            steps::dropout(isa, rules, step, ids, lanes, |i| DropoutSession {
                log_support: gather(isa, |l| ties(l, i).log_support),
                isolated: gather_flags(isa, |l| ties(l, i).ties == 0),
                replies: gather(isa, |l| scratch(l).replies[i] as f32),
                given: gather(isa, |l| scratch(l).given[i] as f32),
            })
        );
    }
    timed!(Dropout, lanes.copy_out(isa, groups));
}

#[cfg(test)]
mod tests {
    use crate::context::SessionContext;
    use crate::engine::step_all;
    use crate::kernel::rules::KernelRules;
    use crate::population::{Member, NEVER, Status, build_community_with};
    use crate::scenario::Scenario;

    /// What the tests compare after a year.
    const FIGURES: [&str; 6] = [
        "dropped out",
        "graduated",
        "improved",
        "sessions attended",
        "loneliness",
        "caught",
    ];

    /// After a year of 400 groups with the kernel's steps in lanes or the
    /// f64 steps: [`FIGURES`], summed over everyone who came.
    fn year(s: &Scenario, replicate: u32, in_lanes: bool) -> [f64; 6] {
        let mut ctx = SessionContext::new(s, replicate);
        ctx.kernel = in_lanes
            .then(|| KernelRules::new(s, replicate, ctx.attendance_odds, ctx.relaxation));
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
        ]
    }

    /// Eight replicates each way: each figure's means within four standard
    /// errors of their difference (the figures `compared`), and the lanes'
    /// own numbers (not the f64 steps' draws) in every replicate.
    fn same_figures(s: &Scenario, compared: &[usize]) {
        let (lanes, f64s): (Vec<[f64; 6]>, Vec<[f64; 6]>) =
            (0..8).map(|r| (year(s, r, true), year(s, r, false))).unzip();
        let moments = |v: &[[f64; 6]], k: usize| {
            let n = v.len() as f64;
            let mean = v.iter().map(|x| x[k]).sum::<f64>() / n;
            let var = v.iter().map(|x| (x[k] - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, var / n)
        };
        for &k in compared {
            let ((a, va), (b, vb)) = (moments(&lanes, k), moments(&f64s, k));
            let what = FIGURES[k];
            assert!(a > 100.0, "{a} {what}");
            assert!((a - b).abs() < 4.0 * (va + vb).sqrt(), "{what}: {a} against {b}");
        }
        assert!(lanes.iter().zip(&f64s).all(|(x, y)| x[0] != y[0] && x[4] != y[4]));
    }

    #[test]
    fn steps_in_lanes_give_the_f64_steps_figures() {
        let s = Scenario::builder()
            .set("community.groups", 400)
            .build()
            .unwrap();
        same_figures(&s, &[0, 1, 2, 3, 4]);
    }

    #[test]
    fn contagion_in_lanes_gives_the_f64_steps_figures() {
        let s = Scenario::builder()
            .set("community.groups", 400)
            .set("mechanisms.contagion.enabled", true)
            .build()
            .unwrap();
        same_figures(&s, &[0, 1, 4, 5]);
    }
}
