//! Global sensitivity analysis: the designs and the estimators.
//!
//! Two methods, each a design (the points of the unit cube at which the
//! model is run) and an estimator (indices from the outputs at those
//! points, in the design's order):
//!
//! - **Sobol indices** on a Saltelli design: two matrices A and B of `n`
//!   rows and `k` columns from one Sobol low-discrepancy sequence of
//!   dimension 2k (the `sobol` crate, Joe–Kuo direction numbers), and for
//!   each factor j the matrix AB_j (A with column j from B). First-order
//!   indices by Saltelli et al. (2010), S_j = mean(f_B (f_ABj − f_A)) / V;
//!   total indices by Jansen (1999), ST_j = mean((f_A − f_ABj)²) / 2V; V
//!   the variance of f_A and f_B together. Bootstrap percentile intervals
//!   resample the n rows.
//! - **Morris elementary effects** (Morris 1991; μ* of Campolongo et al.
//!   2007): `r` trajectories of k + 1 points on a p-level grid, each
//!   moving one factor by Δ = p / (2(p − 1)) at a time, in a random order;
//!   per factor the mean effect μ, the mean absolute effect μ* and the
//!   standard deviation σ.
//!
//! Everything here is pure and deterministic: a design is fixed by its
//! sizes and seed, and an estimate by the outputs.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use sobol::Sobol;
use sobol::params::JoeKuoD6;

/// A Saltelli design of `n` rows over `k` factors in the unit cube.
#[derive(Debug, Clone, PartialEq)]
pub struct SaltelliDesign {
    pub k: usize,
    pub n: usize,
    a: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
}

impl SaltelliDesign {
    /// Rows 1..=n of the Sobol sequence of dimension 2k (row 0, all zeros,
    /// is skipped): the first k columns are A, the last k are B.
    pub fn new(k: usize, n: usize) -> SaltelliDesign {
        let params = JoeKuoD6::minimal();
        let rows: Vec<Vec<f64>> = Sobol::<f64>::new(2 * k, &params).skip(1).take(n).collect();
        SaltelliDesign {
            k,
            n,
            a: rows.iter().map(|r| r[..k].to_vec()).collect(),
            b: rows.iter().map(|r| r[k..].to_vec()).collect(),
        }
    }

    /// Points per row: A, B, then AB_1..AB_k.
    pub fn points_per_row(&self) -> usize {
        self.k + 2
    }

    /// Every point, row by row: A_i, B_i, AB_i^1, …, AB_i^k.
    pub fn points(&self) -> Vec<Vec<f64>> {
        let mut points = Vec::with_capacity(self.n * self.points_per_row());
        for (a, b) in self.a.iter().zip(&self.b) {
            points.push(a.clone());
            points.push(b.clone());
            for j in 0..self.k {
                let mut ab = a.clone();
                ab[j] = b[j];
                points.push(ab);
            }
        }
        points
    }
}

/// First-order and total indices per factor.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolIndices {
    pub first: Vec<f64>,
    pub total: Vec<f64>,
}

/// The indices from outputs at a design's points (in [`SaltelliDesign::points`]
/// order), using only the rows in `rows` (all of them, or a bootstrap
/// resample).
fn indices_of(k: usize, outputs: &[f64], rows: &[usize]) -> SobolIndices {
    let per_row = k + 2;
    let f = |row: usize, column: usize| outputs[row * per_row + column];
    let m = rows.len() as f64;
    let (mut sum, mut sum_sq) = (0.0, 0.0);
    for &i in rows {
        for y in [f(i, 0), f(i, 1)] {
            sum += y;
            sum_sq += y * y;
        }
    }
    let mean = sum / (2.0 * m);
    let variance = sum_sq / (2.0 * m) - mean * mean;
    let mut first = vec![0.0; k];
    let mut total = vec![0.0; k];
    for j in 0..k {
        let (mut s, mut t) = (0.0, 0.0);
        for &i in rows {
            let (a, b, ab) = (f(i, 0), f(i, 1), f(i, 2 + j));
            s += b * (ab - a);
            t += (a - ab) * (a - ab);
        }
        if variance > 0.0 {
            first[j] = s / m / variance;
            total[j] = t / m / (2.0 * variance);
        }
    }
    SobolIndices { first, total }
}

