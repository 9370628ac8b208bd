//! Step 10's relaxation in f32, eight members at a time (one a lane):
//! `rules::loneliness`'s set point (lowered by
//! tie support, held above the cut-off for a member who has caught
//! loneliness), the relaxation toward it by the session's rate, and noise
//! of the scenario's spread, the score kept on the UCLA-3 scale. The
//! noise's deviates are the kernel's Box–Muller pairs. A test holds the
//! f32 score to the f64 rule's within f32's precision.

use super::lanes::{F32s, Isa, Mask};
use super::math;
use crate::rules::loneliness::{CAUGHT_MARGIN, LONELINESS_MAX, LONELINESS_MIN, LONELY_CUTOFF};

/// The session's constants of the relaxation, in f32.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Relaxation {
    pub tie_relief: f32,
    /// Share of the gap to the set point closed this session.
    pub rate: f32,
    pub noise_sd: f32,
}

/// What eight members (one a lane) bring: their arrival score and score
/// now, tie support, whether they have caught loneliness, and their
/// standard normal deviate.
#[derive(Debug, Clone, Copy)]
pub struct Members<I: Isa> {
    pub start: F32s<I>,
    pub score: F32s<I>,
    pub support: F32s<I>,
    pub caught: Mask<I>,
    pub deviate: F32s<I>,
}

const MIN: f32 = LONELINESS_MIN as f32;
const MAX: f32 = LONELINESS_MAX as f32;
const CAUGHT_FLOOR: f32 = (LONELY_CUTOFF + CAUGHT_MARGIN) as f32;

impl Relaxation {
    /// Lane by lane, the member's score after the session.
    #[inline(always)]
    pub fn score<I: Isa>(&self, m: &Members<I>) -> F32s<I> {
        let isa = m.score.isa();
        let lowered = self.tie_relief * (1.0 - math::exp(-m.support));
        let own = (m.start - lowered).max(isa.f(MIN));
        let set_point = m.caught.select(own.max(isa.f(CAUGHT_FLOOR)), own);
        let moved = m.score + self.rate * (set_point - m.score);
        (moved + self.noise_sd * m.deviate)
            .max(isa.f(MIN))
            .min(isa.f(MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::lanes::Portable;
    use crate::rules::loneliness;

    /// One member's figures ([`Members`] has eight).
    #[derive(Debug, Clone, Copy)]
    struct Member {
        start: f32,
        score: f32,
        support: f32,
        caught: bool,
        deviate: f32,
    }

    fn members(count: u32) -> Vec<Member> {
        let mut x = 0.25f64;
        let mut next = move || {
            x = (x * 3.987 + 0.321).fract();
            x as f32
        };
        (0..count)
            .map(|k| {
                let (u, v) = (Portable.f(next()), Portable.f(next()));
                Member {
                    start: 3.0 + 6.0 * next(),
                    score: 3.0 + 6.0 * next(),
                    support: 3.0 * next(),
                    caught: k % 5 == 0,
                    deviate: math::normal_pair(u, v).0.array()[0],
                }
            })
            .collect()
    }

    /// Eight members in lanes.
    fn lanes<I: Isa>(isa: I, eight: &[Member]) -> Members<I> {
        let field = |f: fn(&Member) -> f32| isa.floats(std::array::from_fn(|l| f(&eight[l])));
        Members {
            start: field(|m| m.start),
            score: field(|m| m.score),
            support: field(|m| m.support),
            caught: isa.flags(std::array::from_fn(|l| eight[l].caught)),
            deviate: field(|m| m.deviate),
        }
    }

    const RULE: Relaxation = Relaxation {
        tie_relief: 1.5,
        rate: 0.12,
        noise_sd: 0.6,
    };

    #[test]
    fn the_score_is_the_f64_rules_within_f32s_precision() {
        for eight in members(200_000).chunks_exact(8) {
            let scores = RULE.score(&lanes(Portable, eight)).array();
            for (m, got) in eight.iter().zip(scores) {
                let own = loneliness::set_point(
                    f64::from(m.start),
                    f64::from(m.support),
                    f64::from(RULE.tie_relief),
                );
                let set_point = if m.caught {
                    loneliness::caught_set_point(own)
                } else {
                    own
                };
                let noise = f64::from(RULE.noise_sd) * f64::from(m.deviate);
                let want =
                    loneliness::relax(f64::from(m.score), set_point, f64::from(RULE.rate), noise);
                // A few roundings of f32 at scores of 3 to 9 (an ulp is
                // 2.4e-7 to 9.5e-7).
                assert!(
                    (f64::from(got) - want).abs() <= 4e-6,
                    "{m:?}: {got} against {want}"
                );
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_gives_the_portable_scores() {
        let Some(avx2) = crate::kernel::lanes::Avx2::detect() else {
            return;
        };
        for eight in members(80_000).chunks_exact(8) {
            let bits = |v: [f32; 8]| v.map(f32::to_bits);
            assert_eq!(
                bits(RULE.score(&lanes(Portable, eight)).array()),
                bits(RULE.score(&lanes(avx2, eight)).array())
            );
        }
    }
}
