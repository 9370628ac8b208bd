//! Floats as Rust's `Display` writes them (`format!("{x}")`), made faster.
//!
//! The analysis files (`summary.csv`, `points.csv`, `sensitivity.csv`, a
//! calibration's tables) write their numbers as `Display` does: the
//! shortest digits that read back as the same `f64`, laid out without an
//! exponent (`1` for 1.0, `0.0000001` for 1e-7, `-0` for −0.0). An
//! analysis of thousands of runs writes hundreds of thousands of them, and
//! the standard library's search for the shortest digits (Grisu, with a
//! slower exact fallback) costs about a thousand instructions a number.
//! [`display_text`] takes the same shortest digits from `zmij` (its text,
//! which may carry an exponent) and lays them out as `Display` does; a
//! test holds the two equal over a million numbers of every magnitude.

/// `x` as `format!("{x}")` writes it.
pub fn display_text(x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        return x.to_string();
    }
    let mut buffer = zmij::Buffer::new();
    let text = buffer.format_finite(x).as_bytes();
    // zmij's text: an optional sign, digits with an optional point, and
    // an optional exponent. Its digits (at most 17 significant, with a
    // few zeros) are gathered without the point.
    let negative = text[0] == b'-';
    let mut digits = [0u8; 32];
    let (mut count, mut whole, mut exponent) = (0usize, None, 0i64);
    let mut at = usize::from(negative);
    while at < text.len() {
        match text[at] {
            b'.' => whole = Some(count),
            b'e' | b'E' => {
                exponent = parse_exponent(&text[at + 1..]);
                break;
            }
            digit => {
                digits[count] = digit;
                count += 1;
            }
        }
        at += 1;
    }
    // The significant digits, and where the point falls among them.
    let leading = digits[..count].iter().take_while(|&&d| d == b'0').count();
    let mut end = count;
    while end > leading && digits[end - 1] == b'0' {
        end -= 1;
    }
    let significant = &digits[leading..end];
    if halfway_at(x, significant.len()) {
        return x.to_string();
    }
    let point = whole.unwrap_or(count) as i64 + exponent - leading as i64;

    let mut out = Vec::with_capacity(significant.len() + 24);
    if negative {
        out.push(b'-');
    }
    if point <= 0 {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + point.unsigned_abs() as usize, b'0');
        out.extend_from_slice(significant);
    } else if (point as usize) < significant.len() {
        let (before, after) = significant.split_at(point as usize);
        out.extend_from_slice(before);
        out.push(b'.');
        out.extend_from_slice(after);
    } else {
        out.extend_from_slice(significant);
        out.resize(out.len() + (point as usize - significant.len()), b'0');
    }
    String::from_utf8(out).expect("digits, a sign and a point are ASCII")
}

/// A cell of an analysis file: `x` as [`display_text`] writes it, empty
/// for `None`.
pub fn display_cell(x: Option<f64>) -> String {
    x.map_or(String::new(), display_text)
}

/// Whether `x` lies exactly halfway between two numbers of `shortest`
/// significant digits or fewer: its exact decimal expansion then has one
/// digit more, a 5 (an odd multiple of a power of two below 1 ends in a 5).
/// Of two shortest texts equally near, the standard library and `zmij`
/// may choose differently (1690060720831323.25: `…323.3` and `…323.2`),
/// so such a number is left to the standard library. `shortest` is the
/// number of significant digits of the shortest text.
fn halfway_at(x: f64, shortest: usize) -> bool {
    let bits = x.to_bits();
    let exponent_bits = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1u64 << 52) - 1);
    // x = mantissa × 2^power, the mantissa odd.
    let (mut mantissa, mut power) = if exponent_bits == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), exponent_bits - 1075)
    };
    let zeros = mantissa.trailing_zeros();
    mantissa >>= zeros;
    power += i64::from(zeros);
    if power >= 0 {
        // A whole number: its exact text ends in an even digit or is
        // itself shortest.
        return false;
    }
    // x = mantissa × 5^(−power) / 10^(−power): the exact digits are those
    // of mantissa × 5^(−power), at least as many as 5^(−power)'s.
    let fives = (-power) as u32;
    // 5^28 has 20 digits: past 28 fives the exact text is longer than any
    // shortest text of an f64 (at most 17 digits), plus one.
    if fives > 28 || shortest > 18 {
        return false;
    }
    let exact = u128::from(mantissa) * 5u128.pow(fives);
    // Its digits, one more than its log, at most one more than the
    // shortest text's.
    exact.ilog10() as usize <= shortest
}

