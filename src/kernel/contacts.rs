//! The count of a pair's contacts outside the sessions in f32: a Poisson
//! number of the interval's mean, by Knuth's product method on the pair's
//! own numbers (four rounds to each Philox call), one pair at a time and
//! eight at a time (one group's pair in each lane) with the same counts.
//! A mean of 30 or more takes the normal approximation from the first
//! call's words instead (the product method's rounds grow with the mean).

use super::draws::{Address, Key};
use super::math;
use super::philox::unit_f32;

/// Means from which the normal approximation is taken.
pub const LARGE_MEAN: f32 = 30.0;

/// The count for `mean` from the numbers at `at` (its `block` is the
/// first; later blocks follow).
pub fn count(key: Key, at: Address, mean: f32) -> f32 {
    if mean <= 0.0 {
        return 0.0;
    }
    if mean >= LARGE_MEAN {
        let words = key.words(at);
        let (z, _) = math::normal_pair(unit_f32(words[0]), unit_f32(words[1]));
        return (mean + mean.sqrt() * z + 0.5).floor().max(0.0);
    }
    let limit = math::exp(-mean);
    let (mut product, mut count) = (1.0f32, 0.0f32);
    for block in at.block.. {
        for word in key.words(Address { block, ..at }) {
            product *= unit_f32(word);
            if product <= limit {
                return count;
            }
            count += 1.0;
        }
    }
    unreachable!("the product falls to the limit")
}

#[cfg(target_arch = "x86_64")]
pub mod lanes {
    //! [`super::count`] for eight groups' pairs at once.

    use std::arch::x86_64::*;

    use super::LARGE_MEAN;
    use crate::kernel::draws::{Address, Key, lanes::words};
    use crate::kernel::math::lanes as math;
    use crate::kernel::philox::lanes::unit_f32;

    /// Lane by lane, [`super::count`] with lane `l`'s group `groups[l]`.
    ///
    /// # Safety
    /// Only on a processor with AVX2.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub fn count(key: Key, groups: __m256i, at: Address, mean: __m256) -> __m256 {
        let c = _mm256_set1_ps;
        let zero = _mm256_setzero_ps();
        let some = _mm256_cmp_ps::<_CMP_GT_OQ>(mean, zero);
        let large = _mm256_and_ps(some, _mm256_cmp_ps::<_CMP_GE_OQ>(mean, c(LARGE_MEAN)));
        let mut active = _mm256_andnot_ps(large, some);
        let first = words(key, groups, at);
        // The large means' counts, from the first call's words.
        let (z, _) = math::normal_pair(unit_f32(first[0]), unit_f32(first[1]));
        let approximate = _mm256_add_ps(
            _mm256_add_ps(mean, _mm256_mul_ps(_mm256_sqrt_ps(mean), z)),
            c(0.5),
        );
        let approximate = _mm256_max_ps(_mm256_floor_ps(approximate), zero);
        // The product method in the others, round after round.
        let limit = math::exp(_mm256_xor_ps(mean, c(-0.0)));
        let (mut product, mut count) = (c(1.0), zero);
        let mut block = at.block;
        let mut call = first;
        while _mm256_movemask_ps(active) != 0 {
            for word in call {
                product = _mm256_mul_ps(product, unit_f32(word));
                let done = _mm256_cmp_ps::<_CMP_LE_OQ>(product, limit);
                active = _mm256_andnot_ps(done, active);
                count = _mm256_add_ps(count, _mm256_and_ps(active, c(1.0)));
            }
            block += 1;
            call = words(key, groups, Address { block, ..at });
        }
        _mm256_blendv_ps(count, approximate, large)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    fn at(group: u32, position: u32) -> Address {
        Address {
            step: 5,
            group,
            purpose: Purpose::OutsideContact,
            block: 0,
            position,
        }
    }

    #[test]
    fn counts_have_the_poisson_mean_and_variance() {
        let key = Key::new(11, 0);
        for mean in [0.05f32, 0.5, 1.0, 3.0, 10.0, 29.0, 30.0, 80.0] {
            let n = 200_000u32;
            let counts: Vec<f64> = (0..n)
                .map(|p| f64::from(count(key, at(3, p), mean)))
                .collect();
            let m = counts.iter().sum::<f64>() / f64::from(n);
            let v = counts.iter().map(|c| (c - m).powi(2)).sum::<f64>() / f64::from(n - 1);
            let mean = f64::from(mean);
            // Five standard errors; the variance's from the Poisson's
            // fourth central moment, mean(1 + 3·mean). The normal
            // approximation's rounding adds 1/12 to its variance.
            let se_mean = (mean / f64::from(n)).sqrt();
            let se_variance = ((mean * (1.0 + 3.0 * mean) - mean * mean) / f64::from(n)).sqrt();
            let rounding = if mean >= f64::from(LARGE_MEAN) {
                1.0 / 12.0
            } else {
                0.0
            };
            assert!((m - mean).abs() < 5.0 * se_mean, "mean {mean}: {m}");
            let error = (v - mean - rounding).abs();
            assert!(error < 5.0 * se_variance, "mean {mean}: variance {v}");
        }
        assert_eq!(count(key, at(0, 0), 0.0), 0.0);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn eight_lanes_give_each_group_its_count() {
        use std::arch::x86_64::*;
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let key = Key::new(3, 1);
        for position in 0..20_000u32 {
            let groups: [u32; 8] = std::array::from_fn(|l| l as u32 * 131 + position % 7);
            let means: [f32; 8] = std::array::from_fn(|l| {
                [0.0, 0.2, 1.0, 2.5, 6.0, 29.9, 30.0, 45.0][(l + position as usize) % 8]
            });
            // SAFETY: the processor has AVX2 (checked above); the arrays
            // are eight readable values each.
            let counts = unsafe {
                let got = lanes::count(
                    key,
                    _mm256_loadu_si256(groups.as_ptr().cast()),
                    at(0, position),
                    _mm256_loadu_ps(means.as_ptr()),
                );
                std::mem::transmute::<__m256, [f32; 8]>(got)
            };
            for l in 0..8 {
                let want = count(key, at(groups[l], position), means[l]);
                assert_eq!(
                    counts[l].to_bits(),
                    want.to_bits(),
                    "lane {l} mean {}",
                    means[l]
                );
            }
        }
    }
}
