//! The part files of an unfinished experiment, sealed run by run.
//!
//! Each finished run writes its rows into `OUT/parts/` as CSV files without
//! a header (`run-0000003.timeseries.csv`, …; run 0's `groups` and
//! `members` parts begin with theirs, see `runner::assemble`), durably,
//! and then its seal
//! (`run-0000003.sealed.csv`): one line per part file with its number of
//! rows, its length in bytes and a checksum (64-bit XXH3) of its bytes,
//! and the same of the folder's `scenario.resolved.toml`. A run counts as
//! done only when its seal is there and every file it lists still has
//! exactly those rows, bytes and checksum, so a part cut short or damaged
//! by a crash or a power cut is found, and the run is run again, instead
//! of silently losing its rows; and a run made under a scenario since
//! edited is run again too, instead of mixing two scenarios in a file.

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use std::hash::Hasher as _;

use twox_hash::XxHash3_64;

use super::PARTS_DIR;
use super::durable::{crash_point, sync_dir, write_atomically};
use crate::error::{Error, Result};
use crate::popcount::with_cpu_feature;

/// The header of a seal file: its last column names the checksum.
const SEAL_HEADER: &str = "file,rows,bytes,xxh3_64";

/// The path of one part file of a run.
pub fn part_path(dir: &Path, run: u64, kind: &str) -> PathBuf {
    dir.join(PARTS_DIR).join(format!("run-{run:07}.{kind}.csv"))
}

fn seal_path(dir: &Path, run: u64) -> PathBuf {
    part_path(dir, run, "sealed")
}

/// The start of a seal's line that records the seed its run ran on.
const SEED_LINE: &str = "# seed ";

/// The start of a seal's line that records the columns its parts were
/// written with: a checksum of the headers of every kind of part
/// ([`crate::runner::part_columns`]).
const COLUMNS_LINE: &str = "# columns ";

/// The start of a seal's line that names the commit of the build that made
/// the run ([`crate::output::manifest::VERSION`]): not checked, since a
/// later build with the same rules gives the same bytes, but counted when
/// the experiment's files are made ([`made_by`]), so that runs made by two
/// builds are said to be so.
const COMMIT_LINE: &str = "# commit ";

/// What a run's seal must say for its parts to count as done: the seed
/// they were made on, and the columns they were written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    pub seed: u64,
    /// The columns this build writes: parts written with others cannot be
    /// put in one file with this build's, nor read back as its rows.
    pub columns: u64,
}

/// The scenario a run ran under, as its seal names it (from the parts'
/// folder): a run whose folder's scenario has changed since (an edited
/// `scenario.resolved.toml`) does not count as done, so that a resume or a
/// merge cannot put runs of two scenarios in one file.
const SCENARIO_IN_SEAL: &str = "../scenario.resolved.toml";

/// A checksum taken piece by piece as a part is written or read: 64-bit
/// XXH3 (a fraction of an instruction a byte, in AVX2 where the processor
/// has it; any change of bytes changes it with near certainty; checked
/// against the published reference values and a second implementation).
/// The seals of earlier versions summed with FNV-1a under another header:
/// their runs are run again.
#[derive(Clone)]
struct Checksum(Box<XxHash3_64>);

impl Checksum {
    fn xxh3() -> Checksum {
        Checksum(Box::default())
    }

    fn update(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }

    fn value(&self) -> u64 {
        self.0.finish()
    }
}

with_cpu_feature!(
    "avx2",
    with_avx2,
    /// The line ends in `bytes` ([`lines_in`]), in AVX2's 32-byte vectors
    /// where the running processor has them (the release binary is built
    /// for the x86-64 baseline, whose vectors are half as wide). The count
    /// is exact either way.
    fn count_lines(bytes: &[u8]) -> u64 = lines_in
);

/// The line ends in `bytes`, summed in fixed-width blocks that the
/// compiler turns into vector compares (a byte at a time with a branch
/// each, counting was most of a part's cost to seal and verify).
#[inline(always)]
fn lines_in(bytes: &[u8]) -> u64 {
    let mut blocks = bytes.chunks_exact(64);
    let mut lines = 0u64;
    for block in &mut blocks {
        lines += u64::from(block.iter().map(|&b| u8::from(b == b'\n')).sum::<u8>());
    }
    lines
        + blocks
            .remainder()
            .iter()
            .map(|&b| u64::from(b == b'\n'))
            .sum::<u64>()
}

/// What a seal records of one part file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sealed {
    file: String,
    rows: u64,
    bytes: u64,
    checksum: u64,
}

/// What a run's seal records of a file it wrote outside the parts' folder
/// (a network export, written whole and flushed), made when the file is
/// written, so that the run need not keep its bytes until it is sealed
/// ([`RunWriter::record_outside`]).
#[derive(Debug)]
pub struct OutsideFile(Sealed);