/// The decimal exponent of `zmij`'s text (`+NN`, `-NN` or `NN`).
fn parse_exponent(text: &[u8]) -> i64 {
    let (sign, digits) = match text.first() {
        Some(b'-') => (-1, &text[1..]),
        Some(b'+') => (1, &text[1..]),
        _ => (1, text),
    };
    sign * digits
        .iter()
        .fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 64-bit patterns from `state` (xorshift).
    fn bit_patterns(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    fn same_as_display(x: f64) {
        assert_eq!(
            display_text(x),
            format!("{x}"),
            "bits {:#018x}",
            x.to_bits()
        );
    }

    #[test]
    fn special_values_and_whole_numbers_are_written_as_display_writes_them() {
        for x in [
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1.0,
            -1.0,
            10.0,
            100.0,
            1e15,
            1e16,
            1e17,
            1e21,
            1e22,
            1e100,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            5e-324,
            -5e-324,
            0.1,
            0.2 + 0.1,
            1e-7,
            1.5e-5,
            123456789.0,
            9007199254740993.0,
            6.472489288780424,
            // Halfway between two shortest texts.
            f64::from_bits(0x4318_0467_b3a7_ed6d), // 1690060720831323.25
            1.0 + 1.0 / 131072.0,
            9.0 + 1.0 / 32768.0,
            -(1.0 + 3.0 / 131072.0),
        ] {
            same_as_display(x);
        }
        for k in -330..=310 {
            same_as_display(10f64.powi(k));
            same_as_display(-3.0 * 10f64.powi(k));
        }
        for n in 0..10_000u32 {
            same_as_display(f64::from(n));
            same_as_display(f64::from(n) / 1000.0);
            same_as_display(f64::from(n) / 7.0);
        }
    }

    /// Numbers halfway between two shortest texts: odd multiples of small
    /// powers of two at every magnitude, and f32 values and their means
    /// (the figures the files hold are means of f32 scores).
    #[test]
    fn numbers_halfway_between_two_texts_are_written_as_display_writes_them() {
        for power in 1..=30 {
            let step = 2f64.powi(-power);
            for odd in (1..4001u32).step_by(2) {
                for whole in [0.0, 1.0, 7.0, 123.0, 65_536.0, 1e9, 1e15] {
                    same_as_display(whole + f64::from(odd) * step);
                }
            }
        }
        let mut next = bit_patterns(0x2545_f491_4f6c_dd1d);
        for _ in 0..200_000 {
            let a = f64::from(f32::from_bits((next() >> 40) as u32 | 0x4000_0000));
            let b = f64::from(f32::from_bits((next() >> 40) as u32 | 0x4000_0000));
            same_as_display(a);
            same_as_display((a + b) / 2.0);
            same_as_display((a + b + a) / 3.0);
        }
    }

    /// A million numbers drawn as random bit patterns (every magnitude,
    /// subnormals included) and as random values of the sizes the files
    /// hold.
    #[test]
    fn random_numbers_are_written_as_display_writes_them() {
        let mut next = bit_patterns(0x9e37_79b9_7f4a_7c15);
        for _ in 0..500_000 {
            let x = f64::from_bits(next());
            same_as_display(x);
            let y = (next() >> 11) as f64 / (1u64 << 53) as f64;
            same_as_display(y * 10.0 - 5.0);
        }
    }
}
