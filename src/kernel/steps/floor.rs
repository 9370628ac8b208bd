//! Step 3 in lanes: floor time and disclosure (a room's).

use super::Uniforms;
use crate::context::SessionContext;
use crate::kernel::batch::{BatchLanes, field};
use crate::kernel::draws::Key;
use crate::kernel::lanes::{F32s, Isa, U32s};
use crate::kernel::math;
use crate::kernel::scratch::{Figure, SessionLanes};
use crate::rng::Purpose;
use crate::rules::cohesion::COHESION_MAX;
use crate::rules::sharing::LEAST_OPEN_FACTOR;

/// Step 3's rules in f32 (`rules::sharing`, the run's floor law).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FloorRule {
    pub enabled: bool,
    /// Minutes of the session left to the members.
    member_minutes: f32,
    /// ln of the floor law's ratio (each speaker's share to the one
    /// before), at most 0 (equal shares from a ratio of 1).
    ln_ratio: f32,
    disclosure_base: f32,
    safety_weight: f32,
    full_disclosure_minutes: f32,
}

impl FloorRule {
    pub fn new(ctx: &SessionContext) -> FloorRule {
        let p = &ctx.scenario.mechanisms.sharing;
        FloorRule {
            enabled: p.enabled,
            member_minutes: ctx.member_minutes as f32,
            ln_ratio: ctx.floor_law.ratio().min(1.0).ln() as f32,
            disclosure_base: p.disclosure_base as f32,
            safety_weight: p.safety_weight as f32,
            full_disclosure_minutes: p.full_disclosure_minutes as f32,
        }
    }

    /// Lane by lane, the share of the floor of the top speaker among
    /// `speakers` (at least one, at most `places`): 1 / (1 + r + … +
    /// rᴺ⁻¹), the geometric rank law's (`rules::sharing::floor_share`),
    /// summed term by term (the closed form's 1 − rᴺ over 1 − r cancels
    /// in f32 as r nears 1).
    #[inline(always)]
    fn top_share<I: Isa>(&self, speakers: F32s<I>, places: usize) -> F32s<I> {
        let isa = speakers.isa();
        let ratio = math::exp(isa.f(self.ln_ratio));
        let (mut sum, mut power) = (isa.f(0.0), isa.f(1.0));
        for m in 0..places {
            sum = sum + isa.f(m as f32).lt(speakers).keep(power);
            power = power * ratio;
        }
        1.0 / sum
    }

    /// Lane by lane, the share of the speaker at `rank` (0: the most
    /// open), given the top share.
    #[inline(always)]
    fn share<I: Isa>(&self, rank: F32s<I>, top: F32s<I>) -> F32s<I> {
        top * math::exp(rank * self.ln_ratio)
    }
}

/// Step 3, floor time and disclosure: the attendees share the floor by
/// the rank law, the most open first (the equally open in place order);
/// each discloses with the chance of their openness, stigma and
/// psychological safety (`safety_bonus`: each lane's facilitator and
/// group character), decided by their place's number of
/// `Purpose::Disclosure`, as deeply as their minutes allow. Writes each
/// place's depth (0 without a disclosure) to `session`; gives each lane's
/// count of disclosers.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn floor<I: Isa>(
    isa: I,
    p: &FloorRule,
    key: Key,
    step: u32,
    group_ids: U32s<I>,
    safety_bonus: F32s<I>,
    lanes: &BatchLanes,
    session: &mut SessionLanes,
) -> U32s<I> {
    let (zero, one, none) = (isa.f(0.0), isa.f(1.0), isa.u(0));
    let n = lanes.places();
    let speakers = session.count(isa, Figure::Attended);
    if !p.enabled || !speakers.gt(zero).any() {
        return none;
    }
    let top = p.top_share(speakers, n);
    ranks_into_depth(isa, lanes, session);
    let mut numbers = Uniforms::new(key, group_ids, step, Purpose::Disclosure);
    let mut disclosers = none;
    for i in 0..n {
        let here = session.flag(isa, i, Figure::Attended);
        if !here.any() {
            session.put_float(i, Figure::Depth, zero);
            continue;
        }
        let openness = lanes.float(isa, i, field::OPENNESS);
        let rank = session.float(isa, i, Figure::Depth);
        let minutes = p.member_minutes * p.share(rank, top);
        let cohesion = lanes.float(isa, i, field::COHESION);
        let safety = (cohesion * (1.0 / COHESION_MAX as f32) + safety_bonus)
            .max(zero)
            .min(one);
        let stigma = lanes.float(isa, i, field::STIGMA);
        let chance = (p.disclosure_base
            * (openness + LEAST_OPEN_FACTOR as f32)
            * (1.0 - stigma)
            * (1.0 - p.safety_weight + p.safety_weight * safety))
            .max(zero)
            .min(one);
        let u = numbers.at(i);
        let discloses = here & u.lt(chance);
        let depth = (minutes / p.full_disclosure_minutes).min(one);
        session.put_float(i, Figure::Depth, discloses.keep(depth));
        disclosers = disclosers + discloses.keep_u(isa.u(1));
    }
    disclosers
}

