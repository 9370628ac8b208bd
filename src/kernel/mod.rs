//! Foundations of the f32 session kernel (docs/performance.md, "Where the
//! time goes"): a counter-based generator of 32-bit words and f32
//! exponential and logarithm, each one value at a time and in eight
//! vector lanes with the same bits.

pub mod math;
pub mod philox;
