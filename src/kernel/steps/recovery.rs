//! Step 11 in lanes: recovery and graduation.

use super::{Uniforms, leave, with_status};
use crate::kernel::batch::{BatchLanes, field};
use crate::kernel::lanes::{F32s, Isa, Mask, U32s};
use crate::kernel::rules::KernelRules;
use crate::kernel::scratch::{Figure, SessionLanes};
use crate::population::{NEVER, Status};
use crate::rng::Purpose;
use crate::rules::cohesion::COHESION_MAX;
use crate::scenario::Scenario;

/// Step 11's rules in f32 (`rules::recovery`, altruism's dose bonus).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecoveryRule {
    pub enabled: bool,
    /// Hope's exemplars: a member who improves becomes hopeful.
    pub hope: bool,
    pub engagement_weight: f32,
    /// Dose per reply given (0 without altruism).
    pub dose_bonus: f32,
    pub graduation_probability: f32,
    pub graduation_min_sessions: f32,
    pub graduation_loneliness: f32,
}

impl RecoveryRule {
    pub fn new(scenario: &Scenario) -> RecoveryRule {
        let m = &scenario.mechanisms;
        let p = &m.recovery;
        RecoveryRule {
            enabled: p.enabled,
            hope: m.hope.enabled,
            engagement_weight: p.engagement_weight as f32,
            dose_bonus: if m.altruism.enabled {
                m.altruism.dose_bonus as f32
            } else {
                0.0
            },
            graduation_probability: p.graduation_probability as f32,
            graduation_min_sessions: p.graduation_min_sessions as f32,
            graduation_loneliness: p.graduation_loneliness as f32,
        }
    }
}

/// What the session brings to a place's recovery in each lane.
#[derive(Debug, Clone, Copy)]
pub struct RecoverySession<I: Isa> {
    pub attended: Mask<I>,
    /// Replies given this session.
    pub given: F32s<I>,
}

impl<I: Isa> RecoverySession<I> {
    /// Place `i`'s, from the session's figures.
    #[inline(always)]
    pub fn at(isa: I, session: &SessionLanes, i: usize) -> Self {
        RecoverySession {
            attended: session.flag(isa, i, Figure::Attended),
            given: session.float(isa, i, Figure::Given),
        }
    }
}

/// Step 11, recovery: those who attended count the session and receive a
/// dose (`rules::recovery::engagement` times the group's session gain,
/// with altruism's bonus per reply given); one whose dose reaches the
/// dose they need improves (and, with hope, becomes hopeful). Then an
/// improved active member who may graduate (`rules::recovery::may_graduate`)
/// leaves, better, with the graduation chance, decided by their place's
/// number of `Purpose::Graduation`. `gain` is each lane's group's session
/// gain.
#[inline(always)]
pub fn recovery<I: Isa>(
    isa: I,
    rules: &KernelRules,
    step: u32,
    group_ids: U32s<I>,
    gain: F32s<I>,
    lanes: &mut BatchLanes,
    session: &SessionLanes,
) {
    let p = &rules.recovery;
    let mut numbers = Uniforms::new(rules.key, group_ids, step, Purpose::Graduation);
    for i in 0..lanes.places() {
        let here = RecoverySession::at(isa, session, i);
        let attended = here.attended;
        if attended.any() {
            let count = lanes.word(isa, i, field::SESSIONS_ATTENDED);
            let sessions = attended.select_u(count + 1, count);
            lanes.set_word(i, field::SESSIONS_ATTENDED, sessions);
            if p.enabled {
                dose(isa, p, step, gain, lanes, i, here, sessions);
            }
        }
        if !p.enabled {
            continue;
        }
        let may = with_status(isa, lanes, i, Status::Active) & may_graduate(isa, p, lanes, i);
        if !may.any() {
            continue;
        }
        let u = numbers.at(i);
        let leaving = may & u.lt(isa.f(p.graduation_probability));
        if leaving.any() {
            leave(isa, lanes, i, leaving, Status::Graduated, step);
        }
    }
}

/// The dose of the session for those at place `i` who attended, and
/// improvement.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dose<I: Isa>(
    isa: I,
    p: &RecoveryRule,
    step: u32,
    gain: F32s<I>,
    lanes: &mut BatchLanes,
    i: usize,
    here: RecoverySession<I>,
    sessions: U32s<I>,
) {
    let hope = lanes.float(isa, i, field::HOPE);
    let cohesion = lanes.float(isa, i, field::COHESION);
    let centred = (hope - 0.5) + (cohesion * (1.0 / COHESION_MAX as f32) - 0.5);
    let engagement = (1.0 + p.engagement_weight * centred).max(isa.f(0.0));
    let before = lanes.float(isa, i, field::DOSE);
    let after = before + (engagement * gain + p.dose_bonus * here.given);
    let dose = here.attended.select(after, before);
    lanes.set_float(i, field::DOSE, dose);
    let never = isa.u(NEVER);
    let improved_after = lanes.word(isa, i, field::IMPROVED_AFTER);
    let needed = lanes.float(isa, i, field::DOSE_NEEDED);
    let improves = here.attended & improved_after.eq(never) & needed.le(dose);
    if !improves.any() {
        return;
    }
    lanes.set_word(
        i,
        field::IMPROVED_AFTER,
        improves.select_u(sessions, improved_after),
    );
    if p.hope {
        let since = lanes.word(isa, i, field::HOPEFUL_SINCE);
        let becomes = improves & since.eq(never);
        lanes.set_word(
            i,
            field::HOPEFUL_SINCE,
            becomes.select_u(isa.u(step), since),
        );
    }
}

/// Lanes whose member at place `i` may graduate: improved, enough sessions
/// attended, loneliness below the threshold and no higher than on arrival.
#[inline(always)]
fn may_graduate<I: Isa>(isa: I, p: &RecoveryRule, lanes: &BatchLanes, i: usize) -> Mask<I> {
    let improved = lanes.is_set(isa, i, field::IMPROVED_AFTER);
    let sessions = lanes.word(isa, i, field::SESSIONS_ATTENDED).i32_to_f32();
    let loneliness = lanes.float(isa, i, field::LONELINESS);
    let start = lanes.float(isa, i, field::LONELINESS_START);
    improved
        & isa.f(p.graduation_min_sessions).le(sessions)
        & loneliness.lt(isa.f(p.graduation_loneliness))
        & loneliness.le(start)
}
