//! Writes that survive a crash or a power cut: a file counts only once its
//! bytes and its name are on disk.
//!
//! A file is written under a temporary name (`.NAME.partial`), flushed to
//! disk (`fsync`), renamed into place, and its folder is flushed too, so
//! that after a power cut a name points either to the whole new file or to
//! nothing. [`crash_point`] marks each of these steps: a test can make the
//! process die at the N-th one (`BONFIRE_CRASH_AT=N`) and check that
//! `--resume` still ends with exactly the files of an uninterrupted run.

use std::fs::{File, OpenOptions};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// The variable that makes the process exit at its N-th durable step
/// (1-based), as if killed; for crash-consistency tests only.
pub const CRASH_AT_VAR: &str = "BONFIRE_CRASH_AT";

/// The exit code of a crash made by [`CRASH_AT_VAR`].
pub const CRASH_EXIT_CODE: i32 = 86;

/// One durable step is done. When `BONFIRE_CRASH_AT` names this step, the
/// process ends at once, without running destructors or cleaning up: what
/// a `kill -9` between two system calls leaves.
pub fn crash_point() {
    static CRASH_AT: OnceLock<Option<u64>> = OnceLock::new();
    static STEPS: AtomicU64 = AtomicU64::new(0);
    let Some(at) = *CRASH_AT.get_or_init(|| {
        std::env::var(CRASH_AT_VAR)
            .ok()
            .and_then(|v| v.trim().parse().ok())
    }) else {
        return;
    };
    if STEPS.fetch_add(1, Ordering::SeqCst) + 1 == at {
        std::process::exit(CRASH_EXIT_CODE);
    }
}

/// Flushes a file's bytes to disk. The file is opened for reading, which
/// a file this user may not write allows; on Windows, which flushes only
/// through a handle that may write, for writing (not changed).
pub fn sync_file(path: &Path) -> Result<()> {
    if cfg!(unix) {
        fsync(path, File::open(path))
    } else {
        fsync(path, OpenOptions::new().write(true).open(path))
    }
}

/// Flushes a folder's entries (the names created, renamed or removed in
/// it) to disk. Where folders cannot be opened as files (Windows), renames
/// are already durable and this does nothing.
pub fn sync_dir(path: &Path) -> Result<()> {
    if cfg!(unix) {
        fsync(path, File::open(path))
    } else {
        crash_point();
        Ok(())
    }
}

/// Flushes the file or folder at `path`, opened as `opened`, to disk.
fn fsync(path: &Path, opened: std::io::Result<File>) -> Result<()> {
    opened
        .and_then(|f| f.sync_all())
        .map_err(|source| Error::Io {
            action: "flush to disk",
            path: path.to_path_buf(),
            source,
        })?;
    crash_point();
    Ok(())
}

/// Creates a folder (and any missing above it) and flushes its parent, so
/// that the folder's name survives a power cut with the files put in it.
pub fn create_dir(path: &Path) -> Result<()> {
    let existed = path.is_dir();
    std::fs::create_dir_all(path).map_err(|source| {
        // A file (or a link to nothing) in the folder's place.
        if path.symlink_metadata().is_ok() && !path.is_dir() {
            Error::NotAFolder {
                path: path.to_path_buf(),
            }
        } else {
            Error::Io {
                action: "create",
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    match path
        .parent()
        .filter(|p| !existed && !p.as_os_str().is_empty())
    {
        Some(parent) => sync_dir(parent),
        None => Ok(()),
    }
}

/// Renames a finished file into place.
pub fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|source| Error::Io {
        action: "move into place",
        path: to.to_path_buf(),
        source,
    })?;
    crash_point();
    Ok(())
}

/// The temporary name a file is written under before it is complete.
pub fn partial_name(path: &Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial"))
}

/// The name of the file a temporary file (`name`, as [`partial_name`]
/// makes it) is being written for; `None` for any other name.
pub fn unfinished_name(name: &str) -> Option<&str> {
    name.strip_prefix('.')?.strip_suffix(".partial")
}

/// Writes a whole file under its temporary name and flushes it to disk,
/// without renaming it yet; returns the temporary path.
pub fn write_partial(path: &Path, bytes: &[u8]) -> Result<std::path::PathBuf> {
    let temp = partial_name(path);
    std::fs::write(&temp, bytes).map_err(|source| {
        // What was written of it is of no use and may hold the room a
        // full disk needs; the error is the write's.
        let _ = std::fs::remove_file(&temp);
        Error::io("write", &temp)(source)
    })?;
    flush_partial(&temp)?;
    Ok(temp)
}

/// Flushes a file written whole under its temporary name (`temp`) to disk.
pub fn flush_partial(temp: &Path) -> Result<()> {
    crash_point();
    sync_file(temp)
}

/// Moves a file written whole and flushed under its temporary name
/// (`temp`) to `path`, and flushes the folder.
pub fn move_into_place(temp: &Path, path: &Path) -> Result<()> {
    rename(temp, path)?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Writes a whole file durably: temporary name, flush, rename, flush of
/// the folder.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let temp = write_partial(path, bytes)?;
    move_into_place(&temp, path)
}

/// Removes files left under a temporary name by a process that died while
/// writing them (the caller holds the folder's lock, so none is live).
pub fn remove_partials(dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if unfinished_name(&name).is_some() {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|source| Error::Io {
                action: "remove",
                path,
                source,
            })?;
        }
    }
    Ok(())
}

