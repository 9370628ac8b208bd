//! Step 8's pair update in f32, one pair at a time and eight at a time
//! (one group's pair in each lane) with the same bits: decay over the
//! interval, contact beyond the meetings (its count drawn apart and given
//! here), growth in a session both attended within both members'
//! capacity, as `session::ties` updates a pair in f64. A test holds the
//! f32 update to an f64 transcription of the rules within f32's
//! precision, the same contacts given to both.

use crate::rules::beyond_meetings::BeyondMeetings;
use crate::rules::bonding::Bonding;

/// The session's constants of the update, in f32.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairRule {
    half_squared: f32,
    /// Contacts per week at full closeness, the format's factor in.
    most_contacts: f32,
    weeks: f32,
    contacts_kept: f32,
    repeated_contacts: f32,
    shortest_contact: f32,
    contact_span: f32,
    reciprocity: f32,
    homophily: f32,
    lonely_pair: f32,
    closure: f32,
    online_growth: f32,
    tie: f32,
    close: f32,
}

/// A pair's state, updated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub strength: f32,
    pub hours: f32,
    pub recent_contacts: f32,
    pub beyond: bool,
}

/// What the pair's two members and the session bring.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sides {
    /// Hours the two spent together this session (0 unless both came).
    pub together: f32,
    /// The group's meeting quality, as a factor on growth.
    pub session_gain: f32,
    /// Share of kept strength over the interval for this pair (its
    /// similarity's and, if either is lonely, the lonely rate's).
    pub kept: f32,
    pub similarity: f32,
    /// The smaller of the two members' outside shares.
    pub outside_share: f32,
    pub depth_sum: f32,
    pub both_lonely: bool,
    pub share_a_friend: bool,
    pub ties_full: bool,
    pub close_full: bool,
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
        }
    }

    /// The mean count of contacts outside the sessions over the interval
    /// for a pair of strength `s` (after decay), and the pair's closeness.
    pub fn contact_mean(&self, s: f32, outside_share: f32) -> (f32, f32) {
        let squared = s * s;
        let closeness = squared / (squared + self.half_squared);
        (
            self.most_contacts * closeness * outside_share * self.weeks,
            closeness,
        )
    }

    /// The strength after decay, for the contact draw: the pair's own if
    /// untouched this interval.
    pub fn decayed(&self, pair: &Pair, sides: &Sides) -> f32 {
        if pair.strength > 0.0 {
            pair.strength * sides.kept
        } else {
            pair.strength
        }
    }

    /// The pair after the interval and session, with `contacts` drawn from
    /// the mean of [`PairRule::contact_mean`] at the decayed strength.
    pub fn update(&self, pair: &Pair, sides: &Sides, contacts: f32) -> Pair {
        let both_here = sides.together > 0.0;
        if pair.strength <= 0.0 && !both_here {
            return *pair;
        }
        let mut next = *pair;
        let mut s = self.decayed(pair, sides);
        if s > 0.0 {
            let (_, closeness) = self.contact_mean(s, sides.outside_share);
            next.recent_contacts = pair.recent_contacts * self.contacts_kept + contacts;
            next.beyond = next.recent_contacts >= self.repeated_contacts;
            let hours = contacts * (self.shortest_contact + self.contact_span * closeness);
            next.hours += hours;
            s += hours;
        }
        if both_here {
            let disclosure = 1.0 + self.reciprocity * sides.depth_sum;
            let homophily = 1.0 - self.homophily * (1.0 - sides.similarity);
            let lonely = if sides.both_lonely {
                self.lonely_pair
            } else {
                1.0
            };
            let closure = if sides.share_a_friend {
                self.closure
            } else {
                1.0
            };
            let multiplier = disclosure * homophily * lonely * closure * self.online_growth;
            let grown = s + sides.together * multiplier * sides.session_gain;
            s = self.within_capacity(s, grown, sides);
            next.hours += sides.together;
        }
        next.strength = s;
        next
    }

    /// `rules::bonding::within_capacity` in f32.
    fn within_capacity(&self, old: f32, new: f32, sides: &Sides) -> f32 {
        if old < self.tie && new >= self.tie && sides.ties_full {
            return old.max(new.min(self.tie * 0.999));
        }
        if old < self.close && new >= self.close && sides.close_full {
            return old.max(new.min(self.close * 0.999));
        }
        new
    }
}

