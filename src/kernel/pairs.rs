//! Step 8's pair update in f32, eight pairs at a time (one group's pair
//! in each lane): decay over the interval, contact beyond the meetings
//! (its count drawn apart and given here), growth in a session both
//! attended within both members' capacity, as the model's rules update a
//! pair in f64. Each lane computes both sides of the rule's branches and
//! keeps the side its pair takes. A test holds the f32 update to an f64
//! transcription of the rules within f32's precision, the same contacts
//! given to both.

use super::lanes::{F32s, Isa, Mask};
use crate::rules::beyond_meetings::BeyondMeetings;
use crate::rules::bonding::Bonding;

/// The session's constants of the update, in f32 (`T`), or each in every
/// lane ([`PairRule::in_lanes`], `T` = [`F32s`]), where the update reads
/// them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairRule<T = f32> {
    half_squared: T,
    /// Contacts per week at full closeness, the format's factor in.
    most_contacts: T,
    weeks: T,
    contacts_kept: T,
    repeated_contacts: T,
    shortest_contact: T,
    contact_span: T,
    reciprocity: T,
    homophily: T,
    lonely_pair: T,
    closure: T,
    online_growth: T,
    tie: T,
    close: T,
    /// Hours a week each member has for the group's ties.
    budget: T,
    /// Bonding is on: ties decay over the interval and grow in a session.
    bonding: bool,
    /// Contact beyond the meetings is on.
    beyond: bool,
}

/// Eight pairs' state (one a lane), updated.
#[derive(Debug, Clone, Copy)]
pub struct Pairs<I: Isa> {
    pub strength: F32s<I>,
    pub hours: F32s<I>,
    pub recent_contacts: F32s<I>,
    pub beyond: Mask<I>,
}

/// Eight pairs' decay over the interval ([`PairRule::decay`]).
#[derive(Debug, Clone, Copy)]
pub struct Decay<I: Isa> {
    /// The strength after decay.
    pub strength: F32s<I>,
    /// The mean count of contacts outside the sessions over the interval.
    pub contact_mean: F32s<I>,
    /// How close the pair is at that strength (the share of the most
    /// contacts a pair wants).
    pub closeness: F32s<I>,
}

/// What each of eight pairs' two members and the session bring.
#[derive(Debug, Clone, Copy)]
pub struct Sides<I: Isa> {
    /// Hours the two spent together this session (0 unless both came).
    pub together: F32s<I>,
    /// The group's meeting quality, as a factor on growth.
    pub session_gain: F32s<I>,
    /// Share of kept strength over the interval for this pair (its
    /// similarity's and, if either is lonely, the lonely rate's).
    pub kept: F32s<I>,
    pub similarity: F32s<I>,
    /// The smaller of the two members' outside shares.
    pub outside_share: F32s<I>,
    pub depth_sum: F32s<I>,
    pub both_lonely: Mask<I>,
    pub share_a_friend: Mask<I>,
    pub ties_full: Mask<I>,
    pub close_full: Mask<I>,
}

impl PairRule {
    pub fn new(
        bonding: &Bonding,
        beyond: &BeyondMeetings,
        online: bool,
        weeks: f64,
        contacts_kept: f64,
        levels: (f64, f64),
    ) -> PairRule {
        let f = |v: f64| v as f32;
        let online_contacts = if online { beyond.online_factor } else { 1.0 };
        PairRule {
            half_squared: f(beyond.half_hours * beyond.half_hours),
            most_contacts: f(beyond.max_contacts_per_week * online_contacts),
            weeks: f(weeks),
            contacts_kept: f(contacts_kept),
            repeated_contacts: f(beyond.repeated_contacts),
            shortest_contact: f(beyond.shortest_contact_hours),
            contact_span: f(beyond.longest_contact_hours - beyond.shortest_contact_hours),
            reciprocity: f(bonding.reciprocity),
            homophily: f(bonding.homophily),
            lonely_pair: f(1.0 - bonding.lonely_pair_penalty),
            closure: f(1.0 + bonding.closure_bonus),
            online_growth: f(if online { bonding.online_factor } else { 1.0 }),
            tie: f(levels.0),
            close: f(levels.1),
            budget: f(beyond.weekly_budget_hours),
            bonding: bonding.enabled,
            beyond: beyond.enabled,
        }
    }

