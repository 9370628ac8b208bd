//! Step 2 in lanes: attendance.

use super::{Uniforms, tenure};
use crate::kernel::batch::{BatchLanes, field};
use crate::kernel::chances::Members;
use crate::kernel::lanes::{F32s, Isa, LANES, Mask, U32s};
use crate::kernel::rules::KernelRules;
use crate::kernel::scratch::{Figure, SessionLanes};
use crate::rng::Purpose;

/// What the session brings to a place's attendance in each lane.
#[derive(Debug, Clone, Copy)]
pub struct AttendanceSession<I: Isa> {
    /// Active at the session's start.
    pub present: Mask<I>,
    /// ln(1 + tie support) (TS(k−1)).
    pub log_support: F32s<I>,
}

impl<I: Isa> AttendanceSession<I> {
    /// Place `i`'s, from the session's figures.
    #[inline(always)]
    pub fn at(isa: I, session: &SessionLanes, i: usize) -> Self {
        AttendanceSession {
            present: session.flag(isa, i, Figure::Present),
            log_support: session.float(isa, i, Figure::LogSupport),
        }
    }
}

/// Step 2, attendance: each active member comes with the chance of
/// [`crate::kernel::chances::Chances::attendance`], decided by their
/// place's number of `Purpose::Attendance` (everyone active comes when
/// the mechanism is off, `enabled`). Who comes is written to the
/// session's figures (`Attended`).
#[inline(always)]
pub fn attendance<I: Isa>(
    isa: I,
    rules: &KernelRules,
    enabled: bool,
    step: u32,
    group_ids: U32s<I>,
    lanes: &BatchLanes,
    session: &mut SessionLanes,
) {
    let zero = isa.f(0.0);
    let mut numbers = Uniforms::new(rules.key, group_ids, step, Purpose::Attendance);
    for i in 0..lanes.places() {
        let here = AttendanceSession::at(isa, session, i);
        if !here.present.any() || !enabled {
            session.put_flag(i, Figure::Attended, here.present);
            continue;
        }
        let members = Members {
            tenure: tenure(isa, lanes, i, step),
            cohesion: lanes.float(isa, i, field::COHESION),
            reply_memory: lanes.float(isa, i, field::REPLY_MEMORY),
            log_support: here.log_support,
            propensity: lanes.float(isa, i, field::PROPENSITY),
            hope: lanes.float(isa, i, field::HOPE),
            frailty: zero,
            isolated: isa.flags([false; LANES]),
            replies: zero,
            given: zero,
        };
        let chance = rules.chances.attendance(&members);
        let u = numbers.at(i);
        session.put_flag(i, Figure::Attended, here.present & u.lt(chance));
    }
}
