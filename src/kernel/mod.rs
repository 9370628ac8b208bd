//! Foundations of the f32 session kernel (docs/kernel-plan.md): eight
//! lanes with one source for every processor ([`lanes`]), a counter-based
//! generator of 32-bit words and the numbers addressed by what they are
//! for, f32 exponential, logarithm and normal deviates, and the first
//! rules in f32.

pub mod batch;
pub mod chances;
pub mod contacts;
pub mod draws;
pub mod lanes;
pub mod math;
pub mod pairs;
pub mod philox;
pub mod relaxation;
pub mod rules;
pub mod scratch;
pub mod steps;
pub mod summary;
