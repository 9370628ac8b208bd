//! Steps 3 to 7 of a forum's period in lanes: posting, replies, mood,
//! reading, hope.

use super::{Batch, group_ids};
use crate::kernel::batch::BatchLanes;
use crate::kernel::lanes::{Isa, U32s};
use crate::kernel::scratch::SessionLanes;
use crate::kernel::steps::{self, ForumPeriod};
use crate::population::GroupState;

/// Steps 3 to 7 of a forum: posting, replies and what the posters
/// remember of them, mood (not shared), reading, hope; gives each lane's
/// posters.
#[inline(always)]
pub(super) fn steps_3_to_7<I: Isa>(
    isa: I,
    batch: &Batch,
    groups: &mut [GroupState],
    lanes: &mut BatchLanes,
    session: &mut SessionLanes,
    period: &mut ForumPeriod,
) -> U32s<I> {
    let (rules, step) = (batch.rules, batch.step);
    let numbers = (step, group_ids(isa, groups));
    let p = &rules.forum;
    let posters = timed!(
        Posting,
        steps::posting(isa, p, rules.key, numbers, lanes, session, groups, period)
    );
    let listened_to = steps::listened_to(isa, &rules.replies, session);
    timed!(ForumReplies, {
        if listened_to.any() {
            let groups = &*groups;
            steps::forum_replies(
                isa,
                p,
                rules.key,
                numbers,
                listened_to,
                session,
                groups,
                period,
            );
        }
        steps::remember_replies(isa, &rules.replies, listened_to, lanes, session);
        steps::first_answers(step, listened_to, session, groups);
    });
    timed!(Mood, steps::mood(isa, &rules.mood, lanes, session));
    let outsides = &batch.outsides[..groups.len()];
    timed!(
        Reading,
        steps::reading(
            isa, p, rules.key, numbers, lanes, session, groups, outsides, period
        )
    );
    timed!(Hope, steps::hope(isa, &rules.hope, step, lanes, session));
    posters
}
