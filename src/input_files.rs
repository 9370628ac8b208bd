//! The files an experiment reads (a baseline cohort, a community edge
//! list), each named in `scenario.resolved.toml` with a digest of its
//! content.
//!
//! The resolved scenario names an input file by its path, and a run's
//! seals hold the resolved scenario's checksum: a file edited between an
//! interrupt and `--resume` would leave both as they were, and the runs
//! done after it would read other people than the runs sealed before.
//! [`record`] writes one comment line per file read, `# read:
//! population.file = "PATH" xxh3_64 = DIGEST`, at the end of the resolved
//! scenario (so shards that read different contents hold different
//! experiments, which `merge` refuses); [`check_unchanged`] refuses a
//! resume where a file's content is no longer the one recorded.

use std::collections::BTreeSet;
use std::path::Path;

use twox_hash::XxHash3_64;

use crate::error::{Error, Result};
use crate::scenario::Scenario;

/// The start of a line that records a file read.
const READ: &str = "# read: ";

/// Every (key, path) an experiment's scenarios read, in order.
fn files_read<'a>(
    scenarios: impl IntoIterator<Item = &'a Scenario>,
) -> BTreeSet<(&'static str, String)> {
    let mut files = BTreeSet::new();
    // The files the experiment's imports read (`Imports`), by the same rule.
    for s in scenarios {
        if let Some(path) = s.cohort_file() {
            files.insert(("population.file", path.to_string()));
        }
        if let Some(path) = s.edge_list_file() {
            files.insert(("community_network.file", path.to_string()));
        }
    }
    files
}

/// One line per file read, with its content's digest (empty where the
/// experiment reads none).
fn lines<'a>(scenarios: impl IntoIterator<Item = &'a Scenario>) -> Result<Vec<String>> {
    files_read(scenarios)
        .into_iter()
        .map(|(key, path)| {
            let bytes = std::fs::read(&path).map_err(Error::io("reading", Path::new(&path)))?;
            let path = toml::Value::String(path);
            Ok(format!(
                "{READ}{key} = {path} xxh3_64 = {:016x}",
                XxHash3_64::oneshot(&bytes)
            ))
        })
        .collect()
}

/// The comment lines that record the files an experiment's scenarios
/// read, to end its `scenario.resolved.toml` (a heading line first; empty
/// where they read none).
pub fn record<'a>(scenarios: impl IntoIterator<Item = &'a Scenario>) -> Result<String> {
    let lines = lines(scenarios)?;
    if lines.is_empty() {
        return Ok(String::new());
    }
    Ok(format!(
        "\n# The files this experiment reads, and a digest of each one's content: `--resume` refuses a file that has changed since.\n{}\n",
        lines.join("\n")
    ))
}

/// Whether every file `resolved` (a folder's `scenario.resolved.toml`,
/// from which `scenarios` were made) records still has the content it
/// had when the run began; `Err` names the first that changed.
pub fn check_unchanged<'a>(
    scenarios: impl IntoIterator<Item = &'a Scenario>,
    resolved: &str,
) -> std::result::Result<(), String> {
    let now = lines(scenarios).map_err(|e| e.to_string())?;
    for recorded in resolved.lines().filter(|l| l.starts_with(READ)) {
        if !now.iter().any(|line| line == recorded) {
            let file = recorded
                .trim_start_matches(READ)
                .split(" xxh3_64")
                .next()
                .unwrap_or_default();
            return Err(format!(
                "{file}: the file has changed since the run began (its content's digest is no longer the one recorded), so the runs still to do would read other data than the runs done; restore it, or start the run again"
            ));
        }
    }
    Ok(())
}
