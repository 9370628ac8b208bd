//! `manifest.json`: what produced a run, for the record, and the length
//! of every file it wrote, against which a finished folder is checked.
//!
//! It is the one file of a run that differs between two runs of the same
//! scenario and seed (it records the wall time and thread count); every
//! other file is byte-identical.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};

/// The manifest's name in a run's folder.
pub const MANIFEST: &str = "manifest.json";

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
    /// Each file's length in bytes as the run wrote it, the manifest
    /// aside ([`check_file_lengths`]).
    pub file_bytes: BTreeMap<String, u64>,
}

impl Manifest {
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a manifest always serialises");
        text.push('\n');
        text
    }
}

/// Checks that every file the manifest of the finished run in `dir`
/// records a length for is there with that length: a file cut short (a
/// full disk, a copy stopped part way), edited to another length or
/// removed since the run is named, with what was found, before `plot`
/// draws from it or `--resume` calls the folder finished. A manifest is
/// refused where it is not JSON; one of an earlier version, which records
/// no lengths, and a folder with none pass.
pub fn check_file_lengths(dir: &Path) -> Result<()> {
    let path = dir.join(MANIFEST);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let changed = |path: &Path, what: String| Error::ChangedAfterRun {
        path: path.to_path_buf(),
        what,
    };
    let manifest: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| changed(&path, "is not JSON".into()))?;
    let Some(lengths) = manifest.get("file_bytes").and_then(|v| v.as_object()) else {
        return Ok(());
    };
    for (name, recorded) in lengths {
        let recorded = recorded
            .as_u64()
            .ok_or_else(|| changed(&path, format!("records {recorded} as the length of {name}")))?;
        let file = dir.join(name);
        match std::fs::metadata(&file) {
            Ok(found) if found.len() == recorded => {}
            Ok(found) => {
                let what = format!(
                    "is {} bytes long where its run wrote {recorded} ({MANIFEST})",
                    found.len()
                );
                return Err(changed(&file, what));
            }
            Err(_) => {
                let what = format!("is missing; its run wrote {recorded} bytes ({MANIFEST})");
                return Err(changed(&file, what));
            }
        }
    }
    Ok(())
}
