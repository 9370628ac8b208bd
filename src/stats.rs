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

    /// Adds another's members (call in a fixed order).
    pub fn add(&mut self, o: &Moments) {
        self.n += o.n;
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
    }

    /// Sample variance (n − 1 in the denominator).
    pub fn variance(&self) -> f64 {
        let n = self.n as f64;
        ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0)
    }
}

/// Moments of a variable measured on members of several groups, kept so
/// that groups can be added one at a time (in group order) and the share of
/// the variance that lies between groups computed at the end.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GroupedMoments {
    /// All members of all groups added.
    pub all: Moments,
    /// Sum over groups of the squared deviations from the group's own mean.
    pub within_ss: f64,
    /// Groups with at least one member.
    pub groups: u64,
    /// Sum over groups of the squared group size.
    pub size_sq: u64,
}

impl GroupedMoments {
    /// Adds one group's members.
    pub fn add_group(&mut self, g: &Moments) {
        if g.n == 0 {
            return;
        }
        self.all.add(g);
        self.within_ss += (g.sum_sq - g.sum * g.sum / g.n as f64).max(0.0);
        self.groups += 1;
        self.size_sq += g.n * g.n;
    }

    /// Adds the groups held by another.
    pub fn add(&mut self, o: &GroupedMoments) {
        self.all.add(&o.all);
        self.within_ss += o.within_ss;
        self.groups += o.groups;
        self.size_sq += o.size_sq;
    }

    /// The one-way ANOVA estimate of the intraclass correlation, ICC(1):
    /// (MSB − MSW) / (MSB + (n₀ − 1)·MSW), with n₀ = (N − Σn²/N)/(k − 1) for
    /// groups of unequal size. Near 0 when groups differ only by chance (it
    /// can then be slightly negative); `None` with fewer than two groups,
    /// no member beyond one per group, or no variance at all.
    pub fn between_group_share(&self) -> Option<f64> {
        let (n, k) = (self.all.n as f64, self.groups as f64);
        if self.groups < 2 || self.all.n <= self.groups {
            return None;
        }
        let total_ss = (self.all.sum_sq - self.all.sum * self.all.sum / n).max(0.0);
        let between_ss = (total_ss - self.within_ss).max(0.0);
        let msb = between_ss / (k - 1.0);
        let msw = self.within_ss / (n - k);
        let n0 = (n - self.size_sq as f64 / n) / (k - 1.0);
        let den = msb + (n0 - 1.0) * msw;
        (den > 0.0).then(|| (msb - msw) / den)
    }
}

/// A mean with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    /// Half-width of the 95% interval; `None` with fewer than two values.
    pub half_width: Option<f64>,
}

/// Decimal places to show a figure whose 95% interval has half-width
/// `half_width`: at least `usual`, and enough for the half-width's first
/// significant digit (at most 6), so that an interval is never rounded to
/// a point.
pub fn digits_for(half_width: f64, usual: usize) -> usize {
    if half_width.is_finite() && half_width > 0.0 {
        let needed = (-half_width.log10()).ceil().max(0.0) as usize;
        needed.clamp(usual, 6)
    } else {
        usual
    }
}

/// The 0.975 quantile of Student's t with `freedom` degrees of freedom
/// (at least 1). The first 64 found are kept on each thread: a summary
/// asks for the same few (its replicates less one) thousands of times,
/// and each costs an iterative inversion of the distribution function.
/// The same bits as finding it afresh.
fn t_975(freedom: u64) -> f64 {
    thread_local! {
        static FOUND: std::cell::RefCell<Vec<(u64, f64)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    FOUND.with_borrow_mut(|found| {
        if let Some(&(_, t)) = found.iter().find(|(f, _)| *f == freedom) {
            return t;
        }
        let t = StudentsT::new(0.0, 1.0, freedom as f64)
            .expect("positive degrees of freedom")
            .inverse_cdf(0.975);
        if found.len() < 64 {
            found.push((freedom, t));
        }
        t
    })
}

/// Mean of `values` with a t-based 95% confidence interval.
pub fn mean_ci(values: &[f64]) -> Estimate {
    let mut m = Moments::default();
    values.iter().for_each(|&x| m.push(x));
    let half_width = (m.n >= 2).then(|| t_975(m.n - 1) * (m.variance() / m.n as f64).sqrt());
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

/// How a member's time in the group ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Left before being better.
    Dropout,
    /// Left because they were better.
    Graduation,
    /// Still there at the end of the run.
    Censored,
}

/// One member's time in the group: sessions belonged, and how it ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duration {
    pub sessions: u32,
    pub ending: Ending,
}

/// Counts per tenure 0..=last (longer tenures pooled at last + 1).
struct Exits {
    dropout: Vec<u64>,
    graduation: Vec<u64>,
    all: Vec<u64>,
}

fn exits(durations: &[Duration], last: u32) -> Exits {
    let n = last as usize + 2;
    let mut e = Exits {
        dropout: vec![0; n],
        graduation: vec![0; n],
        all: vec![0; n],
    };
    for d in durations {
        let t = d.sessions.min(last + 1) as usize;
        e.all[t] += 1;
        match d.ending {
            Ending::Dropout => e.dropout[t] += 1,
            Ending::Graduation => e.graduation[t] += 1,
            Ending::Censored => {}
        }
    }
    e
}

