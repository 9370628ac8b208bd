//! Adaptive population Monte Carlo ABC (Lenormand, Jabot and Deffuant
//! 2013): a posterior sample of the free parameters, in the unit cube of
//! their prior ranges, from generations of fixed size.
//!
//! Generation 0 draws `n` particles from the prior (uniform on the cube)
//! and keeps the best `n·α` by distance; the tolerance ε is the largest
//! distance kept. Each later generation proposes `n − n·α` new particles:
//! a kept particle drawn by weight, moved by a normal kernel with twice the
//! kept particles' weighted covariance (Beaumont et al. 2009), drawn again
//! until inside the cube. A new particle's weight is its prior density over
//! the density it was drawn from: the kernel mixture's density at it,
//! divided by the mixture's mass inside the cube (estimated by the share of
//! draws that land inside, with ten thousand extra draws), so that
//! particles of different generations are weighed on one scale. The kept and the new are pooled and
//! the best `n·α` kept again; the share of new particles closer than the
//! old ε is the acceptance rate, and the algorithm stops when it falls
//! below `min_acceptance`.
//!
//! Every generation's simulations are fixed before any runs (`n` in
//! generation 0, `n − n·α` in each later one): the engine runs a
//! generation as an experiment whose points are its particles. Everything
//! here is pure: a generation is fixed by the previous one, the distances
//! and the seed.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The algorithm's sizes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// The population: generation 0 simulates this many, each later one
    /// this many less those kept ([`Settings::kept`]).
    pub particles: usize,
    /// Share of them kept each generation.
    pub alpha: f64,
    /// Stop when fewer than this share of new particles beat the tolerance.
    pub min_acceptance: f64,
    /// The tolerance that is close enough: once the kept particles are all
    /// within it, the algorithm keeps every particle within it and stops
    /// (0: no floor, stop by the acceptance rate alone).
    pub floor: f64,
}

impl Settings {
    /// How many particles are kept each generation.
    pub fn kept(&self) -> usize {
        ((self.particles as f64 * self.alpha).round() as usize).clamp(2, self.particles - 1)
    }
}

/// The particles kept after a generation, with their importance weights
/// (prior density over the density they were proposed from, unnormalised:
/// particles kept from earlier generations keep theirs) and distances,
/// best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    pub points: Vec<Vec<f64>>,
    pub weights: Vec<f64>,
    pub distances: Vec<f64>,
    /// The largest kept distance.
    pub epsilon: f64,
    /// The share of this generation's new particles closer than the
    /// previous tolerance (`None` for generation 0).
    pub acceptance: Option<f64>,
}

impl Population {
    /// The weights, summing to 1.
    pub fn normalized(&self) -> Vec<f64> {
        let total: f64 = self.weights.iter().sum();
        self.weights.iter().map(|w| w / total).collect()
    }

    /// Whether the algorithm has converged: few new particles beat the
    /// previous tolerance, or the tolerance has reached the floor.
    pub fn done(&self, settings: &Settings) -> bool {
        self.acceptance
            .is_some_and(|rate| rate < settings.min_acceptance)
            || self.epsilon <= settings.floor
    }
}

/// Generation 0's particles: `n` uniform draws in the k-dimensional cube.
pub fn prior_sample(n: usize, k: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| (0..k).map(|_| rng.random::<f64>()).collect())
        .collect()
}

/// The best of (point, weight, distance), best first: the settings' share,
/// or every one within the floor when more are; ties broken by the order
/// given, so the result is fixed by its inputs. A particle at an infinite
/// distance (one its runs leave a target undefined for) is never kept, so
/// fewer than the share are kept when fewer are finite.
fn keep_best(
    candidates: Vec<(Vec<f64>, f64, f64)>,
    settings: &Settings,
) -> Vec<(Vec<f64>, f64, f64)> {
    let candidates: Vec<_> = candidates.into_iter().filter(|c| c.2.is_finite()).collect();
    let within = candidates.iter().filter(|c| c.2 <= settings.floor).count();
    let kept = settings.kept().max(within);
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| candidates[a].2.total_cmp(&candidates[b].2).then(a.cmp(&b)));
    order
        .into_iter()
        .take(kept)
        .map(|i| candidates[i].clone())
        .collect()
}

fn population(kept: Vec<(Vec<f64>, f64, f64)>, acceptance: Option<f64>) -> Population {
    let epsilon = kept.last().map_or(f64::INFINITY, |c| c.2);
    Population {
        points: kept.iter().map(|c| c.0.clone()).collect(),
        weights: kept.iter().map(|c| c.1).collect(),
        distances: kept.iter().map(|c| c.2).collect(),
        epsilon,
        acceptance,
    }
}

