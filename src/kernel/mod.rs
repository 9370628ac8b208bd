//! The f32 session kernel (docs/kernel-plan.md): eight lanes with one
//! source for every processor ([`lanes`]), a counter-based generator of
//! 32-bit words and the numbers addressed by what they are for
//! ([`philox`], [`draws`]), f32 exponential, logarithm and normal
//! deviates ([`math`]), a batch of groups in lanes ([`batch`]), the
//! session's steps 2 to 13 ([`steps`]) with the rules in f32 ([`rules`]),
//! the tie summaries ([`summary`]), what the steps hand on to each
//! other ([`scratch`]) and the sums the groups' tallies take at the end
//! ([`tally`]).

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
pub mod tally;
