//! Foundations of the f32 session kernel (docs/kernel-plan.md): a
//! counter-based generator of 32-bit words, the numbers addressed by what
//! they are for, and f32 exponential and logarithm, each one value at a
//! time and in eight vector lanes with the same bits.

pub mod chances;
pub mod contacts;
pub mod draws;
pub mod math;
pub mod pairs;
pub mod philox;
pub mod relaxation;