/// Generation 0: the prior sample's best particles, equally weighted.
pub fn first(settings: &Settings, points: Vec<Vec<f64>>, distances: &[f64]) -> Population {
    let candidates = points
        .into_iter()
        .zip(distances)
        .map(|(p, &d)| (p, 1.0, d))
        .collect();
    population(keep_best(candidates, settings), None)
}

/// The kernel: a normal with twice the population's weighted covariance,
/// as its lower Cholesky factor L (Σ₂ = L Lᵀ) and the log of its density's
/// normalising constant.
#[derive(Debug, Clone, PartialEq)]
pub struct Kernel {
    lower: Vec<Vec<f64>>,
    log_norm: f64,
}

impl Kernel {
    pub fn of(p: &Population) -> Kernel {
        let k = p.points[0].len();
        let weights = p.normalized();
        let mean: Vec<f64> = (0..k)
            .map(|j| p.points.iter().zip(&weights).map(|(x, w)| w * x[j]).sum())
            .collect();
        let mut cov = vec![vec![0.0; k]; k];
        for (x, w) in p.points.iter().zip(&weights) {
            for a in 0..k {
                for b in 0..k {
                    cov[a][b] += 2.0 * w * (x[a] - mean[a]) * (x[b] - mean[b]);
                }
            }
        }
        // A floor on the diagonal keeps the kernel proper when the kept
        // particles agree on a coordinate.
        for (j, row) in cov.iter_mut().enumerate() {
            row[j] += 1e-10;
        }
        let lower = cholesky(&cov);
        let log_det: f64 = lower
            .iter()
            .enumerate()
            .map(|(j, r)| 2.0 * libm::log(r[j]))
            .sum();
        let log_norm = -0.5 * (k as f64 * libm::log(2.0 * std::f64::consts::PI) + log_det);
        Kernel { lower, log_norm }
    }

    /// The density of a move by `d`.
    fn density(&self, d: &[f64]) -> f64 {
        // Solve L z = d; the exponent is −|z|²/2.
        let mut z = vec![0.0; d.len()];
        for i in 0..d.len() {
            let s: f64 = (0..i).map(|j| self.lower[i][j] * z[j]).sum();
            z[i] = (d[i] - s) / self.lower[i][i];
        }
        libm::exp(self.log_norm - 0.5 * z.iter().map(|v| v * v).sum::<f64>())
    }

    /// A move drawn from the kernel.
    fn draw(&self, rng: &mut Xoshiro256PlusPlus) -> Vec<f64> {
        let k = self.lower.len();
        let z: Vec<f64> = (0..k).map(|_| normal(rng)).collect();
        (0..k)
            .map(|i| (0..=i).map(|j| self.lower[i][j] * z[j]).sum())
            .collect()
    }
}

/// A standard normal deviate (polar method, on libm for portability).
fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    loop {
        let u = 2.0 * rng.random::<f64>() - 1.0;
        let v = 2.0 * rng.random::<f64>() - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            return u * libm::sqrt(-2.0 * libm::log(s) / s);
        }
    }
}

/// The lower Cholesky factor of a symmetric positive-definite matrix.
fn cholesky(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let k = a.len();
    let mut l = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = (0..j).map(|m| l[i][m] * l[j][m]).sum();
            if i == j {
                l[i][j] = libm::sqrt((a[i][i] - s).max(1e-300));
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    l
}

/// A generation's new particles, and the mass inside the cube of the
/// kernel mixture they were drawn from, which their weights divide by.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposals {
    pub points: Vec<Vec<f64>>,
    pub inside: f64,
}

/// Extra draws of the kernel mixture that only measure its mass inside the
/// cube: with the proposals' own few dozen, the estimate would be off by
/// 10–15%, and every new weight with it.
const MASS_DRAWS: u64 = 10_000;

