//! Global sensitivity analysis: which uncertain keys drive an outcome.
//!
//! A scenario's `[sensitivity]` table ([`spec`]) names the factors (keys
//! with ranges), the outcomes and the method. [`Analysis::new`] turns it
//! into a design: the points of the unit cube at which the model is run
//! ([`estimators`]: a Saltelli design for Sobol indices, or Morris
//! trajectories), each mapped onto the factors' ranges. The experiment runs
//! those points like the points of a sweep (every arm, every replicate, the
//! same part files, `--resume`, `--shard` and `merge`), but on common random
//! numbers: every point uses the base seed, so replicate r meets the same
//! people drawing the same streams at every point, and a difference between
//! points is the factors' doing, not noise (but for a factor that changes
//! the number of places, which changes who draws which numbers: the
//! findings say so beside it). After the runs, [`results`]
//! reads each point's outcomes from the parts and estimates the indices
//! with bootstrap intervals.

pub mod estimators;
pub mod results;
pub mod spec;

use estimators::{MorrisDesign, SaltelliDesign};
use rand::RngExt;
pub use spec::{Factor, Method, Outcome, Sensitivity};

use crate::rng::{self, Purpose};

/// The points at which the model is run.
#[derive(Debug, Clone, PartialEq)]
pub enum Design {
    Sobol(SaltelliDesign),
    Morris(MorrisDesign),
}

impl Design {
    /// Every point in the unit cube, in run order.
    pub fn unit_points(&self) -> Vec<Vec<f64>> {
        match self {
            Design::Sobol(d) => d.points(),
            Design::Morris(d) => d.points(),
        }
    }

    /// How many points the design has (known before they are made).
    pub fn point_count(&self) -> usize {
        match self {
            Design::Sobol(d) => d.n * d.points_per_row(),
            Design::Morris(d) => d.trajectories.len() * (d.k + 1),
        }
    }

    /// Where point `p` sits in the design: its block (a Saltelli row or a
    /// Morris trajectory) and its role: `A`, `B` or `AB:KEY` (A with KEY's
    /// column from B); `start` or `moved:KEY`.
    pub fn role(&self, p: usize, factors: &[Factor]) -> (usize, String) {
        match self {
            Design::Sobol(d) => {
                let per = d.points_per_row();
                let role = match p % per {
                    0 => "A".to_string(),
                    1 => "B".to_string(),
                    j => format!("AB:{}", factors[j - 2].key),
                };
                (p / per, role)
            }
            Design::Morris(d) => {
                let per = d.k + 1;
                let (t, i) = (p / per, p % per);
                let role = match i {
                    0 => "start".to_string(),
                    i => format!("moved:{}", factors[d.trajectories[t].moves[i - 1].0].key),
                };
                (t, role)
            }
        }
    }
}

/// What an outcome's `difference:` is taken against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// Another arm's run of the same point and replicate.
    Arm(usize),
    /// The control members of the analysed arm's own run.
    Control,
}

/// A sensitivity analysis of an experiment: the parsed table, its design,
/// and the arms it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub spec: Sensitivity,
    pub design: Design,
    /// The analysed arm (an index into the experiment's arms).
    pub arm: usize,
    /// What `difference:` outcomes subtract; `None` when there is nothing
    /// to compare with (then no outcome may be a difference).
    pub reference: Option<Reference>,
    /// The seed the bootstrap draws from (derived from the base seed).
    pub bootstrap_seed: u64,
    /// The table as written (relative paths made absolute), for
    /// `scenario.resolved.toml`.
    pub table: toml::Table,
}

impl Analysis {
    /// The design of `spec`, its random parts (the pairing of a Saltelli
    /// design's rows, Morris trajectories) drawn from `seed`.
    pub fn new(
        spec: Sensitivity,
        table: toml::Table,
        seed: u64,
        arm: usize,
        reference: Option<Reference>,
    ) -> Analysis {
        let k = spec.factors.len();
        let mut stream = rng::stream_for(seed, 0, 0, 0, Purpose::SensitivityDesign);
        let design_seed: u64 = stream.random();
        let design = match spec.method {
            Method::Sobol => Design::Sobol(SaltelliDesign::new(k, spec.samples, design_seed)),
            Method::Morris => {
                Design::Morris(MorrisDesign::new(k, spec.samples, spec.levels, design_seed))
            }
        };
        let mut stream = rng::stream_for(seed, 0, 0, 0, Purpose::SensitivityBootstrap);
        Analysis {
            spec,
            design,
            arm,
            reference,
            bootstrap_seed: stream.random(),
            table,
        }
    }

    /// Every point's value of every factor, in run order.
    pub fn points(&self) -> Vec<Vec<toml::Value>> {
        self.design
            .unit_points()
            .iter()
            .map(|u| {
                self.spec
                    .factors
                    .iter()
                    .zip(u)
                    .map(|(f, &x)| f.at(x))
                    .collect()
            })
            .collect()
    }
}