impl OutsideFile {
    /// Writes the file at `path` whole ([`write_atomically`]'s steps: a
    /// temporary name, flushed, moved into place, the folder flushed) from
    /// the text `write` makes, a piece at a time, never the whole file in
    /// memory; returns its record, the file at `path_from_parts`
    /// (`../network/…`).
    pub fn write(
        path: &Path,
        path_from_parts: String,
        write: impl FnOnce(&mut dyn fmt::Write) -> fmt::Result,
    ) -> Result<OutsideFile> {
        let temp = super::durable::partial_name(path);
        let file = File::create(&temp).map_err(Error::io("create", &temp))?;
        let mut text = TextFile {
            file,
            pending: Vec::with_capacity(TextFile::PIECE),
            sealed: Sealed {
                file: path_from_parts,
                rows: 0,
                bytes: 0,
                checksum: 0,
            },
            checksum: Checksum::xxh3(),
            failed: None,
        };
        let made = write(&mut text).and_then(|()| text.write_pending());
        if let Err(fmt::Error) = made {
            let _ = std::fs::remove_file(&temp);
            let why = text.failed.take().unwrap_or_else(|| {
                std::io::Error::other("the text could not be made (a formatting error)")
            });
            return Err(Error::io("write", &temp)(why));
        }
        text.sealed.checksum = text.checksum.value();
        drop(text.file);
        super::durable::flush_partial(&temp)?;
        super::durable::move_into_place(&temp, path)?;
        Ok(OutsideFile(text.sealed))
    }
}

/// A file written as text a piece at a time ([`OutsideFile::write`]): the
/// text gathered into pieces of [`TextFile::PIECE`] bytes, each written,
/// counted and added to the checksum as it fills; the first error kept.
struct TextFile {
    file: File,
    pending: Vec<u8>,
    sealed: Sealed,
    checksum: Checksum,
    failed: Option<std::io::Error>,
}

impl TextFile {
    const PIECE: usize = 1 << 20;

    fn write_pending(&mut self) -> fmt::Result {
        let piece = &self.pending;
        self.checksum.update(piece);
        self.sealed.rows += count_lines(piece);
        self.sealed.bytes += piece.len() as u64;
        if let Err(e) = self.file.write_all(piece) {
            self.failed = Some(e);
            return Err(fmt::Error);
        }
        self.pending.clear();
        Ok(())
    }
}

impl fmt::Write for TextFile {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.pending.extend_from_slice(text.as_bytes());
        if self.pending.len() >= Self::PIECE {
            self.write_pending()?;
        }
        Ok(())
    }
}

impl Sealed {
    /// What a seal would record of the file at `path` with this kind of
    /// checksum, read a buffer at a time (a part can be larger than the
    /// memory a run needs).
    fn read(file: String, path: &Path, mut checksum: Checksum) -> std::io::Result<Sealed> {
        use std::io::Read;
        let mut part = File::open(path)?;
        let mut buffer = vec![0u8; 1 << 16];
        let mut sealed = Sealed {
            file,
            rows: 0,
            bytes: 0,
            checksum: 0,
        };
        loop {
            let n = match part.read(&mut buffer) {
                Ok(0) => {
                    sealed.checksum = checksum.value();
                    return Ok(sealed);
                }
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let piece = &buffer[..n];
            sealed.rows += count_lines(piece);
            sealed.bytes += n as u64;
            checksum.update(piece);
        }
    }

    fn line(&self) -> String {
        format!(
            "{},{},{},{:016x}\n",
            self.file, self.rows, self.bytes, self.checksum
        )
    }

    fn parse(line: &str) -> Option<Sealed> {
        let mut fields = line.split(',');
        let sealed = Sealed {
            file: fields.next()?.to_string(),
            rows: fields.next()?.parse().ok()?,
            bytes: fields.next()?.parse().ok()?,
            checksum: u64::from_str_radix(fields.next()?, 16).ok()?,
        };
        fields.next().is_none().then_some(sealed)
    }
}

/// One part file being written, its rows, bytes and checksum counted as
/// they go.
struct Part {
    kind: String,
    path: PathBuf,
    out: BufWriter<File>,
    rows: u64,
    bytes: u64,
    checksum: Checksum,
    /// Bytes written since the part was last handed to a flush.
    unflushed: u64,
    /// The flush to disk begun last while the part is written.
    flush: Option<JoinHandle<std::io::Result<()>>>,
}

/// Bytes of a part after which what it holds so far is flushed to disk
/// in the background while the run goes on: a run's sealing then waits
/// only for the last of them, not for the whole file (a gigabyte of
/// `groups.csv` took over 2 seconds to flush at the end).
const EARLY_FLUSH_BYTES: u64 = 16 << 20;

impl Part {
    /// Hands what the part holds so far to the operating system and has a
    /// thread of its own flush it to disk, so that the writer goes on. One
    /// flush at a time: while the last still waits for the disk, the part
    /// goes on and the next mark tries again. The sealing waits for the
    /// last flush, then flushes the part whole again; a flush that failed
    /// fails the run, at the next mark or at the sealing.
    fn flush_in_background(&mut self) -> Result<()> {
        self.unflushed = 0;
        if self.flush.as_ref().is_some_and(|f| !f.is_finished()) {
            return Ok(());
        }
        self.finish_flush()?;
        let io = |action, source| Error::Io {
            action,
            path: self.path.clone(),
            source,
        };
        self.out.flush().map_err(|e| io("write", e))?;
        let file = self
            .out
            .get_ref()
            .try_clone()
            .map_err(|e| io("flush to disk", e))?;
        // Where no thread can be started, the sealing flushes it all.
        self.flush = std::thread::Builder::new()
            .spawn(move || file.sync_data())
            .ok();
        Ok(())
    }

