//! The count of a pair's contacts outside the sessions (and of a forum
//! visitor's posts) in f32: a Poisson number of the interval's mean, by
//! inversion of one uniform number, eight pairs at a time (one group's
//! pair in each lane; a lane whose count is found waits for the others).
//! The number is given (one Philox call gives four pairs theirs). A mean
//! of 30 or more takes the normal approximation from the pair's own call
//! instead (inversion's terms grow with the mean). Eight counts that are
//! surely 0 are found before the exponential (`surely_none`).

use super::draws::{Address, Key};
use super::lanes::{F32s, Isa, Mask, U32s};
use super::math;
use super::philox::unit_f32;

/// Means from which the normal approximation is taken.
pub const LARGE_MEAN: f32 = 30.0;

/// Lane by lane, the count for `mean` from the word `first` (below a
/// mean of [`LARGE_MEAN`]) or from the numbers at `rest` in lane `l`'s
/// group `groups[l]` (at or above it); 0 for a mean of 0 or less. `exp`:
/// the exponential's constants ([`math::Exp`]).
#[inline(always)]
pub fn count<I: Isa>(
    numbers: (Key, &math::Exp<I>),
    groups: U32s<I>,
    first: U32s<I>,
    rest: Address,
    mean: F32s<I>,
) -> F32s<I> {
    let zero = mean.isa().f(0.0);
    let some = mean.gt(zero);
    if !some.any() || surely_none(unit_f32(first), mean, some) {
        return zero;
    }
    drawn(numbers, groups, first, rest, mean)
}

/// [`count`] drawn, without its test for counts that are surely 0.
#[inline(always)]
fn drawn<I: Isa>(
    (key, exp): (Key, &math::Exp<I>),
    groups: U32s<I>,
    first: U32s<I>,
    rest: Address,
    mean: F32s<I>,
) -> F32s<I> {
    let isa = mean.isa();
    let (zero, one) = (isa.f(0.0), isa.f(1.0));
    let some = mean.gt(zero);
    let large = some & mean.ge(isa.f(LARGE_MEAN));
    // The large means' counts, from the pair's first call (rare: worked
    // out only where a lane has one).
    let approximate = if large.any() {
        let words = key.words(groups, rest);
        let (z, _) = math::normal_pair(unit_f32(words[0]), unit_f32(words[1]));
        (mean + mean.sqrt() * z + 0.5).floor().max(zero)
    } else {
        zero
    };
    // Inversion in the others: the count is the least k whose cumulative
    // probability exceeds the first number, the probabilities built up
    // term by term (p(k) = p(k - 1) · mean / k); a lane whose sum stops
    // growing in f32 (a number within about 2^-24 of 1) keeps the last k.
    let u = unit_f32(first);
    let mut term = exp.of(-mean);
    let mut sum = term;
    let mut active = !u.lt(sum) & !large & some;
    let (mut k, mut count) = (zero, zero);
    while active.any() {
        k = k + one;
        count = active.select(k, count);
        term = term * mean / k;
        let next = sum + term;
        active = active & !u.lt(next) & next.gt(sum);
        sum = next;
    }
    large.select(approximate, count)
}

