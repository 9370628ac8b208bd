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
    protection * libm::log1p(support_given)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn giving_protects() {
        assert_eq!(dropout_protection(0.3, 0.0), 0.0);
        assert!(dropout_protection(0.3, 2.0) > dropout_protection(0.3, 1.0));
    }
}
