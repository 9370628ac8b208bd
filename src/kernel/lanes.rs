//! Eight f32 (and u32) lanes, one group of a batch in each: the one type
//! the kernel's arithmetic is written in, so that each rule has one source
//! for every processor.
//!
//! An [`Isa`] is a way to compute eight lanes: [`Avx2`] (x86-64 with AVX2,
//! found at run time) or [`Portable`] (arrays of eight, lane by lane, on
//! any processor). Its token is the proof that it may run: an [`Avx2`] is
//! made only where the processor has AVX2. The kernel's code is generic
//! over the `Isa` and written with the wrappers [`F32s`], [`U32s`] and
//! [`Mask`] and their operators; an entry point compiled with AVX2 on
//! (`#[target_feature(enable = "avx2")]`) takes the whole step inline, so
//! every operation becomes its instruction. Every function generic over
//! the `Isa` is therefore `#[inline(always)]`: one left out of line is
//! compiled without AVX2 and calls each operation (a tenth of the speed).
//!
//! Every operation is one IEEE 754 operation per lane, correctly rounded
//! (no fused multiply-add, no approximate reciprocal), and the portable
//! version computes the instruction's own result for every input (`min`
//! and `max` return the second operand when the comparison fails, as
//! `minps` and `maxps` do; a float out of `i32`'s range converts to
//! `i32::MIN`, as `cvtps2dq` does), so both give the same bits. A test
//! holds them to it over ordinary and special values.

use std::fmt::Debug;
use std::ops::{Add, BitAnd, BitOr, BitXor, Div, Mul, Neg, Not, Sub};

/// Lanes in a vector.
pub const LANES: usize = 8;

/// A way to compute eight lanes (its token proves it may run here).
pub trait Isa: Copy + Debug + Send + Sync + 'static {
    type F: Copy + Debug;
    type U: Copy + Debug;
    /// A flag per lane.
    type M: Copy + Debug;

    fn splat(self, x: f32) -> Self::F;
    fn splat_u(self, x: u32) -> Self::U;
    fn load(self, x: [f32; LANES]) -> Self::F;
    fn store(self, v: Self::F) -> [f32; LANES];
    fn load_u(self, x: [u32; LANES]) -> Self::U;
    fn store_u(self, v: Self::U) -> [u32; LANES];
    fn load_flags(self, x: [bool; LANES]) -> Self::M;
    /// Bit `l`: lane `l`'s flag.
    fn bits(self, m: Self::M) -> u8;

    fn add(self, a: Self::F, b: Self::F) -> Self::F;
    fn sub(self, a: Self::F, b: Self::F) -> Self::F;
    fn mul(self, a: Self::F, b: Self::F) -> Self::F;
    fn div(self, a: Self::F, b: Self::F) -> Self::F;
    fn sqrt(self, a: Self::F) -> Self::F;
    /// `a < b ? a : b`, lane by lane.
    fn min(self, a: Self::F, b: Self::F) -> Self::F;
    /// `a > b ? a : b`, lane by lane.
    fn max(self, a: Self::F, b: Self::F) -> Self::F;
    /// To the nearest integer, ties to even.
    fn round(self, a: Self::F) -> Self::F;
    /// To the integer below.
    fn floor(self, a: Self::F) -> Self::F;
    fn xor(self, a: Self::F, b: Self::F) -> Self::F;
    fn lt(self, a: Self::F, b: Self::F) -> Self::M;
    fn le(self, a: Self::F, b: Self::F) -> Self::M;
    fn eq(self, a: Self::F, b: Self::F) -> Self::M;
    fn select(self, m: Self::M, yes: Self::F, no: Self::F) -> Self::F;

    fn bits_of_float(self, a: Self::F) -> Self::U;
    fn float_of_bits(self, a: Self::U) -> Self::F;
    /// The nearest `i32` (ties to even; `i32::MIN` out of range), as bits.
    fn nearest(self, a: Self::F) -> Self::U;
    /// The lanes read as `i32`, to the nearest f32.
    fn float_of_i32(self, a: Self::U) -> Self::F;

    fn add_u(self, a: Self::U, b: Self::U) -> Self::U;
    fn sub_u(self, a: Self::U, b: Self::U) -> Self::U;
    fn and_u(self, a: Self::U, b: Self::U) -> Self::U;
    fn or_u(self, a: Self::U, b: Self::U) -> Self::U;
    fn xor_u(self, a: Self::U, b: Self::U) -> Self::U;
    fn shl<const N: i32>(self, a: Self::U) -> Self::U;
    fn shr<const N: i32>(self, a: Self::U) -> Self::U;
    /// The bits set in each lane.
    fn count_ones(self, a: Self::U) -> Self::U;
    /// The low and high words of `a · m`, lane by lane.
    fn mul_wide(self, a: Self::U, m: u32) -> (Self::U, Self::U);
    fn eq_u(self, a: Self::U, b: Self::U) -> Self::M;
    fn select_u(self, m: Self::M, yes: Self::U, no: Self::U) -> Self::U;
    /// `yes` where the flag is set, else +0: [`Isa::select`] with +0,
    /// for a mask whose lanes are all ones or all zeros (as every
    /// [`Mask`]'s are).
    fn keep(self, m: Self::M, yes: Self::F) -> Self::F;
    /// `yes` where the flag is set, else 0: [`Isa::select_u`] with 0,
    /// for such a mask.
    fn keep_u(self, m: Self::M, yes: Self::U) -> Self::U;

    /// Row `r` lane `l` of the result is row `l` lane `r` of `rows`.
    fn transpose(self, rows: [Self::U; LANES]) -> [Self::U; LANES];
    /// Adds each lane of `x`, widened to f64, to the same lane of `sum`
    /// (an f64 addition, correctly rounded); with `squared`, the square
    /// of the widened value (an f64 product, then the addition, not
    /// fused).
    fn add_wide(self, sum: &mut [f64; LANES], x: Self::F, squared: bool);
    /// Lane `l`: `table[index[l]]`.
    ///
    /// # Safety
    ///
    /// Every index is below `table.len()` and below 2^31 (AVX2 reads an
    /// index as an `i32`); [`F32s::look_up`] holds them there.
    unsafe fn gather(self, table: &[f32], index: Self::U) -> Self::F;

    fn and_m(self, a: Self::M, b: Self::M) -> Self::M;
    fn or_m(self, a: Self::M, b: Self::M) -> Self::M;
    fn not_m(self, a: Self::M) -> Self::M;

    // The wrappers' constructors.

    #[inline(always)]
    fn f(self, x: f32) -> F32s<Self> {
        F32s {
            v: self.splat(x),
            isa: self,
        }
    }
    #[inline(always)]
    fn u(self, x: u32) -> U32s<Self> {
        U32s {
            v: self.splat_u(x),
            isa: self,
        }
    }
    #[inline(always)]
    fn floats(self, x: [f32; LANES]) -> F32s<Self> {
        F32s {
            v: self.load(x),
            isa: self,
        }
    }
    #[inline(always)]
    fn words(self, x: [u32; LANES]) -> U32s<Self> {
        U32s {
            v: self.load_u(x),
            isa: self,
        }
    }
    /// Lane `l`'s flag from bit `l` of `bits`.
    #[inline(always)]
    fn mask_of_bits(self, bits: u8) -> Mask<Self> {
        const LANE_BITS: [u32; LANES] = [1, 2, 4, 8, 16, 32, 64, 128];
        let lane_bits = self.words(LANE_BITS);
        (self.u(u32::from(bits)) & lane_bits).eq(lane_bits)
    }
    #[inline(always)]
    fn flags(self, x: [bool; LANES]) -> Mask<Self> {
        Mask {
            v: self.load_flags(x),
            isa: self,
        }
    }
}

