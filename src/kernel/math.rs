//! The f32 kernel's exponential, logarithm, and sine and cosine of a
//! fraction of a turn, one value at a time and in eight lanes (x86-64
//! with AVX2) with the same bits: Cephes' `expf`, `logf`, `sinf` and
//! `cosf` (Moshier), their argument reduction and polynomials written as
//! the same IEEE 754 operations in the same order on both sides (nothing
//! fused), so a lane gives the scalar function's bits for its value.
//!
//! Domains: [`exp`] takes any argument and clamps it to [−87, 88] (the
//! range whose powers of two f32 holds: e^−87 ≈ 1.6 × 10⁻³⁸ and
//! e^88 ≈ 1.7 × 10³⁸ stand for anything beyond); [`ln`] takes positive
//! normal numbers (its callers' arguments are 1 or more). Within them
//! both are within one unit in the last place of the true value (a test
//! holds them to `libm`'s f64 over millions of arguments: at worst 0.96
//! of a unit for `exp`, 0.81 for `ln`). [`sin_cos_turns`] takes any
//! fraction of a turn and is within 2⁻²³ of the true values (0.9 of it
//! at worst).

/// Cephes' reduction constants: ln 2 in two parts, the first exact in
/// few bits.
const LN2_HIGH: f32 = 0.693_359_4;
const LN2_LOW: f32 = -2.121_944_4e-4;
/// `expf`'s polynomial, highest power first.
const EXP_POLY: [f32; 6] = [
    1.987_569_1e-4,
    1.398_199_9e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    1.666_666_5e-1,
    0.5,
];
/// `logf`'s polynomial, highest power first.
const LOG_POLY: [f32; 9] = [
    7.037_683_6e-2,
    -1.151_461e-1,
    1.167_699_9e-1,
    -1.242_014_1e-1,
    1.424_932_3e-1,
    -1.666_805_8e-1,
    2.000_071_4e-1,
    -2.499_999_4e-1,
    0.333_333_3,
];
const EXP_LOW: f32 = -87.0;
const EXP_HIGH: f32 = 88.0;

