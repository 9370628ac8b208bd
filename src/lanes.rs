//! Four lanes of 64 bits at a time (x86-64 AVX2), for the session's passes
//! in vector lanes (over a group's pairs, `session/ties/lanes.rs`; over its
//! members, `session/loneliness_lanes.rs`): the few operations they need
//! that the instruction set lacks or that need care to give, lane by lane,
//! the bits the scalar code gives. Each function here is exact: a 64-bit
//! product's low half, the uniform numbers of [`crate::rng::Draws`] at four
//! positions, loads and stores from bounds-checked slices; `libm`'s
//! exponential and logarithms, ported bit for bit, are in [`exp_log`]
//! (which the tie summaries' lanes, `bonds/summary_lanes.rs`, use too).
//! Floating-point arithmetic in lanes (add, multiply, divide, compare,
//! min, max, f32 ↔ f64) is IEEE 754's in each lane, the same as the
//! scalar code's; nothing is fused.
//!
//! The functions are `#[inline(always)]` and compiled with AVX2 enabled,
//! so they may only be called from functions compiled with it, which the
//! caller runs only where [`available`] says the processor has it.

use std::arch::x86_64::*;

pub mod exp_log;

use crate::rng::{Draws, GAMMA, MIX};

/// Whether the running processor has AVX2 (the first call asks it; the
/// standard library remembers the answer).
#[inline]
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// The low 64 bits of each lane's product with the constant `b` (AVX2 has
/// no 64-bit multiply): from three 32 × 32-bit products,
/// `lo·lo + ((hi·lo + lo·hi) << 32)`, every sum taken modulo 2⁶⁴ as the
/// scalar `wrapping_mul` takes it.
#[inline]
#[target_feature(enable = "avx2")]
fn times(a: __m256i, b: u64) -> __m256i {
    let (b_low, b_high) = (
        _mm256_set1_epi64x(b as i64),
        _mm256_set1_epi64x((b >> 32) as i64),
    );
    let low_low = _mm256_mul_epu32(a, b_low);
    let high_low = _mm256_mul_epu32(_mm256_srli_epi64::<32>(a), b_low);
    let low_high = _mm256_mul_epu32(a, b_high);
    let cross = _mm256_slli_epi64::<32>(_mm256_add_epi64(high_low, low_high));
    _mm256_add_epi64(low_low, cross)
}

/// The uniform numbers in [0, 1) of `draws` at positions `first` to
/// `first + 3`, one per lane: SplitMix64's mix of each position's counter,
/// then its upper 53 bits as a fraction, as
/// [`Draws::uniform_at`] gives them.
#[inline]
#[target_feature(enable = "avx2")]
pub fn uniforms_at(draws: Draws, first: u64) -> __m256d {
    let start = draws.counter_at(first) as i64;
    let steps = _mm256_setr_epi64x(
        0,
        GAMMA as i64,
        GAMMA.wrapping_mul(2) as i64,
        GAMMA.wrapping_mul(3) as i64,
    );
    let mut z = _mm256_add_epi64(_mm256_set1_epi64x(start), steps);
    z = times(_mm256_xor_si256(z, _mm256_srli_epi64::<30>(z)), MIX.0);
    z = times(_mm256_xor_si256(z, _mm256_srli_epi64::<27>(z)), MIX.1);
    z = _mm256_xor_si256(z, _mm256_srli_epi64::<31>(z));
    let upper = _mm256_srli_epi64::<11>(z);
    _mm256_mul_pd(exact_f64(upper), _mm256_set1_pd(1.0 / (1u64 << 53) as f64))
}

/// Each lane's integer, below 2⁵³, as the f64 equal to it (AVX2 has no
/// 64-bit integer conversion): its upper and lower 32 bits placed in the
/// mantissas of 2⁸⁴ and 2⁵², the two offsets taken off, the halves added.
/// Every step is exact: the result is representable, so the one rounding
/// add gives it.
#[inline]
#[target_feature(enable = "avx2")]
fn exact_f64(n: __m256i) -> __m256d {
    const TWO_84: i64 = 0x4530_0000_0000_0000;
    const TWO_52: i64 = 0x4330_0000_0000_0000;
    let high = _mm256_or_si256(_mm256_srli_epi64::<32>(n), _mm256_set1_epi64x(TWO_84));
    let low = _mm256_blend_epi32::<0b1010_1010>(n, _mm256_set1_epi64x(TWO_52));
    let offsets = _mm256_set1_pd(f64::from_bits(TWO_84 as u64) + f64::from_bits(TWO_52 as u64));
    let high = _mm256_sub_pd(_mm256_castsi256_pd(high), offsets);
    _mm256_add_pd(high, _mm256_castsi256_pd(low))
}

/// Four f32 from `column[at..at + 4]`, widened to f64.
#[inline]
#[target_feature(enable = "avx2")]
pub fn load_f32(column: &[f32], at: usize) -> __m256d {
    _mm256_cvtps_pd(load_f32_narrow(column, at))
}

