//! bonfire's integration tests, in one binary so the suite links once.

mod calibration;
mod cli;
mod common;
mod determinism;
mod exact;
mod invariants;
