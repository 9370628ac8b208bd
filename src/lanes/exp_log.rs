//! `libm`'s `exp` and `log` (f64, four lanes) and `log1pf` (f32, eight
//! lanes), bit for bit: the same argument reduction, the same polynomial
//! and the same operations in the same order, each an IEEE 754 operation
//! in its lane, so each lane gives the bits `libm` gives its value. Only
//! the common range is computed in lanes; a lane outside it (for `exp`,
//! |x| ≥ 708.39… or NaN; for `log`, zero, negative, subnormal, infinite or
//! NaN; for `log1pf`, negative, infinite or NaN) is passed to `libm`
//! itself, so every input gives `libm`'s answer.
//!
//! The constants and steps are those of `libm` 0.2's `exp.rs`, `log.rs`
//! and `log1pf.rs` (from FreeBSD's `e_exp.c`, `e_log.c` and `s_log1pf.c`);
//! the tests hold each against `libm` over millions of arguments across
//! their ranges, every case boundary included.

use std::arch::x86_64::*;

use super::lanes_of;

// The constants by their bits, as libm's sources give them in hex.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const INV_LN2: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);
const P1: f64 = f64::from_bits(0x3fc5_5555_5555_553e);
const P2: f64 = f64::from_bits(0xbf66_c16c_16be_bd93);
const P3: f64 = f64::from_bits(0x3f11_566a_af25_de2c);
const P4: f64 = f64::from_bits(0xbebb_bd41_c5d2_6bf1);
const P5: f64 = f64::from_bits(0x3e66_3769_72be_a4d0);

const LG1: f64 = f64::from_bits(0x3fe5_5555_5555_5593);
const LG2: f64 = f64::from_bits(0x3fd9_9999_9997_fa04);
const LG3: f64 = f64::from_bits(0x3fd2_4924_9422_9359);
const LG4: f64 = f64::from_bits(0x3fcc_71c5_1d8e_78af);
const LG5: f64 = f64::from_bits(0x3fc7_4664_96cb_03de);
const LG6: f64 = f64::from_bits(0x3fc3_9a09_d078_c69f);
const LG7: f64 = f64::from_bits(0x3fc2_f112_df3e_5244);

// log1pf's, in f32.
const LN2_HI_F32: f32 = f32::from_bits(0x3f31_7180);
const LN2_LO_F32: f32 = f32::from_bits(0x3717_f7d1);
const LG1_F32: f32 = f32::from_bits(0x3f2a_aaaa);
const LG2_F32: f32 = f32::from_bits(0x3ecc_ce13);
const LG3_F32: f32 = f32::from_bits(0x3e91_e9ee);
const LG4_F32: f32 = f32::from_bits(0x3e78_9e26);

/// The high 32 bits of each lane's f64, as the low half of a 64-bit lane.
#[inline]
#[target_feature(enable = "avx2")]
fn high_words(x: __m256d) -> __m256i {
    _mm256_srli_epi64::<32>(_mm256_castpd_si256(x))
}

/// Whether each lane's (unsigned) 64-bit integer lies in `low..high`, as a
/// lane mask (the integers compared are below 2⁶³, so signed compares
/// serve).
#[inline]
#[target_feature(enable = "avx2")]
fn within(n: __m256i, low: i64, high: i64) -> __m256i {
    let at_least = _mm256_cmpgt_epi64(n, _mm256_set1_epi64x(low - 1));
    let below = _mm256_cmpgt_epi64(_mm256_set1_epi64x(high), n);
    _mm256_and_si256(at_least, below)
}

/// Each lane's small integer (the low 32 bits of the 64-bit lane, signed)
/// as an f64.
#[inline]
#[target_feature(enable = "avx2")]
fn small_integers_as_f64(k: __m256i) -> __m256d {
    let low_halves = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    let packed = _mm256_permutevar8x32_epi32(k, low_halves);
    _mm256_cvtepi32_pd(_mm256_castsi256_si128(packed))
}

/// Lanes whose mask is clear get `libm`'s answer for their argument.
#[inline]
#[target_feature(enable = "avx2")]
fn others_by_libm(x: __m256d, done: __m256i, result: __m256d, f: fn(f64) -> f64) -> __m256d {
    let done = _mm256_movemask_pd(_mm256_castsi256_pd(done));
    if done == 0b1111 {
        return result;
    }
    let (args, mut out) = (lanes_of(x), lanes_of(result));
    for l in 0..4 {
        if done & (1 << l) == 0 {
            out[l] = f(args[l]);
        }
    }
    // SAFETY: `out` is four readable f64.
    unsafe { _mm256_loadu_pd(out.as_ptr()) }
}