#[cfg(target_arch = "x86_64")]
pub mod lanes {
    //! [`super::PairRule::update`] for eight pairs at once.

    use std::arch::x86_64::*;

    use super::PairRule;

    /// Eight pairs' state ([`super::Pair`]); `beyond` a mask.
    #[derive(Debug, Clone, Copy)]
    pub struct Pairs {
        pub strength: __m256,
        pub hours: __m256,
        pub recent_contacts: __m256,
        pub beyond: __m256,
    }

    /// Eight pairs' sides ([`super::Sides`]); the flags masks.
    #[derive(Debug, Clone, Copy)]
    pub struct Sides {
        pub together: __m256,
        pub session_gain: __m256,
        pub kept: __m256,
        pub similarity: __m256,
        pub outside_share: __m256,
        pub depth_sum: __m256,
        pub both_lonely: __m256,
        pub share_a_friend: __m256,
        pub ties_full: __m256,
        pub close_full: __m256,
    }

    /// Lane by lane, [`PairRule::update`]: both sides of each of its
    /// branches computed, each lane keeping the side its pair takes.
    ///
    /// # Safety
    /// Only on a processor with AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub fn update(r: &PairRule, pair: &Pairs, sides: &Sides, contacts: __m256) -> Pairs {
        let c = _mm256_set1_ps;
        let (zero, one) = (_mm256_setzero_ps(), c(1.0));
        let gt = |a, b| _mm256_cmp_ps::<_CMP_GT_OQ>(a, b);
        let here = gt(sides.together, zero);
        let with_strength = gt(pair.strength, zero);
        let touched = _mm256_or_ps(with_strength, here);

        let s1 = _mm256_blendv_ps(
            pair.strength,
            _mm256_mul_ps(pair.strength, sides.kept),
            with_strength,
        );
        let contact = gt(s1, zero);
        let squared = _mm256_mul_ps(s1, s1);
        let closeness = _mm256_div_ps(squared, _mm256_add_ps(squared, c(r.half_squared)));
        let recent = _mm256_add_ps(
            _mm256_mul_ps(pair.recent_contacts, c(r.contacts_kept)),
            contacts,
        );
        let recent = _mm256_blendv_ps(pair.recent_contacts, recent, contact);
        let repeated = _mm256_cmp_ps::<_CMP_GE_OQ>(recent, c(r.repeated_contacts));
        let beyond = _mm256_blendv_ps(pair.beyond, repeated, contact);
        let per_contact = _mm256_add_ps(
            c(r.shortest_contact),
            _mm256_mul_ps(c(r.contact_span), closeness),
        );
        let contact_hours = _mm256_mul_ps(contacts, per_contact);
        let h1 = _mm256_blendv_ps(
            pair.hours,
            _mm256_add_ps(pair.hours, contact_hours),
            contact,
        );
        let s2 = _mm256_blendv_ps(s1, _mm256_add_ps(s1, contact_hours), contact);

