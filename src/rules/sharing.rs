//! Mechanism 3, floor time and sharing.
//!
//! Session minutes split by a geometric rank law, flattened by facilitation
//! (EVIDENCE.md E10, "Group size and floor time"; Bales 1953; Stephan &
//! Mishler 1952); disclosure gated by self-stigma (E5) and psychological
//! safety (cohesion, E1). Exact check 6 (EVIDENCE.md E21): equal shares are
//! T(1−f)/N; under a geometric law with ratio r the top speaker's share is
//! (1−r)/(1−r^N).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use super::cohesion::COHESION_MAX;

/// Mechanism 3, floor time and disclosure (`[mechanisms.sharing]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Sharing {
    /// Switch the mechanism on or off.
    #[default(true)]
    pub enabled: bool,
    /// Share of the session taken by opening, closing and logistics.
    #[default(0.15)]
    #[schemars(range(min = 0.0, max = 0.9), extend("x-unit" = "share of the session"))]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online"))]
    pub overhead: f64,
    /// Ratio of the geometric rank law of speaking shares (1 = equal).
    #[default(0.8)]
    #[schemars(range(min = 0.05, max = 1.0), extend("x-unit" = "ratio (1 = equal)"))]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online"))]
    pub rank_ratio: f64,
    /// How far facilitation moves the ratio towards equal shares (0–1).
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "share of the way to equal"))]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online; format.leadership = facilitated"))]
    pub facilitation_flattening: f64,
    /// Disclosure probability of an open, unstigmatised member in a safe group.
    #[default(0.8)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "probability"))]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online"))]
    pub disclosure_base: f64,
    /// Weight of psychological safety (cohesion / 10) in disclosure.
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "weight"))]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online"))]
    pub safety_weight: f64,
    /// Psychological safety a facilitator adds, in disclosure and in the
    /// acceptance a disclosure meets (stigma).
    #[default(0.15)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "safety added by a facilitator"))]
    #[schemars(extend("x-applies-when" = "format.leadership = facilitated"))]
    pub facilitated_safety: f64,
    /// Floor minutes at which a disclosure is fully heard.
    #[default(5.0)]
    #[schemars(range(min = 0.1, max = 480.0), extend("x-unit" = "minutes"))]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online"))]
    pub full_disclosure_minutes: f64,
}

/// The rank ratio after facilitation moves it toward equal shares.
pub fn effective_ratio(rank_ratio: f64, facilitated: bool, flattening: f64) -> f64 {
    if facilitated {
        rank_ratio + (1.0 - rank_ratio) * flattening
    } else {
        rank_ratio
    }
}

/// Share of the floor of the speaker at `rank` (0 = most talkative) among
/// `speakers`, under a geometric rank law with ratio `ratio`.
pub fn floor_share(rank: usize, speakers: usize, ratio: f64) -> f64 {
    if speakers == 0 {
        return 0.0;
    }
    if ratio >= 1.0 {
        return 1.0 / speakers as f64;
    }
    let top = (1.0 - ratio) / (1.0 - libm::pow(ratio, speakers as f64));
    top * libm::pow(ratio, rank as f64)
}

/// `speakers` shares, the first `top`, each next one `ratio` times the last
/// (all equal from a ratio of 1).
fn shares_from_the_top(top: f64, speakers: usize, ratio: f64) -> impl Iterator<Item = f64> {
    let step = if ratio >= 1.0 { 1.0 } else { ratio };
    (0..speakers).scan(top, move |share, _| {
        let this = *share;
        *share *= step;
        Some(this)
    })
}

/// Speaker counts whose top share [`FloorLaw`] tables.
const TABLED_SPEAKERS: usize = 64;

/// The geometric rank law of one run (its ratio after facilitation), with
/// the top speaker's share ([`floor_share`] at rank 0, two powers) tabled
/// by the number of speakers.
#[derive(Debug, Clone)]
pub struct FloorLaw {
    ratio: f64,
    tops: Vec<f64>,
}