/// Whether every lane of `some` surely counts 0 for its number `u`: `u`
/// below 1 − mean, less a margin, is below e^−mean (which is at least
/// 1 − mean) as [`math::Exp`] makes it (within an ulp, 2^−23 of the
/// value at most, where the margin is 2^−10), so inversion would stop at
/// once. The exponential is then not made: weak ties' small means mostly
/// end here, the same counts (a test holds them to inversion's).
#[inline(always)]
fn surely_none<I: Isa>(u: F32s<I>, mean: F32s<I>, some: Mask<I>) -> bool {
    let isa = u.isa();
    let below = (isa.f(1.0) - mean) * isa.f(1.0 - 1.0 / 1024.0);
    !(some & !u.lt(below)).any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::lanes::Portable;
    use crate::kernel::philox::unit;
    use crate::rng::Purpose;

    fn at(position: u32) -> Address {
        Address {
            step: 5,
            purpose: Purpose::OutsideContact,
            block: 0,
            position,
        }
    }

    /// The count of item `position`: its number the word `position mod 4`
    /// of a call shared by four items, a large mean's from its own call at
    /// block 1 (as step 8 draws them).
    fn counted<I: Isa>(key: Key, groups: U32s<I>, position: u32, mean: F32s<I>) -> F32s<I> {
        let first = key.words(groups, at(position / 4))[position as usize % 4];
        let rest = Address {
            block: 1,
            ..at(position)
        };
        count(
            (key, &math::Exp::new(mean.isa())),
            groups,
            first,
            rest,
            mean,
        )
    }

    #[test]
    fn counts_have_the_poisson_mean_and_variance() {
        let key = Key::new(11, 0);
        let groups = Portable.words(std::array::from_fn(|l| 3 + l as u32 * 1_000));
        for mean in [0.05f32, 0.5, 1.0, 3.0, 10.0, 29.0, 30.0, 80.0] {
            let n = 25_000u32;
            let counts: Vec<f64> = (0..n)
                .flat_map(|p| counted(key, groups, p, Portable.f(mean)).array())
                .map(f64::from)
                .collect();
            let n = counts.len() as f64;
            let m = counts.iter().sum::<f64>() / n;
            let v = counts.iter().map(|c| (c - m).powi(2)).sum::<f64>() / (n - 1.0);
            let mean = f64::from(mean);
            // Five standard errors; the variance's from the Poisson's
            // fourth central moment, mean(1 + 3·mean). The normal
            // approximation's rounding adds 1/12 to its variance.
            let se_mean = (mean / n).sqrt();
            let se_variance = ((mean * (1.0 + 3.0 * mean) - mean * mean) / n).sqrt();
            let rounding = if mean >= f64::from(LARGE_MEAN) {
                1.0 / 12.0
            } else {
                0.0
            };
            assert!((m - mean).abs() < 5.0 * se_mean, "mean {mean}: {m}");
            let error = (v - mean - rounding).abs();
            assert!(error < 5.0 * se_variance, "mean {mean}: variance {v}");
        }
        let none = counted(
            key,
            groups,
            0,
            Portable.floats([0.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
        );
        assert_eq!(none.array(), [0.0; 8]);
    }

    #[test]
    fn counts_follow_the_poisson_probabilities() {
        // Each count's share within five standard errors of its Poisson
        // probability, for every count with a probability above 10^-4.
        let key = Key::new(29, 2);
        let groups = Portable.words(std::array::from_fn(|l| 7 + l as u32 * 977));
        for mean in [0.05f32, 0.7, 3.0, 12.0, 25.0] {
            let positions = 40_000u32;
            let mut seen = vec![0u64; 200];
            for p in 0..positions {
                for c in counted(key, groups, p, Portable.f(mean)).array() {
                    seen[c as usize] += 1;
                }
            }
            let n = f64::from(positions) * 8.0;
            let (mean, mut probability) = (f64::from(mean), (-f64::from(mean)).exp());
            for (k, &count) in seen.iter().enumerate() {
                if k > 0 {
                    probability *= mean / k as f64;
                }
                if probability < 1e-4 {
                    continue;
                }
                let share = count as f64 / n;
                let se = (probability * (1.0 - probability) / n).sqrt();
                assert!(
                    (share - probability).abs() < 5.0 * se,
                    "mean {mean}, count {k}: {share} against {probability}"
                );
            }
        }
    }

    #[test]
    fn counts_surely_0_are_those_inversion_finds() {
        // Means where the test for sure zeros decides (below 1), and the
        // numbers about its bound and about e^-mean, in every lane; then
        // words at random. `count` and inversion alone agree bit for bit.
        let key = Key::new(5, 0);
        let exp = math::Exp::new(Portable);
        let rest = at(1);
        let check = |words: [u32; 8], means: [f32; 8]| {
            let groups = Portable.words(std::array::from_fn(|l| l as u32 * 17));
            let (first, mean) = (Portable.words(words), Portable.floats(means));
            let got = count((key, &exp), groups, first, rest, mean);
            let want = drawn((key, &exp), groups, first, rest, mean);
            assert_eq!(
                got.array().map(f32::to_bits),
                want.array().map(f32::to_bits),
                "{words:?} {means:?}"
            );
        };
        let word = |u: f64| ((u.clamp(0.0, 1.0 - 1e-9) * 16_777_216.0) as u32) << 8;
        let mut sure = 0;
        for step in 0..4_000 {
            let m = step as f32 / 3_900.0;
            let e = f64::from(math::exp(Portable.f(-m)).array()[0]);
            let bound = f64::from((1.0 - m) * (1.0 - 1.0 / 1024.0));
            for centre in [bound, e] {
                for d in -3i32..=3 {
                    let w = word(centre).wrapping_add_signed(d << 8);
                    let words = std::array::from_fn(|l| w.wrapping_add((l as u32 % 2) << 8));
                    check(words, [m; 8]);
                    sure += usize::from(unit(w) < bound as f32 && m > 0.0);
                }
            }
        }
        assert!(sure > 1_000, "{sure} numbers below the bound");
        // Then numbers and means at random (Philox's words under another
        // key): means from -0.1 to 1.9.
        let random = Key::new(13, 0);
        let lanes = Portable.words(std::array::from_fn(|l| l as u32));
        for position in 0..50_000 {
            let [words, means, ..] = random.words(lanes, at(position)).map(|w| w.array());
            let means = means.map(|w| (w % 2_000) as f32 / 1_000.0 - 0.1);
            check(words, means);
        }
    }

    #[test]
    fn a_lanes_count_is_its_own() {
        // Each lane's count is the one it gets with its mean and group in
        // every lane: the lanes that finish wait without moving.
        let key = Key::new(3, 1);
        for position in 0..2_000u32 {
            let groups: [u32; 8] = std::array::from_fn(|l| l as u32 * 131 + position % 7);
            let means: [f32; 8] = std::array::from_fn(|l| {
                [0.0, 0.2, 1.0, 2.5, 6.0, 29.9, 30.0, 45.0][(l + position as usize) % 8]
            });
            let all = counted(
                key,
                Portable.words(groups),
                position,
                Portable.floats(means),
            );
            for l in 0..8 {
                let alone = counted(key, Portable.u(groups[l]), position, Portable.f(means[l]));
                assert_eq!(
                    all.array()[l].to_bits(),
                    alone.array()[0].to_bits(),
                    "lane {l}"
                );
            }
            #[cfg(target_arch = "x86_64")]
            if let Some(avx2) = crate::kernel::lanes::Avx2::detect() {
                let got = counted(key, avx2.words(groups), position, avx2.floats(means));
                assert_eq!(got.array().map(f32::to_bits), all.array().map(f32::to_bits));
            }
        }
    }
}