    /// The constants in every lane, made once a batch: the update then
    /// reads each from memory as an operand rather than broadcasting it
    /// at each pair.
    #[inline(always)]
    pub fn in_lanes<I: Isa>(&self, isa: I) -> PairRule<F32s<I>> {
        PairRule {
            half_squared: isa.f(self.half_squared),
            most_contacts: isa.f(self.most_contacts),
            weeks: isa.f(self.weeks),
            contacts_kept: isa.f(self.contacts_kept),
            repeated_contacts: isa.f(self.repeated_contacts),
            shortest_contact: isa.f(self.shortest_contact),
            contact_span: isa.f(self.contact_span),
            reciprocity: isa.f(self.reciprocity),
            homophily: isa.f(self.homophily),
            lonely_pair: isa.f(self.lonely_pair),
            closure: isa.f(self.closure),
            online_growth: isa.f(self.online_growth),
            tie: isa.f(self.tie),
            close: isa.f(self.close),
            budget: isa.f(self.budget),
            bonding: self.bonding,
            beyond: self.beyond,
        }
    }
}

impl<T> PairRule<T> {
    /// Whether pairs change at all: bonding or contact beyond the
    /// meetings is on.
    pub fn changes_pairs(&self) -> bool {
        self.bonding || self.beyond
    }

    /// Whether pairs have contact beyond the meetings (and members their
    /// shares of it).
    pub fn has_contact(&self) -> bool {
        self.beyond
    }

    /// Whether ties decay and grow.
    pub fn bonds(&self) -> bool {
        self.bonding
    }
}

impl<I: Isa> PairRule<F32s<I>> {
    /// Lane by lane, the hours a week a pair of strength `s` would spend
    /// in contact, before the budgets
    /// (`rules::beyond_meetings::wanted_hours_per_week`).
    #[inline(always)]
    pub fn wanted_hours(&self, s: F32s<I>) -> F32s<I> {
        let squared = s * s;
        let closeness = squared / (squared + self.half_squared);
        (self.most_contacts * closeness) * (self.shortest_contact + self.contact_span * closeness)
    }

    /// Lane by lane, the share of their ties' wanted contact a member's
    /// budget covers when those ties would take `wanted` hours a week
    /// (`rules::beyond_meetings::member_share`).
    #[inline(always)]
    pub fn member_share(&self, wanted: F32s<I>) -> F32s<I> {
        let isa = wanted.isa();
        let over = wanted.gt(self.budget);
        over.select(self.budget / wanted, isa.f(1.0))
    }

    /// Lane by lane, the mean count of contacts outside the sessions over
    /// the interval for a pair of strength `s` (after decay), and the
    /// pair's closeness.
    #[inline(always)]
    pub fn contact_mean(&self, s: F32s<I>, outside_share: F32s<I>) -> (F32s<I>, F32s<I>) {
        let squared = s * s;
        let closeness = squared / (squared + self.half_squared);
        (
            self.most_contacts * closeness * outside_share * self.weeks,
            closeness,
        )
    }

    /// Lane by lane, the strength after decay, for the contact draw: the
    /// pair's own where it has none, or without bonding.
    #[inline(always)]
    pub fn decayed(&self, pair: &Pairs<I>, sides: &Sides<I>) -> F32s<I> {
        if !self.bonding {
            return pair.strength;
        }
        let with_strength = pair.strength.gt(pair.strength.isa().f(0.0));
        with_strength.select(pair.strength * sides.kept, pair.strength)
    }

    /// Lane by lane, the pair's decay over the interval and the contact
    /// beyond the meetings it leads to: what [`PairRule::update`] builds
    /// on, and the mean its contacts are drawn from.
    #[inline(always)]
    pub fn decay(&self, pair: &Pairs<I>, sides: &Sides<I>) -> Decay<I> {
        let strength = self.decayed(pair, sides);
        let (contact_mean, closeness) = self.contact_mean(strength, sides.outside_share);
        Decay {
            strength,
            contact_mean,
            closeness,
        }
    }

