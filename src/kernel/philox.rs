//! Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random
//! numbers: as easy as 1, 2, 3"), the counter-based generator of the f32
//! kernel: four 32-bit words from a 128-bit counter and a 64-bit key, in
//! ten rounds of two 32 × 32 → 64-bit products, the key bumped by Weyl
//! constants between rounds. Any counter's words are computed on their
//! own, so a draw is addressed by what it is for, not by the draws
//! before it. Held to Random123's published known answers
//! (`kat_vectors`, the three `philox4x32 10` lines).
//!
//! [`lanes::philox`] computes eight counters at once (x86-64 with AVX2),
//! each lane with its own counter and key, the same words as the scalar
//! function: AVX2 multiplies the even 32-bit lanes of two vectors into
//! 64-bit products, so each round takes the even lanes and the odd lanes
//! (shifted down) apart and puts the halves back in place.

/// The multipliers and the key's Weyl increments.
const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// The four words of `counter` under `key`.
pub fn philox4x32_10(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let (mut c, mut k) = (counter, key);
    for round in 0..10 {
        if round > 0 {
            k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
        }
        let p0 = u64::from(M0) * u64::from(c[0]);
        let p1 = u64::from(M1) * u64::from(c[2]);
        c = [
            (p1 >> 32) as u32 ^ c[1] ^ k[0],
            p1 as u32,
            (p0 >> 32) as u32 ^ c[3] ^ k[1],
            p0 as u32,
        ];
    }
    c
}

/// A uniform number in [0, 1) from a word: its upper 24 bits as a
/// fraction, exact in f32.
#[inline]
pub fn unit_f32(word: u32) -> f32 {
    (word >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
}

#[cfg(target_arch = "x86_64")]
pub mod lanes {
    //! Philox4x32-10 in eight lanes.

    use std::arch::x86_64::*;

    use super::{M0, M1, W0, W1};

    /// Lane by lane, the low and high 32 bits of `a · m`.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn product(a: __m256i, m: u32) -> (__m256i, __m256i) {
        let m = _mm256_set1_epi32(m as i32);
        let even = _mm256_mul_epu32(a, m);
        let odd = _mm256_mul_epu32(_mm256_srli_epi64::<32>(a), m);
        let low = _mm256_blend_epi32::<0b1010_1010>(even, _mm256_slli_epi64::<32>(odd));
        let high = _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(even), odd);
        (low, high)
    }

    /// Lane by lane, the four words of each lane's counter (`counter[w]`
    /// holds word `w` of the eight counters) under its key.
    ///
    /// # Safety
    /// Only on a processor with AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub fn philox(counter: [__m256i; 4], key: [__m256i; 2]) -> [__m256i; 4] {
        let (mut c, mut k) = (counter, key);
        for round in 0..10 {
            if round > 0 {
                k = [
                    _mm256_add_epi32(k[0], _mm256_set1_epi32(W0 as i32)),
                    _mm256_add_epi32(k[1], _mm256_set1_epi32(W1 as i32)),
                ];
            }
            let (low0, high0) = product(c[0], M0);
            let (low1, high1) = product(c[2], M1);
            c = [
                _mm256_xor_si256(_mm256_xor_si256(high1, c[1]), k[0]),
                low1,
                _mm256_xor_si256(_mm256_xor_si256(high0, c[3]), k[1]),
                low0,
            ];
        }
        c
    }

    /// Lane by lane, [`super::unit_f32`] of `words`.
    ///
    /// # Safety
    /// Only on a processor with AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub fn unit_f32(words: __m256i) -> __m256 {
        let upper = _mm256_cvtepi32_ps(_mm256_srli_epi32::<8>(words));
        _mm256_mul_ps(upper, _mm256_set1_ps(1.0 / (1u32 << 24) as f32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_published_known_answers() {
        for (counter, key, words) in KNOWN {
            assert_eq!(philox4x32_10(counter, key), words, "{counter:08x?}");
        }
    }

    #[test]
    fn units_lie_in_zero_to_one_with_24_bits() {
        assert_eq!(unit_f32(0), 0.0);
        assert_eq!(unit_f32(0xFF), 0.0);
        assert_eq!(unit_f32(0x100), 1.0 / 16_777_216.0);
        assert!(unit_f32(u32::MAX) < 1.0);
        assert_eq!(unit_f32(u32::MAX), 1.0 - 1.0 / 16_777_216.0);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn eight_lanes_give_each_lane_the_scalar_words() {
        use std::arch::x86_64::*;
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let vector = |words: [u32; 8]| {
            // SAFETY: `words` is eight readable u32.
            unsafe { _mm256_loadu_si256(words.as_ptr().cast()) }
        };
        let words_of = |v: __m256i| {
            let mut out = [0u32; 8];
            // SAFETY: `out` is eight writable u32.
            unsafe { _mm256_storeu_si256(out.as_mut_ptr().cast(), v) };
            out
        };
        let mut state = 0x0123_4567_89ab_cdefu64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 32) as u32
        };
        for round in 0..20_000 {
            // The known answers in the first lanes, then random counters
            // and keys (every lane its own).
            let mut counters = [[0u32; 4]; 8];
            let mut keys = [[0u32; 2]; 8];
            for lane in 0..8 {
                (counters[lane], keys[lane]) = match (round, KNOWN.get(lane)) {
                    (0, Some(&(c, k, _))) => (c, k),
                    _ => ([next(), next(), next(), next()], [next(), next()]),
                };
            }
            let c = std::array::from_fn(|w| vector(std::array::from_fn(|l| counters[l][w])));
            let k = std::array::from_fn(|w| vector(std::array::from_fn(|l| keys[l][w])));
            // SAFETY: the processor has AVX2 (checked above).
            let (out, units) = unsafe {
                let out = lanes::philox(c, k);
                (out, lanes::unit_f32(out[0]))
            };
            let units: [f32; 8] = unsafe { std::mem::transmute(units) };
            for lane in 0..8 {
                let want = philox4x32_10(counters[lane], keys[lane]);
                let got: [u32; 4] = std::array::from_fn(|w| words_of(out[w])[lane]);
                assert_eq!(got, want, "round {round} lane {lane}");
                assert_eq!(units[lane].to_bits(), unit_f32(want[0]).to_bits());
            }
        }
    }
}
