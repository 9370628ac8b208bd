//! The run's rules of the kernel's steps in f32, and the key of its
//! numbers: made once a replicate, from its context.

use super::chances::Chances;
use super::draws::Key;
use super::pairs::PairRule;
use super::steps::{
    CohesionRule, FloorRule, ForumRule, HopeRule, LonelinessRule, MoodRule, RecoveryRule,
    ReplyRule, StigmaRule,
};
use crate::context::SessionContext;

/// The run's rules of the steps in lanes, in f32, and the key of its
/// numbers.
#[derive(Debug, Clone)]
pub struct KernelRules {
    /// Run in the portable lanes even where AVX2 is there (to compare).
    pub portable: bool,
    pub key: Key,
    pub chances: Chances,
    pub floor: FloorRule,
    pub forum: ForumRule,
    pub replies: ReplyRule,
    pub mood: MoodRule,
    pub hope: HopeRule,
    pub pairs: PairRule,
    pub recovery: RecoveryRule,
    pub loneliness: LonelinessRule,
    pub stigma: StigmaRule,
    pub cohesion: CohesionRule,
}

impl KernelRules {
    pub fn new(ctx: &SessionContext) -> KernelRules {
        let scenario = ctx.scenario;
        let m = &scenario.mechanisms;
        KernelRules {
            portable: ctx.portable_lanes,
            key: Key::new(scenario.seed, ctx.replicate),
            chances: Chances::new(
                &m.attendance,
                ctx.attendance_odds,
                &m.dropout,
                (&m.replies, &m.altruism),
                scenario.format.sessions,
            ),
            floor: FloorRule::new(ctx),
            forum: ForumRule::new(ctx),
            replies: ReplyRule::new(ctx),
            mood: MoodRule::new(scenario),
            hope: HopeRule::new(scenario),
            pairs: PairRule::new(
                &m.bonding,
                &m.beyond_meetings,
                ctx.online,
                ctx.interval_days / 7.0,
                ctx.contacts_kept,
                (f64::from(ctx.levels.tie), f64::from(ctx.levels.close)),
            ),
            recovery: RecoveryRule::new(scenario),
            loneliness: LonelinessRule::new(scenario, ctx.relaxation),
            stigma: StigmaRule::new(scenario, ctx.online),
            cohesion: CohesionRule::new(scenario),
        }
    }
}
