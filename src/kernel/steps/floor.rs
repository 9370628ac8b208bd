//! Step 3 in lanes: floor time and disclosure (a room's).

use super::uniform;
use crate::context::SessionContext;
use crate::kernel::batch::{BatchLanes, field};
use crate::kernel::draws::Key;
use crate::kernel::lanes::{F32s, Isa, Mask, U32s};
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
    /// before), at most 0: equal shares from a ratio of 1.
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

    /// Lane by lane, the share of the floor of the speaker at `rank` (0:
    /// the most open) among `speakers` (at least one): the geometric rank
    /// law (`rules::sharing::floor_share`).
    #[inline(always)]
    fn share<I: Isa>(&self, rank: F32s<I>, speakers: F32s<I>) -> F32s<I> {
        let isa = rank.isa();
        if self.ln_ratio == 0.0 {
            return isa.f(1.0) / speakers;
        }
        let ratio = math::exp(isa.f(self.ln_ratio));
        let top = (1.0 - ratio) / (1.0 - math::exp(speakers * self.ln_ratio));
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
    let mut attended: Vec<Mask<I>> = Vec::with_capacity(n);
    for i in 0..n {
        attended.push(session.flag(isa, i, Figure::Attended));
    }
    let speakers = session.count(isa, Figure::Attended);
    if !p.enabled || !speakers.gt(zero).any() {
        return none;
    }
    let mut disclosers = none;
    for i in 0..n {
        let here = attended[i];
        if !here.any() {
            continue;
        }
        // Attendees ahead of this one: more open, or as open at a lower
        // place.
        let openness = lanes.float(isa, i, field::OPENNESS);
        let mut rank = zero;
        for (j, &there) in attended.iter().enumerate() {
            let other = lanes.float(isa, j, field::OPENNESS);
            let ahead = if j < i {
                other.ge(openness)
            } else {
                other.gt(openness)
            };
            rank = rank + (ahead & there).select(one, zero);
        }
        let minutes = p.member_minutes * p.share(rank, speakers);
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
        let u = uniform(key, group_ids, step, Purpose::Disclosure, i);
        let discloses = here & u.lt(chance);
        let depth = (minutes / p.full_disclosure_minutes).min(one);
        session.put_float(i, Figure::Depth, discloses.select(depth, zero));
        disclosers = disclosers + discloses.select_u(isa.u(1), none);
    }
    disclosers
}
