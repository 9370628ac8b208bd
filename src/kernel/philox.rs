//! Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random
//! numbers: as easy as 1, 2, 3"), the counter-based generator of the f32
//! kernel: four 32-bit words from a 128-bit counter and a 64-bit key, in
//! ten rounds of two 32 × 32 → 64-bit products, the key bumped by Weyl
//! constants between rounds. Any counter's words are computed on their
//! own, so a draw is addressed by what it is for, not by the draws
//! before it. Held to Random123's published known answers
//! (`kat_vectors`, the three `philox4x32 10` lines).
//!
//! [`philox_under`] computes eight counters at once, each lane with its
//! own counter, under one key in every lane (the run's seed and
//! replicate), its rounds' keys made once ([`round_keys`]); the words are
//! the same on every processor ([`super::lanes`]). The tests hold it to
//! the generator as the paper writes it, a key of its own in each lane
//! and the key bumped round by round.

use super::lanes::{F32s, Isa, U32s};

/// The multipliers and the key's Weyl increments.
const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// The rounds.
pub const ROUNDS: usize = 10;

/// The key of each round, `key + round · (W0, W1)`: one key's schedule,
/// made once for all the calls under it.
pub fn round_keys(key: [u32; 2]) -> [[u32; 2]; ROUNDS] {
    let mut keys = [key; ROUNDS];
    for round in 1..ROUNDS {
        keys[round] = [
            keys[round - 1][0].wrapping_add(W0),
            keys[round - 1][1].wrapping_add(W1),
        ];
    }
    keys
}

/// Lane by lane, the four words of each lane's counter (`counter[w]`
/// holds word `w` of the eight counters) under one key, its rounds' keys
/// made before ([`round_keys`]): the ten rounds written out, each key
/// word one broadcast from memory (as a loop bumping its key, the rounds
/// stayed a loop that reloaded its constants every round).
#[inline(always)]
pub fn philox_under<I: Isa>(counter: [U32s<I>; 4], keys: &[[u32; 2]; ROUNDS]) -> [U32s<I>; 4] {
    let isa = counter[0].isa();
    let key = |r: usize| [isa.u(keys[r][0]), isa.u(keys[r][1])];
    let mut c = counter;
    c = round(c, key(0));
    c = round(c, key(1));
    c = round(c, key(2));
    c = round(c, key(3));
    c = round(c, key(4));
    c = round(c, key(5));
    c = round(c, key(6));
    c = round(c, key(7));
    c = round(c, key(8));
    round(c, key(9))
}

/// One round: the two products, their halves crossed and the key mixed in.
#[inline(always)]
fn round<I: Isa>(c: [U32s<I>; 4], k: [U32s<I>; 2]) -> [U32s<I>; 4] {
    let (low0, high0) = c[0].mul_wide(M0);
    let (low1, high1) = c[2].mul_wide(M1);
    [high1 ^ c[1] ^ k[0], low1, high0 ^ c[3] ^ k[1], low0]
}

/// Uniform numbers in [0, 1) from words: their upper 24 bits as a
/// fraction, exact in f32.
#[inline(always)]
pub fn unit_f32<I: Isa>(words: U32s<I>) -> F32s<I> {
    words.shr::<8>().i32_to_f32() * (1.0 / (1u32 << 24) as f32)
}

