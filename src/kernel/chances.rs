//! The chances of steps 2 and 12 (attendance, dropout) in f32, eight
//! members at a time (one in each lane): the rules of
//! `rules::attendance` and `rules::dropout` in the kernel's arithmetic
//! (the tenure factors computed with the kernel's `exp` once for each
//! tenure a run reaches and looked up, ln(1 + support given) with its
//! `ln`, the logistic and the hazard computed rather than bracketed on a
//! grid). A test holds each chance to the f64 rule's within f32's
//! precision.

use super::lanes::{F32s, Isa, Mask, Portable};
use super::math;
use crate::rules::altruism::Altruism;
use crate::rules::attendance::{Attendance, FixedOdds};
use crate::rules::cohesion::COHESION_MAX;
use crate::rules::dropout::Dropout;
use crate::rules::replies::Replies;

/// What eight members (one a lane) bring to both chances.
#[derive(Debug, Clone, Copy)]
pub struct Members<I: Isa> {
    /// Sessions belonged before this one.
    pub tenure: F32s<I>,
    pub cohesion: F32s<I>,
    pub reply_memory: F32s<I>,
    /// ln(1 + tie support).
    pub log_support: F32s<I>,
    pub propensity: F32s<I>,
    pub hope: F32s<I>,
    pub frailty: F32s<I>,
    /// No tie at the network threshold in the group.
    pub isolated: Mask<I>,
    /// Replies received and given this session.
    pub replies: F32s<I>,
    pub given: F32s<I>,
}

/// A factor that fades with tenure, 1 + excess · e^(−t/scale), in f32,
/// with its values at the whole tenures a run reaches (0 to its last
/// session) made once: a member's tenure is a whole number of sessions,
/// so the factor is looked up rather than computed for each member each
/// session, the same bits.
#[derive(Debug, Clone, PartialEq)]
struct Fading {
    excess: f32,
    /// −1/scale.
    rate: f32,
    /// The factor at tenure `t`: entry `t`.
    by_tenure: Box<[f32]>,
}

impl Fading {
    /// The factor's constants, and its values at tenures 0 to `last`.
    fn new(excess: f64, scale: f64, last: u32) -> Fading {
        let mut fading = Fading {
            excess: excess as f32,
            rate: (-1.0 / scale) as f32,
            by_tenure: Box::default(),
        };
        let isa = Portable;
        fading.by_tenure = (0..=last)
            .map(|t| fading.computed(isa.f(t as f32)).array()[0])
            .collect();
        fading
    }

    #[inline(always)]
    fn computed<I: Isa>(&self, tenure: F32s<I>) -> F32s<I> {
        1.0 + self.excess * math::exp(tenure * self.rate)
    }

    /// The factor at `tenure` (whole sessions, at least 0): looked up, or
    /// computed where a lane's is past the table's.
    #[inline(always)]
    fn at<I: Isa>(&self, tenure: F32s<I>) -> F32s<I> {
        debug_assert!(tenure.eq(tenure.floor()).all(), "whole tenures");
        let last = (self.by_tenure.len() - 1) as f32;
        if tenure.gt(tenure.isa().f(last)).any() {
            return self.computed(tenure);
        }
        tenure.look_up(&self.by_tenure)
    }
}

