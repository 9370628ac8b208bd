//! The chances of steps 2 and 12 (attendance, dropout) in f32, one member
//! at a time and eight lanes at a time with the same bits: the rules of
//! `rules::attendance` and `rules::dropout`, their tables replaced by
//! closed forms (the tenure factors and ln(1 + support given) computed
//! with the kernel's `exp` and `ln`, the logistic and the hazard computed
//! rather than bracketed on a grid). A test holds each chance to the f64
//! rule's within f32's precision.

use super::math;
use crate::rules::altruism::Altruism;
use crate::rules::attendance::{Attendance, FixedOdds};
use crate::rules::cohesion::COHESION_MAX;
use crate::rules::dropout::Dropout;
use crate::rules::replies::Replies;

/// What a member brings to both chances, in f32.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Member {
    /// Sessions belonged before this one.
    pub tenure: f32,
    pub cohesion: f32,
    pub reply_memory: f32,
    /// ln(1 + tie support).
    pub log_support: f32,
    pub propensity: f32,
    pub hope: f32,
    pub frailty: f32,
    /// No tie at the network threshold in the group.
    pub isolated: bool,
    /// Replies received and given this session.
    pub replies: f32,
    pub given: f32,
}

/// A factor that fades with tenure, 1 + excess · e^(−t/scale), in f32.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fading {
    excess: f32,
    /// −1/scale.
    rate: f32,
}

impl Fading {
    fn new(excess: f64, scale: f64) -> Fading {
        Fading {
            excess: excess as f32,
            rate: (-1.0 / scale) as f32,
        }
    }

    fn at(self, tenure: f32) -> f32 {
        1.0 + self.excess * math::exp(tenure * self.rate)
    }
}

/// The run's constants of both chances, in f32.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chances {
    newcomer: Fading,
    early: Fading,
    // Attendance.
    base_log_odds: f32,
    format: f32,
    cohesion_effect: f32,
    tie_effect: f32,
    hope_effect: f32,
    reply_effect: f32,
    // Dropout.
    base_hazard: f32,
    isolated_factor: f32,
    tie_protection: f32,
    support_protection: f32,
    cohesion_protection: f32,
    reply_protection: f32,
    /// Altruism's protection per ln(1 + support given); 0 when off.
    given_protection: f32,
}

impl Chances {
    pub fn new(
        attendance: &Attendance,
        fixed: FixedOdds,
        dropout: &Dropout,
        replies: &Replies,
        altruism: &Altruism,
    ) -> Chances {
        let f = |v: f64| v as f32;
        Chances {
            newcomer: Fading::new(replies.newcomer_excess, replies.newcomer_sessions),
            early: Fading::new(dropout.early_excess, dropout.early_sessions),
            base_log_odds: f(fixed.base),
            format: f(fixed.format),
            cohesion_effect: f(attendance.cohesion_effect),
            tie_effect: f(attendance.tie_effect),
            hope_effect: f(attendance.hope_effect),
            reply_effect: f(attendance.reply_effect),
            base_hazard: f(dropout.base_hazard),
            isolated_factor: f(dropout.isolated_factor),
            tie_protection: f(dropout.tie_protection),
            support_protection: f(dropout.support_protection),
            cohesion_protection: f(dropout.cohesion_protection),
            reply_protection: f(dropout.reply_protection),
            given_protection: if altruism.enabled {
                f(altruism.dropout_protection)
            } else {
                0.0
            },
        }
    }

    /// The chance that the member attends: the logistic of their log-odds.
    pub fn attendance(&self, m: &Member) -> f32 {
        let weighted_memory = m.reply_memory * self.newcomer.at(m.tenure);
        let log_odds = self.base_log_odds
            + m.propensity
            + self.cohesion_effect * (m.cohesion * (1.0 / COHESION_MAX as f32) - 0.5)
            + self.tie_effect * m.log_support
            + self.hope_effect * (m.hope - 0.5)
            + self.reply_effect * weighted_memory
            + self.format;
        1.0 / (1.0 + math::exp(-log_odds))
    }

