//! The run's rules of the kernel's steps in f32, and the key of its
//! numbers: made once a replicate ([`crate::context::SessionContext`]).

use super::chances::Chances;
use super::draws::Key;
use super::steps::{CohesionRule, LonelinessRule, RecoveryRule, StigmaRule};
use crate::scenario::Scenario;

/// The run's rules of the steps in lanes, in f32, and the key of its
/// numbers.
#[derive(Debug, Clone, Copy)]
pub struct KernelRules {
    pub key: Key,
    pub chances: Chances,
    pub recovery: RecoveryRule,
    pub loneliness: LonelinessRule,
    pub stigma: StigmaRule,
    pub cohesion: CohesionRule,
}

impl KernelRules {
    /// `relaxation`: the share of the gap to the set point closed over
    /// one interval; `online`: the group meets online.
    pub fn new(
        scenario: &Scenario,
        replicate: u32,
        attendance_odds: crate::rules::attendance::FixedOdds,
        relaxation: f64,
        online: bool,
    ) -> KernelRules {
        let m = &scenario.mechanisms;
        KernelRules {
            key: Key::new(scenario.seed, replicate),
            chances: Chances::new(
                &m.attendance,
                attendance_odds,
                &m.dropout,
                &m.replies,
                &m.altruism,
            ),
            recovery: RecoveryRule::new(scenario),
            loneliness: LonelinessRule::new(scenario, relaxation),
            stigma: StigmaRule::new(scenario, online),
            cohesion: CohesionRule::new(scenario),
        }
    }
}
