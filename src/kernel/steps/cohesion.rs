//! Step 13 in lanes: perceived cohesion.

use crate::kernel::batch::{BatchLanes, field};
use crate::kernel::lanes::{F32s, Isa, Mask};
use crate::kernel::math;
use crate::kernel::scratch::{Figure, SessionLanes};
use crate::kernel::summary::{Figure as Tie, SummaryLanes};
use crate::rules::cohesion::COHESION_MAX;
use crate::scenario::Scenario;

/// Step 13's rules in f32 (`rules::cohesion`'s belonging curve and the
/// running measure's weight).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CohesionRule {
    /// 1 / the belonging curve's scale in hours.
    pub per_hour: f32,
    /// 1 / ln(1 + full hours / scale).
    pub per_full: f32,
    pub update_weight: f32,
}

impl CohesionRule {
    pub fn new(scenario: &Scenario) -> CohesionRule {
        let scale = scenario.cohesion.belonging_hours;
        let full = libm::log1p(scenario.mechanisms.bonding.close_hours / scale);
        CohesionRule {
            per_hour: (1.0 / scale) as f32,
            per_full: (1.0 / full) as f32,
            update_weight: scenario.cohesion.update_weight as f32,
        }
    }
}

/// What the session brings to a place's cohesion in each lane.
#[derive(Debug, Clone, Copy)]
pub struct CohesionSession<I: Isa> {
    pub attended: Mask<I>,
    /// Mean tie strength to those present (the new tie summary).
    pub strength_to_present: F32s<I>,
    /// The session's mood: the morale of cohesion.
    pub mood: F32s<I>,
}

impl<I: Isa> CohesionSession<I> {
    /// Place `i`'s, from the session's figures and the tie summaries.
    #[inline(always)]
    pub fn at(isa: I, session: &SessionLanes, summaries: &SummaryLanes, i: usize) -> Self {
        CohesionSession {
            attended: session.flag(isa, i, Figure::Attended),
            strength_to_present: summaries.float(isa, i, Tie::StrengthToPresent),
            mood: session.float(isa, i, Figure::Mood),
        }
    }
}

/// Step 13, perceived cohesion of those who came: this session's
/// (`rules::cohesion::perceived`: belonging from the mean strength to those
/// present, morale from the mood) moves the running measure by the update
/// weight.
#[inline(always)]
pub fn cohesion<I: Isa>(
    isa: I,
    p: &CohesionRule,
    lanes: &mut BatchLanes,
    (session, summaries): (&SessionLanes, &SummaryLanes),
) {
    let (zero, one) = (isa.f(0.0), isa.f(1.0));
    for i in 0..lanes.places() {
        let here = CohesionSession::at(isa, session, summaries, i);
        if !here.attended.any() {
            continue;
        }
        let strength = here.strength_to_present.max(zero);
        let belonging = (math::ln(1.0 + strength * p.per_hour) * p.per_full).min(one);
        let morale = here.mood.max(zero).min(one);
        let this_session = COHESION_MAX as f32 * (0.5 * belonging + 0.5 * morale);
        let running = lanes.float(isa, i, field::COHESION);
        let updated = (1.0 - p.update_weight) * running + p.update_weight * this_session;
        lanes.set_float(i, field::COHESION, here.attended.select(updated, running));
    }
}
