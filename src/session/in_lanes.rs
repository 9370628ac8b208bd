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
use crate::kernel::steps::{self, DropoutSession, RecoverySession, gather, gather_flags};
use crate::population::GroupState;

/// Steps 11 and 12 (recovery, then dropout where it is on) for the
/// batch's groups (all meeting, of one size).
pub(super) fn recovery_and_dropout(
    rules: &KernelRules,
    dropout: bool,
    step: u32,
    groups: &mut [GroupState],
    scratches: &[Scratch],
    lanes: &mut BatchLanes,
) {
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = crate::kernel::lanes::Avx2::detect() {
        // SAFETY: the processor has AVX2 (the token says so).
        unsafe { recovery_and_dropout_avx2(avx2, rules, dropout, step, groups, scratches, lanes) };
        return;
    }
    recovery_and_dropout_with(Portable, rules, dropout, step, groups, scratches, lanes);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn recovery_and_dropout_avx2(
    isa: crate::kernel::lanes::Avx2,
    rules: &KernelRules,
    dropout: bool,
    step: u32,
    groups: &mut [GroupState],
    scratches: &[Scratch],
    lanes: &mut BatchLanes,
) {
    recovery_and_dropout_with(isa, rules, dropout, step, groups, scratches, lanes);
}

#[inline(always)]
fn recovery_and_dropout_with<I: Isa>(
    isa: I,
    rules: &KernelRules,
    dropout: bool,
    step: u32,
    groups: &mut [GroupState],
    scratches: &[Scratch],
    lanes: &mut BatchLanes,
) {
    timed!(Recovery, lanes.copy_in(isa, groups));
    let last = groups.len() - 1;
    let lane = |l: usize| l.min(last);
    let shared: &[GroupState] = groups;
    let ids = isa.words(std::array::from_fn(|l| shared[lane(l)].id));
    let gain = gather(isa, |l| shared[lane(l)].character.session_gain() as f32);
    let scratch = |l: usize| &scratches[lane(l)];
    timed!(
        Recovery,
        steps::recovery(isa, rules, step, ids, gain, lanes, |i| RecoverySession {
            attended: gather_flags(isa, |l| scratch(l).attended[i]),
            given: gather(isa, |l| scratch(l).given[i] as f32),
        })
    );
    if dropout {
        timed!(
            Dropout,
            steps::dropout(isa, rules, step, ids, lanes, |i| {
                let ties = |l: usize| shared[lane(l)].tie_summary.members[i];
                DropoutSession {
                    log_support: gather(isa, |l| ties(l).log_support),
                    isolated: gather_flags(isa, |l| ties(l).ties == 0),
                    replies: gather(isa, |l| scratch(l).replies[i] as f32),
                    given: gather(isa, |l| scratch(l).given[i] as f32),
                }
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
    use crate::population::{NEVER, Status, build_community_with};
    use crate::scenario::Scenario;

    /// After a year of 400 groups with the kernel's steps in lanes or the
    /// f64 steps: those who dropped out, those who graduated, those who
    /// improved, and the sessions attended.
    fn year(s: &Scenario, replicate: u32, in_lanes: bool) -> [f64; 4] {
        let mut ctx = SessionContext::new(s, replicate);
        ctx.kernel = in_lanes.then(|| KernelRules::new(s, replicate, ctx.attendance_odds));
        let mut groups = build_community_with(&ctx);
        for step in 1..=s.format.sessions {
            step_all(&mut groups, &ctx, step);
        }
        let members: Vec<_> = groups.iter().flat_map(|g| &g.members).collect();
        let count = |f: &dyn Fn(&crate::population::Member) -> bool| {
            members.iter().filter(|m| f(m)).count() as f64
        };
        [
            count(&|m| m.status == Status::DroppedOut),
            count(&|m| m.status == Status::Graduated),
            count(&|m| m.improved_after != NEVER),
            members.iter().map(|m| f64::from(m.sessions_attended)).sum(),
        ]
    }

    #[test]
    fn recovery_and_dropout_in_lanes_give_the_f64_steps_figures() {
        // Eight replicates each way: each figure's means within four
        // standard errors of their difference, and the lanes' own numbers
        // (not the f64 steps' draws) in every replicate.
        let s = Scenario::builder()
            .set("community.groups", 400)
            .build()
            .unwrap();
        let (lanes, f64s): (Vec<[f64; 4]>, Vec<[f64; 4]>) = (0..8)
            .map(|r| (year(&s, r, true), year(&s, r, false)))
            .unzip();
        let moments = |v: &[[f64; 4]], k: usize| {
            let n = v.len() as f64;
            let mean = v.iter().map(|x| x[k]).sum::<f64>() / n;
            let var = v.iter().map(|x| (x[k] - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, var / n)
        };
        for (k, what) in ["dropped out", "graduated", "improved", "sessions attended"]
            .iter()
            .enumerate()
        {
            let ((a, va), (b, vb)) = (moments(&lanes, k), moments(&f64s, k));
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
                .all(|(x, y)| x[0] != y[0] && x[1] != y[1])
        );
    }
}