/// Sobol indices from the outputs at a design's points.
pub fn sobol_indices(design: &SaltelliDesign, outputs: &[f64]) -> SobolIndices {
    assert_eq!(outputs.len(), design.n * design.points_per_row());
    let rows: Vec<usize> = (0..design.n).collect();
    indices_of(design.k, outputs, &rows)
}

/// A 95% interval per index: (first-order, total) bounds per factor.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals {
    pub first: Vec<(f64, f64)>,
    pub total: Vec<(f64, f64)>,
}

/// Bootstrap percentile intervals (2.5% and 97.5%) of the indices over
/// `resamples` resamples of the design's rows, drawn from `seed`.
pub fn bootstrap(
    design: &SaltelliDesign,
    outputs: &[f64],
    resamples: usize,
    seed: u64,
) -> Intervals {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut firsts = vec![Vec::with_capacity(resamples); design.k];
    let mut totals = vec![Vec::with_capacity(resamples); design.k];
    for _ in 0..resamples {
        let rows: Vec<usize> = (0..design.n)
            .map(|_| rng.random_range(0..design.n))
            .collect();
        let s = indices_of(design.k, outputs, &rows);
        for j in 0..design.k {
            firsts[j].push(s.first[j]);
            totals[j].push(s.total[j]);
        }
    }
    Intervals {
        first: firsts.iter_mut().map(|v| percentile_interval(v)).collect(),
        total: totals.iter_mut().map(|v| percentile_interval(v)).collect(),
    }
}

fn percentile_interval(values: &mut [f64]) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    (at(0.025), at(0.975))
}

/// A Morris design: `r` trajectories of k + 1 points each.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisDesign {
    pub k: usize,
    pub levels: usize,
    pub delta: f64,
    /// Each trajectory's points, and the factor moved (with its signed
    /// step) between point i and i + 1.
    pub trajectories: Vec<Trajectory>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    pub points: Vec<Vec<f64>>,
    pub moves: Vec<(usize, f64)>,
}

impl MorrisDesign {
    /// `r` trajectories on a grid of `levels` (even, at least 2) values
    /// per factor, from `seed`.
    pub fn new(k: usize, r: usize, levels: usize, seed: u64) -> MorrisDesign {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let delta = levels as f64 / (2.0 * (levels as f64 - 1.0));
        let grid = |i: usize| i as f64 / (levels as f64 - 1.0);
        let trajectories = (0..r)
            .map(|_| {
                let mut x: Vec<f64> = (0..k).map(|_| grid(rng.random_range(0..levels))).collect();
                let mut order: Vec<usize> = (0..k).collect();
                for i in (1..k).rev() {
                    order.swap(i, rng.random_range(0..=i));
                }
                let mut points = vec![x.clone()];
                let mut moves = Vec::with_capacity(k);
                for j in order {
                    let step = if x[j] + delta <= 1.0 + 1e-12 {
                        delta
                    } else {
                        -delta
                    };
                    x[j] += step;
                    points.push(x.clone());
                    moves.push((j, step));
                }
                Trajectory { points, moves }
            })
            .collect();
        MorrisDesign {
            k,
            levels,
            delta,
            trajectories,
        }
    }

    /// Every point, trajectory by trajectory.
    pub fn points(&self) -> Vec<Vec<f64>> {
        self.trajectories
            .iter()
            .flat_map(|t| t.points.iter().cloned())
            .collect()
    }
}

/// Morris measures per factor.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisEffects {
    pub mu: Vec<f64>,
    pub mu_star: Vec<f64>,
    pub sigma: Vec<f64>,
}

