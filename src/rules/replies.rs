//! Replies: listeners answer disclosures. A reply is support received by
//! the discloser and support given by the listener.
//!
//! EVIDENCE.md E16, "Replies bring people back": among the predictors of
//! dropout is receiving no reply or support (E6), and newcomers whose first
//! post gets a reply are more likely to return (Joyce & Kraut 2006; Arguello
//! et al. 2006); the giver's side, helping others lowers the helper's relapse
//! risk (E4, Pagano 2004), is altruism (`altruism.rs`).
//!
//! A listener replies with probability r·(½ + openness). A discloser
//! receives the expected number of replies as support and draws once whether
//! any reply came; a listener gives the expected replies they make. With
//! replies off, no disclosure is answered.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::sharing::openness_factor;

/// Replies to disclosures: support received and given (`[mechanisms.replies]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Replies {
    /// Switch the mechanism on or off (off: no disclosure is answered).
    #[default(true)]
    pub enabled: bool,
    /// Chance that a listener replies to a disclosure, scaled by openness.
    #[default(0.4)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "probability, scaled by the listener's openness"))]
    pub reply_probability: f64,
}

/// Chance that a listener with this openness replies to a disclosure.
pub fn reply_probability(base: f64, listener_openness: f64) -> f64 {
    (base * openness_factor(listener_openness)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_listeners_reply_more() {
        assert!(reply_probability(0.4, 0.9) > reply_probability(0.4, 0.1));
        assert_eq!(reply_probability(0.4, 0.5), 0.4);
        assert_eq!(reply_probability(1.0, 1.0), 1.0);
    }
}
