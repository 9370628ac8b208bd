//! The f32 kernel's random numbers: Philox4x32-10 words addressed by what
//! they are for. The key (two words) is the run's seed and replicate,
//! mixed once; the counter (four words) is the step, the group, the
//! purpose with the round block below it, and the position (a member's
//! place, a pair's index, a reply's discloser × places + listener). One
//! call gives four words: four rounds of one item, or the numbers of a
//! step that takes several at once.
//!
//! A batch's eight groups differ only in the counter's group word, so
//! their eight counters are one vector of group ids and three broadcasts
//! ([`lanes::words`]), with each lane the scalar [`Key::words`].

use super::philox::philox4x32_10;
use crate::rng::{Purpose, splitmix64};

/// The key of a replicate's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key([u32; 2]);

/// Where a number is: the session and group, what it is for, the item and
/// the block of four rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Address {
    pub step: u32,
    pub group: u32,
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
        Key([mixed as u32, (mixed >> 32) as u32])
    }

    /// The four words at `at`.
    pub fn words(self, at: Address) -> [u32; 4] {
        let counter = [at.step, at.group, at.purpose_and_block(), at.position];
        philox4x32_10(counter, self.0)
    }
}

#[cfg(target_arch = "x86_64")]
pub mod lanes {
    //! [`super::Key::words`] for eight groups at once.

    use std::arch::x86_64::*;

    use super::{Address, Key};
    use crate::kernel::philox::lanes::philox;

    /// Lane by lane, the words at `at` with lane `l`'s group `groups[l]`
    /// (`at.group` is not read).
    ///
    /// # Safety
    /// Only on a processor with AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub fn words(key: Key, groups: __m256i, at: Address) -> [__m256i; 4] {
        let one = |word: u32| _mm256_set1_epi32(word as i32);
        let counter = [
            one(at.step),
            groups,
            one(at.purpose_and_block()),
            one(at.position),
        ];
        philox(counter, [one(key.0[0]), one(key.0[1])])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::philox::unit_f32;

    fn at(step: u32, group: u32, purpose: Purpose, block: u32, position: u32) -> Address {
        Address {
            step,
            group,
            purpose,
            block,
            position,
        }
    }

    #[test]
    fn every_part_of_the_address_and_key_moves_the_words() {
        let key = Key::new(42, 0);
        let base = at(3, 7, Purpose::Dropout, 0, 5);
        let words = key.words(base);
        let others = [
            Key::new(43, 0).words(base),
            Key::new(42, 1).words(base),
            key.words(at(4, 7, Purpose::Dropout, 0, 5)),
            key.words(at(3, 8, Purpose::Dropout, 0, 5)),
            key.words(at(3, 7, Purpose::Attendance, 0, 5)),
            key.words(at(3, 7, Purpose::Dropout, 1, 5)),
            key.words(at(3, 7, Purpose::Dropout, 0, 6)),
        ];
        for other in others {
            assert!(other.iter().zip(words).all(|(a, b)| *a != b), "{other:x?}");
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
            .map(|p| f64::from(unit_f32(key.words(at(1, 9, Purpose::Replies, 0, p))[0])))
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

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn eight_groups_in_lanes_give_each_group_its_words() {
        use std::arch::x86_64::*;
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let key = Key::new(7, 2);
        for position in 0..2_000u32 {
            let groups: [u32; 8] =
                std::array::from_fn(|l| position.wrapping_mul(31) + l as u32 * 977);
            let address = at(
                position % 53,
                0,
                Purpose::OutsideContact,
                position % 5,
                position,
            );
            // SAFETY: the processor has AVX2 (checked above); `groups` is
            // eight readable u32 and each output eight writable ones.
            let words: [[u32; 8]; 4] = unsafe {
                let lanes = lanes::words(key, _mm256_loadu_si256(groups.as_ptr().cast()), address);
                lanes.map(|v| {
                    let mut out = [0u32; 8];
                    _mm256_storeu_si256(out.as_mut_ptr().cast(), v);
                    out
                })
            };
            for (l, &group) in groups.iter().enumerate() {
                let want = key.words(Address { group, ..address });
                let got: [u32; 4] = std::array::from_fn(|w| words[w][l]);
                assert_eq!(got, want, "position {position} lane {l}");
            }
        }
    }
}
