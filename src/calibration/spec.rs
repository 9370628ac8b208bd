//! The `[calibration]` table of a scenario file: the free parameters with
//! their prior ranges, and the sizes of the algorithm.
//!
//! ```toml
//! [calibration]
//! particles = 64          # simulations per generation
//! alpha = 0.5             # share of them kept each generation
//! min_acceptance = 0.05   # stop when fewer new particles than this beat the tolerance
//! generations = 12        # stop after this many generations at most
//! arm = "group"           # the arm whose figures targets without an arm name are
//!
//! [calibration.parameters]
//! mechanisms.dropout.base_hazard = { from = 0.005, to = 0.08, scale = "log" }
//! mechanisms.universality.relief = { from = 0.0, to = 0.06 }
//! ```
//!
//! A parameter is written like a `[sensitivity.factors]` factor: a range
//! `{ from, to }` (uniform prior, or uniform in the logarithm with
//! `scale = "log"`), a whole-number range or a list (each value equally
//! likely). Whether each key may vary and its values are allowed is checked
//! where the experiment is built, as for a factor.

use super::apmc::Settings;
use crate::scenario::keys::Problem;
use crate::sensitivity::Factor;
use crate::sensitivity::spec::SettingsTable;

/// The keys of `[calibration]` besides `parameters`, with what each allows
/// (for messages and the JSON Schema).
pub const KEYS: [(&str, &str); 5] = [
    (
        "particles",
        "a whole number of simulations per generation from 8 to 100000",
    ),
    (
        "alpha",
        "the share of particles kept each generation, above 0 and below 1",
    ),
    (
        "min_acceptance",
        "the acceptance rate below which the calibration stops, from 0 to 1",
    ),
    (
        "generations",
        "the most generations, a whole number from 1 to 1000",
    ),
    ("arm", "the name of an [[arm]]"),
];

/// The parsed `[calibration]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationSpec {
    pub particles: usize,
    pub alpha: f64,
    pub min_acceptance: f64,
    /// The most generations run, the first included.
    pub generations: usize,
    /// The arm that targets without an arm name are read from; empty: the
    /// first arm that attends.
    pub arm: String,
    /// The free parameters, each with its prior.
    pub parameters: Vec<Factor>,
}

/// The settings of `[calibration]`.
const TABLE: SettingsTable = SettingsTable {
    name: "calibration",
    keys: &KEYS,
    varied: "parameters",
};

/// A real number (an integer is taken as one) that `ok` accepts, or the
/// default when absent.
fn real(
    table: &toml::Table,
    key: &str,
    ok: impl Fn(f64) -> bool,
    default: f64,
) -> std::result::Result<f64, Problem> {
    match table.get(key) {
        None => Ok(default),
        Some(v) => match v.as_float().or(v.as_integer().map(|i| i as f64)) {
            Some(x) if x.is_finite() && ok(x) => Ok(x),
            _ => Err(TABLE.bad(key, v)),
        },
    }
}

impl CalibrationSpec {
    /// Parses the table's settings; the parameters are read by the
    /// experiment (like sensitivity factors) and pushed after.
    pub fn parse(table: &toml::Table) -> std::result::Result<CalibrationSpec, Problem> {
        TABLE.only_known(table)?;
        let particles = TABLE.whole(table, "particles", 8..=100_000, 64)?;
        let alpha = real(table, "alpha", |a| a > 0.0 && a < 1.0, 0.5)?;
        let min_acceptance = real(table, "min_acceptance", |m| (0.0..=1.0).contains(&m), 0.05)?;
        let generations = TABLE.whole(table, "generations", 1..=1000, 12)?;
        let arm = TABLE.text(table, "arm")?;
        Ok(CalibrationSpec {
            particles,
            alpha,
            min_acceptance,
            generations,
            arm,
            parameters: Vec::new(),
        })
    }

    /// The algorithm's sizes, with the tolerance floor of a fit to
    /// `targets` figures ([`tolerance_floor`]).
    pub fn settings(&self, targets: usize) -> Settings {
        Settings {
            particles: self.particles,
            alpha: self.alpha,
            min_acceptance: self.min_acceptance,
            floor: tolerance_floor(targets),
        }
    }
}

/// The distance below which a closer fit means nothing: the root mean
/// square z-score that the observations' own errors reach with
/// probability 0.95. At the true parameters, with each target's error
/// normal with its `sd`, the sum of the k squared z-scores follows a
/// chi-square distribution with k degrees of freedom, so the distance
/// (their root mean square) stays below sqrt(χ²₀.₉₅(k) / k) in 95% of
/// observations. The quantile is Wilson and Hilferty's (1931) cube-root
/// approximation, within 1% of the exact value from k = 2; for k = 1 it
/// is exact (the square of the normal's 97.5% quantile).
pub fn tolerance_floor(targets: usize) -> f64 {
    if targets <= 1 {
        return 1.959_963_984_540_054;
    }
    let k = targets as f64;
    let z95 = 1.644_853_626_951_472;
    let c = 2.0 / (9.0 * k);
    let quantile = k * (1.0 - c + z95 * c.sqrt()).powi(3);
    (quantile / k).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    #[test]
    fn defaults_follow_lenormand_and_colleagues() {
        let spec = CalibrationSpec::parse(&table("")).unwrap();
        assert_eq!(spec.particles, 64);
        assert_eq!(spec.alpha, 0.5);
        assert_eq!(spec.min_acceptance, 0.05);
        assert_eq!(spec.generations, 12);
    }

    #[test]
    fn the_floor_is_the_chi_square_quantile_per_target() {
        // χ²₀.₉₅ from tables: 3.841 (k = 1), 5.991 (2), 14.067 (7), 31.410 (20).
        for (k, exact) in [(2, 5.991_f64), (7, 14.067), (20, 31.410)] {
            let floor = tolerance_floor(k);
            let quantile = floor * floor * k as f64;
            assert!((quantile / exact - 1.0).abs() < 0.01, "k = {k}: {quantile}");
        }
        assert!((tolerance_floor(1).powi(2) / 3.841 - 1.0).abs() < 0.001);
    }

    #[test]
    fn every_bad_setting_names_its_key() {
        for (text, key) in [
            ("particles = 4", "calibration.particles"),
            ("alpha = 1", "calibration.alpha"),
            ("alpha = 0", "calibration.alpha"),
            ("min_acceptance = 1.5", "calibration.min_acceptance"),
            ("generations = 0", "calibration.generations"),
            ("arm = 3", "calibration.arm"),
            ("tolerance = 0.1", "calibration.tolerance"),
        ] {
            let p = CalibrationSpec::parse(&table(text)).unwrap_err();
            assert_eq!(p.key, key, "{text}");
        }
    }
}
