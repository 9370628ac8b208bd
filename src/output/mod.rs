//! The output folder: files are written whole or not at all.
//!
//! [`OutputFolder::prepare`] runs before any simulation: it refuses a folder
//! that already holds a run (unless forced: the earlier run's files are
//! then moved aside and removed while the new run goes on), and one
//! bonfire has not written in that holds files of the names a run writes
//! (someone's own, unless forced), and creates it,
//! so a bad path fails in a second, not after the run. Every file is first written under a
//! temporary name (`.NAME.partial`) and renamed into place by
//! [`OutputFolder::commit`] once all of them are complete and on disk
//! ([`durable`]), the manifest last: a folder with a `manifest.json` holds a
//! whole run. A run that fails or is interrupted leaves the previous files
//! as they were and removes its partial ones. The runs of an unfinished
//! experiment keep their rows in sealed [`parts`].
//!
//! [`lock::FolderLock`] keeps a second writer out of a folder while one
//! writes it. Below it sit the formats of what goes into the folder: [`rows`] (the row
//! type of every CSV file, and the metrics reported at the end),
//! [`csv_line`], [`group_lines`] and [`member_lines`] (rows written as CSV lines),
//! [`display_float`] (the analysis files' numbers), [`manifest`] (`manifest.json`) and [`xml`] (escaping for GraphML and the
//! report). The module imports nothing of the model, so every layer may use
//! it: the engine to fill rows, the runner to write them, the charts and the
//! summary to read them back.

pub mod csv_line;
pub mod display_float;
pub mod durable;
pub mod group_lines;
pub mod lock;
pub mod manifest;
pub mod member_lines;
pub mod parts;
pub mod rows;
pub mod xml;

pub use durable::write_atomically;

pub use rows::{
    Better, EndRecord, GroupRow, MEMBER_SCORES, METRICS, MemberRow, MemberStatus, Metric,
    NetworkRow, PanelRow, RunRow, SummaryRow, Table, TimeseriesRow,
};

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use self::lock::FolderLock;
use crate::error::{Error, Result};

/// The files assembling a run writes, in the order they are committed
/// (manifest last); [`OutputFolder::commit`] removes those of an earlier
/// run that this one did not write. `scenario.resolved.toml` is not among
/// them: it is written when the folder is prepared, before the first run.
pub const RUN_FILES: [&str; 16] = [
    "runs.csv",
    "timeseries.csv",
    "members.csv",
    "network.csv",
    "groups.csv",
    "panel.csv",
    "summary.csv",
    // A sensitivity analysis's.
    "design.csv",
    "points.csv",
    "sensitivity.csv",
    // A calibration's.
    "posterior.csv",
    "parameters.csv",
    "fit.csv",
    "generations.csv",
    "scenario.fitted.toml",
    "manifest.json",
];

/// A calibration's copy of its targets, written before its first run.
pub const TARGETS_FILE: &str = "targets.csv";

/// The folders of a calibration's generations: `generation-NNN`.
pub const GENERATION_PREFIX: &str = "generation-";

/// Where each finished run of an unfinished experiment keeps its rows.
pub const PARTS_DIR: &str = "parts";

/// The file a sharded run writes to remember its shard (`I/N`).
pub const SHARD_FILE: &str = "shard.txt";

/// Everything a run writes into its folder, in the order `--force` takes
/// it out: the manifest first (the folder then no longer holds a finished
/// run), then the charts, the report, the exports and the other
/// [`RUN_FILES`], and the parts and the scenario last (until they go,
/// `--resume` can still finish the earlier run), so a removal cut short by
/// a crash never leaves a folder that looks finished or that mixes two runs
/// ([`remove_earlier_run`]).
fn earlier_run() -> impl Iterator<Item = &'static str> {
    ["manifest.json", "report.html", "charts", "network"]
        .into_iter()
        .chain(RUN_FILES.into_iter().filter(|&n| n != "manifest.json"))
        .chain([
            PARTS_DIR,
            SHARD_FILE,
            TARGETS_FILE,
            "scenario.resolved.toml",
        ])
}

/// The generation folders of a calibration in `dir`, in name order.
pub fn generation_dirs(dir: &Path) -> Vec<PathBuf> {
    folders_named(dir, |name| name.starts_with(GENERATION_PREFIX))
}