/// `libm::exp` of each lane.
#[inline]
#[target_feature(enable = "avx2")]
pub fn exp(x: __m256d) -> __m256d {
    let bits = _mm256_castpd_si256(x);
    let negative = _mm256_cmpgt_epi64(_mm256_setzero_si256(), bits);
    // The high word of |x|.
    let hx = _mm256_and_si256(high_words(x), _mm256_set1_epi64x(0x7fff_ffff));
    // |x| < 708.39…: libm's special cases (overflow, underflow, NaN) lie
    // above it and are left to libm.
    let common = _mm256_cmpgt_epi64(_mm256_set1_epi64x(0x4086_232b), hx);
    // |x| > 2⁻²⁸ (below it, 1 + x); |x| > ln2/2 (reduced by k·ln2); |x| ≥
    // 1.5·ln2 (k rounded from x/ln2, else ±1).
    let not_tiny = _mm256_cmpgt_epi64(hx, _mm256_set1_epi64x(0x3e30_0000));
    let reduced = _mm256_cmpgt_epi64(hx, _mm256_set1_epi64x(0x3fd6_2e42));
    let far = _mm256_cmpgt_epi64(hx, _mm256_set1_epi64x(0x3ff0_a2b1));
    let half = _mm256_blendv_pd(
        _mm256_set1_pd(0.5),
        _mm256_set1_pd(-0.5),
        _mm256_castsi256_pd(negative),
    );
    let rounded = _mm256_cvttpd_epi32(_mm256_add_pd(
        _mm256_mul_pd(_mm256_set1_pd(INV_LN2), x),
        half,
    ));
    let rounded = _mm256_cvtepi32_pd(rounded);
    let one_step = _mm256_blendv_pd(
        _mm256_set1_pd(1.0),
        _mm256_set1_pd(-1.0),
        _mm256_castsi256_pd(negative),
    );
    let k = _mm256_blendv_pd(one_step, rounded, _mm256_castsi256_pd(far));
    let k = _mm256_and_pd(k, _mm256_castsi256_pd(reduced));
    // With k = 0, hi = x − 0 = x and lo = +0: libm's middle case.
    let hi = _mm256_sub_pd(x, _mm256_mul_pd(k, _mm256_set1_pd(LN2_HI)));
    let lo = _mm256_mul_pd(k, _mm256_set1_pd(LN2_LO));
    let r = _mm256_sub_pd(hi, lo);
    let rr = _mm256_mul_pd(r, r);
    let mut poly = _mm256_mul_pd(rr, _mm256_set1_pd(P5));
    for p in [P4, P3, P2] {
        poly = _mm256_mul_pd(rr, _mm256_add_pd(_mm256_set1_pd(p), poly));
    }
    let c = _mm256_sub_pd(
        r,
        _mm256_mul_pd(rr, _mm256_add_pd(_mm256_set1_pd(P1), poly)),
    );
    let ratio = _mm256_div_pd(_mm256_mul_pd(r, c), _mm256_sub_pd(_mm256_set1_pd(2.0), c));
    let y = _mm256_add_pd(
        _mm256_set1_pd(1.0),
        _mm256_add_pd(_mm256_sub_pd(ratio, lo), hi),
    );
    // y·2^k: exact scaling by a power of two built from k's bits (k ≥
    // −1022 in the common range, so 2^k is a normal number); y itself
    // where k = 0, as libm returns it.
    let k_int = _mm256_cvtepi32_epi64(_mm256_cvttpd_epi32(k));
    let scale = _mm256_slli_epi64::<52>(_mm256_add_epi64(k_int, _mm256_set1_epi64x(0x3ff)));
    let scaled = _mm256_mul_pd(y, _mm256_castsi256_pd(scale));
    let tiny = _mm256_add_pd(_mm256_set1_pd(1.0), x);
    let result = _mm256_blendv_pd(tiny, scaled, _mm256_castsi256_pd(not_tiny));
    others_by_libm(x, common, result, libm::exp)
}

