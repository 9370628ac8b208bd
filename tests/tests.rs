//! bonfire's integration tests, in one binary so the suite links once.

mod answers;
mod applies;
mod baseline;
mod calibrate;
mod calibration;
mod charts;
mod cli;
mod common;
mod determinism;
mod disk;
mod docs;
mod durability;
mod exact;
mod experiments;
mod fuzz;
mod identity;
mod invariants;
mod locking;
mod network;
mod networkx;
mod panel;
mod phenomena;
mod schema;
mod sensitivity;
mod switches;