    /// The chance that the member drops out after this session.
    pub fn dropout(&self, m: &Member) -> f32 {
        let weighted_memory = m.reply_memory * self.newcomer.at(m.tenure);
        let isolated = if m.isolated {
            self.isolated_factor
        } else {
            1.0
        };
        let scale = self.base_hazard * m.frailty * self.early.at(m.tenure) * isolated;
        let protection = self.tie_protection * m.log_support
            + self.support_protection * m.replies
            + self.cohesion_protection * (m.cohesion * (1.0 / COHESION_MAX as f32) - 0.5)
            + self.reply_protection * weighted_memory
            + self.given_protection * math::ln(1.0 + m.given);
        (scale * math::exp(-protection)).min(1.0)
    }
}

#[cfg(target_arch = "x86_64")]
pub mod lanes {
    //! [`super::Chances`] for eight members at once.

    use std::arch::x86_64::*;

    use super::{COHESION_MAX, Chances, Fading};
    use crate::kernel::math::lanes as math;

    /// Eight members' figures, field by field ([`super::Member`]);
    /// `isolated` a mask.
    #[derive(Debug, Clone, Copy)]
    pub struct Members {
        pub tenure: __m256,
        pub cohesion: __m256,
        pub reply_memory: __m256,
        pub log_support: __m256,
        pub propensity: __m256,
        pub hope: __m256,
        pub frailty: __m256,
        pub isolated: __m256,
        pub replies: __m256,
        pub given: __m256,
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn at(f: Fading, tenure: __m256) -> __m256 {
        let c = _mm256_set1_ps;
        let faded = math::exp(_mm256_mul_ps(tenure, c(f.rate)));
        _mm256_add_ps(c(1.0), _mm256_mul_ps(c(f.excess), faded))
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn cohesion_term(cohesion: __m256) -> __m256 {
        let c = _mm256_set1_ps;
        _mm256_sub_ps(
            _mm256_mul_ps(cohesion, c(1.0 / COHESION_MAX as f32)),
            c(0.5),
        )
    }

    /// Lane by lane, [`Chances::attendance`].
    ///
    /// # Safety
    /// Only on a processor with AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub fn attendance(k: &Chances, m: &Members) -> __m256 {
        let c = _mm256_set1_ps;
        let weighted_memory = _mm256_mul_ps(m.reply_memory, at(k.newcomer, m.tenure));
        let terms = [
            m.propensity,
            _mm256_mul_ps(c(k.cohesion_effect), cohesion_term(m.cohesion)),
            _mm256_mul_ps(c(k.tie_effect), m.log_support),
            _mm256_mul_ps(c(k.hope_effect), _mm256_sub_ps(m.hope, c(0.5))),
            _mm256_mul_ps(c(k.reply_effect), weighted_memory),
            c(k.format),
        ];
        let log_odds =
            (terms.into_iter()).fold(c(k.base_log_odds), |sum, term| _mm256_add_ps(sum, term));
        let odds_against = math::exp(_mm256_xor_ps(log_odds, c(-0.0)));
        _mm256_div_ps(c(1.0), _mm256_add_ps(c(1.0), odds_against))
    }