/// `libm::log` of each lane.
#[inline]
#[target_feature(enable = "avx2")]
pub fn log(x: __m256d) -> __m256d {
    let bits = _mm256_castpd_si256(x);
    // Positive normal finite numbers; libm's other cases are left to it.
    let common = within(bits, 0x0010_0000_0000_0000, 0x7ff0_0000_0000_0000);
    // Reduce x into [√2/2, √2): add to the high word, read k from its
    // exponent, rebuild the high word around √2/2's.
    let shifted = _mm256_add_epi64(bits, _mm256_set1_epi64x((0x3ff0_0000 - 0x3fe6_a09e) << 32));
    let k = _mm256_sub_epi64(_mm256_srli_epi64::<52>(shifted), _mm256_set1_epi64x(0x3ff));
    let mantissa = _mm256_and_si256(shifted, _mm256_set1_epi64x(0x000f_ffff_ffff_ffff));
    let reduced = _mm256_add_epi64(mantissa, _mm256_set1_epi64x(0x3fe6_a09e << 32));
    let one = _mm256_set1_pd(1.0);
    let f = _mm256_sub_pd(_mm256_castsi256_pd(reduced), one);
    let hfsq = _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(0.5), f), f);
    let s = _mm256_div_pd(f, _mm256_add_pd(_mm256_set1_pd(2.0), f));
    let z = _mm256_mul_pd(s, s);
    let w = _mm256_mul_pd(z, z);
    let c = _mm256_set1_pd;
    let t1 = _mm256_mul_pd(
        w,
        _mm256_add_pd(
            c(LG2),
            _mm256_mul_pd(w, _mm256_add_pd(c(LG4), _mm256_mul_pd(w, c(LG6)))),
        ),
    );
    let t2 = _mm256_mul_pd(
        z,
        _mm256_add_pd(
            c(LG1),
            _mm256_mul_pd(
                w,
                _mm256_add_pd(
                    c(LG3),
                    _mm256_mul_pd(w, _mm256_add_pd(c(LG5), _mm256_mul_pd(w, c(LG7)))),
                ),
            ),
        ),
    );
    let r = _mm256_add_pd(t2, t1);
    let dk = small_integers_as_f64(k);
    // s·(hfsq + r) + dk·ln2_lo − hfsq + f + dk·ln2_hi, left to right.
    let mut sum = _mm256_mul_pd(s, _mm256_add_pd(hfsq, r));
    sum = _mm256_add_pd(sum, _mm256_mul_pd(dk, c(LN2_LO)));
    sum = _mm256_sub_pd(sum, hfsq);
    sum = _mm256_add_pd(sum, f);
    sum = _mm256_add_pd(sum, _mm256_mul_pd(dk, c(LN2_HI)));
    others_by_libm(x, common, sum, libm::log)
}