/// Four f32 from `column[at..at + 4]`, as they are.
#[inline]
#[target_feature(enable = "avx2")]
pub fn load_f32_narrow(column: &[f32], at: usize) -> __m128 {
    let four: &[f32; 4] = column[at..at + 4].try_into().expect("four lanes");
    // SAFETY: `four` is four readable f32.
    unsafe { _mm_loadu_ps(four.as_ptr()) }
}

/// A mask of four f64 lanes as a mask of four f32 lanes (each lane's low
/// half: all ones or all zeros, as the whole lane).
#[inline]
#[target_feature(enable = "avx2")]
pub fn narrow_mask(mask: __m256d) -> __m128 {
    let halves = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    let narrowed = _mm256_permutevar8x32_epi32(_mm256_castpd_si256(mask), halves);
    _mm_castsi128_ps(_mm256_castsi256_si128(narrowed))
}

/// Stores four f32 into `column[at..at + 4]`.
#[inline]
#[target_feature(enable = "avx2")]
pub fn store_f32(column: &mut [f32], at: usize, values: __m128) {
    let four: &mut [f32; 4] = (&mut column[at..at + 4]).try_into().expect("four lanes");
    // SAFETY: `four` is four writable f32.
    unsafe { _mm_storeu_ps(four.as_mut_ptr(), values) }
}

/// Four f64 from `column[at..at + 4]`.
#[inline]
#[target_feature(enable = "avx2")]
pub fn load_f64(column: &[f64], at: usize) -> __m256d {
    let four: &[f64; 4] = column[at..at + 4].try_into().expect("four lanes");
    // SAFETY: `four` is four readable f64.
    unsafe { _mm256_loadu_pd(four.as_ptr()) }
}

/// `table[index[l]]` in lane `l`, for a table of f64 (or of 64-bit words
/// read as f64).
///
/// # Safety
/// Every index must be within `table` (the pair pass's are by
/// construction: each pair's members are below the tables' length).
#[inline]
#[target_feature(enable = "avx2")]
pub unsafe fn gather(table: &[f64], index: [i32; 4]) -> __m256d {
    debug_assert!(index.iter().all(|&i| (i as usize) < table.len()));
    // SAFETY: the caller keeps every index within `table`.
    unsafe {
        let at = _mm_loadu_si128(index.as_ptr().cast());
        _mm256_i32gather_pd::<8>(table.as_ptr(), at)
    }
}

/// The four lanes of `v`.
#[inline]
#[target_feature(enable = "avx2")]
pub fn lanes_of(v: __m256d) -> [f64; 4] {
    let mut out = [0.0; 4];
    // SAFETY: `out` is four writable f64.
    unsafe { _mm256_storeu_pd(out.as_mut_ptr(), v) };
    out
}

/// Lane by lane, `if_set` where `mask` is set (all ones) and `otherwise`
/// where it is clear (all zeros).
#[inline]
#[target_feature(enable = "avx2")]
pub fn select(mask: __m256d, if_set: __m256d, otherwise: __m256d) -> __m256d {
    _mm256_blendv_pd(otherwise, if_set, mask)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, StreamKey};

    #[test]
    fn four_lanes_give_the_numbers_of_their_positions() {
        if !available() {
            return;
        }
        let mut compared = 0;
        for seed in [0, 1, 42, u64::MAX] {
            for group in [0, 7, 123_456] {
                let draws = StreamKey::new(seed, 3, 11, group).draws(Purpose::OutsideContact);
                for first in (0..4_000).chain([u64::MAX - 3, 1 << 40]) {
                    // SAFETY: the processor has AVX2 (checked above).
                    let got = unsafe { lanes_of(uniforms_at(draws, first)) };
                    for (l, value) in got.into_iter().enumerate() {
                        let want = draws.uniform_at(first.wrapping_add(l as u64));
                        assert_eq!(
                            value.to_bits(),
                            want.to_bits(),
                            "{seed} {group} {first}+{l}"
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert_eq!(compared, 12 * 4_002 * 4);
    }

    #[test]
    fn integers_below_two_to_the_53_convert_exactly() {
        if !available() {
            return;
        }
        let mut n = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..100_000 {
            n = n.rotate_left(13).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let values = [n >> 11, (n >> 11) & 0xFFFF_FFFF, (1 << 53) - 1, n >> 40];
            // SAFETY: the processor has AVX2 (checked above).
            let got = unsafe {
                lanes_of(exact_f64(_mm256_setr_epi64x(
                    values[0] as i64,
                    values[1] as i64,
                    values[2] as i64,
                    values[3] as i64,
                )))
            };
            for (value, want) in got.into_iter().zip(values) {
                assert_eq!(value.to_bits(), (want as f64).to_bits(), "{want}");
            }
        }
    }
}