/// μ, μ* and σ per factor from the outputs at a design's points.
pub fn morris_effects(design: &MorrisDesign, outputs: &[f64]) -> MorrisEffects {
    let per = design.k + 1;
    assert_eq!(outputs.len(), design.trajectories.len() * per);
    let mut effects = vec![Vec::new(); design.k];
    for (t, trajectory) in design.trajectories.iter().enumerate() {
        let y = &outputs[t * per..(t + 1) * per];
        for (i, &(j, step)) in trajectory.moves.iter().enumerate() {
            effects[j].push((y[i + 1] - y[i]) / step);
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let mu: Vec<f64> = effects.iter().map(|e| mean(e)).collect();
    let mu_star = effects
        .iter()
        .map(|e| mean(&e.iter().map(|x| x.abs()).collect::<Vec<_>>()))
        .collect();
    let sigma = effects
        .iter()
        .zip(&mu)
        .map(|(e, m)| {
            let n = e.len() as f64;
            (e.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt()
        })
        .collect();
    MorrisEffects { mu, mu_star, sigma }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Ishigami function on [−π, π]³ (a = 7, b = 0.1), whose Sobol
    /// indices are known in closed form.
    fn ishigami(x: &[f64]) -> f64 {
        let pi = std::f64::consts::PI;
        let [x1, x2, x3] = [0, 1, 2].map(|i| -pi + 2.0 * pi * x[i]);
        libm::sin(x1) + 7.0 * libm::sin(x2).powi(2) + 0.1 * x3.powi(4) * libm::sin(x1)
    }

    /// Analytic indices of Ishigami (a = 7, b = 0.1).
    fn ishigami_indices() -> ([f64; 3], [f64; 3]) {
        let pi4 = std::f64::consts::PI.powi(4);
        let (a, b) = (7.0, 0.1);
        let v1 = 0.5 * (1.0 + b * pi4 / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * pi4 * pi4 * 8.0 / 225.0;
        let v = v1 + v2 + v13;
        ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v])
    }

    #[test]
    fn sobol_indices_of_ishigami_match_the_closed_form() {
        let design = SaltelliDesign::new(3, 1 << 13);
        let outputs: Vec<f64> = design.points().iter().map(|x| ishigami(x)).collect();
        let s = sobol_indices(&design, &outputs);
        let (first, total) = ishigami_indices();
        assert!((first[0] - 0.3139).abs() < 1e-3 && (total[2] - 0.2437).abs() < 1e-3);
        for j in 0..3 {
            assert!((s.first[j] - first[j]).abs() < 0.02, "S{j}: {s:?}");
            assert!((s.total[j] - total[j]).abs() < 0.02, "ST{j}: {s:?}");
        }
        let ci = bootstrap(&design, &outputs, 200, 7);
        for (j, &(lo, hi)) in ci.total.iter().enumerate() {
            assert!(
                lo <= total[j] && total[j] <= hi,
                "ST{j} {} not in {lo}..{hi}",
                total[j]
            );
        }
    }

    #[test]
    fn a_factor_the_function_never_reads_has_indices_near_zero() {
        let design = SaltelliDesign::new(4, 1 << 11);
        // The fourth factor is never read.
        let outputs: Vec<f64> = design.points().iter().map(|x| ishigami(&x[..3])).collect();
        let s = sobol_indices(&design, &outputs);
        assert_eq!(s.total[3], 0.0);
        assert_eq!(s.first[3], 0.0);
    }

    #[test]
    fn morris_effects_of_a_linear_model_are_its_coefficients() {
        let c = [3.0, -2.0, 0.5, 0.0];
        let design = MorrisDesign::new(4, 20, 4, 11);
        let outputs: Vec<f64> = design
            .points()
            .iter()
            .map(|x| x.iter().zip(c).map(|(x, c)| x * c).sum())
            .collect();
        let e = morris_effects(&design, &outputs);
        for (j, cj) in c.into_iter().enumerate() {
            assert!((e.mu[j] - cj).abs() < 1e-9, "{e:?}");
            assert!((e.mu_star[j] - cj.abs()).abs() < 1e-9, "{e:?}");
            assert!(e.sigma[j] < 1e-9, "{e:?}");
        }
    }

    #[test]
    fn morris_trajectories_stay_in_the_unit_cube_and_move_one_factor_at_a_time() {
        let design = MorrisDesign::new(5, 10, 4, 3);
        assert!((design.delta - 2.0 / 3.0).abs() < 1e-12);
        for t in &design.trajectories {
            assert_eq!(t.points.len(), 6);
            for (w, &(j, _)) in t.points.windows(2).zip(&t.moves) {
                let moved: Vec<usize> = (0..5).filter(|&i| w[0][i] != w[1][i]).collect();
                assert_eq!(moved, [j]);
            }
            assert!(
                t.points
                    .iter()
                    .flatten()
                    .all(|&x| (-1e-12..=1.0 + 1e-12).contains(&x))
            );
        }
    }

    #[test]
    fn designs_are_fixed_by_their_sizes_and_seed() {
        assert_eq!(SaltelliDesign::new(3, 64), SaltelliDesign::new(3, 64));
        assert_eq!(MorrisDesign::new(3, 5, 4, 9), MorrisDesign::new(3, 5, 4, 9));
        assert_ne!(
            MorrisDesign::new(3, 5, 4, 9),
            MorrisDesign::new(3, 5, 4, 10)
        );
    }
}
