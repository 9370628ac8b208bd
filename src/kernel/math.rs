//! The f32 kernel's exponential, logarithm, and sine and cosine of a
//! fraction of a turn, over eight lanes ([`super::lanes`]): Cephes'
//! `expf`, `logf`, `sinf` and `cosf` (Moshier), their argument reduction
//! and polynomials written as IEEE 754 operations in a fixed order
//! (nothing fused), so every processor gives the same bits.
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

use super::lanes::{F32s, Isa};

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

/// `coefficients` (highest power first) at `x`, by Horner's rule.
#[inline(always)]
fn polynomial<I: Isa>(coefficients: &[f32], x: F32s<I>) -> F32s<I> {
    let mut p = x.isa().f(coefficients[0]);
    for &c in &coefficients[1..] {
        p = p * x + c;
    }
    p
}

/// e^x (x clamped to [−87, 88]; NaN stays NaN).
#[inline(always)]
pub fn exp<I: Isa>(x: F32s<I>) -> F32s<I> {
    Exp::new(x.isa()).of(x)
}

/// [`exp`]'s constants in every lane, for a loop that calls it at every
/// pair: made once before the loop ([`Exp::kept`]), they are read from
/// memory as the operands of the instructions that use them, where the
/// compiler, short of registers, would broadcast each from its scalar
/// constant at every call (an instruction more for each of the twelve).
#[derive(Debug, Clone, Copy)]
pub struct Exp<I: Isa> {
    low: F32s<I>,
    high: F32s<I>,
    log2_e: F32s<I>,
    ln2_high: F32s<I>,
    ln2_low: F32s<I>,
    poly: [F32s<I>; EXP_POLY.len()],
    one: F32s<I>,
}

impl<I: Isa> Exp<I> {
    /// The constants, as [`exp`] makes them at each call.
    #[inline(always)]
    pub fn new(isa: I) -> Self {
        Exp {
            low: isa.f(EXP_LOW),
            high: isa.f(EXP_HIGH),
            log2_e: isa.f(std::f32::consts::LOG2_E),
            ln2_high: isa.f(LN2_HIGH),
            ln2_low: isa.f(LN2_LOW),
            poly: EXP_POLY.map(|c| isa.f(c)),
            one: isa.f(1.0),
        }
    }

    /// The constants, kept in memory for a loop: hidden from the
    /// compiler's constant folding (`std::hint::black_box`, which changes
    /// no value), so that it reads them where they are kept rather than
    /// making each again from its scalar at every use.
    #[inline(always)]
    pub fn kept(isa: I) -> Self {
        std::hint::black_box(Exp::new(isa))
    }

    /// e^x, as [`exp`] computes it (the same operations on the same
    /// values).
    #[inline(always)]
    pub fn of(&self, x: F32s<I>) -> F32s<I> {
        let x = self.high.min(self.low.max(x));
        let n = (x * self.log2_e).round();
        let r = (x - n * self.ln2_high) - n * self.ln2_low;
        let mut p = self.poly[0];
        for &c in &self.poly[1..] {
            p = p * r + c;
        }
        let p = p * (r * r) + r + self.one;
        let power = ((n.nearest_i32() + 127).shl::<23>()).float_bits();
        p * power
    }
}

