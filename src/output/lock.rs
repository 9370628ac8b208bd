//! One writer per output folder: an exclusive lock held by every command
//! that writes the folder (`run`, `run --resume`, `merge`, `plot`).
//!
//! The lock is an advisory file lock (`flock`) on `OUT/.bonfire.lock`,
//! taken without waiting: a second writer is refused at once, with the
//! holder's process id, host, command and start time, which the holder
//! writes into the file. The operating system releases the lock when its
//! process ends, however it ends, so a crashed run leaves no stale lock: the
//! next command takes it and overwrites the old holder's details. The file
//! itself stays (removing it would let two processes lock two different
//! files of the same name); it is emptied when the lock is released.
//!
//! `merge` also locks the shard folders it reads, so that no shard runs in
//! one meanwhile; a shard folder it may only read (a read-only file
//! system, another user's results) is locked shared through a lock file
//! opened for reading, or not at all where it has none
//! ([`FolderLock::acquire_to_read`]).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The lock file's name inside an output folder.
pub const LOCK_FILE: &str = ".bonfire.lock";

/// A held lock on an output folder; released when dropped. `None`: a
/// folder only read, with no lock file to lock
/// ([`FolderLock::acquire_to_read`]). `found`: the lock file was in the
/// folder before (it stays after a command ends): bonfire has written
/// there before, and what a run writes there is an earlier run's.
#[derive(Debug)]
pub struct FolderLock {
    file: Option<File>,
    found: bool,
}

/// This machine's name, for the holder's details.
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "this machine".to_string())
}

impl FolderLock {
    /// Takes the lock on `dir` (creating the folder), or refuses at once
    /// with who holds it. `command` is recorded for whoever is refused.
    pub fn acquire(dir: &Path, command: &str) -> Result<FolderLock> {
        super::durable::create_dir(dir)?;
        let path: PathBuf = dir.join(LOCK_FILE);
        let found = path.symlink_metadata().is_ok();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(Error::io("open the lock file", &path))?;
        lock_or_refuse(&mut file, dir, &path, Sharing::Exclusive)?;
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let details = format!(
            "pid {}\nhost {}\ncommand {command}\nsince {since} (seconds since 1970)\n",
            std::process::id(),
            host()
        );
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(details.as_bytes()))
            .and_then(|()| file.sync_all())
            .map_err(Error::io("write the lock file", &path))?;
        Ok(FolderLock {
            file: Some(file),
            found,
        })
    }

    /// Whether bonfire had written in the folder before this lock was
    /// taken (its lock file was there).
    pub fn found_in_folder(&self) -> bool {
        self.found
    }

    /// [`FolderLock::acquire`] for a folder the command only reads (the
    /// shards a merge joins), which this user may not write: on a
    /// read-only file system, or another user's. Where the lock file
    /// cannot be opened for writing, it is opened for reading and locked
    /// shared (which a file opened for reading allows on every file
    /// system, NFS too), so that a writer that holds it still refuses this
    /// command, without the holder's details. Where it is not there and
    /// cannot be made, none is taken: no writer has been in the folder
    /// since it became unwritable to this user, and the command trusts
    /// that none starts while it reads.
    pub fn acquire_to_read(dir: &Path, command: &str) -> Result<FolderLock> {
        use std::io::ErrorKind::{NotFound, PermissionDenied, ReadOnlyFilesystem};
        let not_writable = |e: &Error| {
            matches!(e, Error::Io { source, .. }
                if matches!(source.kind(), PermissionDenied | ReadOnlyFilesystem))
        };
        match FolderLock::acquire(dir, command) {
            Err(e) if not_writable(&e) => {
                let path = dir.join(LOCK_FILE);
                let mut file = match File::open(&path) {
                    Ok(file) => file,
                    Err(missing) if missing.kind() == NotFound => {
                        return Ok(FolderLock {
                            file: None,
                            found: false,
                        });
                    }
                    Err(source) => return Err(Error::io("open the lock file", &path)(source)),
                };
                lock_or_refuse(&mut file, dir, &path, Sharing::Shared)?;
                Ok(FolderLock {
                    file: Some(file),
                    found: true,
                })
            }
            other => other,
        }
    }

    /// [`FolderLock::acquire`] for a folder the command line chose with
    /// `--out`: a refusal also says that another folder would do.
    pub fn acquire_output(dir: &Path, command: &str) -> Result<FolderLock> {
        FolderLock::acquire(dir, command).map_err(|e| match e {
            Error::Locked { path, holder, .. } => Error::Locked {
                path,
                holder,
                hint: ", or choose another folder with --out",
            },
            other => other,
        })
    }
}

/// How a lock is held: alone (a writer), or shared with other readers,
/// which conflicts with a writer's all the same.
#[derive(Clone, Copy)]
enum Sharing {
    Exclusive,
    Shared,
}

/// Locks `file`, the lock file of `dir` at `path`, without waiting, or
/// refuses with the holder's details.
fn lock_or_refuse(file: &mut File, dir: &Path, path: &Path, sharing: Sharing) -> Result<()> {
    let locked = match sharing {
        Sharing::Exclusive => file.try_lock(),
        Sharing::Shared => file.try_lock_shared(),
    };
    match locked {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim().replace('\n', ", ");
            Err(Error::Locked {
                hint: "",
                path: dir.to_path_buf(),
                holder: if holder.is_empty() {
                    "a process that has not yet said who it is".to_string()
                } else {
                    holder
                },
            })
        }
        Err(TryLockError::Error(source)) => Err(Error::io("lock", path)(source)),
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // Nobody holds it: say so (where it may be written), then let go.
        if let Some(file) = &self.file {
            let _ = file.set_len(0);
            let _ = file.unlock();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_with_the_holder_and_the_lock_is_free_once_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = FolderLock::acquire(dir.path(), "bonfire run a.toml").unwrap();
        let err = FolderLock::acquire(dir.path(), "bonfire run b.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("pid {}", std::process::id()))
                && err.contains("command bonfire run a.toml"),
            "{err}"
        );
        drop(first);
        let again = FolderLock::acquire(dir.path(), "bonfire run b.toml");
        assert!(again.is_ok());
    }

    #[test]
    fn details_left_by_a_process_that_ended_do_not_hold_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LOCK_FILE), "pid 999999\nhost gone\n").unwrap();
        let lock = FolderLock::acquire(dir.path(), "bonfire plot out").unwrap();
        drop(lock);
        let text = std::fs::read_to_string(dir.path().join(LOCK_FILE)).unwrap();
        assert!(text.is_empty(), "{text}");
    }
}