/// `libm::log1pf` of each of eight f32 lanes.
#[inline]
#[target_feature(enable = "avx2")]
pub fn log1pf(x: __m256) -> __m256 {
    let c = _mm256_set1_ps;
    let bits = _mm256_castps_si256(x);
    let above = |n: i32| _mm256_cmpgt_epi32(bits, _mm256_set1_epi32(n));
    // Non-negative finite numbers; libm's other cases are left to it.
    let common = _mm256_andnot_si256(above(0x7f7f_ffff), above(-1));
    // |x| < 2⁻²⁴: x itself. 1 + x < √2: k = 0, no correction, f = x.
    let not_tiny = above(0x337f_ffff);
    let reduced = above(0x3ed4_13cf);
    let u = _mm256_add_ps(c(1.0), x);
    let iu = _mm256_add_epi32(
        _mm256_castps_si256(u),
        _mm256_set1_epi32(0x3f80_0000 - 0x3f35_04f3),
    );
    let k = _mm256_sub_epi32(_mm256_srli_epi32::<23>(iu), _mm256_set1_epi32(0x7f));
    // The correction term c ≈ log(1 + x) − log(u), 0 from k = 25 on.
    let from_one = _mm256_sub_ps(c(1.0), _mm256_sub_ps(u, x));
    let from_x = _mm256_sub_ps(x, _mm256_sub_ps(u, c(1.0)));
    let at_least_two = _mm256_cmpgt_epi32(k, _mm256_set1_epi32(1));
    let correction = _mm256_blendv_ps(from_x, from_one, _mm256_castsi256_ps(at_least_two));
    let correction = _mm256_div_ps(correction, u);
    let kept = _mm256_and_si256(reduced, _mm256_cmpgt_epi32(_mm256_set1_epi32(25), k));
    let correction = _mm256_and_ps(correction, _mm256_castsi256_ps(kept));
    let rebuilt = _mm256_add_epi32(
        _mm256_and_si256(iu, _mm256_set1_epi32(0x007f_ffff)),
        _mm256_set1_epi32(0x3f35_04f3),
    );
    let f_reduced = _mm256_sub_ps(_mm256_castsi256_ps(rebuilt), c(1.0));
    let f = _mm256_blendv_ps(x, f_reduced, _mm256_castsi256_ps(reduced));
    let k = _mm256_and_si256(k, reduced);
    let s = _mm256_div_ps(f, _mm256_add_ps(c(2.0), f));
    let z = _mm256_mul_ps(s, s);
    let w = _mm256_mul_ps(z, z);
    let t1 = _mm256_mul_ps(w, _mm256_add_ps(c(LG2_F32), _mm256_mul_ps(w, c(LG4_F32))));
    let t2 = _mm256_mul_ps(z, _mm256_add_ps(c(LG1_F32), _mm256_mul_ps(w, c(LG3_F32))));
    let r = _mm256_add_ps(t2, t1);
    let hfsq = _mm256_mul_ps(_mm256_mul_ps(c(0.5), f), f);
    let dk = _mm256_cvtepi32_ps(k);
    // s·(hfsq + r) + (dk·ln2_lo + c) − hfsq + f + dk·ln2_hi, left to right.
    let mut sum = _mm256_mul_ps(s, _mm256_add_ps(hfsq, r));
    sum = _mm256_add_ps(
        sum,
        _mm256_add_ps(_mm256_mul_ps(dk, c(LN2_LO_F32)), correction),
    );
    sum = _mm256_sub_ps(sum, hfsq);
    sum = _mm256_add_ps(sum, f);
    sum = _mm256_add_ps(sum, _mm256_mul_ps(dk, c(LN2_HI_F32)));
    let result = _mm256_blendv_ps(x, sum, _mm256_castsi256_ps(not_tiny));
    let done = _mm256_movemask_ps(_mm256_castsi256_ps(common));
    if done == 0xff {
        return result;
    }
    let mut out = [0.0f32; 8];
    let mut args = [0.0f32; 8];
    // SAFETY: `out` and `args` are eight writable f32.
    unsafe {
        _mm256_storeu_ps(out.as_mut_ptr(), result);
        _mm256_storeu_ps(args.as_mut_ptr(), x);
    }
    for l in 0..8 {
        if done & (1 << l) == 0 {
            out[l] = libm::log1pf(args[l]);
        }
    }
    // SAFETY: `out` is eight readable f32.
    unsafe { _mm256_loadu_ps(out.as_ptr()) }
}

#[cfg(test)]
mod tests {
    use super::super::available;
    use super::*;

    /// A small xorshift generator for the tests' arguments.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    /// Holds `lanes` against `scalar` for every argument, four at a time,
    /// by their bits (NaN against NaN).
    fn same_bits(args: &[f64], lanes: unsafe fn(__m256d) -> __m256d, scalar: fn(f64) -> f64) {
        for four in args.chunks_exact(4) {
            // SAFETY: the callers checked that the processor has AVX2.
            let got = unsafe { lanes_of(lanes(_mm256_loadu_pd(four.as_ptr()))) };
            for (x, y) in four.iter().zip(got) {
                let want = scalar(*x);
                assert!(
                    want.to_bits() == y.to_bits() || (want.is_nan() && y.is_nan()),
                    "{x:e} ({:#x}): lanes {y:e}, libm {want:e}",
                    x.to_bits()
                );
            }
        }
    }