/// The run's constants of both chances, in f32.
#[derive(Debug, Clone, PartialEq)]
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
    /// The chances' constants, with the tenure factors' values at tenures
    /// 0 to `last_session`.
    pub fn new(
        attendance: &Attendance,
        fixed: FixedOdds,
        dropout: &Dropout,
        (replies, altruism): (&Replies, &Altruism),
        last_session: u32,
    ) -> Chances {
        let f = |v: f64| v as f32;
        Chances {
            newcomer: Fading::new(
                replies.newcomer_excess,
                replies.newcomer_sessions,
                last_session,
            ),
            early: Fading::new(dropout.early_excess, dropout.early_sessions, last_session),
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

    /// Lane by lane, the chance that the member attends: the logistic of
    /// their log-odds.
    #[inline(always)]
    pub fn attendance<I: Isa>(&self, m: &Members<I>) -> F32s<I> {
        let weighted_memory = m.reply_memory * self.newcomer.at(m.tenure);
        let log_odds = self.base_log_odds
            + m.propensity
            + self.cohesion_effect * cohesion_term(m.cohesion)
            + self.tie_effect * m.log_support
            + self.hope_effect * (m.hope - 0.5)
            + self.reply_effect * weighted_memory
            + self.format;
        1.0 / (1.0 + math::exp(-log_odds))
    }

    /// Lane by lane, the chance that the member drops out after this
    /// session (at most 1).
    #[inline(always)]
    pub fn dropout<I: Isa>(&self, m: &Members<I>) -> F32s<I> {
        let isa = m.tenure.isa();
        let weighted_memory = m.reply_memory * self.newcomer.at(m.tenure);
        let isolated = m.isolated.select(isa.f(self.isolated_factor), isa.f(1.0));
        let scale = self.base_hazard * m.frailty * self.early.at(m.tenure) * isolated;
        let protection = self.tie_protection * m.log_support
            + self.support_protection * m.replies
            + self.cohesion_protection * cohesion_term(m.cohesion)
            + self.reply_protection * weighted_memory
            + self.given_protection * math::ln(1.0 + m.given);
        (scale * math::exp(-protection)).min(isa.f(1.0))
    }
}

/// Cohesion's term, centred: cohesion / 10 − ½.
#[inline(always)]
fn cohesion_term<I: Isa>(cohesion: F32s<I>) -> F32s<I> {
    cohesion * (1.0 / COHESION_MAX as f32) - 0.5
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::lanes::Portable;
    use crate::rules::{attendance, dropout};

    /// One member's figures ([`Members`] has eight).
    #[derive(Debug, Clone, Copy)]
    struct Member {
        tenure: f32,
        cohesion: f32,
        reply_memory: f32,
        log_support: f32,
        propensity: f32,
        hope: f32,
        frailty: f32,
        isolated: bool,
        replies: f32,
        given: f32,
    }

    /// Eight members in lanes.
    fn lanes<I: Isa>(isa: I, eight: &[Member]) -> Members<I> {
        let field = |f: fn(&Member) -> f32| isa.floats(std::array::from_fn(|l| f(&eight[l])));
        Members {
            tenure: field(|m| m.tenure),
            cohesion: field(|m| m.cohesion),
            reply_memory: field(|m| m.reply_memory),
            log_support: field(|m| m.log_support),
            propensity: field(|m| m.propensity),
            hope: field(|m| m.hope),
            frailty: field(|m| m.frailty),
            isolated: isa.flags(std::array::from_fn(|l| eight[l].isolated)),
            replies: field(|m| m.replies),
            given: field(|m| m.given),
        }
    }

    fn chances() -> (Chances, Attendance, FixedOdds, Dropout, Replies) {
        let (a, d, r) = (
            Attendance::default(),
            Dropout::default(),
            Replies::default(),
        );
        let fixed = FixedOdds::new(&a, false, 7.0);
        let k = Chances::new(&a, fixed, &d, (&r, &Altruism::default()), 60);
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
        for eight in members(200_000).chunks_exact(8) {
            let m8 = lanes(Portable, eight);
            let (coming8, leaving8) = (k.attendance(&m8).array(), k.dropout(&m8).array());
            for (l, m) in eight.iter().enumerate() {
                let coming = attendance::probability(
                    &a,
                    fixed,
                    attendance::AttendanceInputs {
                        propensity: f64::from(m.propensity),
                        cohesion: f64::from(m.cohesion),
                        log_tie_support: f64::from(m.log_support),
                        hope: f64::from(m.hope),
                        reply_memory: weighted(m),
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
                        reply_memory: weighted(m),
                        isolated: m.isolated,
                        altruism: crate::rules::altruism::dropout_protection(
                            altruism.dropout_protection,
                            f64::from(m.given),
                        ),
                    },
                );
                // A few roundings of f32 on each side of a chance.
                for (got, want) in [(coming8[l], coming), (leaving8[l], leaving)] {
                    assert!(
                        (f64::from(got) - want).abs() <= 1e-6 * want.max(1e-3),
                        "{m:?}: {got} against {want}"
                    );
                }
            }
        }
    }

    /// A tenure factor looked up in its table, or computed past it, has
    /// the bits of the factor computed, in both kinds of lanes.
    fn fading_is_its_formula<I: Isa>(isa: I) {
        let fading = Fading::new(3.0, 4.0, 60);
        assert_eq!(fading.by_tenure.len(), 61);
        for first in (0..100).step_by(8) {
            let tenure = isa.floats(std::array::from_fn(|l| (first + l) as f32));
            let bits = |v: F32s<I>| v.array().map(f32::to_bits);
            assert_eq!(bits(fading.at(tenure)), bits(fading.computed(tenure)));
        }
        assert_ne!(fading.by_tenure[0], fading.by_tenure[60]);
    }

    #[test]
    fn tenure_factors_looked_up_are_the_factors_computed() {
        fading_is_its_formula(Portable);
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = crate::kernel::lanes::Avx2::detect() {
            fading_is_its_formula(avx2);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_gives_the_portable_chances() {
        let Some(avx2) = crate::kernel::lanes::Avx2::detect() else {
            return;
        };
        let k = chances().0;
        for eight in members(80_000).chunks_exact(8) {
            let (p, x) = (lanes(Portable, eight), lanes(avx2, eight));
            let bits = |v: [f32; 8]| v.map(f32::to_bits);
            assert_eq!(
                bits(k.attendance(&p).array()),
                bits(k.attendance(&x).array())
            );
            assert_eq!(bits(k.dropout(&p).array()), bits(k.dropout(&x).array()));
        }
    }
}