/// Lane by lane on arrays: any processor.
#[derive(Debug, Clone, Copy, Default)]
pub struct Portable;

/// Each lane of `a` through `f`.
#[inline(always)]
fn each<T: Copy, R: Copy + Default>(a: [T; LANES], f: impl Fn(T) -> R) -> [R; LANES] {
    let mut r = [R::default(); LANES];
    for l in 0..LANES {
        r[l] = f(a[l]);
    }
    r
}

/// Each pair of lanes of `a` and `b` through `f`.
#[inline(always)]
fn both<T: Copy, R: Copy + Default>(
    a: [T; LANES],
    b: [T; LANES],
    f: impl Fn(T, T) -> R,
) -> [R; LANES] {
    let mut r = [R::default(); LANES];
    for l in 0..LANES {
        r[l] = f(a[l], b[l]);
    }
    r
}

/// `cvtps2dq`'s result: the nearest `i32`, ties to even, and `i32::MIN`
/// for NaN or anything out of range.
#[inline(always)]
fn nearest_i32(x: f32) -> u32 {
    let r = x.round_ties_even();
    if (-2_147_483_648.0..2_147_483_648.0).contains(&r) {
        r as i32 as u32
    } else {
        i32::MIN as u32
    }
}

impl Isa for Portable {
    type F = [f32; LANES];
    type U = [u32; LANES];
    type M = [bool; LANES];

    #[inline(always)]
    fn splat(self, x: f32) -> Self::F {
        [x; LANES]
    }
    #[inline(always)]
    fn splat_u(self, x: u32) -> Self::U {
        [x; LANES]
    }
    #[inline(always)]
    fn load(self, x: [f32; LANES]) -> Self::F {
        x
    }
    #[inline(always)]
    fn store(self, v: Self::F) -> [f32; LANES] {
        v
    }
    #[inline(always)]
    fn load_u(self, x: [u32; LANES]) -> Self::U {
        x
    }
    #[inline(always)]
    fn store_u(self, v: Self::U) -> [u32; LANES] {
        v
    }
    #[inline(always)]
    fn load_flags(self, x: [bool; LANES]) -> Self::M {
        x
    }
    #[inline(always)]
    fn bits(self, m: Self::M) -> u8 {
        (0..LANES).fold(0, |bits, l| bits | u8::from(m[l]) << l)
    }

    #[inline(always)]
    fn add(self, a: Self::F, b: Self::F) -> Self::F {
        both(a, b, |x, y| x + y)
    }
    #[inline(always)]
    fn sub(self, a: Self::F, b: Self::F) -> Self::F {
        both(a, b, |x, y| x - y)
    }
    #[inline(always)]
    fn mul(self, a: Self::F, b: Self::F) -> Self::F {
        both(a, b, |x, y| x * y)
    }
    #[inline(always)]
    fn div(self, a: Self::F, b: Self::F) -> Self::F {
        both(a, b, |x, y| x / y)
    }
    #[inline(always)]
    fn sqrt(self, a: Self::F) -> Self::F {
        each(a, f32::sqrt)
    }
    #[inline(always)]
    fn min(self, a: Self::F, b: Self::F) -> Self::F {
        both(a, b, |x, y| if x < y { x } else { y })
    }
    #[inline(always)]
    fn max(self, a: Self::F, b: Self::F) -> Self::F {
        both(a, b, |x, y| if x > y { x } else { y })
    }
    #[inline(always)]
    fn round(self, a: Self::F) -> Self::F {
        each(a, f32::round_ties_even)
    }
    #[inline(always)]
    fn floor(self, a: Self::F) -> Self::F {
        each(a, f32::floor)
    }
    #[inline(always)]
    fn xor(self, a: Self::F, b: Self::F) -> Self::F {
        both(a, b, |x, y| f32::from_bits(x.to_bits() ^ y.to_bits()))
    }
    #[inline(always)]
    fn lt(self, a: Self::F, b: Self::F) -> Self::M {
        both(a, b, |x, y| x < y)
    }
    #[inline(always)]
    fn le(self, a: Self::F, b: Self::F) -> Self::M {
        both(a, b, |x, y| x <= y)
    }
    #[inline(always)]
    fn eq(self, a: Self::F, b: Self::F) -> Self::M {
        both(a, b, |x, y| x == y)
    }
    #[inline(always)]
    fn select(self, m: Self::M, yes: Self::F, no: Self::F) -> Self::F {
        let mut r = no;
        for l in 0..LANES {
            if m[l] {
                r[l] = yes[l];
            }
        }
        r
    }

    #[inline(always)]
    fn bits_of_float(self, a: Self::F) -> Self::U {
        each(a, f32::to_bits)
    }
    #[inline(always)]
    fn float_of_bits(self, a: Self::U) -> Self::F {
        each(a, f32::from_bits)
    }
    #[inline(always)]
    fn nearest(self, a: Self::F) -> Self::U {
        each(a, nearest_i32)
    }
    #[inline(always)]
    fn float_of_i32(self, a: Self::U) -> Self::F {
        each(a, |x| x as i32 as f32)
    }