        let disclosure = _mm256_add_ps(one, _mm256_mul_ps(c(r.reciprocity), sides.depth_sum));
        let homophily = _mm256_sub_ps(
            one,
            _mm256_mul_ps(c(r.homophily), _mm256_sub_ps(one, sides.similarity)),
        );
        let lonely = _mm256_blendv_ps(one, c(r.lonely_pair), sides.both_lonely);
        let closure = _mm256_blendv_ps(one, c(r.closure), sides.share_a_friend);
        let multiplier = [homophily, lonely, closure, c(r.online_growth)]
            .into_iter()
            .fold(disclosure, |product, f| _mm256_mul_ps(product, f));
        let growth = _mm256_mul_ps(
            _mm256_mul_ps(sides.together, multiplier),
            sides.session_gain,
        );
        let grown = _mm256_add_ps(s2, growth);
        let s3 = within_capacity(r, s2, grown, sides);
        let s_here = _mm256_blendv_ps(s2, s3, here);
        let h2 = _mm256_blendv_ps(h1, _mm256_add_ps(h1, sides.together), here);
        Pairs {
            strength: _mm256_blendv_ps(pair.strength, s_here, touched),
            hours: _mm256_blendv_ps(pair.hours, h2, touched),
            recent_contacts: _mm256_blendv_ps(pair.recent_contacts, recent, touched),
            beyond: _mm256_blendv_ps(pair.beyond, beyond, touched),
        }
    }

    /// Lane by lane, the scalar `within_capacity`: the tie level's hold
    /// first, else the close level's, else the new strength.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn within_capacity(r: &PairRule, old: __m256, new: __m256, sides: &Sides) -> __m256 {
        let c = _mm256_set1_ps;
        let crosses = |level: f32, full: __m256| {
            let below = _mm256_cmp_ps::<_CMP_LT_OQ>(old, c(level));
            let reaches = _mm256_cmp_ps::<_CMP_GE_OQ>(new, c(level));
            _mm256_and_ps(_mm256_and_ps(below, reaches), full)
        };
        let held = |level: f32| {
            let cap = _mm256_mul_ps(c(level), c(0.999));
            _mm256_max_ps(old, _mm256_min_ps(new, cap))
        };
        let at_close = _mm256_blendv_ps(new, held(r.close), crosses(r.close, sides.close_full));
        _mm256_blendv_ps(at_close, held(r.tie), crosses(r.tie, sides.ties_full))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{beyond_meetings, bonding};

    /// The f64 update of `session::ties`, from the rules' functions, the
    /// same contacts given.
    fn reference(
        b: &Bonding,
        p: &BeyondMeetings,
        (weeks, kept_contacts, levels): (f64, f64, (f64, f64)),
        pair: &Pair,
        sides: &Sides,
        contacts: u32,
    ) -> (f64, f64, f64, f64) {
        let together = f64::from(sides.together);
        let mut strength = f64::from(pair.strength);
        let (mut hours, mut recent) = (f64::from(pair.hours), f64::from(pair.recent_contacts));
        if strength <= 0.0 && together <= 0.0 {
            return (strength, hours, recent, 0.0);
        }
        if strength > 0.0 {
            strength *= f64::from(sides.kept);
        }
        let share = beyond_meetings::pair_share(f64::from(sides.outside_share), 1.0);
        let mean = beyond_meetings::contacts_per_week(p, strength, false) * share * weeks;
        if strength > 0.0 {
            recent = beyond_meetings::recent_contacts(recent, kept_contacts, contacts);
            let h = f64::from(contacts) * beyond_meetings::contact_hours(p, strength);
            hours += h;
            strength += h;
        }
        if together > 0.0 {
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

    #[test]
    fn the_update_is_the_f64_rules_within_f32s_precision() {
        let (b, p) = (Bonding::default(), BeyondMeetings::default());
        let (weeks, kept, levels) = (1.0, 0.7, (8.0, 40.0));
        let rule = PairRule::new(&b, &p, false, weeks, kept, levels);
        let mut x = 0.5f64;
        let mut next = move || {
            x = (x * 3.987 + 0.217).fract();
            x as f32
        };
        let mut grown = 0;
        for _ in 0..200_000 {
            let pair = Pair {
                strength: if next() < 0.3 { 0.0 } else { 60.0 * next() },
                hours: 100.0 * next(),
                recent_contacts: 6.0 * next(),
                beyond: false,
            };
            let sides = Sides {
                together: if next() < 0.4 { 0.0 } else { 0.5 + next() },
                session_gain: 0.8 + 0.4 * next(),
                kept: 0.9 + 0.1 * next(),
                similarity: next(),
                outside_share: next(),
                depth_sum: 2.0 * next(),
                both_lonely: next() < 0.2,
                share_a_friend: next() < 0.3,
                ties_full: next() < 0.2,
                close_full: next() < 0.2,
            };
            let contacts = (4.0 * next()).floor();
            let got = rule.update(&pair, &sides, contacts);
            let want = reference(
                &b,
                &p,
                (weeks, kept, levels),
                &pair,
                &sides,
                contacts as u32,
            );
            let decayed = rule.decayed(&pair, &sides);
            if decayed > 0.0 {
                let (mean, _) = rule.contact_mean(decayed, sides.outside_share);
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
                    "{pair:?} {sides:?} {contacts}: {g} against {w}"
                );
            }
        }
        assert!(grown > 50_000, "the growth path was taken {grown} times");
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn eight_lanes_give_the_scalar_update_bit_for_bit() {
        use std::arch::x86_64::*;
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let (b, p) = (Bonding::default(), BeyondMeetings::default());
        // Tie and close levels low enough that the capacity holds bite.
        let rule = PairRule::new(&b, &p, true, 2.0, 0.7, (3.0, 6.0));
        let mut x = 0.5f64;
        let mut next = move || {
            x = (x * 3.987 + 0.411).fract();
            x as f32
        };
        let flag = |set: bool| f32::from_bits(if set { u32::MAX } else { 0 });
        for _ in 0..20_000 {
            let pairs: [Pair; 8] = std::array::from_fn(|_| Pair {
                strength: if next() < 0.3 { 0.0 } else { 8.0 * next() },
                hours: 50.0 * next(),
                recent_contacts: 6.0 * next(),
                beyond: next() < 0.5,
            });
            let sides: [Sides; 8] = std::array::from_fn(|_| Sides {
                together: if next() < 0.4 {
                    0.0
                } else {
                    0.5 + 3.0 * next()
                },
                session_gain: 0.8 + 0.4 * next(),
                kept: 0.9 + 0.1 * next(),
                similarity: next(),
                outside_share: next(),
                depth_sum: 2.0 * next(),
                both_lonely: next() < 0.2,
                share_a_friend: next() < 0.3,
                ties_full: next() < 0.3,
                close_full: next() < 0.3,
            });
            let contacts: [f32; 8] = std::array::from_fn(|_| (4.0 * next()).floor());
            let v = |f: &dyn Fn(usize) -> f32| {
                let values: [f32; 8] = std::array::from_fn(f);
                // SAFETY: `values` is eight readable f32.
                unsafe { _mm256_loadu_ps(values.as_ptr()) }
            };
            let in_lanes = lanes::Pairs {
                strength: v(&|l| pairs[l].strength),
                hours: v(&|l| pairs[l].hours),
                recent_contacts: v(&|l| pairs[l].recent_contacts),
                beyond: v(&|l| flag(pairs[l].beyond)),
            };
            let side_lanes = lanes::Sides {
                together: v(&|l| sides[l].together),
                session_gain: v(&|l| sides[l].session_gain),
                kept: v(&|l| sides[l].kept),
                similarity: v(&|l| sides[l].similarity),
                outside_share: v(&|l| sides[l].outside_share),
                depth_sum: v(&|l| sides[l].depth_sum),
                both_lonely: v(&|l| flag(sides[l].both_lonely)),
                share_a_friend: v(&|l| flag(sides[l].share_a_friend)),
                ties_full: v(&|l| flag(sides[l].ties_full)),
                close_full: v(&|l| flag(sides[l].close_full)),
            };
            // SAFETY: the processor has AVX2 (checked above).
            let out = unsafe { lanes::update(&rule, &in_lanes, &side_lanes, v(&|l| contacts[l])) };
            let lanes_of = |m: __m256| unsafe { std::mem::transmute::<__m256, [f32; 8]>(m) };
            let (s, h, r, beyond) = (
                lanes_of(out.strength),
                lanes_of(out.hours),
                lanes_of(out.recent_contacts),
                lanes_of(out.beyond),
            );
            for l in 0..8 {
                let want = rule.update(&pairs[l], &sides[l], contacts[l]);
                let got = (
                    s[l].to_bits(),
                    h[l].to_bits(),
                    r[l].to_bits(),
                    beyond[l].to_bits() != 0,
                );
                let want = (
                    want.strength.to_bits(),
                    want.hours.to_bits(),
                    want.recent_contacts.to_bits(),
                    want.beyond,
                );
                assert_eq!(got, want, "{:?} {:?} {}", pairs[l], sides[l], contacts[l]);
            }
        }
    }
}
