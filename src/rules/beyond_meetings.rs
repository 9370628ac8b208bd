//! Mechanism 7, bonds beyond meetings: contact outside the sessions that
//! grows with the tie, competes for limited time, and carries pairs who
//! keep in touch to the friend and close levels.
//!
//! EVIDENCE.md E8, "Bonding takes time" (Hall 2019: about 50, 90 and 200
//! hours for a casual friend, a friend and a close friend; weekly 90-minute
//! sessions alone cannot make close friends within a year), and E18,
//! "Friendships beyond the meetings": closeness fades without contact
//! (Roberts & Dunbar 2011); time for contact is limited and spread over a
//! stable number of ties (Miritello et al. 2013); members of mutual-aid
//! groups gain friends from the fellowship (Kaskutas, Bond & Humphreys 2002;
//! Kelly et al. 2012).
//!
//! For a pair with tie strength s, closeness c = s² / (s² + half²) (a Hill
//! curve: contact concentrates on the strongest ties) sets both how often
//! the two are in touch and for how long:
//!
//!   contacts per week  λ(s) = max_contacts_per_week · c · \[online factor\]
//!   hours per contact  L(s) = shortest + (longest − shortest) · c
//!
//! (a few texts or a call between acquaintances, a long coffee between
//! friends). Each member has `weekly_budget_hours` for fellow members; if
//! the hours a member's ties would take, Σ λ·L, exceed it, every one of
//! their pairs gets the share budget / Σ (a pair gets the smaller of its two
//! members' shares). Over an interval of τ days the pair has
//! Poisson(λ · share · τ/7) contacts, each adding L(s) hours to strength and
//! hours. A tie reaches beyond the meetings while the pair keeps in regular
//! touch: while its recent contacts, each weighted e^(−age/window) with the
//! window `contact_window_weeks`, number at least `repeated_contacts`. One
//! coffee does not make a friendship outside the group, and a pair that
//! stops meeting is no longer counted. Contact goes on whether or not the two are still in
//! the group, so ties outlive a member's leaving; decay between contacts is
//! the bonding rule's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// Mechanism 7, bonds beyond meetings: contact outside the sessions (`[mechanisms.beyond_meetings]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct BeyondMeetings {
    /// Switch the mechanism on or off.
    #[default(true)]
    pub enabled: bool,
    /// Contacts per week between the closest of fellow members.
    #[default(2.0)]
    #[schemars(range(min = 0.0, max = 50.0), extend("x-unit" = "contacts per week"))]
    pub max_contacts_per_week: f64,
    /// Tie strength (hours) at which contact is half its highest frequency and its length halfway.
    #[default(25.0)]
    #[schemars(range(min = 0.01, max = 10_000.0), extend("x-unit" = "hours of strength"))]
    pub half_hours: f64,
    /// Length of a contact between members who barely know each other (a few texts, a call).
    #[default(0.25)]
    #[schemars(range(min = 0.0, max = 24.0), extend("x-unit" = "hours"))]
    pub shortest_contact_hours: f64,
    /// Length of a contact between close members (a long coffee, a walk).
    #[default(2.0)]
    #[schemars(range(min = 0.0, max = 24.0), extend("x-unit" = "hours", "x-at-least" = "mechanisms.beyond_meetings.shortest_contact_hours"))]
    pub longest_contact_hours: f64,
    /// Hours a week a member can give to fellow members outside the sessions, shared among their ties.
    #[default(6.0)]
    #[schemars(range(min = 0.0, max = 168.0), extend("x-unit" = "hours per week"))]
    pub weekly_budget_hours: f64,
    /// Recent outside contacts from which a tie counts as reaching beyond the meetings.
    #[default(3.0)]
    #[schemars(range(min = 0.01, max = 10_000.0), extend("x-unit" = "contacts"))]
    pub repeated_contacts: f64,
    /// Window over which contacts count as recent: each weighs e^(-age / window).
    #[default(4.0)]
    #[schemars(range(min = 0.01, max = 10_000.0), extend("x-unit" = "weeks (e-folding)"))]
    pub contact_window_weeks: f64,
    /// Multiplier of the contact frequency when the group meets online.
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "multiplier of the frequency online"))]
    #[schemars(extend("x-applies-when" = "format.delivery = online | forum"))]
    pub online_factor: f64,
}

/// Closeness of a pair with tie strength `strength`, 0–1: the Hill curve
/// s² / (s² + half²).
#[inline]
pub fn closeness(p: &BeyondMeetings, strength: f64) -> f64 {
    let s2 = strength * strength;
    s2 / (s2 + p.half_hours * p.half_hours)
}

