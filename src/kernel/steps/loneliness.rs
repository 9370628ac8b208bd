//! Step 10 in lanes: loneliness (contagion, relaxation, relief, the
//! caught hold).

use super::{Uniforms, words};
use crate::kernel::batch::{BatchLanes, field};
use crate::kernel::lanes::{F32s, Isa, Mask, U32s};
use crate::kernel::math;
use crate::kernel::philox::unit_f32;
use crate::kernel::relaxation::{Members, Relaxation};
use crate::kernel::rules::KernelRules;
use crate::kernel::scratch::{Figure, SessionLanes};
use crate::kernel::summary::{Figure as Tie, SummaryLanes};
use crate::rng::Purpose;
use crate::rules::loneliness::{CAUGHT_MARGIN, LONELINESS_MIN, LONELY_CUTOFF};
use crate::scenario::Scenario;

/// Step 10's rules in f32 (`rules::loneliness`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LonelinessRule {
    /// SISa contagion's onset, transmission per lonely partner and
    /// recovery per session; `None` when contagion is off.
    pub contagion: Option<[f32; 3]>,
    /// The relaxation toward the set point; `None` when it is off.
    pub relaxation: Option<Relaxation>,
}

impl LonelinessRule {
    pub fn new(scenario: &Scenario, rate: f64) -> LonelinessRule {
        let m = &scenario.mechanisms;
        let c = &m.contagion;
        let l = &m.loneliness;
        LonelinessRule {
            contagion: c.enabled.then_some([
                c.onset as f32,
                c.transmission as f32,
                c.recovery as f32,
            ]),
            relaxation: l.enabled.then_some(Relaxation {
                tie_relief: l.tie_relief as f32,
                rate: rate as f32,
                noise_sd: l.noise_sd as f32,
            }),
        }
    }
}

/// What the session brings to a place's loneliness in each lane.
#[derive(Debug, Clone, Copy)]
pub struct LonelinessSession<I: Isa> {
    /// The place's member has arrived (joined or left since).
    pub arrived: Mask<I>,
    /// Lonely at the session's start.
    pub lonely: Mask<I>,
    /// Lonely tie partners in the group and in the community.
    pub lonely_partners: F32s<I>,
    /// Tie support.
    pub support: F32s<I>,
    /// Universality's relief.
    pub relief: F32s<I>,
}

impl<I: Isa> LonelinessSession<I> {
    /// Place `i`'s, from the session's figures and the tie summaries.
    #[inline(always)]
    pub fn at(isa: I, session: &SessionLanes, summaries: &SummaryLanes, i: usize) -> Self {
        let partners = summaries.count_of(isa, i, Tie::LonelyPartners)
            + session.words(isa, i, Figure::OutsideLonely);
        LonelinessSession {
            arrived: session.flag(isa, i, Figure::Arrived),
            lonely: session.flag(isa, i, Figure::Lonely),
            lonely_partners: partners.i32_to_f32(),
            support: summaries.float(isa, i, Tie::Support),
            relief: session.float(isa, i, Figure::Relief),
        }
    }
}

/// Step 10, loneliness, for everyone who arrived: SISa contagion first
/// (from the lonely flags of the session's start, decided by the place's
/// number of `Purpose::Contagion`; one who recovers from caught loneliness
/// drops to just below the cut-off), then relaxation toward the
/// tie-lowered set point with noise (Box–Muller deviates of
/// `Purpose::LonelinessNoise`: the call at position q gives places 4q to
/// 4q + 3 two pairs), universality's relief, and caught loneliness held at or above
/// the cut-off.
#[inline(always)]
pub fn loneliness<I: Isa>(
    isa: I,
    rules: &KernelRules,
    step: u32,
    group_ids: U32s<I>,
    lanes: &mut BatchLanes,
    (session, summaries): (&SessionLanes, &SummaryLanes),
) {
    let p = &rules.loneliness;
    let mut deviates = [isa.f(0.0); 4];
    let mut contagion_numbers = Uniforms::new(rules.key, group_ids, step, Purpose::Contagion);
    for i in 0..lanes.places() {
        let here = LonelinessSession::at(isa, session, summaries, i);
        // Four places' deviates from one call: two Box–Muller pairs.
        if i % 4 == 0 {
            let w = words(rules.key, group_ids, step, Purpose::LonelinessNoise, i / 4);
            let (a, b) = math::normal_pair(unit_f32(w[0]), unit_f32(w[1]));
            let (c, d) = math::normal_pair(unit_f32(w[2]), unit_f32(w[3]));
            deviates = [a, b, c, d];
        }
        let deviate = deviates[i % 4];
        if !here.arrived.any() {
            continue;
        }
        let caught = match p.contagion {
            Some(rates) => contagion(isa, rates, &mut contagion_numbers, lanes, i, here),
            None => lanes.caught(isa, i),
        };
        let mut score = lanes.float(isa, i, field::LONELINESS);
        if let Some(relaxation) = p.relaxation {
            let member = Members {
                start: lanes.float(isa, i, field::LONELINESS_START),
                score,
                support: here.support,
                caught,
                deviate,
            };
            score = relaxation.score(&member);
        }
        let relieved = (score - here.relief).max(isa.f(LONELINESS_MIN as f32));
        score = here.relief.gt(isa.f(0.0)).select(relieved, score);
        score = caught.select(score.max(isa.f(LONELY_CUTOFF as f32)), score);
        let before = lanes.float(isa, i, field::LONELINESS);
        lanes.set_float(i, field::LONELINESS, here.arrived.select(score, before));
    }
}

/// SISa contagion at place `i` (`rules::loneliness::caught_after`): the
/// caught recover with the recovery rate; those not lonely by their own
/// score catch it with onset + transmission per lonely partner (at most
/// 1). Gives the new caught flags, written to the member with the score of
/// one who recovered.
#[inline(always)]
fn contagion<I: Isa>(
    isa: I,
    [onset, transmission, recovery]: [f32; 3],
    numbers: &mut Uniforms<I>,
    lanes: &mut BatchLanes,
    i: usize,
    here: LonelinessSession<I>,
) -> Mask<I> {
    let was = lanes.caught(isa, i);
    let catching = (onset + transmission * here.lonely_partners).min(isa.f(1.0));
    let chance = was.select(isa.f(recovery), catching);
    let chance = (was | !here.lonely).keep(chance);
    let u = numbers.at(i);
    let switches = here.arrived & u.lt(chance);
    let now = (was & !switches) | (!was & switches);
    lanes.set_caught(i, now);
    let recovered = was & !now;
    if recovered.any() {
        let score = lanes.float(isa, i, field::LONELINESS);
        let below = score.min(isa.f((LONELY_CUTOFF - CAUGHT_MARGIN) as f32));
        lanes.set_float(i, field::LONELINESS, recovered.select(below, score));
    }
    now
}