/// ln x, for positive normal x.
#[inline(always)]
pub fn ln<I: Isa>(x: F32s<I>) -> F32s<I> {
    let bits = x.bits();
    // x = m · 2^e with m in [½, 1).
    let e = (bits.shr::<23>() & 0xFF) - 126;
    let m = ((bits & 0x807F_FFFF) | 0x3F00_0000).float_bits();
    let below = m.lt(x.isa().f(std::f32::consts::FRAC_1_SQRT_2));
    let e = below.select_u(e - 1, e).i32_to_f32();
    let m = below.select((m + m) - 1.0, m - 1.0);
    let z = m * m;
    let p = polynomial(&LOG_POLY, m);
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
#[inline(always)]
pub fn sin_cos_turns<I: Isa>(u: F32s<I>) -> (F32s<I>, F32s<I>) {
    let k = (u * 4.0).round();
    let x = (u - k * 0.25) * std::f32::consts::TAU;
    let z = x * x;
    let s = x + (x * z) * polynomial(&SIN_POLY, z);
    let c = (1.0 - 0.5 * z) + (z * z) * polynomial(&COS_POLY, z);
    // Quadrants 1 and 3 swap the two; the sine's sign flips in 2 and 3,
    // the cosine's in 1 and 2.
    let quadrant = k.nearest_i32() & 3;
    let isa = u.isa();
    let odd = (quadrant & 1).eq(isa.u(1));
    let sine_flips = (quadrant & 2).eq(isa.u(2));
    let cosine_flips = ((quadrant + 1) & 2).eq(isa.u(2));
    let (sine, cosine) = (odd.select(c, s), odd.select(s, c));
    (
        sine_flips.select(-sine, sine),
        cosine_flips.select(-cosine, cosine),
    )
}

/// Two standard normal deviates from two uniforms in [0, 1) (Box–Muller,
/// both deviates used): radius √(−2 ln(1 − u)) (1 − u is in (0, 1], so
/// the logarithm is finite), angle v turns.
#[inline(always)]
pub fn normal_pair<I: Isa>(u: F32s<I>, v: F32s<I>) -> (F32s<I>, F32s<I>) {
    let radius = (-2.0 * ln(1.0 - u)).sqrt();
    let (s, c) = sin_cos_turns(v);
    (radius * c, radius * s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::lanes::Portable;
    use crate::kernel::lanes::tests::one;

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
        let exp = |x| one(x, exp);
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
        assert!(exp(f32::NAN).is_nan());
    }

    #[test]
    fn ln_is_within_one_ulp_of_the_true_value() {
        let ln = |x| one(x, ln);
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
            let (s, c) = (
                one(u, |u| sin_cos_turns(u).0),
                one(u, |u| sin_cos_turns(u).1),
            );
            let error = (f64::from(s) - libm::sin(angle))
                .abs()
                .max((f64::from(c) - libm::cos(angle)).abs());
            worst = worst.max(error * 2f64.powi(24));
        }
        assert!(worst <= 2.0, "worst {worst} × 2⁻²⁴");
        assert_eq!(one(0.0, |u| sin_cos_turns(u).0), 0.0);
        assert_eq!(one(0.0, |u| sin_cos_turns(u).1), 1.0);
    }

    /// Deviates from u and v = 7u less its whole part.
    fn pair_of<I: Isa>(u: F32s<I>) -> (F32s<I>, F32s<I>) {
        let seven = u * 7.0;
        let whole = seven.round();
        let whole = seven.lt(whole).select(whole - 1.0, whole);
        normal_pair(u, seven - whole)
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
            use crate::kernel::lanes::Isa as _;
            let p = crate::kernel::lanes::Portable;
            let (a, b) = normal_pair(p.f(u), p.f(v));
            let (a, b) = (a.array()[0], b.array()[0]);
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

    #[test]
    fn every_processor_gives_the_same_bits() {
        use crate::kernel::lanes::tests::same_bits;
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
        let turns: Vec<f32> = arguments(0.0, 1.0, 800_000).collect();
        same_bits!(&exps, x => exp(x));
        same_bits!(&lns, x => ln(x));
        same_bits!(&turns, u => sin_cos_turns(u).0);
        same_bits!(&turns, u => sin_cos_turns(u).1);
        same_bits!(&turns, u => pair_of(u).0);
        same_bits!(&turns, u => pair_of(u).1);
    }

    /// The exponential with its constants kept for a loop has `exp`'s
    /// bits, in both kinds of lanes.
    fn kept_constants_give_exps_bits<I: Isa>(isa: I) {
        let exp_kept = Exp::kept(isa);
        let mut xs = vec![
            0.0,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -87.0,
            88.0,
            1.0,
        ];
        xs.extend(arguments(-100.0, 100.0, 400_000));
        for eight in xs.chunks_exact(8) {
            let x = isa.floats(std::array::from_fn(|l| eight[l]));
            let bits = |v: F32s<I>| v.array().map(f32::to_bits);
            assert_eq!(bits(exp_kept.of(x)), bits(exp(x)), "{eight:?}");
        }
    }

    #[test]
    fn the_exponential_with_kept_constants_is_exp() {
        kept_constants_give_exps_bits(Portable);
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = crate::kernel::lanes::Avx2::detect() {
            kept_constants_give_exps_bits(avx2);
        }
    }
}
