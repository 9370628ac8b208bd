//! Small statistics for summaries and tests: running moments, t-based
//! confidence intervals over replicates, standardised mean differences.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Count, sum and sum of squares, added in a fixed order.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Moments {
    pub n: u64,
    pub sum: f64,
    pub sum_sq: f64,
}

impl Moments {
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }

    pub fn mean(&self) -> f64 {
        self.sum / self.n as f64
    }

    /// Sample variance (n − 1 in the denominator).
    pub fn variance(&self) -> f64 {
        let n = self.n as f64;
        ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0)
    }
}

/// A mean with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    /// Half-width of the 95% interval; `None` with fewer than two values.
    pub half_width: Option<f64>,
}

/// Mean of `values` with a t-based 95% confidence interval.
pub fn mean_ci(values: &[f64]) -> Estimate {
    let mut m = Moments::default();
    values.iter().for_each(|&x| m.push(x));
    let half_width = (m.n >= 2).then(|| {
        let t = StudentsT::new(0.0, 1.0, (m.n - 1) as f64)
            .expect("positive degrees of freedom")
            .inverse_cdf(0.975);
        t * (m.variance() / m.n as f64).sqrt()
    });
    Estimate {
        mean: m.mean(),
        half_width,
    }
}

/// (mean of a − mean of b) / pooled standard deviation (Cohen's d).
pub fn standardized_difference(a: &Moments, b: &Moments) -> f64 {
    let (na, nb) = (a.n as f64, b.n as f64);
    let pooled = (((na - 1.0) * a.variance() + (nb - 1.0) * b.variance()) / (na + nb - 2.0)).sqrt();
    (a.mean() - b.mean()) / pooled
}

/// One member's time in the group: sessions belonged, and whether the time
/// ended in dropout (`true`) or was censored (graduated, or still there).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duration {
    pub sessions: u32,
    pub dropped_out: bool,
}

/// Kaplan–Meier estimate of the probability of not having dropped out after
/// each of the sessions 0..=last. Graduation and the end of the run censor.
pub fn kaplan_meier(durations: &[Duration], last: u32) -> Vec<f64> {
    let mut events = vec![0u64; last as usize + 2];
    let mut exits = vec![0u64; last as usize + 2];
    for d in durations {
        let t = d.sessions.min(last + 1) as usize;
        exits[t] += 1;
        if d.dropped_out {
            events[t] += 1;
        }
    }
    let mut at_risk = durations.len() as u64;
    let mut survival = 1.0;
    let mut curve = Vec::with_capacity(last as usize + 1);
    for t in 0..=last as usize {
        if at_risk > 0 {
            survival *= 1.0 - events[t] as f64 / at_risk as f64;
        }
        curve.push(survival);
        at_risk -= exits[t];
    }
    curve
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_matches_a_hand_computation() {
        // 1..=5: mean 3, sd 1.5811, t(4, .975) = 2.7764, half-width 1.9632.
        let e = mean_ci(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(e.mean, 3.0);
        assert!((e.half_width.unwrap() - 1.9632).abs() < 1e-3);
        assert_eq!(mean_ci(&[2.0]).half_width, None);
    }

    #[test]
    fn kaplan_meier_handles_censoring_by_hand() {
        // 4 people: dropout at 1, censored at 2, dropout at 3, censored at 3.
        // S(1) = 3/4; S(2) = 3/4; S(3) = 3/4 * (1 - 1/2) = 3/8.
        let d = |sessions, dropped_out| Duration {
            sessions,
            dropped_out,
        };
        let km = kaplan_meier(&[d(1, true), d(2, false), d(3, true), d(3, false)], 3);
        assert_eq!(km, vec![1.0, 0.75, 0.75, 0.375]);
    }

    #[test]
    fn cohens_d_of_two_shifted_samples() {
        let (mut a, mut b) = (Moments::default(), Moments::default());
        for x in [1.0, 2.0, 3.0] {
            a.push(x + 1.0);
            b.push(x);
        }
        assert!((standardized_difference(&a, &b) - 1.0).abs() < 1e-12);
    }
}
