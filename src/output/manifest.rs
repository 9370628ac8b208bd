//! `manifest.json`: what produced a run, for the record, and the length
//! of every file it wrote, against which a finished folder is checked.
//!
//! It is the one file of a run that differs between two runs of the same
//! scenario and seed (it records the wall time and thread count); every
//! other file is byte-identical.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::ErrorKind;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, FileChange, Result};

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
/// draws from it or `--resume` calls the folder finished. A manifest that
/// is not JSON, or that records a length for anything but a file of the
/// folder, is refused; one of an earlier version, which records no
/// lengths, and a folder with none pass.
pub fn check_file_lengths(dir: &Path) -> Result<()> {
    let path = dir.join(MANIFEST);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(Error::Io {
                action: "read",
                path,
                source,
            });
        }
    };
    let changed = |path: &Path, change| Error::ChangedAfterRun {
        path: path.to_path_buf(),
        change,
    };
    let manifest: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| changed(&path, FileChange::NotJson))?;
    let Some(lengths) = manifest.get("file_bytes").and_then(|v| v.as_object()) else {
        return Ok(());
    };
    for (name, recorded) in lengths {
        let plain = Path::new(name).file_name() == Some(OsStr::new(name));
        let Some(recorded) = recorded.as_u64().filter(|_| plain) else {
            let name = name.clone();
            return Err(changed(&path, FileChange::BadEntry { name }));
        };
        let file = dir.join(name);
        match std::fs::metadata(&file) {
            Ok(found) if found.len() == recorded => {}
            Ok(found) => {
                let found = found.len();
                return Err(changed(&file, FileChange::Length { found, recorded }));
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(changed(&file, FileChange::Missing { recorded }));
            }
            Err(source) => {
                return Err(Error::Io {
                    action: "measure",
                    path: file,
                    source,
                });
            }
        }
    }
    Ok(())
}
