//! The library's error type.
//!
//! Every failure a user can cause (a missing file, a bad key, an out-of-range
//! value, an output folder that cannot be written) is a variant here with the
//! facts needed to fix it: which file, which key, which line where known, what
//! was given and what is allowed. The binary prints the chain with `{:#}`.

use std::path::{Path, PathBuf};

/// Where a scenario came from: a file on disk or the copy built into the binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File(PathBuf),
    Embedded,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Embedded => write!(f, "the built-in default scenario"),
        }
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A line of the scenario file (1-based).
    Line(usize),
    /// A command-line flag, such as `--seed`.
    Flag(&'static str),
    /// Set by code (`ScenarioBuilder::set`).
    Code,
    /// Not written anywhere: the key's default.
    Default,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Line(line) => write!(f, ", line {line}"),
            Place::Flag(flag) => write!(f, ", {flag}"),
            Place::Code => write!(f, ", set in code"),
            Place::Default => Ok(()),
        }
    }
}

/// How a finished folder's file differs from what its manifest records
/// ([`Error::ChangedAfterRun`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    /// Another length than the one the run wrote.
    Length { found: u64, recorded: u64 },
    /// No such file, where the run wrote one of this length.
    Missing { recorded: u64 },
    /// The manifest itself is not JSON.
    NotJson,
    /// The manifest records a length that is not a whole number, or for a
    /// name that is not a file of the folder.
    BadEntry { name: String },
}

impl std::fmt::Display for FileChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileChange::Length { found, recorded } => write!(
                f,
                "is {found} bytes long where its run wrote {recorded} (manifest.json)"
            ),
            FileChange::Missing { recorded } => {
                write!(
                    f,
                    "is missing; its run wrote {recorded} bytes (manifest.json)"
                )
            }
            FileChange::NotJson => f.write_str("is not JSON"),
            FileChange::BadEntry { name } => {
                write!(
                    f,
                    "records a length for {name:?}, which is not a file of its folder or not a whole number"
                )
            }
        }
    }
}

/// ", line N" when the line is known, nothing otherwise.
pub struct AtLine(pub Option<usize>);