/// Removes a folder and everything in it such that a crash part way leaves
/// either the whole folder or none of it under its name: it is first
/// renamed to a hidden name, which [`remove_dir_durably`] also clears
/// when it finds one left by an earlier crash.
pub fn remove_dir_durably(dir: &Path) -> Result<()> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = dir.parent().unwrap_or(Path::new("."));
    let doomed = parent.join(format!(".{name}.removing"));
    if dir.exists() {
        if doomed.exists() {
            remove_all(&doomed)?;
        }
        std::fs::rename(dir, &doomed).map_err(|source| Error::Io {
            action: "remove",
            path: dir.to_path_buf(),
            source,
        })?;
        crash_point();
        sync_dir(parent)?;
    }
    if doomed.exists() {
        remove_files_together(&doomed);
        remove_all(&doomed)?;
        crash_point();
    }
    Ok(())
}

/// Threads that remove a folder's files at once
/// ([`remove_files_together`]).
const REMOVERS: usize = 4;

/// Files in a folder below which [`remove_files_together`] removes none:
/// a thread is not worth starting for a few.
const FILES_WORTH_THREADS: usize = 64;

/// Removes the files directly in `dir` on several threads, where there are
/// many: where a file's freed blocks are given back to the disk as the
/// file goes (the `discard` mount option), each removal waits for the
/// disk, and a folder of the parts of thousands of runs took a second to
/// empty one file after another; several waits overlap. What cannot be
/// removed here (another thread could not start, a file would not go) is
/// left for the removal of the folder, which says why.
fn remove_files_together(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let files: Vec<std::path::PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .collect();
    if files.len() < FILES_WORTH_THREADS {
        return;
    }
    let share = files.len().div_ceil(REMOVERS);
    std::thread::scope(|scope| {
        for some in files.chunks(share) {
            let remove = move || {
                for file in some {
                    let _ = std::fs::remove_file(file);
                }
            };
            let _ = std::thread::Builder::new().spawn_scoped(scope, remove);
        }
    });
}

/// A folder being removed on a thread of its own
/// ([`remove_in_background`]), so that the run that replaces what it held
/// does not wait for the disk to let go of it. Dropping it waits for the
/// removal to end; a removal that failed is reported on the standard
/// error, the folder left where it is (hidden, and cleared by the next
/// run into the same folder).
#[derive(Debug)]
pub struct Removal {
    dir: std::path::PathBuf,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

/// Removes `dir` and everything in it on a thread of its own, or here
/// where no thread can be started. The folder must be one nothing else
/// reads or writes any more (a hidden one the caller has moved files
/// into).
pub fn remove_in_background(dir: std::path::PathBuf) -> Result<Removal> {
    let doomed = dir.clone();
    match std::thread::Builder::new().spawn(move || std::fs::remove_dir_all(&doomed)) {
        Ok(thread) => Ok(Removal {
            dir,
            thread: Some(thread),
        }),
        Err(_) => {
            remove_all(&dir)?;
            Ok(Removal { dir, thread: None })
        }
    }
}

impl Drop for Removal {
    fn drop(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        let outcome = thread
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the removal panicked")));
        if let Err(e) = outcome {
            crate::console::say_err!(
                "warning: could not remove {} (what an earlier run left there): {e}",
                self.dir.display()
            );
        }
    }
}

/// Removes a folder and everything in it.
pub fn remove_all(path: &Path) -> Result<()> {
    std::fs::remove_dir_all(path).map_err(|source| Error::Io {
        action: "remove",
        path: path.to_path_buf(),
        source,
    })
}

/// Copies every finished file of `from` into `to` (created if need be), in
/// name order; files still being written (`.NAME.partial`) are left.
pub fn copy_finished_files(from: &Path, to: &Path) -> Result<()> {
    create_dir(to)?;
    let entries = std::fs::read_dir(from).map_err(|source| Error::Io {
        action: "read",
        path: from.to_path_buf(),
        source,
    })?;
    let mut names: Vec<std::ffi::OsString> = entries
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .filter(|name| !name.to_string_lossy().starts_with('.'))
        .collect();
    names.sort();
    for name in names {
        copy_file(from, to, &name)?;
    }
    sync_dir(to)
}

/// Copies the file `name` of folder `from` into folder `to` and flushes
/// the copy to disk (its folder is the caller's to flush).
pub fn copy_file(from: &Path, to: &Path, name: impl AsRef<Path>) -> Result<()> {
    copy_contents(&from.join(&name), &to.join(&name))
}

/// Copies the bytes of `source` to `copied` and flushes them to disk. The
/// copy is made as any new file (the source's permissions are not copied:
/// shards another user left read-only give a merge files it owns). An
/// error names the source where it cannot be opened, and the copy where
/// the bytes could not be moved (a full disk, most often).
pub fn copy_contents(source: &Path, copied: &Path) -> Result<()> {
    let mut from = File::open(source).map_err(Error::io("read", source))?;
    let mut to = File::create(copied).map_err(Error::io("create", copied))?;
    std::io::copy(&mut from, &mut to).map_err(Error::io("write", copied))?;
    fsync(copied, Ok(to))
}