    /// Lane by lane, the pair after the interval and session, from its
    /// [`PairRule::decay`] and the `contacts` drawn from its mean; a pair
    /// without strength whose members did not both come is left as it
    /// was. Without bonding a tie neither decays nor grows; without
    /// contact beyond the meetings it has none.
    #[inline(always)]
    pub fn update(
        &self,
        pair: &Pairs<I>,
        sides: &Sides<I>,
        decay: &Decay<I>,
        contacts: F32s<I>,
    ) -> Pairs<I> {
        let zero = pair.strength.isa().f(0.0);
        let none = zero.lt(zero);
        let here = if self.bonding {
            sides.together.gt(zero)
        } else {
            none
        };
        let touched = pair.strength.gt(zero) | here;

        let (s1, closeness) = (decay.strength, decay.closeness);
        let contact = if self.beyond { s1.gt(zero) } else { none };
        let recent = contact.select(
            pair.recent_contacts * self.contacts_kept + contacts,
            pair.recent_contacts,
        );
        let repeated = recent.ge(self.repeated_contacts);
        let beyond = (contact & repeated) | (!contact & pair.beyond);
        let contact_hours = contacts * (self.shortest_contact + self.contact_span * closeness);
        let h1 = contact.select(pair.hours + contact_hours, pair.hours);
        let s2 = contact.select(s1 + contact_hours, s1);

        let one = zero + 1.0;
        let disclosure = 1.0 + self.reciprocity * sides.depth_sum;
        let homophily = 1.0 - self.homophily * (1.0 - sides.similarity);
        let lonely = sides.both_lonely.select(self.lonely_pair, one);
        let closure = sides.share_a_friend.select(self.closure, one);
        let multiplier = disclosure * homophily * lonely * closure * self.online_growth;
        let grown = s2 + sides.together * multiplier * sides.session_gain;
        let s3 = self.within_capacity(s2, grown, sides);
        let s_here = here.select(s3, s2);
        let h2 = here.select(h1 + sides.together, h1);
        Pairs {
            strength: touched.select(s_here, pair.strength),
            hours: touched.select(h2, pair.hours),
            recent_contacts: touched.select(recent, pair.recent_contacts),
            beyond: (touched & beyond) | (!touched & pair.beyond),
        }
    }