    /// Edge values either side of each of the functions' case boundaries.
    fn edges() -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE / 3.0,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            std::f64::consts::LN_2 / 2.0,
            1.5 * std::f64::consts::LN_2,
            708.396_418_532_264_1,
            -708.396_418_532_264_1,
            709.782_712_893_384,
            -745.133_219_101_941_1,
            -1022.0 * std::f64::consts::LN_2,
            2f64.powi(-28),
            -(2f64.powi(-28)),
            std::f64::consts::SQRT_2,
            std::f64::consts::FRAC_1_SQRT_2,
        ];
        let around: Vec<f64> = v
            .iter()
            .flat_map(|x| {
                let b = x.to_bits();
                [f64::from_bits(b.wrapping_sub(1)), f64::from_bits(b + 1)]
            })
            .collect();
        v.extend(around);
        while v.len() % 4 != 0 {
            v.push(0.5);
        }
        v
    }

    /// Arguments whose high 32 bits are each case boundary's high word,
    /// one below or one above, with random low words, of either sign:
    /// where each function changes case.
    fn at_boundaries(high_words: &[u64], seed: u64) -> Vec<f64> {
        let mut state = seed;
        let mut v = Vec::new();
        for &high in high_words {
            for word in [high - 1, high, high + 1] {
                for sign in [0, 1u64 << 63] {
                    for _ in 0..2_000 {
                        let low = next(&mut state) & 0xffff_ffff;
                        v.push(f64::from_bits(sign | word << 32 | low));
                    }
                }
            }
        }
        v
    }

    /// Arguments spread over a range: uniform in it, and random bit
    /// patterns (every exponent) folded into it.
    fn spread(low: f64, high: f64, count: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..count)
            .map(|n| {
                let bits = next(&mut state);
                if n % 2 == 0 {
                    low + (high - low) * ((bits >> 11) as f64 / (1u64 << 53) as f64)
                } else {
                    let x = f64::from_bits(bits);
                    if x.is_finite() && x >= low && x <= high {
                        x
                    } else {
                        low
                    }
                }
            })
            .collect()
    }

    /// Holds `lanes` against `scalar` over the edge values, arguments
    /// around the case boundaries' high words, arguments spread over each
    /// range and random bit patterns.
    fn holds(
        lanes: unsafe fn(__m256d) -> __m256d,
        scalar: fn(f64) -> f64,
        boundaries: &[u64],
        ranges: &[(f64, f64)],
    ) {
        same_bits(&edges(), lanes, scalar);
        same_bits(&at_boundaries(boundaries, 9), lanes, scalar);
        for (n, &(low, high)) in ranges.iter().enumerate() {
            same_bits(&spread(low, high, 400_000, n as u64 + 1), lanes, scalar);
        }
        let mut state = 99;
        let raw: Vec<f64> = (0..400_000)
            .map(|_| f64::from_bits(next(&mut state)))
            .collect();
        same_bits(&raw, lanes, scalar);
    }

    #[test]
    fn log1pf_in_lanes_gives_libms_bits() {
        if !available() {
            return;
        }
        let mut args: Vec<f32> = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            -0.5,
            f32::MIN_POSITIVE,
            f32::MIN_POSITIVE / 3.0,
            f32::MAX,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            std::f32::consts::SQRT_2 - 1.0,
        ];
        // Every f32 whose high bits are a case boundary's (the tiny cut,
        // 1 + x = √2, k = 2 and k = 25), and a spread of others.
        for high in [0x3380_0000u32, 0x3ed4_13d0, 0x4040_0000, 0x4c00_0000] {
            args.extend((0..1 << 16).map(|low| f32::from_bits(high - (1 << 15) + low)));
        }
        let mut state = 11;
        args.extend((0..1_000_000).map(|n| {
            let bits = next(&mut state);
            if n % 2 == 0 {
                (bits >> 40) as f32 / (1u64 << 24) as f32 * 40.0
            } else {
                f32::from_bits(bits as u32)
            }
        }));
        while !args.len().is_multiple_of(8) {
            args.push(1.0);
        }
        for eight in args.chunks_exact(8) {
            // SAFETY: the processor has AVX2 (checked above).
            let got = unsafe {
                let mut out = [0.0f32; 8];
                _mm256_storeu_ps(out.as_mut_ptr(), log1pf(_mm256_loadu_ps(eight.as_ptr())));
                out
            };
            for (x, y) in eight.iter().zip(got) {
                let want = libm::log1pf(*x);
                assert!(
                    want.to_bits() == y.to_bits() || (want.is_nan() && y.is_nan()),
                    "{x:e} ({:#x}): lanes {y:e}, libm {want:e}",
                    x.to_bits()
                );
            }
        }
    }

    #[test]
    fn exp_in_lanes_gives_libms_bits() {
        if available() {
            let boundaries = [
                0x3e30_0000,
                0x3fd6_2e42,
                0x3ff0_a2b2,
                0x4086_232b,
                0x4086_2e42,
            ];
            let ranges = [(-80.0, 0.0), (-1.0, 1.0), (-750.0, 750.0)];
            holds(exp, libm::exp, &boundaries, &ranges);
        }
    }

    #[test]
    fn log_in_lanes_gives_libms_bits() {
        if available() {
            let boundaries = [
                0x0010_0000,
                0x3fe6_a09e,
                0x3ff0_0000,
                0x3ff6_a09e,
                0x7fef_ffff,
            ];
            let ranges = [(0.0, 1.0), (0.5, 2.0), (0.0, 1e300)];
            holds(log, libm::log, &boundaries, &ranges);
        }
    }
}