impl std::fmt::Display for AtLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(line) => write!(f, ", line {line}"),
            None => Ok(()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read scenario file {path}: {source}")]
    ReadScenario {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{origin}{}: {message}", AtLine(*line))]
    ScenarioSyntax {
        origin: Origin,
        line: Option<usize>,
        message: String,
    },

    #[error("{origin}{place}: key `{key}` is {given}; allowed: {allowed}")]
    ScenarioValue {
        origin: Origin,
        key: String,
        place: Place,
        given: String,
        allowed: String,
    },

    /// A file a scenario names could not be read or is not valid: the
    /// scenario's file and the line of the key, then what went wrong.
    #[error("{origin}{place}: {inner}")]
    InScenario {
        origin: Origin,
        place: Place,
        inner: Box<Error>,
    },

    /// `finish`: the command that finishes what is there, with the words
    /// around it (empty where it is finished).
    #[error(
        "output folder {path} already holds {marker}; {finish}pass --force to replace it, or --out to choose another folder"
    )]
    OutputExists {
        path: PathBuf,
        marker: String,
        finish: String,
    },

    /// `files`: those of the folder a run would replace, named.
    #[error(
        "output folder {path} holds {files}, which no bonfire run there wrote (it has no manifest.json and no parts/), and a run would replace them; pass --force to replace them, or --out to choose another folder"
    )]
    OutputHoldsOthers { path: PathBuf, files: String },

    /// `hint`: what else can be done, after "wait for it to end" (empty, or
    /// ", or choose another folder with --out" where the command has one).
    #[error(
        "folder {path} is being written by another bonfire ({holder}); wait for it to end{hint}"
    )]
    Locked {
        path: PathBuf,
        holder: String,
        hint: &'static str,
    },

    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {path}: {source}")]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },

    #[error("cannot read {path}: {source}")]
    ReadCsv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },

    #[error(
        "{path} has no `{column}` column; was it written by this version of bonfire? `bonfire run` writes it again"
    )]
    MissingColumn { path: PathBuf, column: String },

    /// A finished folder's file that is not as its run wrote it.
    #[error(
        "{path} {change}: it was cut short, changed or removed after its run finished; make the run again with the command that made it (manifest.json's command_line) and --force"
    )]
    ChangedAfterRun { path: PathBuf, change: FileChange },

    #[error("{path} does not hold a bonfire run (it has no {missing}); run `bonfire run` first")]
    NotARun {
        path: PathBuf,
        missing: &'static str,
    },

    #[error(
        "{origin}: this experiment needs about {estimate}, more than the {available} this machine has free {largest_and_ways}"
    )]
    NotEnoughMemory {
        origin: String,
        estimate: String,
        available: String,
        /// `(its largest run has N members); ` and what would make it fit.
        largest_and_ways: String,
    },

    #[error(
        "{origin}: this experiment's files {estimate} on the disk of {folder}; {ways}",
        folder = folder.display()
    )]
    NotEnoughDisk {
        origin: String,
        /// `take about …, and while it runs up to … more of the disk …,
        /// more than the … free`.
        estimate: String,
        folder: PathBuf,
        /// What would make the files fit.
        ways: String,
    },

    #[error("{path}: {why}; it should hold the shard I/N this folder was run with")]
    BadShardFile { path: PathBuf, why: String },

    #[error(
        "{path} holds shard {shard} of an experiment, whose files and charts come from merging the shards: `bonfire merge` with every shard's folder and `--out` (a shard not finished yet: `bonfire run --resume` with its folder first)"
    )]
    ShardNotMerged { path: PathBuf, shard: String },

    #[error(
        "{path} holds an unfinished {what} (it has no manifest.json); `bonfire {command} --resume {path}` finishes it and draws its charts"
    )]
    UnfinishedRun {
        path: PathBuf,
        /// "run" or "calibration".
        what: &'static str,
        /// The command that finishes it: "run" or "calibrate".
        command: &'static str,
    },

    #[error(
        "{path}: {missing} run(s) not finished yet (the first is run {first}); `bonfire run --resume {path}` finishes them, or merge the shard folders that hold them"
    )]
    IncompleteRun {
        path: PathBuf,
        missing: u64,
        first: u64,
    },

    #[error(
        "{path}: the files of run {run} do not match their seal ({why}); `bonfire run --resume {path}` runs it again"
    )]
    DamagedRun {
        path: PathBuf,
        run: u64,
        why: String,
    },

    #[error(
        "{path} holds a different experiment from {other} (their scenario.resolved.toml differ); only shards of one experiment can be merged"
    )]
    MergeMismatch { path: PathBuf, other: PathBuf },

    #[error("{path}, line {line} (the edge list of community_network.file): {why}")]
    EdgeList {
        path: PathBuf,
        line: usize,
        why: String,
    },

    #[error("{path}{}: {what} is {given}; allowed: {allowed}", AtLine(*line))]
    Baseline {
        path: PathBuf,
        /// The line as an editor counts it (1-based), where one is to blame.
        line: Option<usize>,
        /// What is wrong: a column, a field of the header, the file.
        what: String,
        given: String,
        allowed: String,
    },

    #[error("{path}{} (calibration targets): {what} is {given}; allowed: {allowed}", AtLine(*line))]
    Targets {
        path: PathBuf,
        /// The line as an editor counts it (1-based), where one is to blame.
        line: Option<usize>,
        /// What is wrong: a column, the header, the file.
        what: String,
        given: String,
        allowed: String,
    },

    #[error(
        "{path} was written by another calibration ({why}); start this one afresh with --force, or in another --out folder"
    )]
    ForeignGeneration { path: PathBuf, why: String },

    #[error(
        "{path}: only {defined} of its {particles} particles define every target (the others' runs leave one empty), and a calibration needs at least 2 to go on; narrow the priors to where the runs measure every target, or drop the target they leave empty, then start afresh: `bonfire calibrate SCENARIO --targets FILE --out {dir} --force`"
    )]
    TooFewDefined {
        dir: PathBuf,
        path: PathBuf,
        defined: usize,
        particles: usize,
    },

    #[error(
        "{path}, line {line} (calibration targets): every run of generation 0 leaves {target} empty: these runs never measure it, or not at these priors (timeseries.csv leaves a figure empty where it does not apply: a rate with nobody to measure, a forum's figure without a forum); change the target or the priors, then start afresh: `bonfire calibrate SCENARIO --targets FILE --out {dir} --force`"
    )]
    NeverMeasured {
        path: PathBuf,
        dir: PathBuf,
        line: usize,
        target: String,
    },

    #[error(
        "{path} is a file (or a link to nothing), not a folder, where bonfire writes a folder: move it, or choose another path"
    )]
    NotAFolder { path: PathBuf },

    #[error("cannot draw {path}: {message}")]
    Plot { path: PathBuf, message: String },

    #[error("cannot start {threads} worker threads: {source}")]
    ThreadPool {
        threads: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
}

impl Error {
    /// What to make of an I/O error while doing `action` to `path`: an
    /// [`Error::Io`] that names both, for `map_err`.
    pub fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.to_path_buf();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The longest value a message quotes whole.
const QUOTED_AT_MOST: usize = 80;

/// A value as a message quotes it: whole when short, else its start and
/// its length, so that no message grows with its input.
pub fn bounded(text: &str) -> String {
    let chars = text.chars().count();
    if chars <= QUOTED_AT_MOST {
        return text.to_string();
    }
    let start: String = text.chars().take(QUOTED_AT_MOST - 20).collect();
    format!("{start}… ({chars} characters)")
}
