//! Mechanism 1, membership: closed cohorts and open groups with a waiting list.
//!
//! EVIDENCE.md E11, "Online and open groups": closed cohorts (fixed roster,
//! N sessions) and open groups (Poisson newcomers, size cap, waitlist). Exact
//! check 2 (EVIDENCE.md E21): with arrivals Poisson(λ) per session, exit
//! probability p and no cap, the mean group size tends to λ/p.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// Rolling membership, used when `format.membership = "open"` (`[open]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct OpenGroups {
    /// Members present at the first session (at most `community.group_size`).
    #[default(6)]
    #[schemars(
        range(min = 0, max = 1_000),
        extend("x-unit" = "people", "x-also" = "at most `group_size` (open groups)")
    )]
    pub initial_members: u32,
    /// Mean newcomers per session (Poisson).
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 1_000.0), extend("x-unit" = "people / session"))]
    pub arrivals_per_session: f64,
    /// People per group who may join over the run after the first session
    /// (at most 5,000 − `initial_members`).
    #[default(30)]
    #[schemars(
        range(min = 0, max = 5_000),
        extend(
            "x-unit" = "people",
            "x-also" = "at most 5,000 − `initial_members`, and `initial_members` + `catchment` ≥ 2 (open groups)"
        )
    )]
    pub catchment: u32,
}

/// How many people on the waiting list get a seat: as many as there are
/// free seats under the size cap, in order of arrival.
pub fn admissions(waiting: usize, active: usize, size_cap: usize) -> usize {
    waiting.min(size_cap.saturating_sub(active))
}

/// The long-run mean size of an open group without a cap (exact check 2).
pub fn open_group_mean_size(arrivals_per_session: f64, exit_probability: f64) -> f64 {
    arrivals_per_session / exit_probability
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admissions_respect_the_cap_and_the_list() {
        assert_eq!(admissions(5, 7, 9), 2);
        assert_eq!(admissions(1, 7, 9), 1);
        assert_eq!(admissions(5, 9, 9), 0);
        assert_eq!(admissions(5, 12, 9), 0);
    }
}
