//! Mechanism 8, stigma: acceptance lowers self-stigma, which raises disclosure.
//!
//! MECHANISMS.md, "Stigma: face-to-face contact lowers stigma more than
//! information does (Corrigan 2012). Self-stigma gates disclosure."
//!
//! stigma ← stigma · (1 − a·acceptance·\[disclosed\] − l·\[heard a disclosure\]),
//! both rates times the online factor when the group meets online.
//! Acceptance is the group's safety (cohesion / 10), halved without a reply.

use crate::scenario::Stigma;

/// Self-stigma after a session.
pub fn update(
    p: &Stigma,
    stigma: f64,
    disclosed: bool,
    acceptance: f64,
    heard_others: bool,
    online: bool,
) -> f64 {
    let online = if online { p.online_factor } else { 1.0 };
    let accepted = if disclosed {
        p.acceptance_rate * acceptance
    } else {
        0.0
    };
    let listened = if heard_others { p.listening_rate } else { 0.0 };
    (stigma * (1.0 - online * (accepted + listened))).clamp(0.0, 1.0)
}

/// How accepting the group was of a disclosure, 0–1.
pub fn acceptance(cohesion: f64, got_reply: bool) -> f64 {
    let safety = (cohesion / 10.0).clamp(0.0, 1.0);
    if got_reply { safety } else { 0.5 * safety }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_disclosure_lowers_stigma_most_and_face_to_face_more() {
        let p = Stigma::default();
        let told = update(&p, 0.5, true, 1.0, true, false);
        let heard = update(&p, 0.5, false, 1.0, true, false);
        assert!(told < heard && heard < 0.5);
        assert!(update(&p, 0.5, true, 1.0, true, true) > told);
        assert_eq!(update(&p, 0.5, false, 1.0, false, false), 0.5);
        assert!(acceptance(8.0, true) > acceptance(8.0, false));
    }
}
