//! `manifest.json`: what produced a run, for the record.
//!
//! It is the one file of a run that differs between two runs of the same
//! scenario and seed (it records the wall time and thread count); every
//! other file is byte-identical.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub bonfire_version: &'static str,
    pub scenario: String,
    /// The scenario file, or "built-in" for the embedded default.
    pub scenario_source: String,
    pub seed: u64,
    pub replicates: u32,
    /// Runs: sweep points × arms × replicates.
    pub runs: u64,
    pub sessions: u32,
    pub members_per_replicate: u64,
    pub threads: usize,
    pub wall_time_seconds: f64,
    pub command_line: Vec<String>,
    pub files: Vec<String>,
}

impl Manifest {
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a manifest always serialises");
        text.push('\n');
        text
    }
}