/// The folders in `dir` whose names `keep` takes, in name order.
fn folders_named(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| keep(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    found
}

/// The hidden folder inside an output folder that the files of an earlier
/// run are moved into when a new run replaces them (`--force`), and
/// removed from while the new run goes on.
pub const REPLACED_DIR: &str = ".earlier-run.removing";

/// Takes every file and folder an earlier run wrote (`--force`) out of
/// `dir` before the new run starts, so that none of it can be read as the
/// new run's; nothing else in the folder is touched. Each is moved, in the
/// order of [`earlier_run`], into [`REPLACED_DIR`] (a rename, which takes
/// no time whatever the file's size), the folder flushed to disk once the
/// manifest has gone and again at the end, and that folder is then
/// removed on a thread of its own while the new run goes on: a run of a
/// million members with every output leaves a gigabyte, which takes the
/// disk most of a second to let go of. What a crash left in that folder is
/// removed first; folders a crash left half removed under a hidden name
/// ([`durable::remove_dir_durably`]'s `.NAME.removing`) go with the rest.
fn remove_earlier_run(dir: &Path) -> Result<Option<durable::Removal>> {
    let replaced = dir.join(REPLACED_DIR);
    remove_replaced(dir)?;
    let mut moved = false;
    let mut move_out = |path: &Path| -> Result<()> {
        let Some(name) = path.file_name() else {
            return Ok(());
        };
        if !moved {
            std::fs::create_dir(&replaced).map_err(|source| Error::Io {
                action: "create",
                path: replaced.clone(),
                source,
            })?;
            moved = true;
        }
        std::fs::rename(path, replaced.join(name)).map_err(|source| Error::Io {
            action: "remove",
            path: path.to_path_buf(),
            source,
        })?;
        durable::crash_point();
        Ok(())
    };
    for name in earlier_run() {
        if name == TARGETS_FILE {
            // A calibration's generations go before its inputs.
            for generation in generation_dirs(dir) {
                move_out(&generation)?;
            }
        }
        let path = dir.join(name);
        if path.symlink_metadata().is_ok() {
            move_out(&path)?;
            if name == "manifest.json" {
                // The folder no longer holds a finished run, on disk too,
                // before anything else of it goes.
                durable::sync_dir(dir)?;
            }
        }
    }
    for half_removed in half_removed_dirs(dir) {
        move_out(&half_removed)?;
    }
    durable::remove_partials(dir)?;
    durable::sync_dir(dir)?;
    if !moved {
        return Ok(None);
    }
    durable::remove_in_background(replaced).map(Some)
}

/// Folders in `dir` that a crash left half removed under the hidden name
/// [`durable::remove_dir_durably`] gives them (`.NAME.removing`), but for
/// [`REPLACED_DIR`].
fn half_removed_dirs(dir: &Path) -> Vec<PathBuf> {
    folders_named(dir, |name| {
        name.starts_with('.') && name.ends_with(".removing") && name != REPLACED_DIR
    })
}

/// Removes what an earlier run's replacement left in [`REPLACED_DIR`] when
/// a crash cut its removal short (nothing where there is no such folder):
/// before a new run is prepared, and when `--resume` opens a folder.
pub fn remove_replaced(dir: &Path) -> Result<()> {
    let replaced = dir.join(REPLACED_DIR);
    if replaced.symlink_metadata().is_err() {
        return Ok(());
    }
    durable::remove_all(&replaced)
}

/// Refuses a folder bonfire has not written in before (no lock file of
/// its was there) that holds files or folders of the names a run writes:
/// the person's own (a `summary.csv` of theirs in the folder they chose),
/// which a run without `--force` must not replace. In a folder bonfire
/// has written in, they are what an earlier run, or a crash, left.
fn refuse_files_of_others(dir: &Path) -> Result<()> {
    let theirs: Vec<&str> = earlier_run()
        .filter(|name| dir.join(name).symlink_metadata().is_ok())
        .collect();
    if theirs.is_empty() {
        return Ok(());
    }
    Err(Error::OutputHoldsOthers {
        path: dir.to_path_buf(),
        files: theirs.join(", "),
    })
}

/// An output folder being written.
#[derive(Debug)]
pub struct OutputFolder {
    dir: PathBuf,
    /// (temporary path, final path) of every file written so far.
    staged: Vec<(PathBuf, PathBuf)>,
    /// The files of an earlier run this one replaces, being removed.
    replaced: Option<durable::Removal>,
}

impl OutputFolder {
    /// Checks and creates the folder for a new run. A folder that already
    /// holds a run (a `manifest.json`) or an unfinished one (a `parts/`
    /// folder) is refused unless `force` is set; with `force`, everything
    /// an earlier run wrote is taken out of the folder so the new run
    /// starts clean, and removed while it runs
    /// ([`OutputFolder::take_replaced`]). A folder bonfire has not written
    /// in before (`lock`, taken on it, found no lock file) that holds files
    /// of the names a run writes is refused unless `force` is set: they
    /// are someone's own.
    pub fn prepare(dir: &Path, lock: &FolderLock, force: bool) -> Result<OutputFolder> {
        // What is there, and the command that finishes it (the same
        // whichever command meets it: a merge stopped is finished by `run`).
        for (marker, what, finished_by) in [
            ("manifest.json", "a finished run", None),
            (PARTS_DIR, "an unfinished run", Some("run")),
            (
                "generation-000",
                "an unfinished calibration",
                Some("calibrate"),
            ),
        ] {
            if dir.join(marker).exists() && !force {
                let mut finish = finished_by.map_or_else(String::new, |command| {
                    format!("`bonfire {command} --resume {}` finishes it", dir.display())
                });
                if finished_by == Some("run") && dir.join(SHARD_FILE).is_file() {
                    finish += " if it was stopped, and `bonfire merge` joins it, a shard, with the others";
                }
                return Err(Error::OutputExists {
                    path: dir.to_path_buf(),
                    marker: format!("{what}: {marker}"),
                    finish: if finish.is_empty() {
                        finish
                    } else {
                        finish + "; "
                    },
                });
            }
        }
        if !force && !lock.found_in_folder() {
            refuse_files_of_others(dir)?;
        }
        // With `force`, or where no run is there to finish (a crash before
        // the first part, or during an earlier `--force`), whatever an
        // earlier run left goes, so nothing of it mixes with this one.
        let replaced = if dir.is_dir() {
            remove_earlier_run(dir)?
        } else {
            None
        };
        durable::create_dir(dir)?;
        durable::remove_partials(dir)?;
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
            replaced,
        })
    }

    /// Opens an existing folder to finish a run in it (resume, merge).
    pub fn reopen(dir: &Path) -> OutputFolder {
        OutputFolder {
            dir: dir.to_path_buf(),
            staged: Vec::new(),
            replaced: None,
        }
    }

    /// The removal of the files of the earlier run this one replaces
    /// ([`OutputFolder::prepare`] with `force`), for a caller to keep while
    /// it runs: dropping it waits for the removal to end. `None` where no
    /// earlier run was there.
    pub fn take_replaced(&mut self) -> Option<durable::Removal> {
        self.replaced.take()
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

    /// Puts an existing file (a run's sealed part) in place as `name`
    /// without copying it: a second name for the same bytes (a hard link),
    /// or a copy where the file system has no links. The file must not be
    /// written to afterwards.
    pub fn link(&mut self, name: &str, from: &Path) -> Result<()> {
        let temp = self.dir.join(format!(".{name}.partial"));
        // A partial file left by a crash is in the way of the link.
        let _ = std::fs::remove_file(&temp);
        if std::fs::hard_link(from, &temp).is_err() {
            std::fs::copy(from, &temp).map_err(|source| Error::Io {
                action: "copy",
                path: from.to_path_buf(),
                source,
            })?;
        }
        self.staged.push((temp, self.dir.join(name)));
        Ok(())
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

    /// The length in bytes of each file in `names` but the manifest, for
    /// the manifest to record ([`manifest::check_file_lengths`]): a file
    /// this folder has written, flushed, under its temporary name; any
    /// other (`scenario.resolved.toml`, written when the run began) in
    /// the folder.
    pub fn lengths(&self, names: &[String]) -> Result<BTreeMap<String, u64>> {
        let mut lengths = BTreeMap::new();
        for name in names.iter().filter(|&name| name != manifest::MANIFEST) {
            let at = self.dir.join(name);
            let written = self.staged.iter().find(|(_, path)| *path == at);
            let path = written.map_or(&at, |(temp, _)| temp);
            let length = std::fs::metadata(path).map_err(|source| Error::Io {
                action: "measure",
                path: path.clone(),
                source,
            })?;
            lengths.insert(name.clone(), length.len());
        }
        Ok(lengths)
    }

    /// Flushes every file to disk and renames it into place, the last one
    /// (the manifest) only once all others are on disk under their names,
    /// so that a folder with a manifest always holds the whole run.
    /// Removes files of an earlier run that this run did not write.
    /// Consumes the folder.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        let staged = std::mem::take(&mut self.staged);
        for (temp, _) in &staged {
            durable::sync_file(temp)?;
        }
        let written: Vec<PathBuf> = staged.iter().map(|(_, path)| path.clone()).collect();
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
        let Some(((last_temp, last), rest)) = staged.split_last() else {
            return Ok(written);
        };
        for (temp, path) in rest {
            durable::rename(temp, path)?;
        }
        durable::sync_dir(&self.dir)?;
        durable::rename(last_temp, last)?;
        durable::sync_dir(&self.dir)?;
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