    #[inline(always)]
    fn add_u(self, a: Self::U, b: Self::U) -> Self::U {
        both(a, b, u32::wrapping_add)
    }
    #[inline(always)]
    fn sub_u(self, a: Self::U, b: Self::U) -> Self::U {
        both(a, b, u32::wrapping_sub)
    }
    #[inline(always)]
    fn and_u(self, a: Self::U, b: Self::U) -> Self::U {
        both(a, b, |x, y| x & y)
    }
    #[inline(always)]
    fn or_u(self, a: Self::U, b: Self::U) -> Self::U {
        both(a, b, |x, y| x | y)
    }
    #[inline(always)]
    fn xor_u(self, a: Self::U, b: Self::U) -> Self::U {
        both(a, b, |x, y| x ^ y)
    }
    #[inline(always)]
    fn shl<const N: i32>(self, a: Self::U) -> Self::U {
        each(a, |x| x << N)
    }
    #[inline(always)]
    fn shr<const N: i32>(self, a: Self::U) -> Self::U {
        each(a, |x| x >> N)
    }
    #[inline(always)]
    fn count_ones(self, a: Self::U) -> Self::U {
        each(a, u32::count_ones)
    }
    #[inline(always)]
    fn mul_wide(self, a: Self::U, m: u32) -> (Self::U, Self::U) {
        let product = each(a, |x| u64::from(x) * u64::from(m));
        (
            each(product, |p| p as u32),
            each(product, |p| (p >> 32) as u32),
        )
    }
    #[inline(always)]
    fn eq_u(self, a: Self::U, b: Self::U) -> Self::M {
        both(a, b, |x, y| x == y)
    }
    #[inline(always)]
    fn select_u(self, m: Self::M, yes: Self::U, no: Self::U) -> Self::U {
        let mut r = no;
        for l in 0..LANES {
            if m[l] {
                r[l] = yes[l];
            }
        }
        r
    }
    #[inline(always)]
    fn keep(self, m: Self::M, yes: Self::F) -> Self::F {
        self.select(m, yes, [0.0; LANES])
    }
    #[inline(always)]
    fn keep_u(self, m: Self::M, yes: Self::U) -> Self::U {
        self.select_u(m, yes, [0; LANES])
    }

    #[inline(always)]
    fn transpose(self, rows: [Self::U; LANES]) -> [Self::U; LANES] {
        let mut t = [[0; LANES]; LANES];
        for (r, row) in t.iter_mut().enumerate() {
            for (l, word) in row.iter_mut().enumerate() {
                *word = rows[l][r];
            }
        }
        t
    }
    #[inline(always)]
    unsafe fn gather(self, table: &[f32], index: Self::U) -> Self::F {
        each(index, |i| table[i as usize])
    }
    #[inline(always)]
    fn add_wide(self, sum: &mut [f64; LANES], x: Self::F, squared: bool) {
        for (s, x) in sum.iter_mut().zip(x) {
            let x = f64::from(x);
            *s += if squared { x * x } else { x };
        }
    }

    #[inline(always)]
    fn and_m(self, a: Self::M, b: Self::M) -> Self::M {
        both(a, b, |x, y| x & y)
    }
    #[inline(always)]
    fn or_m(self, a: Self::M, b: Self::M) -> Self::M {
        both(a, b, |x, y| x | y)
    }
    #[inline(always)]
    fn not_m(self, a: Self::M) -> Self::M {
        each(a, |x| !x)
    }
}

#[cfg(target_arch = "x86_64")]
pub use avx2::Avx2;

#[cfg(target_arch = "x86_64")]
mod avx2 {
    //! [`super::Isa`] in AVX2 registers.

    use std::arch::x86_64::*;

    use super::{Isa, LANES};

    /// AVX2's eight lanes; made only where the processor has AVX2
    /// ([`Avx2::detect`]).
    #[derive(Debug, Clone, Copy)]
    pub struct Avx2(());

    impl Avx2 {
        /// AVX2's lanes, if this processor has them.
        pub fn detect() -> Option<Avx2> {
            is_x86_feature_detected!("avx2").then_some(Avx2(()))
        }
    }

    // SAFETY (every `unsafe` below): an `Avx2` exists only where
    // `detect` found AVX2 on the running processor.
    impl Isa for Avx2 {
        type F = __m256;
        type U = __m256i;
        type M = __m256;

