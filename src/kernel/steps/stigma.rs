//! Step 9 in lanes: self-stigma.

use crate::kernel::batch::{BatchLanes, field};
use crate::kernel::lanes::{F32s, Isa, Mask};
use crate::kernel::scratch::{Figure, SessionLanes};
use crate::rules::cohesion::COHESION_MAX;
use crate::scenario::Scenario;

/// Step 9's rules in f32 (`rules::stigma`, the format's online factor).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StigmaRule {
    pub enabled: bool,
    pub acceptance_rate: f32,
    pub listening_rate: f32,
    pub unanswered_acceptance: f32,
    /// The online factor where the group meets online, else 1.
    pub online: f32,
}

impl StigmaRule {
    pub fn new(scenario: &Scenario, online: bool) -> StigmaRule {
        let p = &scenario.mechanisms.stigma;
        StigmaRule {
            enabled: p.enabled,
            acceptance_rate: p.acceptance_rate as f32,
            listening_rate: p.listening_rate as f32,
            unanswered_acceptance: p.unanswered_acceptance as f32,
            online: if online { p.online_factor as f32 } else { 1.0 },
        }
    }
}

/// What the session brings to a place's stigma in each lane.
#[derive(Debug, Clone, Copy)]
pub struct StigmaSession<I: Isa> {
    pub attended: Mask<I>,
    pub disclosed: Mask<I>,
    /// Someone else in the session disclosed.
    pub heard_others: Mask<I>,
    /// Their disclosure got no reply.
    pub no_reply: Mask<I>,
}

impl<I: Isa> StigmaSession<I> {
    /// Place `i`'s, from the session's figures and each lane's count of
    /// disclosers.
    #[inline(always)]
    pub fn at(isa: I, session: &SessionLanes, disclosers: F32s<I>, i: usize) -> Self {
        let disclosed = session.float(isa, i, Figure::Depth).gt(isa.f(0.0));
        StigmaSession {
            attended: session.flag(isa, i, Figure::Attended),
            disclosed,
            heard_others: disclosers.gt(disclosed.keep(isa.f(1.0))),
            no_reply: session.flag(isa, i, Figure::NoReply),
        }
    }
}

/// Step 9, self-stigma of those who attended: lowered by an accepted
/// disclosure (acceptance their psychological safety, less when nobody
/// replied) and by hearing others disclose, less online
/// (`rules::stigma::update`). `safety_bonus` is each lane's group's
/// facilitator and character bonus to safety; `disclosers` each lane's
/// count of disclosers.
#[inline(always)]
pub fn stigma<I: Isa>(
    isa: I,
    p: &StigmaRule,
    (safety_bonus, disclosers): (F32s<I>, F32s<I>),
    lanes: &mut BatchLanes,
    session: &SessionLanes,
) {
    let (zero, one) = (isa.f(0.0), isa.f(1.0));
    for i in 0..lanes.places() {
        let here = StigmaSession::at(isa, session, disclosers, i);
        if !here.attended.any() {
            continue;
        }
        let cohesion = lanes.float(isa, i, field::COHESION);
        let safety = (cohesion * (1.0 / COHESION_MAX as f32) + safety_bonus)
            .max(zero)
            .min(one);
        let acceptance = here
            .no_reply
            .select(p.unanswered_acceptance * safety, safety);
        let accepted = here.disclosed.keep(p.acceptance_rate * acceptance);
        let listened = here.heard_others.keep(isa.f(p.listening_rate));
        let before = lanes.float(isa, i, field::STIGMA);
        let after = (before * (1.0 - p.online * (accepted + listened)))
            .max(zero)
            .min(one);
        lanes.set_float(i, field::STIGMA, here.attended.select(after, before));
    }
}