    /// Waits for the flush in flight, if any: its failure is the part's.
    fn finish_flush(&mut self) -> Result<()> {
        let Some(flush) = self.flush.take() else {
            return Ok(());
        };
        flush
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("a flush to disk panicked")))
            .map_err(|source| Error::Io {
                action: "flush to disk",
                path: self.path.clone(),
                source,
            })
    }
}

/// A run's part files, written as the run produces its rows (so that no
/// part is held whole in memory), then flushed to disk and sealed by
/// [`RunWriter::seal`]. They are written under their own names, as the
/// seal names them: until the seal is there the run counts as not done
/// (a crash leaves its parts unsealed; run again, it writes them anew),
/// and once it is, the parts must match it. A name given only once the
/// bytes were whole (a temporary name, then a rename) would add nothing
/// to what the seal says, and cost a rename a part, each waiting for the
/// folder that every run's parts share.
pub struct RunWriter {
    dir: PathBuf,
    run: u64,
    /// The seed the run runs on and the columns of its parts
    /// ([`Expected::columns`]), recorded in its seal.
    seed: u64,
    columns: u64,
    parts: Vec<Part>,
    /// Files of the run's outside the parts' folder (its network exports),
    /// as the seal records them.
    outside: Vec<Sealed>,
    /// A part's bytes after which they are flushed in the background.
    early_flush_bytes: u64,
}

impl RunWriter {
    pub fn new(dir: &Path, run: u64, seed: u64, columns: u64) -> RunWriter {
        RunWriter {
            dir: dir.to_path_buf(),
            run,
            seed,
            columns,
            parts: Vec::new(),
            outside: Vec::new(),
            early_flush_bytes: EARLY_FLUSH_BYTES,
        }
    }

    /// Appends whole rows to the part of this kind, creating it the first
    /// time (so a part written with no bytes exists, empty).
    pub fn write(&mut self, kind: &str, bytes: &[u8]) -> Result<()> {
        let at = match self.parts.iter().position(|p| p.kind == kind) {
            Some(at) => at,
            None => {
                let path = part_path(&self.dir, self.run, kind);
                let file = File::create(&path).map_err(|source| Error::Io {
                    action: "write",
                    path: path.clone(),
                    source,
                })?;
                self.parts.push(Part {
                    kind: kind.to_string(),
                    path,
                    out: BufWriter::new(file),
                    rows: 0,
                    bytes: 0,
                    checksum: Checksum::xxh3(),
                    unflushed: 0,
                    flush: None,
                });
                self.parts.len() - 1
            }
        };
        let part = &mut self.parts[at];
        part.out.write_all(bytes).map_err(|source| Error::Io {
            action: "write",
            path: part.path.clone(),
            source,
        })?;
        part.rows += count_lines(bytes);
        part.bytes += bytes.len() as u64;
        part.checksum.update(bytes);
        part.unflushed += bytes.len() as u64;
        if part.unflushed >= self.early_flush_bytes {
            part.flush_in_background()?;
        }
        Ok(())
    }

    /// Records in the seal a file the run wrote outside the parts' folder
    /// ([`OutsideFile`]): one cut, changed or removed since makes the run
    /// count as not done, as a part does, so that `--resume` writes it
    /// again and `merge` refuses the shard that holds it.
    pub fn record_outside(&mut self, file: OutsideFile) {
        self.outside.push(file.0);
    }

    /// Flushes every part and the parts' folder to disk, then writes the
    /// seal that lists them and the files recorded outside it.
    pub fn seal(self) -> Result<()> {
        let mut seal = format!(
            "{SEAL_HEADER}\n{SEED_LINE}{}\n{COLUMNS_LINE}{:016x}\n{COMMIT_LINE}{}\n",
            self.seed,
            self.columns,
            env!("BONFIRE_COMMIT")
        );
        for outside in &self.outside {
            seal.push_str(&outside.line());
        }
        for mut part in self.parts {
            part.finish_flush()?;
            let Part {
                path,
                kind: _,
                out,
                rows,
                bytes,
                checksum,
                unflushed: _,
                flush: _,
            } = part;
            let io = |source| Error::Io {
                action: "flush to disk",
                path: path.clone(),
                source,
            };
            let file = out.into_inner().map_err(|e| io(e.into_error()))?;
            crash_point();
            file.sync_all().map_err(io)?;
            crash_point();
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let sealed = Sealed {
                file,
                rows,
                bytes,
                checksum: checksum.value(),
            };
            seal.push_str(&sealed.line());
        }
        let scenario = self.dir.join(PARTS_DIR).join(SCENARIO_IN_SEAL);
        if scenario.is_file() {
            let sealed = Sealed::read(SCENARIO_IN_SEAL.into(), &scenario, Checksum::xxh3())
                .map_err(|source| Error::Io {
                    action: "read",
                    path: scenario.clone(),
                    source,
                })?;
            seal.push_str(&sealed.line());
        }
        sync_dir(&self.dir.join(PARTS_DIR))?;
        write_atomically(&seal_path(&self.dir, self.run), seal.as_bytes())
    }
}