        #[inline(always)]
        fn splat(self, x: f32) -> __m256 {
            unsafe { _mm256_set1_ps(x) }
        }
        #[inline(always)]
        fn splat_u(self, x: u32) -> __m256i {
            unsafe { _mm256_set1_epi32(x as i32) }
        }
        #[inline(always)]
        fn load(self, x: [f32; LANES]) -> __m256 {
            unsafe { _mm256_loadu_ps(x.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, v: __m256) -> [f32; LANES] {
            let mut x = [0.0; LANES];
            unsafe { _mm256_storeu_ps(x.as_mut_ptr(), v) };
            x
        }
        #[inline(always)]
        fn load_u(self, x: [u32; LANES]) -> __m256i {
            unsafe { _mm256_loadu_si256(x.as_ptr().cast()) }
        }
        #[inline(always)]
        fn store_u(self, v: __m256i) -> [u32; LANES] {
            let mut x = [0; LANES];
            unsafe { _mm256_storeu_si256(x.as_mut_ptr().cast(), v) };
            x
        }
        #[inline(always)]
        fn load_flags(self, x: [bool; LANES]) -> __m256 {
            let words = x.map(|f| if f { u32::MAX } else { 0 });
            self.float_of_bits(self.load_u(words))
        }
        #[inline(always)]
        fn bits(self, m: __m256) -> u8 {
            unsafe { _mm256_movemask_ps(m) as u8 }
        }

        #[inline(always)]
        fn add(self, a: __m256, b: __m256) -> __m256 {
            unsafe { _mm256_add_ps(a, b) }
        }
        #[inline(always)]
        fn sub(self, a: __m256, b: __m256) -> __m256 {
            unsafe { _mm256_sub_ps(a, b) }
        }
        #[inline(always)]
        fn mul(self, a: __m256, b: __m256) -> __m256 {
            unsafe { _mm256_mul_ps(a, b) }
        }
        #[inline(always)]
        fn div(self, a: __m256, b: __m256) -> __m256 {
            unsafe { _mm256_div_ps(a, b) }
        }
        #[inline(always)]
        fn sqrt(self, a: __m256) -> __m256 {
            unsafe { _mm256_sqrt_ps(a) }
        }
        #[inline(always)]
        fn min(self, a: __m256, b: __m256) -> __m256 {
            unsafe { _mm256_min_ps(a, b) }
        }
        #[inline(always)]
        fn max(self, a: __m256, b: __m256) -> __m256 {
            unsafe { _mm256_max_ps(a, b) }
        }
        #[inline(always)]
        fn round(self, a: __m256) -> __m256 {
            unsafe { _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(a) }
        }
        #[inline(always)]
        fn floor(self, a: __m256) -> __m256 {
            unsafe { _mm256_floor_ps(a) }
        }
        #[inline(always)]
        fn xor(self, a: __m256, b: __m256) -> __m256 {
            unsafe { _mm256_xor_ps(a, b) }
        }
        #[inline(always)]
        fn lt(self, a: __m256, b: __m256) -> __m256 {
            unsafe { _mm256_cmp_ps::<_CMP_LT_OQ>(a, b) }
        }
        #[inline(always)]
        fn le(self, a: __m256, b: __m256) -> __m256 {
            unsafe { _mm256_cmp_ps::<_CMP_LE_OQ>(a, b) }
        }
        #[inline(always)]
        fn eq(self, a: __m256, b: __m256) -> __m256 {
            unsafe { _mm256_cmp_ps::<_CMP_EQ_OQ>(a, b) }
        }
        #[inline(always)]
        fn select(self, m: __m256, yes: __m256, no: __m256) -> __m256 {
            unsafe { _mm256_blendv_ps(no, yes, m) }
        }

        #[inline(always)]
        fn bits_of_float(self, a: __m256) -> __m256i {
            unsafe { _mm256_castps_si256(a) }
        }
        #[inline(always)]
        fn float_of_bits(self, a: __m256i) -> __m256 {
            unsafe { _mm256_castsi256_ps(a) }
        }
        #[inline(always)]
        fn nearest(self, a: __m256) -> __m256i {
            unsafe { _mm256_cvtps_epi32(a) }
        }
        #[inline(always)]
        fn float_of_i32(self, a: __m256i) -> __m256 {
            unsafe { _mm256_cvtepi32_ps(a) }
        }

        #[inline(always)]
        fn add_u(self, a: __m256i, b: __m256i) -> __m256i {
            unsafe { _mm256_add_epi32(a, b) }
        }
        #[inline(always)]
        fn sub_u(self, a: __m256i, b: __m256i) -> __m256i {
            unsafe { _mm256_sub_epi32(a, b) }
        }
        #[inline(always)]
        fn and_u(self, a: __m256i, b: __m256i) -> __m256i {
            unsafe { _mm256_and_si256(a, b) }
        }
        #[inline(always)]
        fn or_u(self, a: __m256i, b: __m256i) -> __m256i {
            unsafe { _mm256_or_si256(a, b) }
        }
        #[inline(always)]
        fn xor_u(self, a: __m256i, b: __m256i) -> __m256i {
            unsafe { _mm256_xor_si256(a, b) }
        }
        #[inline(always)]
        fn shl<const N: i32>(self, a: __m256i) -> __m256i {
            unsafe { _mm256_slli_epi32::<N>(a) }
        }
        #[inline(always)]
        fn shr<const N: i32>(self, a: __m256i) -> __m256i {
            unsafe { _mm256_srli_epi32::<N>(a) }
        }
        #[inline(always)]
        fn count_ones(self, a: __m256i) -> __m256i {
            // Each byte's count from a table of the sixteen nibbles, then
            // the four bytes of a lane added.
            unsafe {
                let nibbles = _mm256_setr_epi8(
                    0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2,
                    2, 3, 2, 3, 3, 4,
                );
                let low = _mm256_set1_epi8(0x0f);
                let bytes = _mm256_add_epi8(
                    _mm256_shuffle_epi8(nibbles, _mm256_and_si256(a, low)),
                    _mm256_shuffle_epi8(nibbles, _mm256_and_si256(_mm256_srli_epi32::<4>(a), low)),
                );
                let pairs = _mm256_maddubs_epi16(bytes, _mm256_set1_epi8(1));
                _mm256_madd_epi16(pairs, _mm256_set1_epi16(1))
            }
        }
        #[inline(always)]
        fn mul_wide(self, a: __m256i, m: u32) -> (__m256i, __m256i) {
            // AVX2 multiplies the even 32-bit lanes into 64-bit products:
            // the odd lanes are shifted down, multiplied, and the halves
            // put back in place.
            unsafe {
                let m = _mm256_set1_epi32(m as i32);
                let even = _mm256_mul_epu32(a, m);
                let odd = _mm256_mul_epu32(_mm256_srli_epi64::<32>(a), m);
                let low = _mm256_blend_epi32::<0b1010_1010>(even, _mm256_slli_epi64::<32>(odd));
                let high = _mm256_blend_epi32::<0b1010_1010>(_mm256_srli_epi64::<32>(even), odd);
                (low, high)
            }
        }
        #[inline(always)]
        fn eq_u(self, a: __m256i, b: __m256i) -> __m256 {
            unsafe { _mm256_castsi256_ps(_mm256_cmpeq_epi32(a, b)) }
        }
        #[inline(always)]
        fn select_u(self, m: __m256, yes: __m256i, no: __m256i) -> __m256i {
            unsafe {
                _mm256_castps_si256(_mm256_blendv_ps(
                    _mm256_castsi256_ps(no),
                    _mm256_castsi256_ps(yes),
                    m,
                ))
            }
        }
        // A mask's lanes are all ones or all zeros (every mask is a
        // comparison's, `load_flags`', or made of them by and, or and not),
        // so where a blend with 0 would read each lane's sign, an and
        // reads the whole lane: the same result, and the compiler need
        // not first spread each sign over its lane.
        #[inline(always)]
        fn keep(self, m: __m256, yes: __m256) -> __m256 {
            unsafe { _mm256_and_ps(m, yes) }
        }
        #[inline(always)]
        fn keep_u(self, m: __m256, yes: __m256i) -> __m256i {
            unsafe { _mm256_and_si256(_mm256_castps_si256(m), yes) }
        }

        #[inline(always)]
        fn transpose(self, rows: [__m256i; LANES]) -> [__m256i; LANES] {
            // Pairs of rows interleaved, then pairs of pairs, then the
            // 128-bit halves exchanged.
            unsafe {
                let c = |v| _mm256_castsi256_ps(v);
                let r = [
                    c(rows[0]),
                    c(rows[1]),
                    c(rows[2]),
                    c(rows[3]),
                    c(rows[4]),
                    c(rows[5]),
                    c(rows[6]),
                    c(rows[7]),
                ];
                let t0 = _mm256_unpacklo_ps(r[0], r[1]);
                let t1 = _mm256_unpackhi_ps(r[0], r[1]);
                let t2 = _mm256_unpacklo_ps(r[2], r[3]);
                let t3 = _mm256_unpackhi_ps(r[2], r[3]);
                let t4 = _mm256_unpacklo_ps(r[4], r[5]);
                let t5 = _mm256_unpackhi_ps(r[4], r[5]);
                let t6 = _mm256_unpacklo_ps(r[6], r[7]);
                let t7 = _mm256_unpackhi_ps(r[6], r[7]);
                let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
                let s1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
                let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
                let s3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
                let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
                let s5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
                let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
                let s7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
                let i = |v| _mm256_castps_si256(v);
                [
                    i(_mm256_permute2f128_ps::<0x20>(s0, s4)),
                    i(_mm256_permute2f128_ps::<0x20>(s1, s5)),
                    i(_mm256_permute2f128_ps::<0x20>(s2, s6)),
                    i(_mm256_permute2f128_ps::<0x20>(s3, s7)),
                    i(_mm256_permute2f128_ps::<0x31>(s0, s4)),
                    i(_mm256_permute2f128_ps::<0x31>(s1, s5)),
                    i(_mm256_permute2f128_ps::<0x31>(s2, s6)),
                    i(_mm256_permute2f128_ps::<0x31>(s3, s7)),
                ]
            }
        }
        #[inline(always)]
        unsafe fn gather(self, table: &[f32], index: __m256i) -> __m256 {
            // SAFETY: the caller holds every index within the table.
            unsafe { _mm256_i32gather_ps::<4>(table.as_ptr(), index) }
        }
        #[inline(always)]
        fn add_wide(self, sum: &mut [f64; LANES], x: __m256, squared: bool) {
            // SAFETY (the loads and stores): `sum` holds eight f64s, four
            // from its start and four from its fifth.
            unsafe {
                let halves = [
                    _mm256_cvtps_pd(_mm256_castps256_ps128(x)),
                    _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(x)),
                ];
                for (at, half) in [0, 4].into_iter().zip(halves) {
                    let add = if squared {
                        _mm256_mul_pd(half, half)
                    } else {
                        half
                    };
                    let to = sum.as_mut_ptr().add(at);
                    _mm256_storeu_pd(to, _mm256_add_pd(_mm256_loadu_pd(to), add));
                }
            }
        }

        #[inline(always)]
        fn and_m(self, a: __m256, b: __m256) -> __m256 {
            unsafe { _mm256_and_ps(a, b) }
        }
        #[inline(always)]
        fn or_m(self, a: __m256, b: __m256) -> __m256 {
            unsafe { _mm256_or_ps(a, b) }
        }
        #[inline(always)]
        fn not_m(self, a: __m256) -> __m256 {
            unsafe { _mm256_xor_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(-1))) }
        }
    }
}

