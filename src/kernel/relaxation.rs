//! Step 10's relaxation in f32, one member at a time and eight lanes at a
//! time with the same bits: `rules::loneliness`'s set point (lowered by
//! tie support, held above the cut-off for a member who has caught
//! loneliness), the relaxation toward it by the session's rate, and noise
//! of the scenario's spread, the score kept on the UCLA-3 scale. The
//! noise's deviates are the kernel's Box–Muller pairs. A test holds the
//! f32 score to the f64 rule's within f32's precision.

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

/// What a member brings: their arrival score and score now, tie support,
/// whether they have caught loneliness, and their standard normal
/// deviate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Member {
    pub start: f32,
    pub score: f32,
    pub support: f32,
    pub caught: bool,
    pub deviate: f32,
}

const MIN: f32 = LONELINESS_MIN as f32;
const MAX: f32 = LONELINESS_MAX as f32;
const CAUGHT_FLOOR: f32 = (LONELY_CUTOFF + CAUGHT_MARGIN) as f32;

impl Relaxation {
    /// The member's score after the session.
    pub fn score(&self, m: &Member) -> f32 {
        let lowered = self.tie_relief * (1.0 - math::exp(-m.support));
        let own = (m.start - lowered).max(MIN);
        let set_point = if m.caught { own.max(CAUGHT_FLOOR) } else { own };
        let moved = m.score + self.rate * (set_point - m.score);
        (moved + self.noise_sd * m.deviate).clamp(MIN, MAX)
    }
}

#[cfg(target_arch = "x86_64")]
pub mod lanes {
    //! [`super::Relaxation::score`] for eight members at once.

    use std::arch::x86_64::*;

    use super::{CAUGHT_FLOOR, MAX, MIN, Relaxation};
    use crate::kernel::math::lanes as math;

    /// Eight members' figures ([`super::Member`]); `caught` a mask.
    #[derive(Debug, Clone, Copy)]
    pub struct Members {
        pub start: __m256,
        pub score: __m256,
        pub support: __m256,
        pub caught: __m256,
        pub deviate: __m256,
    }

    /// Lane by lane, [`Relaxation::score`].
    ///
    /// # Safety
    /// Only on a processor with AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub fn score(r: &Relaxation, m: &Members) -> __m256 {
        let c = _mm256_set1_ps;
        let kept = math::exp(_mm256_xor_ps(m.support, c(-0.0)));
        let lowered = _mm256_mul_ps(c(r.tie_relief), _mm256_sub_ps(c(1.0), kept));
        // For arguments that are not NaN (scores, support and deviates are
        // finite), f32's max and clamp and the lanes' max and min agree.
        let own = _mm256_max_ps(_mm256_sub_ps(m.start, lowered), c(MIN));
        let held = _mm256_max_ps(own, c(CAUGHT_FLOOR));
        let set_point = _mm256_blendv_ps(own, held, m.caught);
        let moved = _mm256_add_ps(
            m.score,
            _mm256_mul_ps(c(r.rate), _mm256_sub_ps(set_point, m.score)),
        );
        let noisy = _mm256_add_ps(moved, _mm256_mul_ps(c(r.noise_sd), m.deviate));
        _mm256_min_ps(_mm256_max_ps(noisy, c(MIN)), c(MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::loneliness;

    fn members(count: u32) -> Vec<Member> {
        let mut x = 0.25f64;
        let mut next = move || {
            x = (x * 3.987 + 0.321).fract();
            x as f32
        };
        (0..count)
            .map(|k| {
                let (z, _) = math::normal_pair(next(), next());
                Member {
                    start: 3.0 + 6.0 * next(),
                    score: 3.0 + 6.0 * next(),
                    support: 3.0 * next(),
                    caught: k % 5 == 0,
                    deviate: z,
                }
            })
            .collect()
    }

    const RULE: Relaxation = Relaxation {
        tie_relief: 1.5,
        rate: 0.12,
        noise_sd: 0.6,
    };

    #[test]
    fn the_score_is_the_f64_rules_within_f32s_precision() {
        for m in members(200_000) {
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
            let got = RULE.score(&m);
            // A few roundings of f32 at scores of 3 to 9 (an ulp is 2.4e-7
            // to 9.5e-7).
            assert!(
                (f64::from(got) - want).abs() <= 4e-6,
                "{m:?}: {got} against {want}"
            );
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn eight_lanes_give_the_scalar_scores_bit_for_bit() {
        use std::arch::x86_64::*;
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let all = members(80_000);
        for eight in all.chunks_exact(8) {
            let field = |f: fn(&Member) -> f32| {
                let values: [f32; 8] = std::array::from_fn(|l| f(&eight[l]));
                // SAFETY: `values` is eight readable f32.
                unsafe { _mm256_loadu_ps(values.as_ptr()) }
            };
            let m = lanes::Members {
                start: field(|m| m.start),
                score: field(|m| m.score),
                support: field(|m| m.support),
                caught: field(|m| f32::from_bits(if m.caught { u32::MAX } else { 0 })),
                deviate: field(|m| m.deviate),
            };
            // SAFETY: the processor has AVX2 (checked above).
            let scores =
                unsafe { std::mem::transmute::<__m256, [f32; 8]>(lanes::score(&RULE, &m)) };
            for (l, member) in eight.iter().enumerate() {
                assert_eq!(
                    scores[l].to_bits(),
                    RULE.score(member).to_bits(),
                    "{member:?}"
                );
            }
        }
    }
}
