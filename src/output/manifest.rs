//! `manifest.json`: what produced a run, for the record, and the length
//! of every file it wrote, against which a finished folder is checked.
//!
//! It is the one file of a run that differs between two runs of the same
//! scenario and seed (it records the wall time and thread count); every
//! other file is byte-identical.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Component, Path};

use serde::Serialize;

use crate::error::{Error, FileChange, Result};

/// The least and the most of a figure over some runs (a run's sessions,
/// its members), written `2700–4500`, or `900` where they are one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    pub least: u64,
    pub most: u64,
}

impl Span {
    pub fn of(values: impl Iterator<Item = u64>) -> Span {
        let (least, most) = values.fold((u64::MAX, 0), |(l, m), v| (l.min(v), m.max(v)));
        Span { least, most }
    }
}

impl std::fmt::Display for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Span { least, most } = self;
        if least < most {
            write!(f, "{least}–{most}")
        } else {
            write!(f, "{most}")
        }
    }
}

/// The manifest's name in a run's folder.
pub const MANIFEST: &str = "manifest.json";

/// The version `bonfire --version` prints: the package's, and the name of
/// the code built from (`src/build_identity.rs`: the commit, with
/// `+modified.` and a digest of the code where the code differed from it,
/// `unknown.` and the digest outside a git checkout).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("BONFIRE_COMMIT"),
    ")"
);

#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub bonfire_version: &'static str,
    /// The commit the binary was built from ([`VERSION`]).
    pub bonfire_commit: &'static str,
    /// Each commit whose build made some of the runs, with how many of them
    /// (as their seals name it): one where one build made every run; more
    /// where a resume or a merge finished runs another build had made.
    /// Left out by a calibration, whose generations' seals go as it goes.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub runs_made_by: BTreeMap<String, u64>,
    pub scenario: String,
    /// The scenario file, or "built-in" for the embedded default.
    pub scenario_source: String,
    pub seed: u64,
    pub replicates: u32,
    /// Runs: sweep points × arms × replicates.
    pub runs: u64,
    /// A run's sessions and its members, the least and the most over the
    /// points and arms ([`crate::experiment::Experiment::run_sizes`]; in a
    /// calibration, over generation 0's particles, drawn from the priors).
    pub sessions: Span,
    pub members_per_run: Span,
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

/// The length of every file in the folder `sub` of `dir` (the network
/// exports, a calibration's generation) whose name it `keeps`, named
/// `sub/name`, for the manifest to record beside the folder's own files;
/// none where `sub` is not there. Hidden files (a lock, a partial file)
/// are left out.
pub fn lengths_in(
    dir: &Path,
    sub: &str,
    keeps: impl Fn(&str) -> bool,
) -> Result<BTreeMap<String, u64>> {
    let folder = dir.join(sub);
    let mut lengths = BTreeMap::new();
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(lengths),
        Err(source) => return Err(Error::io("list", &folder)(source)),
    };
    for entry in entries {
        let entry = entry.map_err(Error::io("list", &folder))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry
            .file_type()
            .map_err(Error::io("measure", &entry.path()))?;
        if name.starts_with('.') || !kind.is_file() || !keeps(&name) {
            continue;
        }
        let length = entry
            .metadata()
            .map_err(Error::io("measure", &entry.path()))?
            .len();
        lengths.insert(format!("{sub}/{name}"), length);
    }
    Ok(lengths)
}

/// Whether `name`, as a manifest records it, names a file of the run's
/// folder or of one folder in it (`network/…`, `generation-000/…`), and
/// nothing outside.
fn inside_the_folder(name: &str) -> bool {
    let parts: Vec<Component> = Path::new(name).components().collect();
    (1..=2).contains(&parts.len()) && parts.iter().all(|c| matches!(c, Component::Normal(_)))
}

/// The command line a finished run's manifest records, or None where the
/// folder has no readable manifest or it records none.
pub fn recorded_command_line(dir: &Path) -> Option<Vec<String>> {
    let text = std::fs::read(dir.join(MANIFEST)).ok()?;
    let manifest: serde_json::Value = serde_json::from_slice(&text).ok()?;
    let words = manifest.get("command_line")?.as_array()?;
    Some(
        words
            .iter()
            .filter_map(|w| w.as_str().map(String::from))
            .collect(),
    )
}

/// Checks that every file the manifest of the finished run in `dir`
/// records a length for is there with that length: a file cut short (a
/// full disk, a copy stopped part way), edited to another length or
/// removed since the run is named, with what was found, before `plot`
/// draws from it or `--resume` calls the folder finished. A manifest that
/// is not JSON, or that records a length for anything but a file of the
/// folder or of a folder in it, is refused; one of an earlier version, which records no
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
        let inside = inside_the_folder(name);
        let Some(recorded) = recorded.as_u64().filter(|_| inside) else {
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