/// `[f(0), …, f(7)]`, inlined with `f` (unlike `std::array::from_fn`,
/// whose closure a caller compiled with AVX2 may call out of line,
/// compiled without it).
#[inline(always)]
pub fn each_lane<T>(mut f: impl FnMut(usize) -> T) -> [T; LANES] {
    [f(0), f(1), f(2), f(3), f(4), f(5), f(6), f(7)]
}

/// Work over lanes, run with the best lanes the processor has
/// ([`dispatch`]). Its `run` is `#[inline(always)]`, so that AVX2's entry
/// takes it whole.
pub trait WithLanes {
    type Output;
    fn run<I: Isa>(self, isa: I) -> Self::Output;
}

/// Runs `work` in AVX2's lanes where the processor has them (unless
/// `portable`), else in portable ones (the same bits either way).
pub fn dispatch<W: WithLanes>(portable: bool, work: W) -> W::Output {
    #[cfg(target_arch = "x86_64")]
    if let Some(avx2) = Avx2::detect().filter(|_| !portable) {
        // SAFETY: the processor has AVX2 (the token says so).
        return unsafe { with_avx2(avx2, work) };
    }
    work.run(Portable)
}

/// `work` compiled with AVX2 on.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn with_avx2<W: WithLanes>(isa: Avx2, work: W) -> W::Output {
    work.run(isa)
}

/// Eight f32 lanes.
#[derive(Debug, Clone, Copy)]
pub struct F32s<I: Isa> {
    v: I::F,
    isa: I,
}

/// Eight u32 lanes.
#[derive(Debug, Clone, Copy)]
pub struct U32s<I: Isa> {
    v: I::U,
    isa: I,
}

/// A flag per lane.
#[derive(Debug, Clone, Copy)]
pub struct Mask<I: Isa> {
    v: I::M,
    isa: I,
}