    /// Lane by lane, `rules::bonding::within_capacity`: the tie level's
    /// hold first, else the close level's, else the new strength.
    #[inline(always)]
    fn within_capacity(&self, old: F32s<I>, new: F32s<I>, sides: &Sides<I>) -> F32s<I> {
        let crosses = |level: F32s<I>, full: Mask<I>| old.lt(level) & new.ge(level) & full;
        let held = |level: F32s<I>| old.max(new.min(level * 0.999));
        let at_close = crosses(self.close, sides.close_full).select(held(self.close), new);
        crosses(self.tie, sides.ties_full).select(held(self.tie), at_close)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::lanes::Portable;
    use crate::rules::{beyond_meetings, bonding};

    /// One pair's state ([`Pairs`] has eight).
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Pair {
        strength: f32,
        hours: f32,
        recent_contacts: f32,
        beyond: bool,
    }

    /// One pair's sides ([`Sides`] has eight).
    #[derive(Debug, Clone, Copy, PartialEq)]
    struct Side {
        together: f32,
        session_gain: f32,
        kept: f32,
        similarity: f32,
        outside_share: f32,
        depth_sum: f32,
        both_lonely: bool,
        share_a_friend: bool,
        ties_full: bool,
        close_full: bool,
    }

    /// Eight pairs and their sides in lanes.
    fn lanes<I: Isa>(isa: I, pairs: &[Pair; 8], sides: &[Side; 8]) -> (Pairs<I>, Sides<I>) {
        let f = |v: &dyn Fn(usize) -> f32| isa.floats(std::array::from_fn(v));
        let m = |v: &dyn Fn(usize) -> bool| isa.flags(std::array::from_fn(v));
        (
            Pairs {
                strength: f(&|l| pairs[l].strength),
                hours: f(&|l| pairs[l].hours),
                recent_contacts: f(&|l| pairs[l].recent_contacts),
                beyond: m(&|l| pairs[l].beyond),
            },
            Sides {
                together: f(&|l| sides[l].together),
                session_gain: f(&|l| sides[l].session_gain),
                kept: f(&|l| sides[l].kept),
                similarity: f(&|l| sides[l].similarity),
                outside_share: f(&|l| sides[l].outside_share),
                depth_sum: f(&|l| sides[l].depth_sum),
                both_lonely: m(&|l| sides[l].both_lonely),
                share_a_friend: m(&|l| sides[l].share_a_friend),
                ties_full: m(&|l| sides[l].ties_full),
                close_full: m(&|l| sides[l].close_full),
            },
        )
    }

    /// Lane `l` of eight updated pairs.
    fn pair_at<I: Isa>(out: &Pairs<I>, l: usize) -> Pair {
        Pair {
            strength: out.strength.array()[l],
            hours: out.hours.array()[l],
            recent_contacts: out.recent_contacts.array()[l],
            beyond: out.beyond.bits() >> l & 1 == 1,
        }
    }

    /// The update in f64, from the rules' functions (`crate::rules`), the
    /// same contacts given.
    fn reference(
        b: &Bonding,
        p: &BeyondMeetings,
        (weeks, kept_contacts, levels): (f64, f64, (f64, f64)),
        pair: &Pair,
        sides: &Side,
        contacts: u32,
    ) -> (f64, f64, f64, f64) {
        let together = f64::from(sides.together);
        let mut strength = f64::from(pair.strength);
        let (mut hours, mut recent) = (f64::from(pair.hours), f64::from(pair.recent_contacts));
        if strength <= 0.0 && together <= 0.0 {
            return (strength, hours, recent, 0.0);
        }
        if b.enabled && strength > 0.0 {
            strength *= f64::from(sides.kept);
        }
        let share = beyond_meetings::pair_share(f64::from(sides.outside_share), 1.0);
        let mean = beyond_meetings::contacts_per_week(p, strength, false) * share * weeks;
        if p.enabled && strength > 0.0 {
            recent = beyond_meetings::recent_contacts(recent, kept_contacts, contacts);
            let h = f64::from(contacts) * beyond_meetings::contact_hours(p, strength);
            hours += h;
            strength += h;
        }
        if b.enabled && together > 0.0 {
            let inputs = bonding::PairInputs {
                depth_a: f64::from(sides.depth_sum),
                depth_b: 0.0,
                similarity: f64::from(sides.similarity),
                both_lonely: sides.both_lonely,
                share_a_friend: sides.share_a_friend,
                online: false,
            };
            let grow =
                together * bonding::growth_multiplier(b, inputs) * f64::from(sides.session_gain);
            let full = |f: bool| if f { 1 } else { 0 };
            strength = bonding::within_capacity(
                strength,
                strength + grow,
                levels,
                (full(sides.ties_full), 0),
                (full(sides.close_full), 0),
                (1, 1),
            );
            hours += together;
        }
        (strength, hours, recent, mean)
    }

    /// A spread of pairs and sides from a simple sequence: `strength` and
    /// `together` scale them, `full` is the chance a capacity is full.
    fn draws(
        seed: f64,
        strength: f32,
        together: f32,
        full: f32,
    ) -> impl FnMut() -> (Pair, Side, f32) {
        let mut x = 0.5f64;
        let mut next = move || {
            x = (x * 3.987 + seed).fract();
            x as f32
        };
        move || {
            let pair = Pair {
                strength: if next() < 0.3 { 0.0 } else { strength * next() },
                hours: 100.0 * next(),
                recent_contacts: 6.0 * next(),
                beyond: next() < 0.5,
            };
            let side = Side {
                together: if next() < 0.4 {
                    0.0
                } else {
                    0.5 + together * next()
                },
                session_gain: 0.8 + 0.4 * next(),
                kept: 0.9 + 0.1 * next(),
                similarity: next(),
                outside_share: next(),
                depth_sum: 2.0 * next(),
                both_lonely: next() < 0.2,
                share_a_friend: next() < 0.3,
                ties_full: next() < full,
                close_full: next() < full,
            };
            (pair, side, (4.0 * next()).floor())
        }
    }

    #[test]
    fn the_update_is_the_f64_rules_within_f32s_precision() {
        update_is_the_f64_rules(true, true);
    }

    #[test]
    fn the_update_without_bonding_or_contact_beyond_is_the_f64_rules() {
        update_is_the_f64_rules(false, true);
        update_is_the_f64_rules(true, false);
        update_is_the_f64_rules(false, false);
    }

    /// The update against [`reference`] over a spread of pairs, with
    /// bonding and contact beyond the meetings on or off.
    fn update_is_the_f64_rules(bonding: bool, beyond: bool) {
        let b = Bonding {
            enabled: bonding,
            ..Bonding::default()
        };
        let p = BeyondMeetings {
            enabled: beyond,
            ..BeyondMeetings::default()
        };
        let (weeks, kept, levels) = (1.0, 0.7, (8.0, 40.0));
        let rule = PairRule::new(&b, &p, false, weeks, kept, levels).in_lanes(Portable);
        let mut next = draws(0.217, 60.0, 1.0, 0.2);
        let mut grown = 0;
        for _ in 0..25_000 {
            let eight: [(Pair, Side, f32); 8] = std::array::from_fn(|_| next());
            let (pairs, sides) = (eight.map(|e| e.0), eight.map(|e| e.1));
            let (pl, sl) = lanes(Portable, &pairs, &sides);
            let contacts = Portable.floats(eight.map(|e| e.2));
            let decay = rule.decay(&pl, &sl);
            let out = rule.update(&pl, &sl, &decay, contacts);
            let (decayed, means) = (decay.strength, decay.contact_mean);
            for (l, &(pair, side, contacts)) in eight.iter().enumerate() {
                let got = pair_at(&out, l);
                let want = reference(&b, &p, (weeks, kept, levels), &pair, &side, contacts as u32);
                if decayed.array()[l] > 0.0 {
                    let mean = means.array()[l];
                    let error = (f64::from(mean) - want.3).abs();
                    assert!(
                        error <= 4e-6 * want.3.max(1e-3),
                        "{mean} against {}",
                        want.3
                    );
                }
                grown += usize::from(got.strength > pair.strength);
                for (g, w) in [
                    (got.strength, want.0),
                    (got.hours, want.1),
                    (got.recent_contacts, want.2),
                ] {
                    assert!(
                        (f64::from(g) - w).abs() <= 4e-6 * w.abs().max(1.0),
                        "{pair:?} {side:?} {contacts}: {g} against {w}"
                    );
                }
            }
        }
        if bonding {
            assert!(grown > 50_000, "the growth path was taken {grown} times");
        } else {
            assert!((grown > 0) == beyond, "grown {grown} times without bonding");
        }
    }

    #[test]
    fn wanted_hours_and_member_shares_are_the_f64_rules_within_f32s_precision() {
        let (b, p) = (Bonding::default(), BeyondMeetings::default());
        for online in [false, true] {
            let rule = PairRule::new(&b, &p, online, 1.0, 0.7, (8.0, 40.0)).in_lanes(Portable);
            for k in 0..10_000 {
                let s = k as f32 * 0.01;
                let got = rule.wanted_hours(Portable.f(s)).array()[0];
                let want = beyond_meetings::wanted_hours_per_week(&p, f64::from(s), online);
                assert!(
                    (f64::from(got) - want).abs() <= 4e-6 * want.max(1e-3),
                    "{s}"
                );
                let wanted = k as f32 * 0.003;
                let got = rule.member_share(Portable.f(wanted)).array()[0];
                let want = beyond_meetings::member_share(&p, f64::from(wanted));
                assert!((f64::from(got) - want).abs() <= 4e-7, "{wanted}");
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_gives_the_portable_update() {
        let Some(avx2) = crate::kernel::lanes::Avx2::detect() else {
            return;
        };
        let (b, p) = (Bonding::default(), BeyondMeetings::default());
        // Tie and close levels low enough that the capacity holds bite.
        let rule = PairRule::new(&b, &p, true, 2.0, 0.7, (3.0, 6.0));
        let mut next = draws(0.411, 8.0, 3.0, 0.3);
        for _ in 0..20_000 {
            let eight: [(Pair, Side, f32); 8] = std::array::from_fn(|_| next());
            let (pairs, sides) = (eight.map(|e| e.0), eight.map(|e| e.1));
            let contacts = eight.map(|e| e.2);
            let (pl, sl) = lanes(Portable, &pairs, &sides);
            let (xl, xs) = lanes(avx2, &pairs, &sides);
            let (rp, rx) = (rule.in_lanes(Portable), rule.in_lanes(avx2));
            let want = rp.update(&pl, &sl, &rp.decay(&pl, &sl), Portable.floats(contacts));
            let got = rx.update(&xl, &xs, &rx.decay(&xl, &xs), avx2.floats(contacts));
            for l in 0..8 {
                let bits = |p: Pair| {
                    (
                        p.strength.to_bits(),
                        p.hours.to_bits(),
                        p.recent_contacts.to_bits(),
                        p.beyond,
                    )
                };
                assert_eq!(
                    bits(pair_at(&got, l)),
                    bits(pair_at(&want, l)),
                    "{:?} {:?}",
                    pairs[l],
                    sides[l]
                );
            }
        }
    }
}
