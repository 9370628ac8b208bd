//! The f32 kernel's random numbers: Philox4x32-10 words addressed by what
//! they are for. The key (two words) is the run's seed and replicate,
//! mixed once; the counter (four words) is the step, the group, the
//! purpose with the round block below it, and the position. One call gives
//! four words: four places' numbers (place i: word i mod 4 at position
//! ⌊i / 4⌋), four pairs' replies (pair k's two, one a half, in word
//! k mod 4 at ⌊k / 4⌋), the numbers of four pairs' contact counts (pair
//! k's at ⌊k / 4⌋; a mean of 30 or more takes position k's block 1), or
//! four rounds of one item (`docs/MODEL.md` §4.7).
//!
//! A batch's eight groups differ only in the counter's group word, so
//! their eight counters are one vector of group ids and three broadcasts.

use super::lanes::{Isa, U32s};
use super::philox::{ROUNDS, philox_under, round_keys};
use crate::rng::{Purpose, splitmix64};

/// The key of a replicate's numbers, as its ten rounds' keys (made once:
/// every call of the replicate is under them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key([[u32; 2]; ROUNDS]);

/// Where a number is, but for the group: the session, what it is for, the
/// item and the block of four rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    pub step: u32,
    pub purpose: Purpose,
    /// Rounds 4·block to 4·block + 3 of the item.
    pub block: u32,
    pub position: u32,
}

impl Address {
    /// The purpose's byte over the round block's 24 bits.
    fn purpose_and_block(self) -> u32 {
        debug_assert!(self.block < 1 << 24, "round blocks fit 24 bits");
        (self.purpose as u32) << 24 | self.block
    }
}

impl Key {
    pub fn new(seed: u64, replicate: u32) -> Key {
        let mixed = splitmix64(splitmix64(seed) ^ u64::from(replicate));
        Key(round_keys([mixed as u32, (mixed >> 32) as u32]))
    }

    /// Lane by lane, the four words at `at` in lane `l`'s group
    /// `groups[l]`.
    #[inline(always)]
    pub fn words<I: Isa>(self, groups: U32s<I>, at: Address) -> [U32s<I>; 4] {
        let isa = groups.isa();
        let counter = [
            isa.u(at.step),
            groups,
            isa.u(at.purpose_and_block()),
            isa.u(at.position),
        ];
        philox_under(counter, &self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::lanes::Portable;
    use crate::kernel::philox::unit_f32;

    fn at(step: u32, purpose: Purpose, block: u32, position: u32) -> Address {
        Address {
            step,
            purpose,
            block,
            position,
        }
    }

    /// Group `group`'s words at `address` (in every lane, portably).
    fn words(key: Key, group: u32, address: Address) -> [u32; 4] {
        key.words(Portable.u(group), address).map(|w| w.array()[0])
    }

    #[test]
    fn every_part_of_the_address_and_key_moves_the_words() {
        let key = Key::new(42, 0);
        let base = at(3, Purpose::Dropout, 0, 5);
        let here = words(key, 7, base);
        let others = [
            words(Key::new(43, 0), 7, base),
            words(Key::new(42, 1), 7, base),
            words(key, 7, at(4, Purpose::Dropout, 0, 5)),
            words(key, 8, base),
            words(key, 7, at(3, Purpose::Attendance, 0, 5)),
            words(key, 7, at(3, Purpose::Dropout, 1, 5)),
            words(key, 7, at(3, Purpose::Dropout, 0, 6)),
        ];
        for other in others {
            assert!(other.iter().zip(here).all(|(a, b)| *a != b), "{other:x?}");
        }
    }

    #[test]
    fn the_words_are_uniform_and_uncorrelated_across_positions() {
        // A million numbers from word 0 of consecutive positions: mean ½,
        // variance 1/12, and neighbours uncorrelated (each within five
        // standard errors).
        let key = Key::new(2026, 3);
        let n = 1_000_000u32;
        let u: Vec<f64> = (0..n)
            .map(|p| {
                let word = key.words(Portable.u(9), at(1, Purpose::Replies, 0, p))[0];
                f64::from(unit_f32(word).array()[0])
            })
            .collect();
        let mean = u.iter().sum::<f64>() / f64::from(n);
        let variance = u.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f64::from(n);
        let lag: f64 = u
            .windows(2)
            .map(|w| (w[0] - mean) * (w[1] - mean))
            .sum::<f64>()
            / (f64::from(n - 1) * variance);
        let se = 1.0 / f64::from(n).sqrt();
        assert!(
            (mean - 0.5).abs() < 5.0 * se * (1.0f64 / 12.0).sqrt(),
            "{mean}"
        );
        assert!(
            (variance - 1.0 / 12.0).abs() < 5.0 * se * 0.0745,
            "{variance}"
        );
        assert!(lag.abs() < 5.0 * se, "{lag}");
    }

    #[test]
    fn each_lane_gets_its_own_groups_words() {
        let key = Key::new(7, 2);
        for position in 0..2_000u32 {
            let groups: [u32; 8] =
                std::array::from_fn(|l| position.wrapping_mul(31) + l as u32 * 977);
            let address = at(
                position % 53,
                Purpose::OutsideContact,
                position % 5,
                position,
            );
            let lanes = key
                .words(Portable.words(groups), address)
                .map(|w| w.array());
            for (l, &group) in groups.iter().enumerate() {
                let got: [u32; 4] = std::array::from_fn(|w| lanes[w][l]);
                assert_eq!(
                    got,
                    words(key, group, address),
                    "position {position} lane {l}"
                );
            }
            #[cfg(target_arch = "x86_64")]
            if let Some(avx2) = crate::kernel::lanes::Avx2::detect() {
                let got = key.words(avx2.words(groups), address).map(|w| w.array());
                assert_eq!(got, lanes, "position {position}");
            }
        }
    }
}