impl<I: Isa> F32s<I> {
    #[inline(always)]
    fn with(self, v: I::F) -> Self {
        F32s { v, isa: self.isa }
    }
    /// The lanes' token, for constants.
    #[inline(always)]
    pub fn isa(self) -> I {
        self.isa
    }
    #[inline(always)]
    pub fn array(self) -> [f32; LANES] {
        self.isa.store(self.v)
    }
    #[inline(always)]
    pub fn sqrt(self) -> Self {
        self.with(self.isa.sqrt(self.v))
    }
    /// `self < other ? self : other`, lane by lane.
    #[inline(always)]
    pub fn min(self, other: Self) -> Self {
        self.with(self.isa.min(self.v, other.v))
    }
    /// `self > other ? self : other`, lane by lane.
    #[inline(always)]
    pub fn max(self, other: Self) -> Self {
        self.with(self.isa.max(self.v, other.v))
    }
    /// To the nearest integer, ties to even.
    #[inline(always)]
    pub fn round(self) -> Self {
        self.with(self.isa.round(self.v))
    }
    /// To the integer below.
    #[inline(always)]
    pub fn floor(self) -> Self {
        self.with(self.isa.floor(self.v))
    }
    #[inline(always)]
    pub fn lt(self, other: Self) -> Mask<I> {
        Mask {
            v: self.isa.lt(self.v, other.v),
            isa: self.isa,
        }
    }
    #[inline(always)]
    pub fn le(self, other: Self) -> Mask<I> {
        Mask {
            v: self.isa.le(self.v, other.v),
            isa: self.isa,
        }
    }
    #[inline(always)]
    pub fn gt(self, other: Self) -> Mask<I> {
        other.lt(self)
    }
    #[inline(always)]
    pub fn ge(self, other: Self) -> Mask<I> {
        other.le(self)
    }
    #[inline(always)]
    pub fn eq(self, other: Self) -> Mask<I> {
        Mask {
            v: self.isa.eq(self.v, other.v),
            isa: self.isa,
        }
    }
    #[inline(always)]
    pub fn bits(self) -> U32s<I> {
        U32s {
            v: self.isa.bits_of_float(self.v),
            isa: self.isa,
        }
    }
    /// The nearest `i32` (ties to even; `i32::MIN` out of range), as bits.
    #[inline(always)]
    pub fn nearest_i32(self) -> U32s<I> {
        U32s {
            v: self.isa.nearest(self.v),
            isa: self.isa,
        }
    }
    /// Adds each lane, widened to f64, to the same lane of `sum`; with
    /// `squared`, its square in f64 ([`Isa::add_wide`]).
    #[inline(always)]
    pub fn add_wide_to(self, sum: &mut [f64; LANES], squared: bool) {
        self.isa.add_wide(sum, self.v, squared);
    }
    /// The entry of `table` at each lane's value, rounded to the nearest
    /// index and held within the table (below 0, or NaN, the first entry;
    /// past the end, the last). A table of at most 2^24 entries, whose
    /// indices an f32 holds exactly.
    #[inline(always)]
    pub fn look_up(self, table: &[f32]) -> F32s<I> {
        assert!(!table.is_empty() && table.len() <= 1 << 24);
        let last = self.isa.f((table.len() - 1) as f32);
        // `max` takes its second operand where the comparison fails, so
        // a NaN becomes 0.
        let at = self.max(self.isa.f(0.0)).min(last).nearest_i32();
        F32s {
            // SAFETY: every index is from 0 to the table's last.
            v: unsafe { self.isa.gather(table, at.v) },
            isa: self.isa,
        }
    }
}

impl<I: Isa> U32s<I> {
    #[inline(always)]
    fn with(self, v: I::U) -> Self {
        U32s { v, isa: self.isa }
    }
    /// The lanes' token, for constants.
    #[inline(always)]
    pub fn isa(self) -> I {
        self.isa
    }
    #[inline(always)]
    pub fn array(self) -> [u32; LANES] {
        self.isa.store_u(self.v)
    }
    /// The words as f32 bits.
    #[inline(always)]
    pub fn float_bits(self) -> F32s<I> {
        F32s {
            v: self.isa.float_of_bits(self.v),
            isa: self.isa,
        }
    }
    /// The words read as `i32`, to the nearest f32.
    #[inline(always)]
    pub fn i32_to_f32(self) -> F32s<I> {
        F32s {
            v: self.isa.float_of_i32(self.v),
            isa: self.isa,
        }
    }
    #[inline(always)]
    pub fn shl<const N: i32>(self) -> Self {
        self.with(self.isa.shl::<N>(self.v))
    }
    #[inline(always)]
    pub fn shr<const N: i32>(self) -> Self {
        self.with(self.isa.shr::<N>(self.v))
    }
    /// The bits set in each lane.
    #[inline(always)]
    pub fn count_ones(self) -> Self {
        self.with(self.isa.count_ones(self.v))
    }
    /// The low and high words of `self · m`, lane by lane.
    #[inline(always)]
    pub fn mul_wide(self, m: u32) -> (Self, Self) {
        let (low, high) = self.isa.mul_wide(self.v, m);
        (self.with(low), self.with(high))
    }
    #[inline(always)]
    pub fn eq(self, other: Self) -> Mask<I> {
        Mask {
            v: self.isa.eq_u(self.v, other.v),
            isa: self.isa,
        }
    }
}

impl<I: Isa> Mask<I> {
    /// The lanes' token, for constants.
    #[inline(always)]
    pub fn isa(self) -> I {
        self.isa
    }
    /// Bit `l`: lane `l`'s flag.
    #[inline(always)]
    pub fn bits(self) -> u8 {
        self.isa.bits(self.v)
    }
    #[inline(always)]
    pub fn any(self) -> bool {
        self.bits() != 0
    }
    /// Every lane's flag is set.
    #[inline(always)]
    pub fn all(self) -> bool {
        self.bits() == u8::MAX >> (8 - LANES)
    }
    /// `yes` where the flag is set, else `no`.
    #[inline(always)]
    pub fn select(self, yes: F32s<I>, no: F32s<I>) -> F32s<I> {
        no.with(self.isa.select(self.v, yes.v, no.v))
    }
    /// `yes` where the flag is set, else `no`.
    #[inline(always)]
    pub fn select_u(self, yes: U32s<I>, no: U32s<I>) -> U32s<I> {
        no.with(self.isa.select_u(self.v, yes.v, no.v))
    }
    /// `yes` where the flag is set, else +0: `select(yes, +0)`.
    #[inline(always)]
    pub fn keep(self, yes: F32s<I>) -> F32s<I> {
        yes.with(self.isa.keep(self.v, yes.v))
    }
    /// `yes` where the flag is set, else 0: `select_u(yes, 0)`.
    #[inline(always)]
    pub fn keep_u(self, yes: U32s<I>) -> U32s<I> {
        yes.with(self.isa.keep_u(self.v, yes.v))
    }
    /// Each lane's flag as a word: all ones where set, else 0.
    #[inline(always)]
    pub fn words(self) -> U32s<I> {
        self.keep_u(self.isa.u(u32::MAX))
    }
}

/// A binary operator on a wrapper, and with a plain value on either side.
macro_rules! binary {
    ($wrapper:ident, $plain:ty, $splat:ident, $trait:ident, $method:ident, $op:ident) => {
        impl<I: Isa> $trait for $wrapper<I> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, other: Self) -> Self {
                self.with(self.isa.$op(self.v, other.v))
            }
        }
        impl<I: Isa> $trait<$plain> for $wrapper<I> {
            type Output = Self;
            #[inline(always)]
            fn $method(self, other: $plain) -> Self {
                self.with(self.isa.$op(self.v, self.isa.$splat(other)))
            }
        }
        impl<I: Isa> $trait<$wrapper<I>> for $plain {
            type Output = $wrapper<I>;
            #[inline(always)]
            fn $method(self, other: $wrapper<I>) -> $wrapper<I> {
                other.with(other.isa.$op(other.isa.$splat(self), other.v))
            }
        }
    };
}

