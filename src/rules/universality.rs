//! Mechanism 4, universality: hearing a similar member disclose lowers felt
//! isolation.
//!
//! EVIDENCE.md E2, "Therapeutic factors": hearing a similar member disclose
//! lowers felt isolation (universality, one of Yalom's factors; Joyce et al.
//! 2011).
//!
//! reach_i = 1 − Π_j (1 − similarity_ij · depth_j) over the others who disclosed;
//! loneliness_i falls by relief · (loneliness_i − 3) · reach_i · e^η, where
//! e^η is the group's meeting quality (`group_differences.rs`; 1 with that
//! mechanism off).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// Mechanism 4, universality: hearing a similar member disclose lowers felt isolation (`[mechanisms.universality]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Universality {
    /// Switch the mechanism on or off.
    #[default(true)]
    pub enabled: bool,
    /// Share of loneliness above the scale floor relieved by a fully similar disclosure.
    #[default(0.015)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "share of loneliness above the floor (3) relieved by a fully similar, full-depth disclosure"))]
    pub relief: f64,
}

use super::loneliness::LONELINESS_MIN;

/// Folds one heard disclosure into the chance that none "landed".
#[inline]
pub fn miss_after(miss_so_far: f64, similarity: f64, depth: f64) -> f64 {
    miss_so_far * (1.0 - similarity * depth)
}

/// The fall in loneliness from a session in which disclosures reached the
/// member with `reach` (0–1).
pub fn relief(relief_rate: f64, loneliness: f64, reach: f64) -> f64 {
    relief_rate * (loneliness - LONELINESS_MIN) * reach
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_and_closer_disclosures_reach_further() {
        let one = 1.0 - miss_after(1.0, 0.5, 1.0);
        let two = 1.0 - miss_after(miss_after(1.0, 0.5, 1.0), 0.5, 1.0);
        let close = 1.0 - miss_after(1.0, 0.9, 1.0);
        assert!(two > one && close > one);
        assert_eq!(relief(0.1, 3.0, 1.0), 0.0); // nothing to relieve at the floor
        assert!((relief(0.1, 7.0, 0.5) - 0.2).abs() < 1e-12);
    }
}