/// Kaplan–Meier estimate of the probability of not having dropped out after
/// each of the sessions 0..=last. Graduation and the end of the run censor.
pub fn kaplan_meier(durations: &[Duration], last: u32) -> Vec<f64> {
    let e = exits(durations, last);
    let mut at_risk = durations.len() as u64;
    let mut survival = 1.0;
    let mut curve = Vec::with_capacity(last as usize + 1);
    for t in 0..=last as usize {
        if at_risk > 0 {
            survival *= 1.0 - e.dropout[t] as f64 / at_risk as f64;
        }
        curve.push(survival);
        at_risk -= e.all[t];
    }
    curve
}

/// Cumulative incidence of graduation after each of the sessions 0..=last,
/// with dropout as a competing event (the Aalen–Johansen estimator):
/// the sum over tenures u <= t of S(u−) · graduations(u) / at risk(u), where
/// S is the probability of still being in the group.
pub fn graduation_incidence(durations: &[Duration], last: u32) -> Vec<f64> {
    let e = exits(durations, last);
    let mut at_risk = durations.len() as u64;
    let mut still_in = 1.0;
    let mut incidence = 0.0;
    let mut curve = Vec::with_capacity(last as usize + 1);
    for t in 0..=last as usize {
        if at_risk > 0 {
            let n = at_risk as f64;
            incidence += still_in * e.graduation[t] as f64 / n;
            still_in *= 1.0 - (e.dropout[t] + e.graduation[t]) as f64 / n;
        }
        curve.push(incidence);
        at_risk -= e.all[t];
    }
    curve
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_kept_are_those_found_afresh() {
        // Past the 64 kept, the rest are found afresh each time.
        for round in 0..2 {
            for freedom in 1..100u64 {
                let afresh = StudentsT::new(0.0, 1.0, freedom as f64)
                    .unwrap()
                    .inverse_cdf(0.975);
                assert_eq!(
                    t_975(freedom).to_bits(),
                    afresh.to_bits(),
                    "{freedom} ({round})"
                );
            }
        }
    }

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
        let d = |sessions, ending| Duration { sessions, ending };
        let (drop, grad, cens) = (Ending::Dropout, Ending::Graduation, Ending::Censored);
        let km = kaplan_meier(&[d(1, drop), d(2, grad), d(3, drop), d(3, cens)], 3);
        assert_eq!(km, vec![1.0, 0.75, 0.75, 0.375]);
    }

    #[test]
    fn graduation_incidence_by_hand() {
        // 4 people: dropout at 1, graduation at 2, graduation at 3, censored at 3.
        // At 2: S(1) = 3/4, 1 of 3 at risk graduates: 1/4.
        // At 3: S(2) = 3/4 * 2/3 = 1/2, 1 of 2 graduates: + 1/4 = 1/2.
        let d = |sessions, ending| Duration { sessions, ending };
        let (drop, grad, cens) = (Ending::Dropout, Ending::Graduation, Ending::Censored);
        let cif = graduation_incidence(&[d(1, drop), d(2, grad), d(3, grad), d(3, cens)], 3);
        assert_eq!(cif, vec![0.0, 0.0, 0.25, 0.5]);
        // With no censoring it is the plain share graduated by each tenure.
        let all = [d(1, drop), d(2, grad), d(2, drop), d(4, grad)];
        assert_eq!(
            graduation_incidence(&all, 4),
            vec![0.0, 0.0, 0.25, 0.25, 0.5]
        );
    }

    #[test]
    fn intervals_are_shown_to_their_first_significant_digit() {
        assert_eq!(digits_for(0.12, 2), 2);
        assert_eq!(digits_for(0.004, 2), 3);
        assert_eq!(digits_for(0.0004, 2), 4);
        assert_eq!(digits_for(0.01, 2), 2);
        assert_eq!(digits_for(0.0, 2), 2);
        assert_eq!(digits_for(1e-12, 2), 6);
        assert_eq!(digits_for(3.0, 3), 3);
        // A half-width of 0.004 at three places is 0.004, not 0.00.
        assert_eq!(format!("{:.*}", digits_for(0.004, 2), 0.004), "0.004");
    }

    #[test]
    fn between_group_share_matches_a_hand_computation() {
        // Groups {1, 2, 3} and {5, 6, 7}: MSB = 24, MSW = 1, n0 = 3,
        // ICC = (24 - 1) / (24 + 2) = 23/26.
        let mut g = GroupedMoments::default();
        for values in [[1.0, 2.0, 3.0], [5.0, 6.0, 7.0]] {
            let mut m = Moments::default();
            values.iter().for_each(|&x| m.push(x));
            g.add_group(&m);
        }
        assert!((g.between_group_share().unwrap() - 23.0 / 26.0).abs() < 1e-12);
        // Identical group means: all variance within, ICC = -1/(n0 - 1).
        let mut same = GroupedMoments::default();
        for values in [[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]] {
            let mut m = Moments::default();
            values.iter().for_each(|&x| m.push(x));
            same.add_group(&m);
        }
        assert!((same.between_group_share().unwrap() + 0.5).abs() < 1e-12);
        assert_eq!(GroupedMoments::default().between_group_share(), None);
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