impl FloorLaw {
    pub fn new(ratio: f64) -> FloorLaw {
        FloorLaw {
            ratio,
            tops: (0..=TABLED_SPEAKERS)
                .map(|speakers| floor_share(0, speakers, ratio))
                .collect(),
        }
    }

    /// The ratio of each speaker's share to the one before.
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    /// Every one of `speakers` speakers' share, most talkative first: the
    /// same numbers as [`floor_share`] for ranks 0, 1, ... without a power
    /// per rank.
    #[inline]
    pub fn shares(&self, speakers: usize) -> impl Iterator<Item = f64> + use<> {
        let top = match self.tops.get(speakers) {
            Some(&top) => top,
            None => floor_share(0, speakers, self.ratio),
        };
        shares_from_the_top(top, speakers, self.ratio)
    }
}

/// A speaker's place in the floor's rank order as one sortable integer:
/// the most open first and the equally open in place order, which is the
/// order a stable sort of the attendees (in place order) by openness,
/// falling under `f32::total_cmp`, gives; sorting the keys compares
/// integers instead of looking up two members' openness at every step.
/// Places fit the key's low 32 bits ([`place_in_talk_order`]).
#[inline]
pub fn talk_order_key(openness: f32, place: usize) -> u64 {
    let bits = openness.to_bits();
    // `total_cmp`'s order as unsigned integers: the sign bit set, all bits
    // turned over (more negative, lower); clear, the sign bit set.
    let rising = if bits >> 31 == 1 {
        !bits
    } else {
        bits | 1 << 31
    };
    (u64::from(!rising) << 32) | place as u64
}

/// The place a [`talk_order_key`] was made for.
#[inline]
pub fn place_in_talk_order(key: u64) -> usize {
    (key & u64::from(u32::MAX)) as usize
}

/// Minutes left for members once overhead is taken out.
pub fn member_minutes(session_minutes: f64, overhead: f64) -> f64 {
    session_minutes * (1.0 - overhead)
}

/// The openness factor of the least open member. It fixes openness's scale:
/// a member of middling openness (½) discloses with `disclosure_base`; how
/// much members differ is set by the
/// spread of openness (`population.openness_mean`, `trait_concentration`).
pub const LEAST_OPEN_FACTOR: f64 = 0.5;

/// How a member's openness (0–1) scales their chance to disclose:
/// [`LEAST_OPEN_FACTOR`] at openness 0, 1 at openness ½, 1.5 at 1.
#[inline]
pub fn openness_factor(openness: f64) -> f64 {
    LEAST_OPEN_FACTOR + openness
}

/// A member's psychological safety, 0–1: their cohesion as a share of the
/// scale plus `bonus`: what a facilitator adds (0 when members lead) and the
/// group's safety shift (`group_differences.rs`, either sign). It gates
/// disclosure and is the acceptance a disclosure meets.
#[inline]
pub fn psychological_safety(cohesion: f64, bonus: f64) -> f64 {
    (cohesion / COHESION_MAX + bonus).clamp(0.0, 1.0)
}

/// Probability that a member discloses: open, unstigmatised members in a
/// safe group disclose most. `safety` is 0–1 ([`psychological_safety`]).
pub fn disclosure_probability(
    base: f64,
    openness: f64,
    stigma: f64,
    safety: f64,
    safety_weight: f64,
) -> f64 {
    (base
        * openness_factor(openness)
        * (1.0 - stigma)
        * (1.0 - safety_weight + safety_weight * safety))
        .clamp(0.0, 1.0)
}