/// Runs waiting to be sealed at most ([`sealing`]): each holds its parts'
/// files open.
const SEALS_WAITING: usize = 8;

/// Threads that seal runs at once ([`sealing`]). A seal's time is mostly
/// the disk's: each part, the folder and the seal are flushed, and each
/// flush waits for the disk to say it holds them. Runs of a few hundred
/// members are made faster than one thread can seal them one flush after
/// another; flushes from several threads wait for the disk together.
const SEALERS: usize = 4;

/// Runs `work` with a way to hand a run's parts over to be sealed
/// ([`RunWriter::seal`]) on four threads of their own, so that
/// the thread that made a run goes on to the next while the disk takes
/// the flushes: a seal waits for every part, the folder and the seal
/// itself to reach the disk, time in which a core would otherwise idle.
/// Runs are sealed in no set order (a run counts as done by its own seal
/// alone). Returns once every run handed over is sealed: the error of the
/// failed seal of the lowest run, else `work`'s result. Handing over waits
/// while eight runs wait, and fails once a seal has failed (the runs not
/// sealed are left unsealed, to be run again on `--resume`).
pub fn sealing<R>(
    dir: &Path,
    work: impl FnOnce(&(dyn Fn(RunWriter) -> Result<()> + Sync)) -> Result<R>,
) -> Result<R> {
    sealing_on(SEALERS, dir, work)
}

/// [`sealing`] with `sealers` threads.
fn sealing_on<R>(
    sealers: usize,
    dir: &Path,
    work: impl FnOnce(&(dyn Fn(RunWriter) -> Result<()> + Sync)) -> Result<R>,
) -> Result<R> {
    use std::sync::atomic::AtomicBool;
    use std::sync::{Arc, Mutex};
    let failed = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<RunWriter>(SEALS_WAITING);
        // Each sealer holds the receiving end: once every one has stopped,
        // it is gone, and a hand-over fails.
        let receive = Arc::new(Mutex::new(receive));
        let threads: Vec<_> = (0..sealers)
            .map(|_| {
                let (receive, failed) = (Arc::clone(&receive), &failed);
                scope.spawn(move || seal_until_stopped(&receive, failed))
            })
            .collect();
        drop(receive);
        let failed = &failed;
        let hand_over = move |parts: RunWriter| {
            let stopped = || Error::Io {
                action: "seal the runs in",
                path: dir.join(PARTS_DIR),
                source: std::io::Error::other("sealing stopped"),
            };
            if failed.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(stopped());
            }
            send.send(parts).map_err(|_| stopped())
        };
        let worked = work(&hand_over);
        drop(hand_over);
        let mut first_failed: Option<(u64, Error)> = None;
        for thread in threads {
            match thread.join() {
                Ok(None) => {}
                Ok(Some(failed)) => {
                    if first_failed.as_ref().is_none_or(|(run, _)| failed.0 < *run) {
                        first_failed = Some(failed);
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        match first_failed {
            Some((_, e)) => Err(e),
            None => worked,
        }
    })
}

/// One sealer of [`sealing_on`]: seals the runs it receives until the
/// hand-overs end. Once a seal has failed (its own, or another sealer's,
/// which `failed` says, and which makes the next hand-over fail), the
/// runs still handed over are taken and left unsealed, so that no
/// hand-over waits. Returns the run whose seal failed here and why.
fn seal_until_stopped(
    receive: &std::sync::Mutex<std::sync::mpsc::Receiver<RunWriter>>,
    failed: &std::sync::atomic::AtomicBool,
) -> Option<(u64, Error)> {
    use std::sync::atomic::Ordering;
    let mut failure = None;
    loop {
        let next = match receive.lock() {
            Ok(receive) => receive.recv(),
            Err(_) => return failure,
        };
        let Ok(parts) = next else { return failure };
        if failed.load(Ordering::Relaxed) {
            continue;
        }
        let run = parts.run;
        hold_if_asked(run);
        if let Err(e) = parts.seal() {
            failed.store(true, Ordering::Relaxed);
            failure = Some((run, e));
        }
    }
}

/// The variable that makes the sealer of run N wait for good before it
/// seals it, so that the process can only be killed or interrupted, never
/// finish; for tests that must stop a run part way, on any host's timing.
pub const HOLD_SEAL_VAR: &str = "BONFIRE_HOLD_SEAL";

/// Waits for good if [`HOLD_SEAL_VAR`] names `run`: the other sealers go on
/// sealing the runs that end, and the run never ends.
fn hold_if_asked(run: u64) {
    static HOLD: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    let held = HOLD.get_or_init(|| {
        std::env::var(HOLD_SEAL_VAR)
            .ok()
            .and_then(|v| v.trim().parse().ok())
    });
    if *held == Some(run) {
        loop {
            std::thread::park();
        }
    }
}

/// Copies the sealed runs of one parts folder into another (created if
/// need be), in name order: each seal's parts and the files it records
/// outside the folder (network exports, at the same place beside `to`,
/// unless one there already matches the seal), then the seal, each
/// flushed to disk, then the folders. Parts no seal lists (a run cut
/// short, whose parts have their own names) are left, so that they cannot take the place of a
/// sealed run's parts in `to`. A seal that cannot be read is copied as it
/// is: the run it stands for is found damaged where it is verified.
pub fn copy_sealed_runs(from: &Path, to: &Path) -> Result<()> {
    super::durable::create_dir(to)?;
    let mut seals: Vec<String> = std::fs::read_dir(from)
        .map_err(Error::io("read", from))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|name| !name.starts_with('.') && name.ends_with(".sealed.csv"))
        .collect();
    seals.sort();
    let copy = |name: &str| super::durable::copy_file(from, to, name);
    for seal in &seals {
        let text = std::fs::read_to_string(from.join(seal)).unwrap_or_default();
        let mut outside_folders = Vec::new();
        for listed in text.lines().skip(1).filter_map(Sealed::parse) {
            let file = Path::new(&listed.file);
            if file.file_name() == Some(listed.file.as_ref()) {
                copy(&listed.file)?;
            } else if let Some(folder) = outside_folder(file) {
                // The scenario is the caller's. An export already there as
                // the seal has it (a merge copies every shard's first) is
                // kept; one missing from `from` is left missing: its run is
                // found damaged where it is verified, and run again.
                let (source, copied) = (from.join(file), to.join(file));
                let there = Sealed::read(listed.file.clone(), &copied, Checksum::xxh3()).ok();
                if there.as_ref() != Some(&listed) && source.is_file() {
                    super::durable::create_dir(&to.join(folder))?;
                    super::durable::copy_contents(&source, &copied)?;
                }
                let folder = to.join(folder);
                if !outside_folders.contains(&folder) {
                    outside_folders.push(folder);
                }
            }
        }
        // The exports' names are on disk before the seal that lists them,
        // whoever copied them.
        for folder in outside_folders.iter().filter(|f| f.is_dir()) {
            sync_dir(folder)?;
        }
        copy(seal)?;
    }
    sync_dir(to)
}