/// Each place's rank by openness among the attendees (how many of them
/// are more open, or as open at a lower place), into the session's
/// `Depth` figure, which [`floor`] then overwrites with each disclosure's
/// depth: each pair of places compared once, the later place's count
/// kept in registers along its row. The counts are whole numbers, so
/// their f32 sums are exact in any order.
#[inline(always)]
fn ranks_into_depth<I: Isa>(isa: I, lanes: &BatchLanes, session: &mut SessionLanes) {
    let (zero, one) = (isa.f(0.0), isa.f(1.0));
    let n = lanes.places();
    for i in 0..n {
        session.put_float(i, Figure::Depth, zero);
    }
    for j in 1..n {
        let there_j = session.flag(isa, j, Figure::Attended);
        let open_j = lanes.float(isa, j, field::OPENNESS);
        let mut rank_j = zero;
        for i in 0..j {
            let there_i = session.flag(isa, i, Figure::Attended);
            let open_i = lanes.float(isa, i, field::OPENNESS);
            // The later place is ahead if more open; the earlier one if as
            // open or more.
            let j_ahead = (open_j.gt(open_i) & there_j).keep(one);
            let rank_i = session.float(isa, i, Figure::Depth) + j_ahead;
            session.put_float(i, Figure::Depth, rank_i);
            rank_j = rank_j + (open_i.ge(open_j) & there_i).keep(one);
        }
        session.put_float(j, Figure::Depth, rank_j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::lanes::Portable;
    use crate::rules::sharing::floor_share;

    /// The shares of the kernel's rank law against `floor_share`, within
    /// f32's precision, for ratios from steep to within 10⁻⁸ of 1.
    #[test]
    fn shares_are_the_rank_laws() {
        for ratio in [0.5, 0.7, 0.9, 0.999, 0.99999, 0.9999999, 0.99999999, 1.0] {
            let rule = FloorRule {
                enabled: true,
                member_minutes: 60.0,
                ln_ratio: f64::ln(ratio) as f32,
                disclosure_base: 0.5,
                safety_weight: 0.5,
                full_disclosure_minutes: 8.0,
            };
            for speakers in [1usize, 2, 5, 12, 30] {
                let mut total = 0.0;
                let top = rule.top_share(Portable.f(speakers as f32), 32);
                for rank in 0..speakers {
                    let share = rule.share(Portable.f(rank as f32), top).array()[0];
                    let want = floor_share(rank, speakers, ratio);
                    let error = (f64::from(share) - want).abs();
                    assert!(error < 1e-5 * want.max(1e-3), "{ratio} {speakers} {rank}");
                    total += f64::from(share);
                }
                assert!((total - 1.0).abs() < 1e-5, "{ratio} {speakers}: {total}");
            }
        }
    }
}