binary!(F32s, f32, splat, Add, add, add);
binary!(F32s, f32, splat, Sub, sub, sub);
binary!(F32s, f32, splat, Mul, mul, mul);
binary!(F32s, f32, splat, Div, div, div);
binary!(U32s, u32, splat_u, Add, add, add_u);
binary!(U32s, u32, splat_u, Sub, sub, sub_u);
binary!(U32s, u32, splat_u, BitAnd, bitand, and_u);
binary!(U32s, u32, splat_u, BitOr, bitor, or_u);
binary!(U32s, u32, splat_u, BitXor, bitxor, xor_u);

impl<I: Isa> Neg for F32s<I> {
    type Output = Self;
    /// The sign flipped (as the scalar `-x`: NaN's sign too).
    #[inline(always)]
    fn neg(self) -> Self {
        self.with(self.isa.xor(self.v, self.isa.splat(-0.0)))
    }
}

impl<I: Isa> BitAnd for Mask<I> {
    type Output = Self;
    #[inline(always)]
    fn bitand(self, other: Self) -> Self {
        Mask {
            v: self.isa.and_m(self.v, other.v),
            isa: self.isa,
        }
    }
}

impl<I: Isa> BitOr for Mask<I> {
    type Output = Self;
    #[inline(always)]
    fn bitor(self, other: Self) -> Self {
        Mask {
            v: self.isa.or_m(self.v, other.v),
            isa: self.isa,
        }
    }
}

