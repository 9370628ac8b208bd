//! The build script: records the commit the binary is built from
//! (`BONFIRE_COMMIT`), which `bonfire --version` prints and every run's
//! `manifest.json` keeps, so that a figure can be traced to the code that
//! made it. `git rev-parse --short=12 HEAD`, with `+modified` where
//! tracked files differ from it; `unknown` outside a git checkout (a
//! source archive) or without git. With no `rerun-if-changed`, cargo runs
//! it again whenever a file of the package changes, so the mark follows
//! edits made since the commit.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let commit = match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(hash) if !hash.is_empty() => {
            let status = git(&["status", "--porcelain", "--untracked-files=no"]);
            match status {
                Some(changes) if changes.is_empty() => hash,
                _ => format!("{hash}+modified"),
            }
        }
        _ => "unknown".to_string(),
    };
    println!("cargo:rustc-env=BONFIRE_COMMIT={commit}");
}