/// The folder beside the parts' folder that a seal's `file` lies in
/// (`../network/…`: `../network`), for a file recorded outside it; `None`
/// for the scenario (`../scenario.resolved.toml`) and any other path.
fn outside_folder(file: &Path) -> Option<&Path> {
    let folder = file.parent()?;
    let mut parts = folder.components();
    let beside = matches!(parts.next(), Some(std::path::Component::ParentDir))
        && matches!(parts.next(), Some(std::path::Component::Normal(_)))
        && parts.next().is_none();
    beside.then_some(folder)
}

/// The state of a run's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunParts {
    /// Sealed, and every part matches its seal.
    Verified,
    /// No seal: the run has not finished (or never started).
    NotDone,
    /// Sealed, but a part is missing, cut short or changed.
    Damaged(String),
}

impl fmt::Display for RunParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunParts::Verified => f.write_str("verified"),
            RunParts::NotDone => f.write_str("not finished"),
            RunParts::Damaged(why) => f.write_str(why),
        }
    }
}

/// Whether a run has its seal (its parts are not checked: see [`verify`]).
pub fn is_sealed(dir: &Path, run: u64) -> bool {
    seal_path(dir, run).is_file()
}

/// Checks a run's parts against its seal, and the seed it ran on against
/// the one it must have run on.
pub fn verify(dir: &Path, run: u64, expected: Expected) -> RunParts {
    let seal = seal_path(dir, run);
    let text = match std::fs::read_to_string(&seal) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return RunParts::NotDone,
        Err(e) => return RunParts::Damaged(format!("cannot read {}: {e}", seal.display())),
    };
    let mut lines = text.lines();
    if lines.next() != Some(SEAL_HEADER) {
        // An earlier version's seal, summed with FNV-1a: its parts have
        // other columns too.
        return RunParts::Damaged(format!(
            "{} is not a seal of this version of bonfire",
            seal.display()
        ));
    }
    let (mut recorded_seed, mut recorded_columns, mut files) = (None, None, Vec::new());
    for line in lines {
        let unreadable =
            || RunParts::Damaged(format!("{}: unreadable line {line:?}", seal.display()));
        if let Some(seed) = line.strip_prefix(SEED_LINE) {
            let Ok(seed) = seed.parse::<u64>() else {
                return unreadable();
            };
            recorded_seed = Some(seed);
            continue;
        }
        if line.starts_with(COMMIT_LINE) {
            continue;
        }
        if let Some(columns) = line.strip_prefix(COLUMNS_LINE) {
            let Ok(columns) = u64::from_str_radix(columns, 16) else {
                return unreadable();
            };
            recorded_columns = Some(columns);
            continue;
        }
        let Some(sealed) = Sealed::parse(line) else {
            return unreadable();
        };
        files.push(sealed);
    }
    if recorded_columns != Some(expected.columns) {
        let by = if recorded_columns.is_some() {
            "another build of bonfire"
        } else {
            "an earlier version of bonfire"
        };
        return RunParts::Damaged(format!(
            "its parts were written by {by}, whose files have other columns than this build's"
        ));
    }
    for sealed in files {
        // A file beside the parts' folder (the scenario, an export) by
        // its own path.
        let path = match sealed.file.strip_prefix("../") {
            Some(beside) => dir.join(beside),
            None => dir.join(PARTS_DIR).join(&sealed.file),
        };
        let Ok(found) = Sealed::read(sealed.file.clone(), &path, Checksum::xxh3()) else {
            return RunParts::Damaged(format!("{} is missing", path.display()));
        };
        if found != sealed && sealed.file == SCENARIO_IN_SEAL {
            return RunParts::Damaged(format!(
                "it ran under another {} (the file has changed since)",
                dir.join("scenario.resolved.toml").display()
            ));
        }
        if found != sealed {
            return RunParts::Damaged(format!(
                "{} has {} rows, {} bytes, checksum {:016x}; its seal says {} rows, {} bytes, checksum {:016x}",
                path.display(),
                found.rows,
                found.bytes,
                found.checksum,
                sealed.rows,
                sealed.bytes,
                sealed.checksum
            ));
        }
    }
    match recorded_seed {
        Some(seed) if seed == expected.seed => RunParts::Verified,
        Some(seed) => RunParts::Damaged(format!(
            "it ran on seed {seed}, where the scenario now runs it on {}",
            expected.seed
        )),
        None => RunParts::Damaged(format!("{} records no seed", seal.display())),
    }
}