impl<I: Isa> Not for Mask<I> {
    type Output = Self;
    #[inline(always)]
    fn not(self) -> Self {
        Mask {
            v: self.isa.not_m(self.v),
            isa: self.isa,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `f` of `x` alone (in every lane, portably), for tests of a rule's
    /// values.
    pub(crate) fn one(x: f32, f: impl Fn(F32s<Portable>) -> F32s<Portable>) -> f32 {
        f(Portable.f(x)).array()[0]
    }

    /// Asserts that `$body`, with `$x` eight of `$xs` at a time, gives
    /// AVX2's bits and the portable lanes' alike (where the processor has
    /// AVX2).
    macro_rules! same_bits {
        ($xs:expr, $x:ident => $body:expr) => {{
            #[cfg(target_arch = "x86_64")]
            if let Some(avx2) = $crate::kernel::lanes::Avx2::detect() {
                use $crate::kernel::lanes::Isa as _;
                let portable = $crate::kernel::lanes::Portable;
                for eight in $xs.chunks(8) {
                    let mut a = [0.0f32; 8];
                    a[..eight.len()].copy_from_slice(eight);
                    let want = {
                        let $x = portable.floats(a);
                        $body
                    };
                    let got = {
                        let $x = avx2.floats(a);
                        $body
                    };
                    assert_eq!(
                        want.array().map(f32::to_bits),
                        got.array().map(f32::to_bits),
                        "{} at {:?}",
                        stringify!($body),
                        a
                    );
                }
            }
        }};
    }
    pub(crate) use same_bits;

    /// Ordinary and special f32 values: zeros of both signs, infinities,
    /// NaN, subnormals, halves (ties), the ends of i32, and a spread of
    /// ordinary numbers from a simple sequence.
    pub(crate) fn values() -> Vec<f32> {
        let mut v = vec![
            0.0,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::MIN_POSITIVE,
            f32::MIN_POSITIVE / 3.0,
            -1e-40,
            0.5,
            1.5,
            2.5,
            -0.5,
            -2.5,
            2_147_483_520.0,
            2_147_483_648.0,
            -2_147_483_648.0,
            -2_147_483_904.0,
            f32::MAX,
            f32::MIN,
            1.0,
            -1.0,
        ];
        let mut x = 0x1234_5678_u32;
        for _ in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let mantissa = (x >> 9) as f32 / (1u32 << 23) as f32;
            let exponent = (x % 40) as i32 - 20;
            let sign = if x & 1 == 0 { 1.0 } else { -1.0 };
            v.push(sign * (1.0 + mantissa) * 2f32.powi(exponent));
        }
        v
    }

    /// Eight values at `at` (wrapping), for one vector.
    fn eight(v: &[f32], at: usize) -> [f32; LANES] {
        std::array::from_fn(|l| v[(at + l * 7) % v.len()])
    }

    #[test]
    fn portable_is_the_scalar_arithmetic() {
        let p = Portable;
        let (a, b) = (
            p.floats([1.0, -2.0, 0.5, 3.0, f32::NAN, 0.0, -0.0, 9.0]),
            p.f(2.0),
        );
        assert_eq!((a + b).array()[..4], [3.0, 0.0, 2.5, 5.0]);
        assert_eq!((a * 2.0 - 1.0).array()[..4], [1.0, -5.0, 0.0, 5.0]);
        assert_eq!((1.0 / b).array()[0], 0.5);
        // min and max give the second operand when the comparison fails.
        let nan_min = a.min(b).array();
        assert_eq!(nan_min[4], 2.0);
        assert!(b.min(a).array()[4].is_nan());
        assert_eq!(a.max(b).array()[..4], [2.0, 2.0, 2.0, 3.0]);
        assert_eq!(a.lt(b).bits(), 0b0110_0111);
        assert_eq!(
            p.floats([2.5, -2.5, 0.5, 1.5, 3e9, -3e9, f32::NAN, 7.0])
                .nearest_i32()
                .array(),
            [
                2,
                -2i32 as u32,
                0,
                2,
                i32::MIN as u32,
                i32::MIN as u32,
                i32::MIN as u32,
                7
            ]
        );
        let (low, high) = p.u(0xFFFF_FFFF).mul_wide(0xFFFF_FFFF);
        assert_eq!((low.array()[0], high.array()[0]), (1, 0xFFFF_FFFE));
        assert_eq!(p.u(0b1011 << 28).count_ones().array()[0], 3);
    }

    #[test]
    fn a_look_up_takes_the_nearest_entry_held_within_the_table() {
        let table = [10.0, 11.0, 12.0, 13.0];
        let at = Portable.floats([0.0, 1.0, 2.4, 2.6, 3.0, -5.0, 1e9, f32::NAN]);
        let want = [10.0, 11.0, 12.0, 13.0, 13.0, 10.0, 13.0, 10.0];
        assert_eq!(at.look_up(&table).array(), want);
        let ends = Portable.floats([
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            0.5,
            1.5,
            0.0,
            0.0,
            0.0,
        ]);
        let want = [10.0, 13.0, 10.0, 10.0, 12.0, 10.0, 10.0, 10.0];
        assert_eq!(ends.look_up(&table).array(), want, "ties to even");
    }

    #[test]
    fn a_wide_sum_adds_each_lane_widened_or_its_square() {
        let x = [0.1f32, -3.5, 0.0, -0.0, 1e30, f32::MIN_POSITIVE, 7.0, -1e-3];
        let start: [f64; LANES] = [1.0, -0.0, -0.0, -0.0, 2.0, 0.0, -7.0, 1e-9];
        for squared in [false, true] {
            let mut sum = start;
            Portable.floats(x).add_wide_to(&mut sum, squared);
            for l in 0..LANES {
                let wide = f64::from(x[l]);
                let want = start[l] + if squared { wide * wide } else { wide };
                assert_eq!(sum[l].to_bits(), want.to_bits(), "lane {l}");
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_gives_the_portable_bits() {
        let Some(x) = Avx2::detect() else { return };
        let p = Portable;
        let v = values();
        let same = |a: [f32; LANES], b: [f32; LANES], what: &str| {
            let bits = |s: [f32; LANES]| s.map(f32::to_bits);
            assert_eq!(bits(a), bits(b), "{what}");
        };
        for at in 0..v.len() {
            let (a, b) = (eight(&v, at), eight(&v, at * 3 + 1));
            let (pa, pb, xa, xb) = (p.floats(a), p.floats(b), x.floats(a), x.floats(b));
            same((pa + pb).array(), (xa + xb).array(), "add");
            same((pa - pb).array(), (xa - xb).array(), "sub");
            same((pa * pb).array(), (xa * xb).array(), "mul");
            same((pa / pb).array(), (xa / xb).array(), "div");
            same(pa.sqrt().array(), xa.sqrt().array(), "sqrt");
            same(pa.min(pb).array(), xa.min(xb).array(), "min");
            same(pa.max(pb).array(), xa.max(xb).array(), "max");
            same(pa.round().array(), xa.round().array(), "round");
            same(pa.floor().array(), xa.floor().array(), "floor");
            same((-pa).array(), (-xa).array(), "neg");
            for (pm, xm, what) in [
                (pa.lt(pb), xa.lt(xb), "lt"),
                (pa.le(pb), xa.le(xb), "le"),
                (pa.eq(pb), xa.eq(xb), "eq"),
                (pa.gt(pb), xa.gt(xb), "gt"),
            ] {
                assert_eq!(pm.bits(), xm.bits(), "{what}");
                same(pm.select(pa, pb).array(), xm.select(xa, xb).array(), what);
                // Keeping is selecting against +0, for masks made of
                // masks too.
                let (pk, xk) = (pm & !pa.eq(pa), xm & !xa.eq(xa));
                for (pm, xm) in [(pm, xm), (!pm, !xm), (pk | pm, xk | xm)] {
                    same(pm.keep(pa).array(), xm.keep(xa).array(), "keep");
                    same(pm.keep(pa).array(), pm.select(pa, p.f(0.0)).array(), "keep");
                }
                assert_eq!((!pm).bits(), (!xm).bits(), "not {what}");
            }
            assert_eq!(pa.nearest_i32().array(), xa.nearest_i32().array(), "to i32");
            let table: Vec<f32> = (0..37).map(|i| i as f32 * 0.25 - 3.0).collect();
            same(
                pa.look_up(&table).array(),
                xa.look_up(&table).array(),
                "look up",
            );
            for squared in [false, true] {
                let start: [f64; LANES] = std::array::from_fn(|l| l as f64 * 0.1 - 0.35);
                let (mut ps, mut xs) = (start, start);
                pa.add_wide_to(&mut ps, squared);
                xa.add_wide_to(&mut xs, squared);
                assert_eq!(ps.map(f64::to_bits), xs.map(f64::to_bits), "add wide");
            }
            let (pu, xu) = (pa.bits(), xa.bits());
            let (qu, yu) = (pb.bits(), xb.bits());
            assert_eq!(
                pu.i32_to_f32().array().map(f32::to_bits),
                xu.i32_to_f32().array().map(f32::to_bits),
                "from i32"
            );
            assert_eq!((pu + qu).array(), (xu + yu).array(), "add u");
            assert_eq!((pu - qu).array(), (xu - yu).array(), "sub u");
            assert_eq!((pu ^ qu).array(), (xu ^ yu).array(), "xor u");
            assert_eq!((pu & qu | 7).array(), (xu & yu | 7).array(), "and, or u");
            assert_eq!(pu.shl::<9>().array(), xu.shl::<9>().array(), "shl");
            assert_eq!(pu.shr::<9>().array(), xu.shr::<9>().array(), "shr");
            assert_eq!(pu.count_ones().array(), xu.count_ones().array(), "ones");
            assert_eq!(x.u(u32::MAX).count_ones().array(), [32; LANES], "ones");
            let (pl, ph) = pu.mul_wide(0xCD9E_8D57);
            let (xl, xh) = xu.mul_wide(0xCD9E_8D57);
            assert_eq!(
                (pl.array(), ph.array()),
                (xl.array(), xh.array()),
                "mul wide"
            );
            assert_eq!(pu.eq(qu).bits(), xu.eq(yu).bits(), "eq u");
            let flags: [bool; LANES] = std::array::from_fn(|l| (at + l) % 3 == 0);
            for (pm, xm) in [
                (pu.eq(qu), xu.eq(yu)),
                (!pa.lt(pb), !xa.lt(xb)),
                (p.flags(flags) | pa.le(pb), x.flags(flags) | xa.le(xb)),
            ] {
                assert_eq!(pm.keep_u(pu).array(), xm.keep_u(xu).array(), "keep u");
                assert_eq!(
                    pm.keep_u(pu).array(),
                    pm.select_u(pu, p.u(0)).array(),
                    "keep u"
                );
            }
            let rows: [[u32; LANES]; LANES] =
                std::array::from_fn(|r| std::array::from_fn(|l| (at * 64 + r * 8 + l) as u32));
            let want: [[u32; LANES]; LANES] =
                std::array::from_fn(|r| std::array::from_fn(|l| rows[l][r]));
            assert_eq!(
                p.transpose(rows.map(|r| p.load_u(r))).map(|v| p.store_u(v)),
                want
            );
            assert_eq!(
                x.transpose(rows.map(|r| x.load_u(r))).map(|v| x.store_u(v)),
                want
            );
        }
    }
}