/// The next generation's new particles: `particles − kept` draws, each a
/// kept particle chosen by weight and moved by the kernel, drawn again
/// until it lies in the cube; and the share of all draws (these and
/// `MASS_DRAWS` more, from a stream of their own) that lie inside.
pub fn propose(settings: &Settings, p: &Population, seed: u64) -> Proposals {
    let kernel = Kernel::of(p);
    let cumulative: Vec<f64> = p
        .normalized()
        .iter()
        .scan(0.0, |acc, w| {
            *acc += w;
            Some(*acc)
        })
        .collect();
    let draw = |rng: &mut Xoshiro256PlusPlus| -> Vec<f64> {
        let u = rng.random::<f64>() * cumulative[cumulative.len() - 1];
        let i = cumulative
            .partition_point(|&c| c <= u)
            .min(p.points.len() - 1);
        p.points[i]
            .iter()
            .zip(kernel.draw(rng))
            .map(|(x, d)| x + d)
            .collect()
    };
    let in_cube = |x: &[f64]| x.iter().all(|x| (0.0..=1.0).contains(x));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut attempts = 0u64;
    let points: Vec<Vec<f64>> = (0..settings.particles - settings.kept())
        .map(|_| {
            loop {
                attempts += 1;
                let moved = draw(&mut rng);
                if in_cube(&moved) {
                    break moved;
                }
            }
        })
        .collect();
    let mut mass = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x6d61_7373_0000_0000);
    let inside = (0..MASS_DRAWS)
        .filter(|_| in_cube(&draw(&mut mass)))
        .count() as u64;
    Proposals {
        inside: (points.len() as u64 + inside) as f64 / (attempts + MASS_DRAWS) as f64,
        points,
    }
}