/// Contacts per week a pair would have, before the members' time budgets.
#[inline]
pub fn contacts_per_week(p: &BeyondMeetings, strength: f64, online: bool) -> f64 {
    let online = if online { p.online_factor } else { 1.0 };
    p.max_contacts_per_week * closeness(p, strength) * online
}

/// Hours one contact of the pair lasts.
#[inline]
pub fn contact_hours(p: &BeyondMeetings, strength: f64) -> f64 {
    let span = p.longest_contact_hours - p.shortest_contact_hours;
    p.shortest_contact_hours + span * closeness(p, strength)
}

/// Hours per week a pair would spend in contact, before the budgets.
#[inline]
pub fn wanted_hours_per_week(p: &BeyondMeetings, strength: f64, online: bool) -> f64 {
    contacts_per_week(p, strength, online) * contact_hours(p, strength)
}

/// Share of their ties' wanted contact a member's budget covers, 0–1, when
/// those ties would take `wanted` hours a week.
#[inline]
pub fn member_share(p: &BeyondMeetings, wanted: f64) -> f64 {
    if wanted > p.weekly_budget_hours {
        p.weekly_budget_hours / wanted
    } else {
        1.0
    }
}

/// Share of its wanted contact a pair gets, 0–1: the smaller of its two
/// members' [`member_share`]s (the busier member decides).
#[inline]
pub fn pair_share(share_a: f64, share_b: f64) -> f64 {
    share_a.min(share_b)
}

/// Share of a pair's recent contacts still counted after an interval of
/// `weeks`: e^(−weeks / window).
#[inline]
pub fn contacts_kept(p: &BeyondMeetings, weeks: f64) -> f64 {
    libm::exp(-weeks / p.contact_window_weeks)
}

/// A pair's recent contacts after an interval in which it had `contacts`
/// more; `kept` is [`contacts_kept`] for the interval.
#[inline]
pub fn recent_contacts(before: f64, kept: f64, contacts: u32) -> f64 {
    before * kept + f64::from(contacts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_grows_in_frequency_and_length_with_the_tie() {
        let p = BeyondMeetings::default();
        assert_eq!(contacts_per_week(&p, 0.0, false), 0.0);
        let half = contacts_per_week(&p, p.half_hours, false);
        assert!((half - p.max_contacts_per_week / 2.0).abs() < 1e-12);
        assert!(contacts_per_week(&p, 1e6, false) < p.max_contacts_per_week);
        assert!(contacts_per_week(&p, 10.0, true) < contacts_per_week(&p, 10.0, false));
        assert_eq!(contact_hours(&p, 0.0), p.shortest_contact_hours);
        assert!(contact_hours(&p, 90.0) > contact_hours(&p, 10.0));
        assert!((contact_hours(&p, 1e9) - p.longest_contact_hours).abs() < 1e-9);
    }

    #[test]
    fn only_kept_up_contact_counts_as_beyond_the_meetings() {
        let p = BeyondMeetings::default();
        // Weekly contact settles at 1 / (1 - e^(-1/4)) = 4.52 recent contacts.
        let (mut recent, kept) = (0.0, contacts_kept(&p, 1.0));
        for _ in 0..200 {
            recent = recent_contacts(recent, kept, 1);
        }
        assert!((recent - 1.0 / (1.0 - (-0.25f64).exp())).abs() < 1e-9);
        assert!(recent >= p.repeated_contacts);
        // Three contacts, then silence: counted, then no longer after a few weeks.
        let burst = recent_contacts(0.0, kept, 3);
        assert!(burst >= p.repeated_contacts);
        assert!(recent_contacts(burst, kept, 0) < p.repeated_contacts);
    }

    /// The share a pair gets when its members' ties would take `wanted_a`
    /// and `wanted_b` hours a week in all.
    fn budget_share(p: &BeyondMeetings, wanted_a: f64, wanted_b: f64) -> f64 {
        pair_share(member_share(p, wanted_a), member_share(p, wanted_b))
    }

    #[test]
    fn a_full_budget_is_shared_and_the_busier_member_decides() {
        let p = BeyondMeetings::default();
        let b = p.weekly_budget_hours;
        assert_eq!(budget_share(&p, b, b / 2.0), 1.0);
        assert_eq!(budget_share(&p, 2.0 * b, b), 0.5);
        assert_eq!(budget_share(&p, b, 4.0 * b), 0.25);
    }
}
