//! Mechanism 10, altruism: giving support protects the giver.
//!
//! EVIDENCE.md E4, "Mutual aid works through network change; helping
//! others": helping others lowers the helper's relapse risk (Pagano 2004).
//!
//! The support a member gives is the number of replies they make to others'
//! disclosures in the session (`replies.rs`). It lowers the giver's dropout log-hazard by
//! p·ln(1 + given) and adds a bonus to their recovery dose. The switch acts on
//! these effects only: replies are their own mechanism.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;
use std::sync::OnceLock;

/// Mechanism 10, altruism: giving support protects the giver (`[mechanisms.altruism]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Altruism {
    /// Switch the giver's effects on or off (replies stay).
    #[default(true)]
    pub enabled: bool,
    /// Log-hazard reduction of dropout per unit of ln(1 + support given).
    #[default(0.3)]
    #[schemars(range(min = 0.0, max = 10.0), extend("x-unit" = "log-hazard per unit of ln(1 + support given)"))]
    pub dropout_protection: f64,
    /// Recovery dose added per unit of support given.
    #[default(0.1)]
    #[schemars(range(min = 0.0, max = 10.0), extend("x-unit" = "dose per unit of support given"))]
    pub dose_bonus: f64,
}

/// The giver's log-hazard reduction from the support they gave.
pub fn dropout_protection(protection: f64, support_given: f64) -> f64 {
    protection * log1p_of_given(support_given)
}

/// Counts of replies given in one session that ln(1 + given) is tabled for.
const TABLED_COUNTS: usize = 64;

/// ln(1 + given): support given is a whole count of replies, so its
/// logarithm is read from a table of `libm::log1p` at 0, 1, 2, … (the
/// same numbers, bit for bit), and computed for anything else (−0 too).
#[inline]
fn log1p_of_given(given: f64) -> f64 {
    static TABLE: OnceLock<[f64; TABLED_COUNTS]> = OnceLock::new();
    // Through i32, whose conversion from f64 is one instruction and a
    // fix-up, rather than usize's longer one; anything but a whole count
    // from 0 to 63 fails the comparison of bits.
    let count = given as i32;
    if (0..TABLED_COUNTS as i32).contains(&count) && f64::from(count).to_bits() == given.to_bits() {
        let table = TABLE.get_or_init(|| std::array::from_fn(|k| libm::log1p(k as f64)));
        table[count as usize]
    } else {
        libm::log1p(given)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tabled_logarithm_is_the_computed_one() {
        for given in (0..200).map(f64::from).chain([0.5, 2.25, 63.5, -0.0, 1e9]) {
            assert_eq!(
                log1p_of_given(given).to_bits(),
                libm::log1p(given).to_bits(),
                "{given}"
            );
        }
    }

    #[test]
    fn giving_protects() {
        assert_eq!(dropout_protection(0.3, 0.0), 0.0);
        assert!(dropout_protection(0.3, 2.0) > dropout_protection(0.3, 1.0));
    }
}
