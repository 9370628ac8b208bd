//! bonfire: an agent-based simulator of peer support communities.
//!
//! Members of peer support groups share stories, listen, bond and sometimes
//! drift away. bonfire steps thousands to millions of simulated members
//! through sessions with sharing, bonding and dropout rules and reports
//! isolation and cohesion over time. The model is described in `docs/MODEL.md`
//! (ODD protocol); every rule cites its evidence.
//!
//! # Quick start
//! ```no_run
//! use bonfire::{Scenario, engine};
//!
//! let scenario = Scenario::embedded_default();
//! let result = engine::run_replicate(&scenario, 0);
//! let last = result.timeseries.last().unwrap();
//! if let Some(loneliness) = last.loneliness_mean {
//!     println!("{} loneliness at week {}: {loneliness:.2}", last.arm, last.week);
//! }
//! ```
//!
//! # Layout
//! [`scenario`] reads and validates scenario files and [`experiment`] expands
//! their sweeps, sensitivity designs and arms into runs; [`file_schema`]
//! describes the file for editors; [`sensitivity`] the designs and indices
//! of a global sensitivity analysis; [`context`] the figures derived once from
//! a scenario; [`traits`] the members' traits at arrival, [`baseline`]
//! those read from a cohort file and [`arrivals`] the two put together;
//! [`population`] holds the members group by
//! group; [`bonds`] the ties within groups; [`rules`] one file per
//! mechanism; [`session`] one session of a batch of groups in process order,
//! its steps 2 to 13 in the f32 [`kernel`]'s lanes;
//! [`engine`] the parallel session loop; [`step_timing`] its profile by
//! step (feature `step-timing`); [`memory`] what a run will need, and
//! [`heap`] the allocator's heap growth for it;
//! [`runner`] runs into parts and assembles the files; [`metrics`],
//! [`network`] and [`conditions`] the figures, [`verdict`] the answer in words; [`output`] the output folder
//! and the row type of every file ([`output::rows`]); [`plot`]
//! the charts and the report; [`cli`], [`progress`], [`interrupt`] and
//! [`summary`] the command line, and `console` its lines on stdout and stderr.

pub mod arrivals;
pub mod baseline;
pub mod bonds;
pub mod calibration;
pub mod cli;
pub mod community;
pub mod conditions;
pub(crate) mod console;
pub mod context;
pub mod disk;
pub mod engine;
pub mod error;
pub mod experiment;
pub mod file_schema;
pub mod heap;
pub mod input_files;
pub mod interrupt;
pub mod kernel;
pub mod memory;
pub mod metrics;
pub mod network;
pub mod output;
pub mod outside;
pub mod plot;
pub mod popcount;
pub mod population;
pub mod prefetch;
pub mod progress;
pub mod rng;
pub mod rules;
pub mod runner;
pub mod scenario;
pub mod sensitivity;
pub mod session;
pub mod stats;
pub mod step_timing;
pub mod summary;
pub mod traits;
pub mod turnover;
pub mod verdict;

pub use error::{Error, Result};
pub use scenario::Scenario;
