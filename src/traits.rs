//! Members' traits at arrival: their distributions (the `[population]`
//! section of a scenario) and the draw of one member's traits.
//!
//! [`draw`] takes one member's traits from the group's `Population` stream
//! in a fixed order, so two scenarios that differ only in their mechanisms
//! or format start from the same people. `docs/MODEL.md` §5 gives the
//! distributions.
//!
//! With a baseline cohort (`population.file`, read by [`crate::baseline`]),
//! every trait is still drawn, in the same order from the same stream, and
//! the values a row of the cohort gives then replace the drawn ones
//! ([`crate::arrivals`]); which row each member takes is
//! `population.sampling`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use crate::rng::{self, Stream};
use crate::rules::loneliness::{LONELINESS_MAX, LONELINESS_MIN};

/// Lowest value of the traits on a 0–1 scale: hope, self-stigma, openness, severity.
pub const SCALE_MIN: f64 = 0.0;
/// Highest value of the traits on a 0–1 scale.
pub const SCALE_MAX: f64 = 1.0;

/// Which row of the baseline cohort each member takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    /// Member k of the run (ids from 0; groups first, then the control arm)
    /// takes data row k + 1 (1 = the first); the file needs a row for every
    /// person of the run.
    InOrder,
    /// Each member takes a row drawn uniformly with replacement, the same
    /// in every arm of a point.
    Resample,
}

/// Distributions of the members' traits at arrival (`[population]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Population {
    /// Mean UCLA-3 loneliness at arrival (3–9).
    #[default(6.5)]
    #[schemars(range(min = 3.0, max = 9.0), extend("x-unit" = "UCLA-3 points"))]
    pub loneliness_mean: f64,
    /// Standard deviation of UCLA-3 loneliness at arrival.
    #[default(1.3)]
    #[schemars(range(min = 0.0, max = 6.0), extend("x-unit" = "UCLA-3 points"))]
    pub loneliness_sd: f64,
    /// Mean hope at arrival (0–1).
    #[default(0.4)]
    #[schemars(range(min = 0.01, max = 0.99))]
    pub hope_mean: f64,
    /// Mean self-stigma at arrival (0–1).
    #[default(0.5)]
    #[schemars(range(min = 0.01, max = 0.99))]
    pub stigma_mean: f64,
    /// Mean openness (0–1): willingness to talk and disclose.
    #[default(0.5)]
    #[schemars(range(min = 0.01, max = 0.99))]
    pub openness_mean: f64,
    /// Concentration a + b of the beta distributions of hope, stigma, openness.
    #[default(8.0)]
    #[schemars(range(min = 0.5, max = 1_000.0))]
    pub trait_concentration: f64,
    /// Number of problem types; members of the same type are more similar.
    #[default(3)]
    #[schemars(range(min = 1, max = 255))]
    pub problem_types: u32,
    /// Weight of the problem type (vs severity) in similarity.
    #[default(0.6)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub type_weight: f64,
    /// Variance of the gamma frailty that multiplies the dropout hazard (mean 1).
    #[default(0.5)]
    #[schemars(range(min = 0.0, max = 10.0), extend("x-unit" = "variance of the gamma frailty"))]
    pub frailty_variance: f64,
    /// Standard deviation of the attendance propensity on the logit scale.
    #[default(0.8)]
    #[schemars(range(min = 0.0, max = 5.0), extend("x-unit" = "logit"))]
    pub propensity_sd: f64,
    /// A CSV of a real cohort's traits at arrival, relative to the scenario
    /// file: a header naming its columns (`loneliness`, `hope`, `stigma`,
    /// `openness`, `frailty`, `propensity`, `problem_type`, `severity`,
    /// `dose_needed`, optional `id`), then one row per person. A value it
    /// gives replaces the drawn one; an absent column or an empty cell is drawn.
    #[default(None)]
    #[schemars(extend("x-also" = "a CSV with a header row (README, *A baseline cohort*)"))]
    pub file: Option<String>,
    /// Which row of `file` each member takes (no effect without a file).
    #[default(Sampling::Resample)]
    #[schemars(extend("x-applies-when" = "population.file != none"))]
    pub sampling: Sampling,
}

/// One member's traits at arrival.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Traits {
    /// UCLA-3 loneliness, 3–9.
    pub loneliness: f32,
    pub hope: f32,
    pub stigma: f32,
    pub openness: f32,
    /// Multiplier of the dropout hazard, mean 1.
    pub frailty: f32,
    /// Attendance propensity on the logit scale, mean 0.
    pub propensity: f32,
    pub problem_type: u8,
    pub severity: f32,
    /// Effective sessions the member needs to improve.
    pub dose_needed: f32,
}

/// The log-normal distribution of the dose a member needs to improve
/// (`[mechanisms.recovery]`): the log of its median and its log-sd.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DoseNeeded {
    pub log_median: f64,
    pub log_sd: f64,
}

/// Draws one member's traits, every trait every time, in a fixed order.
pub fn draw(p: &Population, dose: DoseNeeded, stream: &mut Stream) -> Traits {
    let frailty_shape = if p.frailty_variance > 0.0 {
        1.0 / p.frailty_variance
    } else {
        0.0
    };
    let loneliness = rng::normal(stream, p.loneliness_mean, p.loneliness_sd)
        .clamp(LONELINESS_MIN, LONELINESS_MAX) as f32;
    let hope = rng::beta_mean(stream, p.hope_mean, p.trait_concentration) as f32;
    let stigma = rng::beta_mean(stream, p.stigma_mean, p.trait_concentration) as f32;
    let openness = rng::beta_mean(stream, p.openness_mean, p.trait_concentration) as f32;
    let frailty = if frailty_shape > 0.0 {
        rng::gamma(stream, frailty_shape, p.frailty_variance) as f32
    } else {
        1.0
    };
    let propensity = rng::normal(stream, 0.0, p.propensity_sd) as f32;
    let problem_type =
        ((rng::uniform(stream) * f64::from(p.problem_types)) as u32).min(p.problem_types - 1) as u8;
    let severity = rng::uniform(stream) as f32;
    let dose_needed = rng::log_normal(stream, dose.log_median, dose.log_sd) as f32;
    Traits {
        loneliness,
        hope,
        stigma,
        openness,
        frailty,
        propensity,
        problem_type,
        severity,
        dose_needed,
    }
}