/// The next population from the previous one, its proposals and their
/// distances.
pub fn next(
    settings: &Settings,
    p: &Population,
    proposals: Proposals,
    distances: &[f64],
) -> Population {
    let kernel = Kernel::of(p);
    let accepted = distances.iter().filter(|&&d| d < p.epsilon).count();
    let acceptance = accepted as f64 / distances.len().max(1) as f64;
    let mut candidates: Vec<(Vec<f64>, f64, f64)> = p
        .points
        .iter()
        .zip(&p.weights)
        .zip(&p.distances)
        .map(|((x, &w), &d)| (x.clone(), w, d))
        .collect();
    // New weights: prior density (1 on the cube) over the density they
    // were drawn from, the kernel mixture's truncated to the cube.
    let weights = p.normalized();
    let inside = proposals.inside;
    let new = proposals.points.into_iter().zip(distances).map(|(x, &d)| {
        let mixture: f64 = p
            .points
            .iter()
            .zip(&weights)
            .map(|(y, w)| {
                let diff: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
                w * kernel.density(&diff)
            })
            .sum();
        (x, inside / mixture.max(1e-300), d)
    });
    candidates.extend(new);
    population(keep_best(candidates, settings), Some(acceptance))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy model with a known posterior: the mean of 25 draws from a
    /// normal with mean θ (θ uniform on [0, 1]) and standard deviation 0.5;
    /// the distance is the absolute difference of means.
    fn simulate(theta: f64, seed: u64) -> f64 {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..25).map(|_| theta + 0.5 * normal(&mut rng)).sum::<f64>() / 25.0
    }

    fn fit(observed: f64, settings: &Settings, seed: u64) -> Population {
        let distances = |points: &[Vec<f64>], g: u64| -> Vec<f64> {
            points
                .iter()
                .enumerate()
                .map(|(i, x)| (simulate(x[0], seed ^ (g << 32) ^ i as u64) - observed).abs())
                .collect()
        };
        let start = prior_sample(settings.particles, 1, seed);
        let d = distances(&start, 0);
        let mut p = first(settings, start, &d);
        for g in 1..30 {
            let proposals = propose(settings, &p, seed + g);
            let d = distances(&proposals.points, g);
            p = next(settings, &p, proposals, &d);
            if p.done(settings) {
                break;
            }
        }
        p
    }

    fn weighted_mean_sd(p: &Population) -> (f64, f64) {
        let w = p.normalized();
        let m: f64 = p.points.iter().zip(&w).map(|(x, w)| w * x[0]).sum();
        let v: f64 = p
            .points
            .iter()
            .zip(&w)
            .map(|(x, w)| w * (x[0] - m).powi(2))
            .sum();
        (m, v.sqrt())
    }

    #[test]
    fn the_posterior_of_a_normal_mean_matches_the_closed_form() {
        // Posterior of θ given the observed mean: normal(observed, 0.1)
        // truncated to [0, 1]; with observed = 0.4 the truncation is
        // negligible. (Measured: mean 0.397, sd 0.104, final tolerance
        // 0.0085, last acceptance rate 0.033.)
        let settings = Settings {
            particles: 2000,
            alpha: 0.5,
            min_acceptance: 0.02,
            floor: 0.0,
        };
        let p = fit(0.4, &settings, 7);
        let (mean, sd) = weighted_mean_sd(&p);
        assert!((mean - 0.4).abs() < 0.02, "posterior mean {mean}");
        assert!((sd - 0.1).abs() < 0.02, "posterior sd {sd}");
        assert!(p.epsilon < 0.02, "tolerance {}", p.epsilon);
    }

    #[test]
    fn generations_are_fixed_by_their_inputs() {
        let settings = Settings {
            particles: 100,
            alpha: 0.5,
            min_acceptance: 0.05,
            floor: 0.0,
        };
        assert_eq!(fit(0.3, &settings, 3), fit(0.3, &settings, 3));
        let p = fit(0.3, &settings, 3);
        assert_eq!(p.points.len(), settings.kept());
        assert!((p.normalized().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(p.points.iter().all(|x| (0.0..=1.0).contains(&x[0])));
    }

    #[test]
    fn at_the_floor_every_particle_within_it_is_kept_and_the_run_stops() {
        let settings = Settings {
            particles: 200,
            alpha: 0.5,
            min_acceptance: 0.0,
            floor: 0.05,
        };
        let p = fit(0.4, &settings, 11);
        assert!(p.done(&settings));
        assert!(p.epsilon <= 0.05, "tolerance {}", p.epsilon);
        assert!(p.points.len() >= settings.kept());
        // Nothing within the floor was dropped: the kept are all within it,
        // and they are more than the usual share when the last generation
        // brought more.
        assert!(p.distances.iter().all(|&d| d <= 0.05));
        let (mean, _) = weighted_mean_sd(&p);
        assert!((mean - 0.4).abs() < 0.05, "posterior mean {mean}");
    }

    #[test]
    fn new_weights_are_on_the_prior_scale_even_when_the_cube_cuts_the_kernel() {
        // Kept particles at the cube's edge: three at 0 (half their
        // kernel's mass outside) and one at 0.1. The kernel's sd is
        // sqrt(2 · 0.001875) = 0.0612, so the mass inside is
        // (3 · 0.5 + Φ(0.1 / 0.0612)) / 4 = 0.612. Importance weights of
        // draws from the mixture truncated to the cube estimate prior
        // masses, here that of [0, 0.1] (0.1, where the draws are dense),
        // only when they divide by it (else 0.1 / 0.612 = 0.163).
        let p = Population {
            points: vec![vec![0.0], vec![0.0], vec![0.0], vec![0.1]],
            weights: vec![1.0; 4],
            distances: vec![1.0; 4],
            epsilon: 1.0,
            acceptance: None,
        };
        let settings = Settings {
            particles: 20_004,
            alpha: 4.0 / 20_004.0,
            min_acceptance: 0.0,
            floor: 0.0,
        };
        let proposals = propose(&settings, &p, 5);
        assert_eq!(proposals.points.len(), 20_000);
        assert!(
            (proposals.inside - 0.612).abs() < 0.01,
            "inside {}",
            proposals.inside
        );
        // Every new particle is within the floor (distance 0), so all are
        // kept and the old ones (distance 1) are not.
        let next = next(&settings, &p, proposals, &[0.0; 20_000]);
        assert_eq!(next.points.len(), 20_000);
        let mass: f64 = next
            .points
            .iter()
            .zip(&next.weights)
            .filter(|(x, _)| x[0] <= 0.1)
            .map(|(_, w)| w)
            .sum::<f64>()
            / 20_000.0;
        assert!((mass - 0.1).abs() < 0.005, "prior mass of [0, 0.1]: {mass}");
    }

    #[test]
    fn a_particle_at_an_infinite_distance_is_never_kept() {
        let settings = Settings {
            particles: 6,
            alpha: 0.5,
            min_acceptance: 0.05,
            floor: 0.0,
        };
        let points: Vec<Vec<f64>> = (0..6).map(|i| vec![i as f64 / 6.0]).collect();
        let inf = f64::INFINITY;
        let p = first(&settings, points, &[inf, 0.3, inf, inf, 0.1, inf]);
        assert_eq!(p.points, vec![vec![4.0 / 6.0], vec![1.0 / 6.0]]);
        assert_eq!(p.epsilon, 0.3);
    }

    #[test]
    fn the_kernel_density_integrates_to_one() {
        let p = Population {
            points: vec![
                vec![0.2, 0.3],
                vec![0.5, 0.4],
                vec![0.7, 0.9],
                vec![0.4, 0.2],
            ],
            weights: vec![0.25; 4],
            distances: vec![0.0; 4],
            epsilon: 0.0,
            acceptance: None,
        };
        let kernel = Kernel::of(&p);
        let (steps, width) = (400, 6.0);
        let h = 2.0 * width / steps as f64;
        let mut total = 0.0;
        for i in 0..steps {
            for j in 0..steps {
                let d = [-width + (i as f64 + 0.5) * h, -width + (j as f64 + 0.5) * h];
                total += kernel.density(&d) * h * h;
            }
        }
        assert!((total - 1.0).abs() < 1e-3, "{total}");
    }
}
