//! The name of the code a binary is built from, as the build script
//! (`src/build.rs`) records it in `BONFIRE_COMMIT`: the commit
//! (`git rev-parse --short=12 HEAD`) where the code is the commit's; where
//! it is not, the commit and `+modified.` with a digest of the code
//! itself; outside a git checkout (a source archive) or without git,
//! `unknown.` and the digest.
//!
//! The code is what the binary is made from ([`CODE`]): every file under
//! `src/` (the embedded fonts included), the embedded default scenario,
//! `Cargo.toml` and `Cargo.lock`. It differs from the commit's where git
//! sees a change to a tracked one of them or a file under them it does not
//! track and does not ignore; a change elsewhere (the README, another
//! scenario) leaves the binary the commit's and is not counted. The digest
//! is a 64-bit FNV-1a over each file's path and bytes in path order, so
//! that two builds of the same edited files have one name and two builds
//! of different edits two: a resume or a merge then tells their runs
//! apart. It names code, it does not guard it (FNV-1a is not a
//! cryptographic hash).
//!
//! Included by the build script and by the integration tests
//! (`tests/identity.rs`), which hold it to a repository of their own; the
//! library does not use it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files and folders, relative to the package root, that the binary
/// is made from.
pub const CODE: [&str; 4] = ["src", "scenarios/default.toml", "Cargo.toml", "Cargo.lock"];

/// The name of the code at `root` (the package root), as
/// `BONFIRE_COMMIT` holds it.
pub fn code_name(root: &Path) -> String {
    match git(root, &["rev-parse", "--short=12", "HEAD"]) {
        Some(commit) if !commit.is_empty() => {
            if is_the_commits(root) {
                commit
            } else {
                format!("{commit}+modified.{:016x}", code_digest(root))
            }
        }
        _ => format!("unknown.{:016x}", code_digest(root)),
    }
}

/// Whether the code at `root` is its commit's: no tracked file of it
/// changed (staged or not) and none added that git does not ignore. Where
/// git cannot say, it is taken as changed.
fn is_the_commits(root: &Path) -> bool {
    let mut args = vec!["status", "--porcelain", "--untracked-files=all", "--"];
    args.extend(CODE);
    git(root, &args).is_some_and(|changes| changes.is_empty())
}

/// A 64-bit FNV-1a digest of the code at `root`: each of its files'
/// paths (relative to `root`, `/` between folders) and bytes, in path
/// order. A file or folder of [`CODE`] that is missing adds nothing.
pub fn code_digest(root: &Path) -> u64 {
    let mut files = Vec::new();
    for part in CODE {
        collect_files(&root.join(part), &mut files);
    }
    let mut named: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            (name, path)
        })
        .collect();
    named.sort();
    let mut digest = Fnv1a::default();
    for (name, path) in named {
        let bytes = std::fs::read(&path).unwrap_or_default();
        digest.write(name.as_bytes());
        digest.write(&[0]);
        digest.write(&(bytes.len() as u64).to_le_bytes());
        digest.write(&bytes);
    }
    digest.0
}

/// The files at `path`: itself, if a file; every file beneath it, if a
/// folder.
fn collect_files(path: &Path, into: &mut Vec<PathBuf>) {
    if path.is_file() {
        into.push(path.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    for entry in entries.flatten() {
        collect_files(&entry.path(), into);
    }
}

/// The 64-bit FNV-1a hash.
struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// What `git args` prints in `root`, trimmed; none where git is missing or
/// fails (not a checkout).
fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