/// [`unit_f32`] of one word.
#[inline(always)]
pub fn unit(word: u32) -> f32 {
    (word >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::lanes::Portable;

    /// The generator as the paper writes it, the reference
    /// [`philox_under`] is held to: lane by lane, each lane's counter under
    /// its own key, the key bumped by the Weyl constants between rounds.
    fn philox<I: Isa>(counter: [U32s<I>; 4], key: [U32s<I>; 2]) -> [U32s<I>; 4] {
        let (mut c, mut k) = (counter, key);
        for r in 0..ROUNDS {
            if r > 0 {
                k = [k[0] + W0, k[1] + W1];
            }
            c = round(c, k);
        }
        c
    }

    /// Random123's `kat_vectors`, the `philox4x32 10` lines: counter, key,
    /// the words expected.
    const KNOWN: [([u32; 4], [u32; 2], [u32; 4]); 3] = [
        (
            [0; 4],
            [0; 2],
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8],
        ),
        (
            [u32::MAX; 4],
            [u32::MAX; 2],
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd],
        ),
        (
            [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
            [0xa409_3822, 0x299f_31d0],
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1],
        ),
    ];

    /// Lane `l`'s words of `philox` over each lane's counter and key.
    fn words<I: Isa>(isa: I, counters: [[u32; 4]; 8], keys: [[u32; 2]; 8]) -> [[u32; 4]; 8] {
        let c = std::array::from_fn(|w| isa.words(std::array::from_fn(|l| counters[l][w])));
        let k = std::array::from_fn(|w| isa.words(std::array::from_fn(|l| keys[l][w])));
        let out = philox(c, k).map(U32s::array);
        std::array::from_fn(|l| std::array::from_fn(|w| out[w][l]))
    }

    #[test]
    fn the_published_known_answers_in_every_lane() {
        let counters = std::array::from_fn(|l| KNOWN[l % 3].0);
        let keys = std::array::from_fn(|l| KNOWN[l % 3].1);
        let want: [[u32; 4]; 8] = std::array::from_fn(|l| KNOWN[l % 3].2);
        assert_eq!(words(Portable, counters, keys), want);
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = crate::kernel::lanes::Avx2::detect() {
            assert_eq!(words(avx2, counters, keys), want);
        }
    }

    #[test]
    fn the_published_known_answers_under_a_keys_schedule() {
        fn under<I: Isa>(isa: I, known: &([u32; 4], [u32; 2], [u32; 4])) -> [[u32; 8]; 4] {
            let counter = known.0.map(|w| isa.u(w));
            philox_under(counter, &round_keys(known.1)).map(U32s::array)
        }
        for known in &KNOWN {
            let want = known.2.map(|w| [w; 8]);
            assert_eq!(under(Portable, known), want);
            #[cfg(target_arch = "x86_64")]
            if let Some(avx2) = crate::kernel::lanes::Avx2::detect() {
                assert_eq!(under(avx2, known), want);
            }
        }
    }

    #[test]
    fn under_a_keys_schedule_each_lane_has_its_own_counters_words() {
        // Counters that differ from lane to lane in every word (an
        // xorshift walk), under keys with and without carries in the
        // schedule: the words `philox` gives with the key in every lane.
        fn both<I: Isa>(isa: I, counters: [[u32; 8]; 4], key: [u32; 2]) {
            let c = counters.map(|w| isa.words(w));
            let lanes_key = key.map(|k| isa.u(k));
            let want = philox(c, lanes_key).map(U32s::array);
            let got = philox_under(c, &round_keys(key)).map(U32s::array);
            assert_eq!(got, want, "key {key:x?}");
        }
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u32
        };
        for _ in 0..200 {
            let counters = std::array::from_fn(|_| std::array::from_fn(|_| next()));
            let key = [next(), next()];
            for key in [key, [u32::MAX; 2], [0; 2]] {
                both(Portable, counters, key);
                #[cfg(target_arch = "x86_64")]
                if let Some(avx2) = crate::kernel::lanes::Avx2::detect() {
                    both(avx2, counters, key);
                }
            }
        }
    }

    #[test]
    fn units_lie_in_zero_to_one_with_24_bits() {
        let words = [
            0,
            0xFF,
            0x100,
            u32::MAX,
            0x8000_0000,
            0x1234_5678,
            7,
            0xFFFF_FF00,
        ];
        let units = unit_f32(Portable.words(words)).array();
        assert_eq!(
            units[..4],
            [0.0, 0.0, 1.0 / 16_777_216.0, 1.0 - 1.0 / 16_777_216.0]
        );
        assert_eq!(units, words.map(unit), "one word at a time");
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_gives_the_portable_words() {
        let Some(avx2) = crate::kernel::lanes::Avx2::detect() else {
            return;
        };
        let mut state = 0x0123_4567_89ab_cdefu64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 32) as u32
        };
        for _ in 0..20_000 {
            let counters = std::array::from_fn(|_| [next(), next(), next(), next()]);
            let keys = std::array::from_fn(|_| [next(), next()]);
            assert_eq!(words(avx2, counters, keys), words(Portable, counters, keys));
        }
    }
}
