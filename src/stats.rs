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
    fn cohens_d_of_two_shifted_samples() {
        let (mut a, mut b) = (Moments::default(), Moments::default());
        for x in [1.0, 2.0, 3.0] {
            a.push(x + 1.0);
            b.push(x);
        }
        assert!((standardized_difference(&a, &b) - 1.0).abs() < 1e-12);
    }
}
