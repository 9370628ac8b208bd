//! The steps of a session that run on the groups themselves, outside the
//! kernel's lanes: step 1, membership (open groups admit newcomers), and
//! the session's flags the panel reads. Steps 2 to 13 run in lanes
//! (`in_lanes.rs`), which also make the groups' tallies.

use super::{Scratch, Session};
use crate::population::{GroupState, Status};
use crate::rng::{self, Purpose};
use crate::rules::membership;

/// Step 1, membership (open groups): newcomers join the waiting list,
/// and free seats are filled from it in order of arrival.
#[inline]
pub(super) fn membership(s: &Session, g: &mut GroupState) {
    if !s.ctx.open {
        return;
    }
    let scenario = s.ctx.scenario;
    let n = g.places();
    // Referral: people in the catchment with a community tie to a
    // current member add to the arrival rate.
    let referred = (g.arrived..n)
        .filter(|&i| s.outside.of(i).active > 0)
        .count() as f64;
    let rate = scenario.open.arrivals_per_session + scenario.community_network.referral * referred;
    let applicants = rng::poisson(&mut s.key.stream(Purpose::Arrivals), rate) as usize;
    g.arrived += applicants.min(n - g.arrived);
    let count = |status| {
        g.members[..g.arrived]
            .iter()
            .filter(|m| m.status == status)
            .count()
    };
    let (active, waiting) = (count(Status::Active), count(Status::Waiting));
    let mut seats = membership::admissions(waiting, active, s.ctx.size_cap);
    for i in 0..g.arrived {
        if seats == 0 {
            break;
        }
        if g.members[i].status == Status::Waiting {
            g.members[i].status = Status::Active;
            g.members[i].joined_step = s.step - 1;
            seats -= 1;
        }
    }
}

/// The session's flags for the panel: who is active at its start.
#[inline]
pub(super) fn session_flags(g: &GroupState, sc: &mut Scratch) {
    for i in 0..g.arrived {
        sc.present[i] = g.members[i].status == Status::Active;
    }
}
