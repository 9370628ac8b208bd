//! The steps of a batch's session that run in the kernel's lanes
//! (`crate::kernel::session`), behind the developer's switch
//! (`BONFIRE_KERNEL=lanes`, [`crate::context::SessionContext::kernel`]):
//! the batch is copied into lanes before such a step and back after it,
//! and what the step needs of the session (the scratch, the tie summary)
//! is gathered from each group. Being built step by step
//! (docs/kernel-plan.md); the copies around each step go when its
//! neighbours have moved too.

use super::Scratch;
use crate::kernel::batch::BatchLanes;
use crate::kernel::lanes::{Isa, Portable};
use crate::kernel::session::{self, DropoutSession, KernelRules, gather, gather_flags};
use crate::population::GroupState;

/// Step 12 for the batch's groups (all meeting, of one size).
pub(super) fn dropout(
    rules: &KernelRules,
    step: u32,
    groups: &mut [GroupState],
    scratches: &[Scratch],
    lanes: &mut BatchLanes,
) {
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = crate::kernel::lanes::Avx2::detect() {
        // SAFETY: the processor has AVX2 (the token says so).
        unsafe { dropout_avx2(avx2, rules, step, groups, scratches, lanes) };
        return;
    }
    dropout_with(Portable, rules, step, groups, scratches, lanes);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dropout_avx2(
    isa: crate::kernel::lanes::Avx2,
    rules: &KernelRules,
    step: u32,
    groups: &mut [GroupState],
    scratches: &[Scratch],
    lanes: &mut BatchLanes,
) {
    dropout_with(isa, rules, step, groups, scratches, lanes);
}

#[inline(always)]
fn dropout_with<I: Isa>(
    isa: I,
    rules: &KernelRules,
    step: u32,
    groups: &mut [GroupState],
    scratches: &[Scratch],
    lanes: &mut BatchLanes,
) {
    lanes.copy_in(isa, groups);
    let last = groups.len() - 1;
    let lane = |l: usize| l.min(last);
    let ids = isa.words(std::array::from_fn(|l| groups[lane(l)].id));
    let shared: &[GroupState] = groups;
    session::dropout(isa, rules, step, ids, lanes, |i| {
        let ties = |l: usize| shared[lane(l)].tie_summary.members[i];
        let scratch = |l: usize| &scratches[lane(l)];
        DropoutSession {
            log_support: gather(isa, |l| ties(l).log_support),
            isolated: gather_flags(isa, |l| ties(l).ties == 0),
            replies: gather(isa, |l| scratch(l).replies[i] as f32),
            given: gather(isa, |l| scratch(l).given[i] as f32),
        }
    });
    lanes.copy_out(isa, groups);
}
