//! Deciding a random event without computing its chance where a bound
//! already decides it: the same uniform, the same answer as
//! [`crate::rng::bernoulli`] of the chance, mostly without an `exp`.
//!
//! Attendance and replies have a logistic chance of their log-odds, decided
//! by one uniform `u` and `u < chance`. The logistic rises, so on a fine
//! grid of log-odds (−16 to 16 by 1/32, tabled once) the chance lies
//! between its values at the two grid points around the log-odds. A
//! uniform below the lower value (less a margin of 10^−12, thousands of
//! times the rounding of either side) is below the chance; one at or above
//! the upper value (plus the margin) is not. Only a uniform within the grid
//! step's rise of the chance (under 1% of draws) needs the exponential, and
//! log-odds off the grid always take it. The test holds it against the
//! plain computation over 400,000 draws.
//!
//! Dropout has a chance `min(1, scale · e^exponent)`, decided the same way
//! on a grid of the exponential: the chance lies between the scale times
//! its values at the grid points around the exponent (the rounded product
//! rises with either factor), each widened by a relative margin of 10^−12.
//! Its hazard is small, so nearly every uniform is above the upper bound.

use std::sync::OnceLock;

use super::logistic;

/// The grid's arguments run from −`GRID_END` to `GRID_END`.
const GRID_END: f64 = 16.0;
const STEPS_PER_UNIT: f64 = 32.0;
const GRID_POINTS: usize = 1025;
/// Far wider than the error of the logistic's `exp` (under an ulp) and
/// of the roundings around it.
const MARGIN: f64 = 1e-12;

/// A curve's values at the grid's points.
struct Tabled([f64; GRID_POINTS]);

impl Tabled {
    fn of(curve: impl Fn(f64) -> f64) -> Tabled {
        Tabled(std::array::from_fn(|k| {
            curve(k as f64 / STEPS_PER_UNIT - GRID_END)
        }))
    }

    /// The curve's values at the grid points either side of `x`, or `None`
    /// off the grid.
    #[inline]
    fn around(&self, x: f64) -> Option<(f64, f64)> {
        let at = (x + GRID_END) * STEPS_PER_UNIT;
        if at >= 0.0 && at < (GRID_POINTS - 1) as f64 {
            // Through i32 (one instruction and a fix-up), not usize.
            let k = at as i32 as usize;
            Some((self.0[k], self.0[k + 1]))
        } else {
            None
        }
    }
}

fn logistic_grid() -> &'static Tabled {
    static GRID: OnceLock<Tabled> = OnceLock::new();
    GRID.get_or_init(|| Tabled::of(logistic))
}

fn exp_grid() -> &'static Tabled {
    static GRID: OnceLock<Tabled> = OnceLock::new();
    GRID.get_or_init(|| Tabled::of(libm::exp))
}

/// Whether an event with these log-odds happens: `u < logistic(log_odds)`.
#[inline]
pub fn happens_with_log_odds(u: f64, log_odds: f64) -> bool {
    if let Some((low, high)) = logistic_grid().around(log_odds) {
        if u < low - MARGIN {
            return true;
        }
        if u >= high + MARGIN {
            return false;
        }
    }
    u < logistic(log_odds)
}

/// Whether an event with chance `min(1, scale · e^exponent)` happens (a
/// scale of at least 0): `u` below the chance, computed as
/// `(scale * libm::exp(exponent)).min(1.0)`.
#[inline]
pub fn happens_with_scaled_exp(u: f64, scale: f64, exponent: f64) -> bool {
    if scale >= 0.0
        && let Some((low, high)) = exp_grid().around(exponent)
    {
        if u < scale * low * (1.0 - MARGIN) {
            return true;
        }
        if u >= scale * high * (1.0 + MARGIN) {
            return false;
        }
    }
    u < (scale * libm::exp(exponent)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, Stream, StreamKey, bernoulli, uniform};

    /// Arguments across the grid, past both ends, on grid points and just
    /// beside them.
    fn argument(n: u32) -> f64 {
        match n % 4 {
            0 => (f64::from(n) * 0.618_034).rem_euclid(40.0) - 20.0,
            1 => f64::from(n % 1025) / 32.0 - 16.0,
            2 => (f64::from(n) * 0.1).sin() * 3.0,
            _ => f64::from(n % 7) - 3.0 + 1e-15,
        }
    }

    /// Both ways of deciding, each on its own copy of one stream, agree on
    /// 400,000 events, of which many happen and many do not, and leave the
    /// streams alike.
    fn same_decisions(
        fast: impl Fn(&mut Stream, u32) -> bool,
        plain: impl Fn(&mut Stream, u32) -> bool,
    ) {
        let mut a = StreamKey::new(9, 0, 3, 1).stream(Purpose::Attendance);
        let mut b = a.clone();
        let mut happened = 0;
        for n in 0..400_000u32 {
            let decided = fast(&mut a, n);
            assert_eq!(decided, plain(&mut b, n), "event {n}");
            happened += u32::from(decided);
        }
        assert!(happened > 10_000 && happened < 390_000, "{happened}");
        assert_eq!(uniform(&mut a), uniform(&mut b));
    }

    #[test]
    fn an_event_by_its_log_odds_happens_exactly_when_a_bernoulli_of_its_chance_would() {
        same_decisions(
            |draws, n| happens_with_log_odds(uniform(draws), argument(n)),
            |draws, n| bernoulli(draws, logistic(argument(n))),
        );
    }

    #[test]
    fn an_event_by_its_scaled_exponential_happens_exactly_when_a_bernoulli_of_its_chance_would() {
        // Scales from a dropout hazard's to one that often reaches 1, and
        // exponents on and off the grid.
        let scale = |n: u32| [0.013, 0.05, 0.3, 1.0, 2.5, 0.0][(n % 6) as usize];
        same_decisions(
            |draws, n| happens_with_scaled_exp(uniform(draws), scale(n), argument(n / 6)),
            |draws, n| bernoulli(draws, (scale(n) * libm::exp(argument(n / 6))).min(1.0)),
        );
    }

    #[test]
    fn the_grid_rises_and_holds_the_logistic_far_within_the_margin() {
        for k in 0..GRID_POINTS - 1 {
            let x = k as f64 / STEPS_PER_UNIT - GRID_END;
            let l = &logistic_grid().0;
            assert!(l[k] <= l[k + 1]);
            assert!((l[k] - logistic(x)).abs() < MARGIN / 1000.0);
        }
    }
}
