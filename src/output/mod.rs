//! The output folder: files are written whole or not at all.
//!
//! [`OutputFolder::prepare`] runs before any simulation: it refuses a folder
//! that already holds a run (unless forced) and creates it, so a bad path
//! fails in a second, not after the run. Every file is first written under a
//! temporary name (`.NAME.partial`) and renamed into place by
//! [`OutputFolder::commit`] once all of them are complete; a run that fails
//! or is interrupted leaves the previous files as they were and removes its
//! partial ones.
//!
//! [`lock::FolderLock`] keeps a second writer out of a folder while one
//! writes it. Below it sit the formats of what goes into the folder: [`rows`] (the row
//! type of every CSV file, and the metrics reported at the end),
//! [`manifest`] (`manifest.json`) and [`xml`] (escaping for GraphML and the
//! report). The module imports nothing of the model, so every layer may use
//! it: the engine to fill rows, the runner to write them, the charts and the
//! summary to read them back.

pub mod lock;
pub mod manifest;
pub mod rows;
pub mod xml;

pub use rows::{
    Better, EndRecord, GroupRow, MEMBER_SCORES, METRICS, MemberRow, MemberStatus, Metric,
    NetworkRow, PanelRow, RunRow, SummaryRow, Table, TimeseriesRow,
};

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The files assembling a run writes, in the order they are committed
/// (manifest last); [`OutputFolder::commit`] removes those of an earlier
/// run that this one did not write. `scenario.resolved.toml` is not among
/// them: it is written when the folder is prepared, before the first run.
pub const RUN_FILES: [&str; 8] = [
    "runs.csv",
    "timeseries.csv",
    "members.csv",
    "network.csv",
    "groups.csv",
    "panel.csv",
    "summary.csv",
    "manifest.json",
];

/// Where each finished run of an unfinished experiment keeps its rows.
pub const PARTS_DIR: &str = "parts";

/// Besides [`RUN_FILES`], what a run writes into its folder: its scenario,
/// its report, and the folders of its parts, charts and network exports.
const EARLIER_RUN: [&str; 5] = [
    "scenario.resolved.toml",
    "report.html",
    PARTS_DIR,
    "charts",
    "network",
];

/// Removes every file and folder an earlier run wrote (`--force`), before
/// the new run starts, so that none of it can be read as the new run's;
/// nothing else in the folder is touched.
fn remove_earlier_run(dir: &Path) -> Result<()> {
    for name in RUN_FILES.iter().chain(&EARLIER_RUN) {
        let path = dir.join(name);
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else if path.exists() {
            std::fs::remove_file(&path)
        } else {
            continue;
        };
        removed.map_err(|source| Error::Io {
            action: "remove",
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}

/// Writes a whole file under a temporary name, then renames it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.partial"));
    std::fs::write(&temp, bytes).map_err(|source| Error::Io {
        action: "write",
        path: temp.clone(),
        source,
    })?;
    std::fs::rename(&temp, path).map_err(|source| Error::Io {
        action: "move into place",
        path: path.to_path_buf(),
        source,
    })
}

/// An output folder being written.
#[derive(Debug)]
pub struct OutputFolder {
    dir: PathBuf,
    /// (temporary path, final path) of every file written so far.
    staged: Vec<(PathBuf, PathBuf)>,
}

impl OutputFolder {
    /// Checks and creates the folder for a new run. A folder that already
    /// holds a run (a `manifest.json`) or an unfinished one (a `parts/`
    /// folder) is refused unless `force` is set; with `force`, the parts of
    /// an unfinished run are removed so the new run starts clean.
    pub fn prepare(dir: &Path, force: bool) -> Result<OutputFolder> {
        let parts = dir.join(PARTS_DIR);
        for (marker, what) in [
            ("manifest.json", "a finished run"),
            (PARTS_DIR, "an unfinished run"),
        ] {
            if dir.join(marker).exists() && !force {
                return Err(Error::OutputExists {
                    path: dir.to_path_buf(),
                    marker: format!("{what}: {marker}"),
                });
            }
        }
        let holds_a_run = dir.join("manifest.json").exists() || parts.exists();
        if force && holds_a_run {
            remove_earlier_run(dir)?;
        }
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            action: "create output folder",
            path: dir.to_path_buf(),
            source,
        })?;
        // Probe that the folder is writable now rather than after the run.
        let probe = dir.join(".bonfire-write-test.partial");
        File::create(&probe)
            .and_then(|_| std::fs::remove_file(&probe))
            .map_err(|source| Error::Io {
                action: "write into output folder",
                path: dir.to_path_buf(),
                source,
            })?;
        Ok(OutputFolder {
            dir: dir.to_path_buf(),
            staged: Vec::new(),
        })
    }

    /// Opens an existing folder to finish a run in it (resume, merge).
    pub fn reopen(dir: &Path) -> OutputFolder {
        OutputFolder {
            dir: dir.to_path_buf(),
            staged: Vec::new(),
        }
    }

    /// Opens a new file under its temporary name.
    pub fn create(&mut self, name: &str) -> Result<(BufWriter<File>, PathBuf)> {
        let temp = self.dir.join(format!(".{name}.partial"));
        let file = File::create(&temp).map_err(|source| Error::Io {
            action: "create",
            path: temp.clone(),
            source,
        })?;
        let final_path = self.dir.join(name);
        self.staged.push((temp, final_path.clone()));
        Ok((BufWriter::new(file), final_path))
    }

    /// Writes a whole text file.
    pub fn write_text(&mut self, name: &str, text: &str) -> Result<()> {
        let (mut w, path) = self.create(name)?;
        w.write_all(text.as_bytes())
            .and_then(|_| w.flush())
            .map_err(|source| Error::Io {
                action: "write",
                path,
                source,
            })
    }

    /// Renames every file into place and removes files of an earlier run
    /// that this run did not write. Consumes the folder.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        let staged = std::mem::take(&mut self.staged);
        let mut written = Vec::new();
        for (temp, final_path) in &staged {
            std::fs::rename(temp, final_path).map_err(|source| Error::Io {
                action: "move into place",
                path: final_path.clone(),
                source,
            })?;
            written.push(final_path.clone());
        }
        for name in RUN_FILES {
            let path = self.dir.join(name);
            if !written.contains(&path) && path.exists() {
                std::fs::remove_file(&path).map_err(|source| Error::Io {
                    action: "remove stale",
                    path: path.clone(),
                    source,
                })?;
            }
        }
        Ok(written)
    }
}

impl Drop for OutputFolder {
    /// An uncommitted folder removes its partial files.
    fn drop(&mut self) {
        for (temp, _) in &self.staged {
            let _ = std::fs::remove_file(temp);
        }
    }
}