/// The commit of the build that made a sealed run, as its seal names it;
/// `None` without a seal or a commit in it.
pub fn made_by(dir: &Path, run: u64) -> Option<String> {
    let text = std::fs::read_to_string(seal_path(dir, run)).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(COMMIT_LINE))
        .map(str::to_string)
}

/// Removes a run's seal, so that it counts as not done.
pub fn unseal(dir: &Path, run: u64) -> Result<()> {
    let seal = seal_path(dir, run);
    match std::fs::remove_file(&seal) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Io {
            action: "remove",
            path: seal,
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed the tests' runs run on, and what verifying them expects.
    const SEED: u64 = 7;
    const COLUMNS: u64 = 0x00c0_1d5e;
    const EXPECTED: Expected = Expected {
        seed: SEED,
        columns: COLUMNS,
    };

    /// Writes a run's part files (kind, bytes) whole, then its seal.
    fn write_run(dir: &Path, run: u64, parts: &[(&str, Vec<u8>)]) -> Result<()> {
        let mut writer = RunWriter::new(dir, run, SEED, COLUMNS);
        for (kind, bytes) in parts {
            writer.write(kind, bytes)?;
        }
        writer.seal()
    }

    fn checksum(mut checksum: Checksum, pieces: &[&[u8]]) -> u64 {
        for piece in pieces {
            checksum.update(piece);
        }
        checksum.value()
    }

    #[test]
    fn checksums_match_the_published_reference_values_taken_whole_or_in_pieces() {
        let xxh3 = |pieces: &[&[u8]]| checksum(Checksum::xxh3(), pieces);
        assert_eq!(xxh3(&[b""]), 0x2d06_8005_38d3_94c2);
        assert_eq!(xxh3(&[b"a"]), 0xe6c6_32b6_1e96_4e1f);
        assert_eq!(xxh3(&[b"abc"]), 0x78af_5f94_892f_3950);
        assert_eq!(xxh3(&[b"a", b"", b"bc"]), 0x78af_5f94_892f_3950);
        // Long input, in pieces that cross XXH3's internal blocks, and
        // every length through its short, middle and long paths, held to a
        // second implementation.
        let long: Vec<u8> = (0..100_016u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = xxh3(&[&long]);
        assert_eq!(xxh3(&[&long[..1], &long[1..300], &long[300..]]), whole);
        assert_eq!(whole, xxhash_rust::xxh3::xxh3_64(&long));
        for len in (0..2_100).chain([4_095, 4_096, 4_097, 65_536, 99_999]) {
            let text = &long[len % 13..len % 13 + len];
            let cut = len * 5 / 7;
            assert_eq!(
                xxh3(&[&text[..cut], &text[cut..]]),
                xxhash_rust::xxh3::xxh3_64(text),
                "{len} bytes"
            );
        }
    }

    #[test]
    fn lines_are_counted_in_every_block_and_the_remainder() {
        let text: Vec<u8> = (0..1000)
            .map(|i| if i % 7 == 0 { b'\n' } else { b'x' })
            .collect();
        for end in [0, 1, 63, 64, 65, 640, 1000] {
            let expected = text[..end].iter().filter(|&&b| b == b'\n').count() as u64;
            // With AVX2 where this processor has it, and without.
            assert_eq!(count_lines(&text[..end]), expected, "{end}");
            assert_eq!(lines_in(&text[..end]), expected, "{end}");
        }
        assert_eq!(count_lines(&[b'\n'; 200]), 200);
        assert_eq!(lines_in(&[b'\n'; 200]), 200);
    }

    #[test]
    fn a_run_sealed_with_other_columns_or_by_an_earlier_version_is_not_done() {
        let (dir, path) = sealed_run();
        // Written by a build whose files have other columns: its rows
        // cannot go in one file with this build's.
        let other = Expected {
            columns: COLUMNS + 1,
            ..EXPECTED
        };
        match verify(dir.path(), 3, other) {
            RunParts::Damaged(why) => assert!(why.contains("other columns"), "{why}"),
            other => panic!("expected damaged, got {other:?}"),
        }
        // An earlier version's seal records no columns, and summed with
        // FNV-1a.
        let seal = without_line(dir.path(), COLUMNS_LINE);
        match verify(dir.path(), 3, EXPECTED) {
            RunParts::Damaged(why) => assert!(why.contains("an earlier version"), "{why}"),
            other => panic!("expected damaged, got {other:?}"),
        }
        let fnv = format!(
            "file,rows,bytes,fnv1a64\n{},2,12,0000000000000000\n",
            path.file_name().unwrap().to_string_lossy(),
        );
        std::fs::write(&seal, fnv).unwrap();
        match verify(dir.path(), 3, EXPECTED) {
            RunParts::Damaged(why) => assert!(why.contains("not a seal of this version"), "{why}"),
            other => panic!("expected damaged, got {other:?}"),
        }
    }

    #[test]
    fn a_run_made_on_another_seed_is_not_done() {
        let (dir, _) = sealed_run();
        let other = Expected {
            seed: 8,
            ..EXPECTED
        };
        match verify(dir.path(), 3, other) {
            RunParts::Damaged(why) => assert!(why.contains("ran on seed 7"), "{why}"),
            other => panic!("expected damaged, got {other:?}"),
        }
        assert_eq!(verify(dir.path(), 3, EXPECTED), RunParts::Verified);
        // Every seal this version writes records its seed: one without is
        // not taken as made on any.
        without_line(dir.path(), SEED_LINE);
        match verify(dir.path(), 3, EXPECTED) {
            RunParts::Damaged(why) => assert!(why.contains("records no seed"), "{why}"),
            other => panic!("expected damaged, got {other:?}"),
        }
    }

    /// Takes the line that starts with `prefix` out of run 3's seal (which
    /// must have one); returns the seal's path.
    fn without_line(dir: &Path, prefix: &str) -> PathBuf {
        let seal = seal_path(dir, 3);
        let text = std::fs::read_to_string(&seal).unwrap();
        let without: String = text
            .lines()
            .filter(|l| !l.starts_with(prefix))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_ne!(without, text);
        std::fs::write(&seal, without).unwrap();
        seal
    }

    fn sealed_run() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(PARTS_DIR)).unwrap();
        let parts = [
            ("timeseries", b"1,2,3\n4,5,6\n".to_vec()),
            ("end", b"7\n".to_vec()),
        ];
        write_run(dir.path(), 3, &parts).unwrap();
        let path = part_path(dir.path(), 3, "timeseries");
        (dir, path)
    }

    /// A writer of run 3 in a new folder with its parts folder.
    fn new_run() -> (tempfile::TempDir, RunWriter) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(PARTS_DIR)).unwrap();
        let writer = RunWriter::new(dir.path(), 3, SEED, COLUMNS);
        (dir, writer)
    }

    /// Run 3's parts and seal in `dir` hold the bytes of those in `whole`.
    fn assert_same_run(dir: &Path, whole: &Path) {
        for kind in ["timeseries", "end", "sealed"] {
            assert_eq!(
                std::fs::read(part_path(dir, 3, kind)).unwrap(),
                std::fs::read(part_path(whole, 3, kind)).unwrap(),
                "{kind}"
            );
        }
    }

    #[test]
    fn a_sealed_run_verifies_and_an_unsealed_one_is_not_done() {
        let (dir, _) = sealed_run();
        assert_eq!(verify(dir.path(), 3, EXPECTED), RunParts::Verified);
        assert_eq!(verify(dir.path(), 4, EXPECTED), RunParts::NotDone);
        unseal(dir.path(), 3).unwrap();
        assert_eq!(verify(dir.path(), 3, EXPECTED), RunParts::NotDone);
    }

    #[test]
    fn a_part_written_piece_by_piece_is_sealed_as_if_written_whole() {
        let (whole, _) = sealed_run();
        let (dir, mut writer) = new_run();
        writer.write("timeseries", b"").unwrap();
        writer.write("timeseries", b"1,2,3\n").unwrap();
        writer.write("end", b"7\n").unwrap();
        writer.write("timeseries", b"4,5,6\n").unwrap();
        // Unsealed, the run is not done, whatever its parts hold.
        assert_eq!(verify(dir.path(), 3, EXPECTED), RunParts::NotDone);
        assert!(part_path(dir.path(), 3, "timeseries").exists());
        writer.seal().unwrap();
        assert_eq!(verify(dir.path(), 3, EXPECTED), RunParts::Verified);
        assert_same_run(dir.path(), whole.path());
    }

    #[test]
    fn a_part_flushed_early_in_the_background_is_sealed_the_same() {
        let (whole, _) = sealed_run();
        let (dir, mut writer) = new_run();
        writer.early_flush_bytes = 4;
        writer.write("timeseries", b"1,2,3\n").unwrap();
        writer.write("end", b"7\n").unwrap();
        let begun = |w: &RunWriter| {
            w.parts
                .iter()
                .map(|p| p.flush.is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(begun(&writer), [true, false], "end is below the mark");
        writer.write("timeseries", b"4,5,6\n").unwrap();
        writer.seal().unwrap();
        assert_eq!(verify(dir.path(), 3, EXPECTED), RunParts::Verified);
        assert_same_run(dir.path(), whole.path());
    }

    #[test]
    fn every_run_handed_over_is_sealed_when_sealing_returns() {
        for sealers in [1, SEALERS] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir(dir.path().join(PARTS_DIR)).unwrap();
            // More runs than may wait, so that handing over waits on the seals.
            let runs = 0..(3 * SEALS_WAITING as u64);
            let handed = sealing_on(sealers, dir.path(), |seal| {
                for run in runs.clone() {
                    let mut writer = RunWriter::new(dir.path(), run, SEED, COLUMNS);
                    writer.write("timeseries", format!("{run}\n").as_bytes())?;
                    seal(writer)?;
                }
                Ok(runs.clone().count())
            });
            assert_eq!(handed.unwrap(), runs.clone().count());
            for run in runs {
                assert_eq!(
                    verify(dir.path(), run, EXPECTED),
                    RunParts::Verified,
                    "run {run}"
                );
            }
        }
    }

    #[test]
    fn a_failed_seal_stops_the_hand_overs_and_is_the_error_returned() {
        for sealers in [1, SEALERS] {
            let (dir, mut broken) = new_run();
            broken.write("timeseries", b"1,2,3\n").unwrap();
            // A folder where the seal should go: the seal cannot be moved
            // into place.
            let seal = seal_path(dir.path(), 3);
            std::fs::create_dir(&seal).unwrap();
            let mut handed = 0;
            // Handing over goes on until it fails: every sealer has stopped.
            let error = sealing_on(sealers, dir.path(), |seal| {
                seal(broken)?;
                for run in 10.. {
                    seal(RunWriter::new(dir.path(), run, SEED, COLUMNS))?;
                    handed += 1;
                }
                Ok(())
            })
            .unwrap_err();
            if sealers == 1 {
                // The one sealer stops at the failed seal: what may wait, and
                // the run it takes before it finds the failure, at most.
                assert!(handed <= SEALS_WAITING + 1, "{handed} handed over after");
            }
            let text = error.to_string();
            assert!(text.contains(&seal.display().to_string()), "{text}");
            assert!(seal.is_dir());
        }
    }

    #[test]
    fn only_sealed_runs_and_their_parts_are_copied() {
        let (from, _) = sealed_run();
        // Run 4 cut short in `from`: its part under its own name, no seal.
        let mut cut_short = RunWriter::new(from.path(), 4, SEED, COLUMNS);
        cut_short.write("timeseries", b"cut\n").unwrap();
        drop(cut_short);
        std::fs::write(from.path().join(PARTS_DIR).join(".stray.partial"), b"x").unwrap();
        // `to` holds run 4 sealed already: it must stay as it is.
        let to = tempfile::tempdir().unwrap();
        std::fs::create_dir(to.path().join(PARTS_DIR)).unwrap();
        write_run(to.path(), 4, &[("timeseries", b"whole\n".to_vec())]).unwrap();
        copy_sealed_runs(&from.path().join(PARTS_DIR), &to.path().join(PARTS_DIR)).unwrap();
        assert_eq!(verify(to.path(), 3, EXPECTED), RunParts::Verified);
        assert_same_run(to.path(), from.path());
        assert_eq!(verify(to.path(), 4, EXPECTED), RunParts::Verified);
        assert_eq!(
            std::fs::read(part_path(to.path(), 4, "timeseries")).unwrap(),
            b"whole\n"
        );
        let mut names: Vec<String> = std::fs::read_dir(to.path().join(PARTS_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "run-0000003.end.csv",
                "run-0000003.sealed.csv",
                "run-0000003.timeseries.csv",
                "run-0000004.sealed.csv",
                "run-0000004.timeseries.csv"
            ]
        );
    }

    #[test]
    fn a_part_cut_short_changed_or_missing_is_damaged() {
        let damaged = |change: &dyn Fn(&Path)| {
            let (dir, path) = sealed_run();
            change(&path);
            match verify(dir.path(), 3, EXPECTED) {
                RunParts::Damaged(why) => why,
                other => panic!("expected damaged, got {other:?}"),
            }
        };
        let cut = damaged(&|p| std::fs::write(p, b"1,2,3\n4,5").unwrap());
        assert!(cut.contains("1 rows, 9 bytes"), "{cut}");
        assert!(cut.contains("its seal says 2 rows, 12 bytes"), "{cut}");
        // Same length, one byte changed (what a torn page leaves).
        let changed = damaged(&|p| std::fs::write(p, b"1,2,3\n4,5,7\n").unwrap());
        assert!(changed.contains("checksum"), "{changed}");
        let missing = damaged(&|p| std::fs::remove_file(p).unwrap());
        assert!(missing.ends_with("is missing"), "{missing}");
    }
}