/// How fully a disclosure is heard, 0–1, from the speaker's floor minutes.
pub fn disclosure_depth(minutes: f64, full_minutes: f64) -> f64 {
    (minutes / full_minutes).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_sum_to_one_and_match_the_closed_forms() {
        for (n, r) in [(6, 0.8), (12, 0.7), (20, 0.9), (9, 1.0)] {
            let total: f64 = (0..n).map(|k| floor_share(k, n, r)).sum();
            assert!((total - 1.0).abs() < 1e-12);
            let top = if r < 1.0 {
                (1.0 - r) / (1.0 - f64::powi(r, n as i32))
            } else {
                1.0 / n as f64
            };
            assert!((floor_share(0, n, r) - top).abs() < 1e-12);
        }
    }

    /// The shares with the top one computed, not tabled.
    fn floor_shares(speakers: usize, ratio: f64) -> impl Iterator<Item = f64> {
        shares_from_the_top(floor_share(0, speakers, ratio), speakers, ratio)
    }

    #[test]
    fn the_iterative_shares_match_the_closed_form() {
        for (n, r) in [(1, 0.8), (9, 0.8), (20, 0.95), (7, 1.0)] {
            for (k, share) in FloorLaw::new(r).shares(n).enumerate() {
                assert!((share - floor_share(k, n, r)).abs() < 1e-12);
            }
            assert_eq!(FloorLaw::new(r).shares(n).count(), n);
        }
    }

    #[test]
    fn sorted_talk_order_keys_give_the_stable_sort_by_falling_openness() {
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
        ];
        let mut state = 0x9E37_79B9u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        for round in 0..2000 {
            let n = 1 + round % 40;
            // Few distinct values, so that many members are equally open;
            // special values and arbitrary bit patterns now and then.
            let openness: Vec<f32> = (0..n)
                .map(|_| match next() % 10 {
                    0 => specials[(next() % 9) as usize],
                    1 => f32::from_bits(next()),
                    _ => (next() % 5) as f32 / 4.0,
                })
                .collect();
            let mut stable: Vec<usize> = (0..n).collect();
            stable.sort_by(|&a, &b| openness[b].total_cmp(&openness[a]));
            let mut keys: Vec<u64> = (0..n).map(|i| talk_order_key(openness[i], i)).collect();
            keys.sort_unstable();
            let by_keys: Vec<usize> = keys.into_iter().map(place_in_talk_order).collect();
            assert_eq!(by_keys, stable, "{openness:?}");
        }
    }

    #[test]
    fn the_law_gives_the_shares_of_its_ratio() {
        for ratio in [0.8, 0.95, 1.0, 0.3] {
            let law = FloorLaw::new(ratio);
            for speakers in 0..100 {
                let tabled: Vec<u64> = law.shares(speakers).map(f64::to_bits).collect();
                let computed: Vec<u64> = floor_shares(speakers, ratio).map(f64::to_bits).collect();
                assert_eq!(tabled, computed, "{ratio}, {speakers}");
            }
        }
    }

    #[test]
    fn equal_floor_time_matches_the_published_minutes() {
        // 90 minutes, 15% overhead: 12.8 / 6.4 / 3.8 minutes at 6 / 12 / 20.
        let t = member_minutes(90.0, 0.15);
        for (n, expected) in [(6, 12.75), (12, 6.375), (20, 3.825)] {
            assert!((t * floor_share(0, n, 1.0) - expected).abs() < 1e-9);
        }
    }

    #[test]
    fn facilitation_flattens_the_floor() {
        let r = effective_ratio(0.8, true, 0.5);
        assert!((r - 0.9).abs() < 1e-12);
        assert!(floor_share(0, 9, r) < floor_share(0, 9, 0.8));
        assert_eq!(effective_ratio(0.8, false, 0.5), 0.8);
    }

    #[test]
    fn safety_is_cohesion_on_its_scale_plus_the_facilitator() {
        assert_eq!(psychological_safety(5.0, 0.0), 0.5);
        assert!((psychological_safety(5.0, 0.15) - 0.65).abs() < 1e-15);
        assert_eq!(psychological_safety(9.5, 0.15), 1.0);
    }

    #[test]
    fn stigma_and_unsafety_gate_disclosure() {
        let open = disclosure_probability(0.8, 0.5, 0.1, 0.9, 0.5);
        assert!(disclosure_probability(0.8, 0.5, 0.8, 0.9, 0.5) < open);
        assert!(disclosure_probability(0.8, 0.5, 0.1, 0.1, 0.5) < open);
        assert_eq!(disclosure_probability(0.8, 0.5, 1.0, 0.9, 0.5), 0.0);
    }
}