    /// Lane by lane, [`Chances::dropout`].
    ///
    /// # Safety
    /// Only on a processor with AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub fn dropout(k: &Chances, m: &Members) -> __m256 {
        let c = _mm256_set1_ps;
        let weighted_memory = _mm256_mul_ps(m.reply_memory, at(k.newcomer, m.tenure));
        let isolated = _mm256_blendv_ps(c(1.0), c(k.isolated_factor), m.isolated);
        let scale = [m.frailty, at(k.early, m.tenure), isolated]
            .into_iter()
            .fold(c(k.base_hazard), |product, f| _mm256_mul_ps(product, f));
        let given = math::ln(_mm256_add_ps(c(1.0), m.given));
        let terms = [
            _mm256_mul_ps(c(k.support_protection), m.replies),
            _mm256_mul_ps(c(k.cohesion_protection), cohesion_term(m.cohesion)),
            _mm256_mul_ps(c(k.reply_protection), weighted_memory),
            _mm256_mul_ps(c(k.given_protection), given),
        ];
        let first = _mm256_mul_ps(c(k.tie_protection), m.log_support);
        let protection = (terms.into_iter()).fold(first, |sum, t| _mm256_add_ps(sum, t));
        let hazard = _mm256_mul_ps(scale, math::exp(_mm256_xor_ps(protection, c(-0.0))));
        // The scalar `min(1.0)`, which gives 1 for NaN: the lanes' `min`
        // gives its second operand then.
        _mm256_min_ps(hazard, c(1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{attendance, dropout};

    fn chances() -> (Chances, Attendance, FixedOdds, Dropout, Replies) {
        let (a, d, r) = (
            Attendance::default(),
            Dropout::default(),
            Replies::default(),
        );
        let fixed = FixedOdds::new(&a, false, 7.0);
        let k = Chances::new(&a, fixed, &d, &r, &Altruism::default());
        (k, a, fixed, d, r)
    }

    /// Members across the rules' ranges, from a simple sequence.
    fn members(count: u32) -> Vec<Member> {
        let mut x = 0.5f64;
        let mut next = move || {
            x = (x * 3.987 + 0.123).fract();
            x as f32
        };
        (0..count)
            .map(|_| Member {
                tenure: (next() * 60.0).floor(),
                cohesion: next() * 10.0,
                reply_memory: next() * 2.0 - 1.0,
                log_support: next() * 2.0,
                propensity: next() * 4.0 - 2.0,
                hope: next(),
                frailty: next() * 3.0,
                isolated: next() < 0.3,
                replies: (next() * 6.0).floor(),
                given: (next() * 8.0).floor(),
            })
            .collect()
    }

    #[test]
    fn each_chance_is_the_f64_rules_within_f32s_precision() {
        let (k, a, fixed, d, r) = chances();
        let altruism = Altruism::default();
        let weighted = |m: &Member| {
            f64::from(m.reply_memory) * crate::rules::replies::newcomer_weight(&r, m.tenure as u32)
        };
        for m in members(200_000) {
            let coming = attendance::probability(
                &a,
                fixed,
                attendance::AttendanceInputs {
                    propensity: f64::from(m.propensity),
                    cohesion: f64::from(m.cohesion),
                    log_tie_support: f64::from(m.log_support),
                    hope: f64::from(m.hope),
                    reply_memory: weighted(&m),
                },
            );
            let leaving = dropout::hazard(
                &d,
                dropout::DropoutInputs {
                    frailty: f64::from(m.frailty),
                    early: dropout::early_factor(&d, m.tenure as u32),
                    log_tie_support: f64::from(m.log_support),
                    replies_received: f64::from(m.replies),
                    cohesion: f64::from(m.cohesion),
                    reply_memory: weighted(&m),
                    isolated: m.isolated,
                    altruism: crate::rules::altruism::dropout_protection(
                        altruism.dropout_protection,
                        f64::from(m.given),
                    ),
                },
            );
            // A few roundings of f32 on each side of a chance.
            for (got, want) in [(k.attendance(&m), coming), (k.dropout(&m), leaving)] {
                assert!(
                    (f64::from(got) - want).abs() <= 1e-6 * want.max(1e-3),
                    "{m:?}: {got} against {want}"
                );
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn eight_lanes_give_the_scalar_chances_bit_for_bit() {
        use std::arch::x86_64::*;
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let k = chances().0;
        let all = members(80_000);
        for eight in all.chunks_exact(8) {
            let field = |f: fn(&Member) -> f32| {
                let values: [f32; 8] = std::array::from_fn(|l| f(&eight[l]));
                // SAFETY: `values` is eight readable f32.
                unsafe { _mm256_loadu_ps(values.as_ptr()) }
            };
            let m = lanes::Members {
                tenure: field(|m| m.tenure),
                cohesion: field(|m| m.cohesion),
                reply_memory: field(|m| m.reply_memory),
                log_support: field(|m| m.log_support),
                propensity: field(|m| m.propensity),
                hope: field(|m| m.hope),
                frailty: field(|m| m.frailty),
                isolated: field(|m| f32::from_bits(if m.isolated { u32::MAX } else { 0 })),
                replies: field(|m| m.replies),
                given: field(|m| m.given),
            };
            // SAFETY: the processor has AVX2 (checked above).
            let (coming, leaving): ([f32; 8], [f32; 8]) = unsafe {
                (
                    std::mem::transmute::<__m256, [f32; 8]>(lanes::attendance(&k, &m)),
                    std::mem::transmute::<__m256, [f32; 8]>(lanes::dropout(&k, &m)),
                )
            };
            for (l, member) in eight.iter().enumerate() {
                assert_eq!(coming[l].to_bits(), k.attendance(member).to_bits());
                assert_eq!(leaving[l].to_bits(), k.dropout(member).to_bits());
            }
        }
    }
}
