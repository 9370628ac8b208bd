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
