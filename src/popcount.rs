//! Counting the bits of a word where it is hot: the clustering of a group's
//! ties and the network figures count the shared partners of every tie, a
//! bit count each. The release binary is built for the x86-64 baseline,
//! which has no bit-count instruction (`count_ones` becomes a dozen shifts,
//! masks and multiplies); nearly every x86-64 processor made since 2008 has
//! one (POPCNT). `fast_popcount!` defines a function that runs another
//! compiled to use it when the running processor has it. A bit count is
//! exact either way, so the results, and every output byte, are the same on
//! any processor (CI compares a baseline build with a native one).
//! `with_cpu_feature!`, which it is made with, does the same for any
//! other feature (the part files' line counts take AVX2's wider vectors).

/// `with_cpu_feature!("feature", fast, fn name(args) -> T = inner)`
/// defines `name`, which calls `inner` (an `#[inline(always)]` function, so
/// that it is compiled into the caller) compiled as `fast` with the
/// processor feature `"feature"` where the running processor has it, and
/// as it is elsewhere. `inner` must give the same result either way.
macro_rules! with_cpu_feature {
    ($feature:tt, $fast:ident, $(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $inner:path) => {
        $(#[$doc])*
        $vis fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = $feature)]
                fn $fast($($arg: $ty),*) -> $ret {
                    $inner($($arg),*)
                }
                if std::arch::is_x86_feature_detected!($feature) {
                    // SAFETY: the running processor has the one feature
                    // `$fast` is compiled to use.
                    return unsafe { $fast($($arg),*) };
                }
            }
            $inner($($arg),*)
        }
    };
}

/// `fast_popcount!(fn name(args) -> T = inner)` defines `name`, which calls
/// `inner` compiled with POPCNT (as `with_popcnt`) where the running
/// processor has it, and as it is elsewhere ([`with_cpu_feature!`]).
macro_rules! fast_popcount {
    ($($function:tt)*) => {
        $crate::popcount::with_cpu_feature!("popcnt", with_popcnt, $($function)*);
    };
}

pub(crate) use fast_popcount;
pub(crate) use with_cpu_feature;

#[cfg(test)]
mod tests {
    #[inline(always)]
    fn bits_of(words: &[u64]) -> u32 {
        words.iter().map(|w| w.count_ones()).sum()
    }

    fast_popcount!(fn counted(words: &[u64]) -> u32 = bits_of);

    #[test]
    fn a_count_is_the_same_with_and_without_the_instruction() {
        let mut word = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..10_000 {
            word = word.rotate_left(7).wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ (word >> 3);
            let plain = (0..64).filter(|b| word >> b & 1 == 1).count() as u32;
            assert_eq!(counted(&[word, !word]), 64);
            assert_eq!(counted(&[word]), plain);
        }
    }
}
