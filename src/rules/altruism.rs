//! Mechanism 10, altruism: replies to disclosures are support received by the
//! discloser and support given by the listener; giving protects the giver.
//!
//! MECHANISMS.md, "Helping others lowers the helper's relapse risk (Pagano
//! 2004): altruism", and among dropout predictors "receiving no reply or
//! support".
//!
//! A listener replies with probability r·(½ + openness). A discloser
//! receives the expected number of replies as support, and draws once whether
//! any reply came. A listener gives the expected replies they make.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// Mechanism 10, altruism: giving support protects the giver (`[mechanisms.altruism]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Altruism {
    /// Switch the mechanism on or off.
    #[default(true)]
    pub enabled: bool,
    /// Chance that a listener replies to a disclosure, scaled by openness.
    #[default(0.4)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "probability, scaled by the listener's openness"))]
    pub reply_probability: f64,
    /// Log-hazard reduction of dropout per unit of ln(1 + support given).
    #[default(0.3)]
    #[schemars(range(min = 0.0, max = 10.0), extend("x-unit" = "log-hazard per unit of ln(1 + support given)"))]
    pub dropout_protection: f64,
    /// Recovery dose added per unit of support given.
    #[default(0.1)]
    #[schemars(range(min = 0.0, max = 10.0), extend("x-unit" = "dose per unit of support given"))]
    pub dose_bonus: f64,
}

/// Chance that a listener with this openness replies to a disclosure.
pub fn reply_probability(base: f64, listener_openness: f64) -> f64 {
    (base * (0.5 + listener_openness)).clamp(0.0, 1.0)
}

/// The giver's log-hazard reduction from the support they gave.
pub fn dropout_protection(protection: f64, support_given: f64) -> f64 {
    protection * libm::log1p(support_given)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_listeners_reply_more_and_giving_protects() {
        assert!(reply_probability(0.4, 0.9) > reply_probability(0.4, 0.1));
        assert_eq!(reply_probability(1.0, 1.0), 1.0);
        assert_eq!(dropout_protection(0.3, 0.0), 0.0);
        assert!(dropout_protection(0.3, 2.0) > dropout_protection(0.3, 1.0));
    }
}
