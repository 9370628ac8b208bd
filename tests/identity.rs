//! The name the build script gives the code a binary is built from
//! (`src/build_identity.rs`), held to a git repository made for the test:
//! the commit where the code is the commit's, a digest that follows the
//! edits where it is not, and nothing counted that the binary is not made
//! from.

use std::path::Path;
use std::process::Command;

#[path = "../src/build_identity.rs"]
mod build_identity;

use build_identity::{code_digest, code_name};

/// Runs `git args` in `dir`, which must succeed, and returns what it
/// prints, trimmed.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=bonfire",
            "-c",
            "user.email=bonfire@example.org",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A package's files: code, and a README and a scenario that are not.
fn package(dir: &Path) {
    write(dir, "Cargo.toml", "[package]\nname = \"p\"\n");
    write(dir, "Cargo.lock", "version = 4\n");
    write(dir, "src/main.rs", "fn main() {}\n");
    write(dir, "src/plot/mod.rs", "pub fn draw() {}\n");
    write(dir, "scenarios/default.toml", "replicates = 1\n");
    write(dir, "scenarios/other.toml", "replicates = 2\n");
    write(dir, "README.md", "# p\n");
    write(dir, ".gitignore", "/target\n");
}

#[test]
fn a_build_is_named_by_its_commit_and_by_a_digest_of_edited_code() {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    package(dir);
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "first"]);
    let commit = git(dir, &["rev-parse", "--short=12", "HEAD"]);
    assert_eq!(code_name(dir), commit);

    // Files the binary is not made from, changed or added, or ignored.
    write(dir, "README.md", "# p, read\n");
    write(dir, "scenarios/other.toml", "replicates = 3\n");
    write(dir, "notes.txt", "to do\n");
    write(dir, "target/debug/p", "built\n");
    assert_eq!(code_name(dir), commit, "only the code counts");

    // An edit of the code: the commit and the digest of the files as they
    // are; another edit, another digest; the same edit, the same name.
    write(dir, "src/plot/mod.rs", "pub fn draw() { todo!() }\n");
    let edited = code_name(dir);
    assert_eq!(
        edited,
        format!("{commit}+modified.{:016x}", code_digest(dir))
    );
    write(
        dir,
        "src/plot/mod.rs",
        "pub fn draw() { unimplemented!() }\n",
    );
    let edited_again = code_name(dir);
    assert!(edited_again.starts_with(&format!("{commit}+modified.")));
    assert_ne!(edited_again, edited, "two edits, two names");
    write(dir, "src/plot/mod.rs", "pub fn draw() { todo!() }\n");
    assert_eq!(code_name(dir), edited, "the same edit, the same name");

    // Staged, the same; undone, the commit's again.
    git(dir, &["add", "src/plot/mod.rs"]);
    assert_eq!(code_name(dir), edited);
    git(dir, &["reset", "-q", "--hard"]);
    assert_eq!(code_name(dir), commit);

    // A file of code git does not track, and the embedded scenario.
    write(dir, "src/new.rs", "pub struct New;\n");
    assert!(code_name(dir).starts_with(&format!("{commit}+modified.")));
    std::fs::remove_file(dir.join("src/new.rs")).unwrap();
    write(dir, "scenarios/default.toml", "replicates = 9\n");
    assert!(code_name(dir).starts_with(&format!("{commit}+modified.")));
}

#[test]
fn a_build_outside_a_checkout_is_named_by_its_code_alone() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    package(one.path());
    package(two.path());
    // Files the binary is not made from do not change the digest.
    write(two.path(), "README.md", "# another readme\n");
    let name = code_name(one.path());
    assert_eq!(name, format!("unknown.{:016x}", code_digest(one.path())));
    assert_eq!(code_name(two.path()), name, "the same code, the same name");
    write(two.path(), "src/main.rs", "fn main() { println!(); }\n");
    assert_ne!(code_name(two.path()), name, "other code, another name");
    // A file moved, its bytes the same, is other code.
    std::fs::rename(
        one.path().join("src/plot/mod.rs"),
        one.path().join("src/plot.rs"),
    )
    .unwrap();
    assert_ne!(code_name(one.path()), name);
}