/// e^x (x clamped to [−87, 88]).
pub fn exp(x: f32) -> f32 {
    let x = x.clamp(EXP_LOW, EXP_HIGH);
    let n = (x * std::f32::consts::LOG2_E).round_ties_even();
    let r = (x - n * LN2_HIGH) - n * LN2_LOW;
    let p = EXP_POLY[1..].iter().fold(EXP_POLY[0], |p, &c| p * r + c);
    let p = p * (r * r) + r + 1.0;
    p * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

/// ln x, for positive normal x.
pub fn ln(x: f32) -> f32 {
    let bits = x.to_bits();
    // x = m · 2^e with m in [½, 1).
    let e = ((bits >> 23) & 0xFF) as i32 - 126;
    let m = f32::from_bits((bits & 0x807F_FFFF) | 0x3F00_0000);
    let below = m < std::f32::consts::FRAC_1_SQRT_2;
    let (e, m) = if below {
        (e - 1, (m + m) - 1.0)
    } else {
        (e, m - 1.0)
    };
    let e = e as f32;
    let z = m * m;
    let p = LOG_POLY[1..].iter().fold(LOG_POLY[0], |p, &c| p * m + c);
    let y = (p * m) * z;
    let y = y + LN2_LOW * e;
    let y = y + -0.5 * z;
    (m + y) + LN2_HIGH * e
}

/// Cephes' `sinf` and `cosf` polynomials on [−π/4, π/4], highest power
/// first (the sine's times x·z, the cosine's times z², z = x²).
const SIN_POLY: [f32; 3] = [-1.951_529_6e-4, 8.332_161e-3, -1.666_665_5e-1];
const COS_POLY: [f32; 3] = [2.443_315_7e-5, -1.388_731_6e-3, 4.166_664_6e-2];

/// (sin 2πu, cos 2πu), for a Box–Muller pair: the angle is reduced in
/// turns, exactly (u − k/4 with k the nearest quarter), to within an
/// eighth of a turn of a quadrant, where the polynomials hold; the
/// quadrant swaps and signs the two.
pub fn sin_cos_turns(u: f32) -> (f32, f32) {
    let k = (u * 4.0).round_ties_even();
    let x = (u - k * 0.25) * std::f32::consts::TAU;
    let z = x * x;
    let s = SIN_POLY[1..].iter().fold(SIN_POLY[0], |p, &c| p * z + c);
    let s = x + (x * z) * s;
    let c = COS_POLY[1..].iter().fold(COS_POLY[0], |p, &c| p * z + c);
    let c = (1.0 - 0.5 * z) + (z * z) * c;
    match (k as i32) & 3 {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    }
}

/// Two standard normal deviates from two uniforms in [0, 1) (Box–Muller,
/// both deviates used): radius √(−2 ln(1 − u)) (1 − u is in (0, 1], so
/// the logarithm is finite), angle v turns.
pub fn normal_pair(u: f32, v: f32) -> (f32, f32) {
    let radius = (-2.0 * ln(1.0 - u)).sqrt();
    let (s, c) = sin_cos_turns(v);
    (radius * c, radius * s)
}

#[cfg(target_arch = "x86_64")]
pub mod lanes {
    //! [`super::exp`] and [`super::ln`] in eight lanes.

    use std::arch::x86_64::*;

    use super::{COS_POLY, EXP_HIGH, EXP_LOW, EXP_POLY, LN2_HIGH, LN2_LOW, LOG_POLY, SIN_POLY};

    /// Lane by lane, [`super::normal_pair`].
    ///
    /// # Safety
    /// Only on a processor with AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub fn normal_pair(u: __m256, v: __m256) -> (__m256, __m256) {
        let c = _mm256_set1_ps;
        let logarithm = ln(_mm256_sub_ps(c(1.0), u));
        let radius = _mm256_sqrt_ps(_mm256_mul_ps(c(-2.0), logarithm));
        let (s, cos) = sin_cos_turns(v);
        (_mm256_mul_ps(radius, cos), _mm256_mul_ps(radius, s))
    }

    /// Lane by lane, [`super::sin_cos_turns`].
    ///
    /// # Safety
    /// Only on a processor with AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub fn sin_cos_turns(u: __m256) -> (__m256, __m256) {
        let c = _mm256_set1_ps;
        let k = _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
            _mm256_mul_ps(u, c(4.0)),
        );
        let x = _mm256_mul_ps(
            _mm256_sub_ps(u, _mm256_mul_ps(k, c(0.25))),
            c(std::f32::consts::TAU),
        );
        let z = _mm256_mul_ps(x, x);
        let poly = |coefficients: [f32; 3]| {
            coefficients[1..].iter().fold(c(coefficients[0]), |p, &k| {
                _mm256_add_ps(_mm256_mul_ps(p, z), c(k))
            })
        };
        let s = _mm256_add_ps(x, _mm256_mul_ps(_mm256_mul_ps(x, z), poly(SIN_POLY)));
        let cos = _mm256_add_ps(
            _mm256_sub_ps(c(1.0), _mm256_mul_ps(c(0.5), z)),
            _mm256_mul_ps(_mm256_mul_ps(z, z), poly(COS_POLY)),
        );
        // The quadrant: odd ones swap the two; the sine's sign flips in 2
        // and 3, the cosine's in 1 and 2.
        let quadrant = _mm256_and_si256(_mm256_cvtps_epi32(k), _mm256_set1_epi32(3));
        let bit = |b: i32| {
            let set = _mm256_and_si256(quadrant, _mm256_set1_epi32(b));
            _mm256_castsi256_ps(_mm256_cmpeq_epi32(set, _mm256_set1_epi32(b)))
        };
        let (odd, high) = (bit(1), bit(2));
        let (sine, cosine) = (_mm256_blendv_ps(s, cos, odd), _mm256_blendv_ps(cos, s, odd));
        let sign = c(-0.0);
        let sine_flip = _mm256_and_ps(high, sign);
        let cosine_flip = _mm256_and_ps(_mm256_xor_ps(high, odd), sign);
        (
            _mm256_xor_ps(sine, sine_flip),
            _mm256_xor_ps(cosine, cosine_flip),
        )
    }

    /// Lane by lane, [`super::exp`].
    ///
    /// # Safety
    /// Only on a processor with AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub fn exp(x: __m256) -> __m256 {
        let c = _mm256_set1_ps;
        // The scalar `clamp`: max with the low end, then min with the high
        // (NaN stays NaN on both sides: clamp returns it, and the lanes'
        // max and min return their second operand, here the argument).
        let x = _mm256_min_ps(c(EXP_HIGH), _mm256_max_ps(c(EXP_LOW), x));
        let n = _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
            _mm256_mul_ps(x, c(std::f32::consts::LOG2_E)),
        );
        let r = _mm256_sub_ps(
            _mm256_sub_ps(x, _mm256_mul_ps(n, c(LN2_HIGH))),
            _mm256_mul_ps(n, c(LN2_LOW)),
        );
        let p = EXP_POLY[1..].iter().fold(c(EXP_POLY[0]), |p, &k| {
            _mm256_add_ps(_mm256_mul_ps(p, r), c(k))
        });
        let p = _mm256_add_ps(
            _mm256_add_ps(_mm256_mul_ps(p, _mm256_mul_ps(r, r)), r),
            c(1.0),
        );
        let power = _mm256_slli_epi32::<23>(_mm256_add_epi32(
            _mm256_cvtps_epi32(n),
            _mm256_set1_epi32(127),
        ));
        _mm256_mul_ps(p, _mm256_castsi256_ps(power))
    }

    /// Lane by lane, [`super::ln`].
    ///
    /// # Safety
    /// Only on a processor with AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub fn ln(x: __m256) -> __m256 {
        let c = _mm256_set1_ps;
        let bits = _mm256_castps_si256(x);
        let e = _mm256_sub_epi32(
            _mm256_and_si256(_mm256_srli_epi32::<23>(bits), _mm256_set1_epi32(0xFF)),
            _mm256_set1_epi32(126),
        );
        let m = _mm256_castsi256_ps(_mm256_or_si256(
            _mm256_and_si256(bits, _mm256_set1_epi32(0x807F_FFFF_u32 as i32)),
            _mm256_set1_epi32(0x3F00_0000),
        ));
        let below = _mm256_cmp_ps::<_CMP_LT_OQ>(m, c(std::f32::consts::FRAC_1_SQRT_2));
        // e − 1 where below: the mask is −1 there.
        let e = _mm256_add_epi32(e, _mm256_castps_si256(below));
        let m = _mm256_blendv_ps(
            _mm256_sub_ps(m, c(1.0)),
            _mm256_sub_ps(_mm256_add_ps(m, m), c(1.0)),
            below,
        );
        let e = _mm256_cvtepi32_ps(e);
        let z = _mm256_mul_ps(m, m);
        let p = LOG_POLY[1..].iter().fold(c(LOG_POLY[0]), |p, &k| {
            _mm256_add_ps(_mm256_mul_ps(p, m), c(k))
        });
        let y = _mm256_mul_ps(_mm256_mul_ps(p, m), z);
        let y = _mm256_add_ps(y, _mm256_mul_ps(c(LN2_LOW), e));
        let y = _mm256_add_ps(y, _mm256_mul_ps(c(-0.5), z));
        _mm256_add_ps(_mm256_add_ps(m, y), _mm256_mul_ps(c(LN2_HIGH), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Units in the last place of f32 at `v`.
    fn ulp(v: f64) -> f64 {
        let v = (v.abs() as f32).max(f32::MIN_POSITIVE);
        f64::from(f32::from_bits(v.to_bits() + 1) - v)
    }

    /// Arguments spread over [low, high]: a grid and a scramble of it.
    fn arguments(low: f32, high: f32, count: u32) -> impl Iterator<Item = f32> {
        (0..count).map(move |k| {
            let t = if k % 2 == 0 {
                f64::from(k) / f64::from(count)
            } else {
                (f64::from(k) * 0.618_033_988_749_895).fract()
            };
            (f64::from(low) + (f64::from(high) - f64::from(low)) * t) as f32
        })
    }

    #[test]
    fn exp_is_within_one_ulp_of_the_true_value() {
        let mut worst = 0.0f64;
        for x in arguments(-87.0, 88.0, 2_000_000).chain([0.0, -0.0, 1.0, -1.0, 88.0, -87.0]) {
            let want = libm::exp(f64::from(x));
            let error = (f64::from(exp(x)) - want).abs() / ulp(want);
            worst = worst.max(error);
        }
        assert!(worst <= 1.0, "worst {worst} ulp");
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-1000.0), exp(-87.0));
        assert_eq!(exp(1000.0), exp(88.0));
    }

    #[test]
    fn ln_is_within_one_ulp_of_the_true_value() {
        let mut worst = 0.0f64;
        let wide = arguments(-126.0, 127.0, 1_000_000).map(f32::exp2);
        let near_one = arguments(0.5, 2.0, 1_000_000);
        for x in wide
            .chain(near_one)
            .chain([1.0, 2.0, 0.5, f32::MIN_POSITIVE, f32::MAX])
        {
            let want = libm::log(f64::from(x));
            let error = (f64::from(ln(x)) - want).abs() / ulp(want.abs().max(2f64.powi(-24)));
            worst = worst.max(error);
        }
        assert!(worst <= 1.0, "worst {worst} ulp");
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn sine_and_cosine_of_turns_are_within_two_to_the_minus_23() {
        // Absolute errors, in units of 2⁻²⁴: at most 2⁻²³, an ulp at 1
        // (a sine or cosine near 0 is held to what f32 can say of an
        // angle that is a fraction of a turn).
        let mut worst = 0.0f64;
        for u in arguments(0.0, 1.0, 2_000_000).chain([0.0, 0.125, 0.25, 0.5, 0.75, 0.999_999_94]) {
            let angle = std::f64::consts::TAU * f64::from(u);
            let (s, c) = sin_cos_turns(u);
            let error = (f64::from(s) - libm::sin(angle))
                .abs()
                .max((f64::from(c) - libm::cos(angle)).abs());
            worst = worst.max(error * 2f64.powi(24));
        }
        assert!(worst <= 2.0, "worst {worst} × 2⁻²⁴");
        assert_eq!(sin_cos_turns(0.0), (0.0, 1.0));
    }

    #[test]
    fn normal_pairs_have_the_moments_of_independent_standard_normals() {
        // Two million deviates from a scramble of the unit square: mean 0,
        // variance 1, kurtosis 3, the pair's two uncorrelated (each within
        // five standard errors).
        let n = 1_000_000u32;
        let (mut m1, mut m2, mut m4, mut cross) = (0.0f64, 0.0, 0.0, 0.0);
        for k in 0..n {
            let u = (f64::from(k) * 0.618_033_988_749_895).fract() as f32;
            let v = (f64::from(k) * 0.754_877_666_246_693).fract() as f32;
            let (a, b) = normal_pair(u, v);
            for z in [f64::from(a), f64::from(b)] {
                m1 += z;
                m2 += z * z;
                m4 += z.powi(4);
            }
            cross += f64::from(a) * f64::from(b);
        }
        let count = 2.0 * f64::from(n);
        let (mean, variance, kurtosis) = (m1 / count, m2 / count, m4 / count);
        let se = 1.0 / count.sqrt();
        assert!(mean.abs() < 5.0 * se, "{mean}");
        assert!(
            (variance - 1.0).abs() < 5.0 * se * 2f64.sqrt(),
            "{variance}"
        );
        assert!(
            (kurtosis - 3.0).abs() < 5.0 * se * 96f64.sqrt(),
            "{kurtosis}"
        );
        assert!(
            (cross / f64::from(n)).abs() < 5.0 / f64::from(n).sqrt(),
            "{cross}"
        );
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn eight_lanes_give_the_scalar_bits() {
        use std::arch::x86_64::*;
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let run = |xs: &[f32], scalar: fn(f32) -> f32, lanes: unsafe fn(__m256) -> __m256| {
            for eight in xs.chunks_exact(8) {
                // SAFETY: `eight` is eight readable f32, and the processor
                // has AVX2 (checked above).
                let got: [f32; 8] =
                    unsafe { std::mem::transmute(lanes(_mm256_loadu_ps(eight.as_ptr()))) };
                for (&x, y) in eight.iter().zip(got) {
                    assert_eq!(y.to_bits(), scalar(x).to_bits(), "{x:e}");
                }
            }
        };
        let mut exps: Vec<f32> = arguments(-100.0, 100.0, 1_600_000).collect();
        exps.extend([
            0.0,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -87.0,
            88.0,
            f32::NAN,
            -f32::NAN,
        ]);
        let mut lns: Vec<f32> = arguments(-126.0, 127.0, 800_000).map(f32::exp2).collect();
        lns.extend(arguments(0.5, 2.0, 800_000));
        lns.extend([1.0; 8]);
        run(&exps, exp, lanes::exp);
        run(&lns, ln, lanes::ln);
        let turns: Vec<f32> = arguments(0.0, 1.0, 800_000).collect();
        run(
            &turns,
            |u| sin_cos_turns(u).0,
            |u| unsafe { lanes::sin_cos_turns(u).0 },
        );
        run(
            &turns,
            |u| sin_cos_turns(u).1,
            |u| unsafe { lanes::sin_cos_turns(u).1 },
        );
        // Deviates from u and v = 7u less its whole part.
        fn v_of(u: f32) -> f32 {
            (u * 7.0) - (u * 7.0).floor()
        }
        #[target_feature(enable = "avx2")]
        fn v_in_lanes(u: __m256) -> __m256 {
            let seven = _mm256_mul_ps(u, _mm256_set1_ps(7.0));
            _mm256_sub_ps(seven, _mm256_floor_ps(seven))
        }
        run(
            &turns,
            |u| normal_pair(u, v_of(u)).0,
            |u| unsafe { lanes::normal_pair(u, v_in_lanes(u)).0 },
        );
        run(
            &turns,
            |u| normal_pair(u, v_of(u)).1,
            |u| unsafe { lanes::normal_pair(u, v_in_lanes(u)).1 },
        );
    }
}
