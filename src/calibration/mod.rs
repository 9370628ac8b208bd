//! Calibration: the free parameters' values with which the model
//! reproduces observed figures.
//!
//! A scenario's `[calibration]` table ([`spec`]) names the free parameters
//! with their prior ranges; a targets file ([`targets`]) gives the observed
//! figures with their standard errors. [`apmc`] is the algorithm, adaptive
//! population Monte Carlo ABC: generations of particles (points of the unit
//! cube of the priors), each generation run by the engine as an experiment
//! whose points are its particles ([`Plan`]), on common random numbers like
//! a sensitivity design. [`fit`] reads each particle's figures from its
//! runs and measures its distance to the targets; [`driver`] runs the
//! generations into their folders, resumable, and [`outputs`] writes the
//! posterior, the fit per target and the fitted scenario.

pub mod apmc;
pub mod driver;
pub mod fit;
pub mod outputs;
pub mod spec;
pub mod targets;

use rand::RngExt;

use crate::rng::{self, Purpose};
use crate::sensitivity::Factor;
use spec::CalibrationSpec;

/// One generation of a calibration, as the experiment runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub spec: CalibrationSpec,
    /// The arm that targets without an arm name are read from (an index
    /// into the experiment's arms).
    pub arm: usize,
    /// The table as written (paths made absolute), for
    /// `scenario.resolved.toml`.
    pub table: toml::Table,
    /// The base seed, from which every generation's draws are keyed.
    pub seed: u64,
    /// This generation's particles, points of the unit cube.
    pub particles: Vec<Vec<f64>>,
}

/// The seed of generation `generation`'s draws (the prior sample for 0,
/// the proposals after).
pub fn generation_seed(seed: u64, generation: usize) -> u64 {
    rng::stream_for(seed, 0, generation as u32, 0, Purpose::CalibrationProposal).random()
}

impl Plan {
    /// The plan of a generation: `particles` when given, else generation
    /// 0's draws from the prior.
    pub fn new(
        spec: CalibrationSpec,
        table: toml::Table,
        arm: usize,
        seed: u64,
        particles: Option<Vec<Vec<f64>>>,
    ) -> Plan {
        let particles = particles.unwrap_or_else(|| {
            apmc::prior_sample(
                spec.particles,
                spec.parameters.len(),
                generation_seed(seed, 0),
            )
        });
        Plan {
            spec,
            arm,
            table,
            seed,
            particles,
        }
    }

    /// Every particle's value of every parameter, in run order.
    pub fn points(&self) -> Vec<Vec<toml::Value>> {
        self.particles
            .iter()
            .map(|u| values(&self.spec.parameters, u))
            .collect()
    }
}

/// The parameters' values at a point of the unit cube.
pub fn values(parameters: &[Factor], unit: &[f64]) -> Vec<toml::Value> {
    parameters.iter().zip(unit).map(|(f, &x)| f.at(x)).collect()
}
