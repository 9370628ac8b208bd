//! One writer per output folder: every command that writes a folder is
//! refused at once, naming the holder, while another holds it; two runs
//! started together into one folder never mix.

use std::path::Path;

use bonfire::output::lock::FolderLock;

use crate::common::{bonfire, run_ok, write_scenario};

const SMALL: &str =
    "name = \"small\"\nreplicates = 2\n[community]\ngroups = 10\n[format]\nsessions = 8\n";

/// The command fails, naming this process as the holder, and prints
/// nothing on stdout.
fn refused(args: &[&str], dir: &Path) {
    let output = bonfire().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{args:?} ran: {stderr}");
    assert!(
        stderr.contains("is being written by another bonfire")
            && stderr.contains(&format!("pid {}", std::process::id()))
            && stderr.contains(&dir.display().to_string()),
        "{args:?}: {stderr}"
    );
    assert_eq!(
        stderr.matches("is being written").count(),
        1,
        "said once: {stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn every_command_that_writes_a_folder_is_refused_while_another_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let out = dir.path().join("out");
    run_ok(&scenario, &out, &[]);
    let shards = [dir.path().join("shard0"), dir.path().join("shard1")];
    for (i, shard) in shards.iter().enumerate() {
        run_ok(&scenario, shard, &["--shard", &format!("{i}/2")]);
    }
    let before = std::fs::read(out.join("timeseries.csv")).unwrap();

    let lock = FolderLock::acquire(&out, "the test").unwrap();
    let (s, o) = (scenario.to_str().unwrap(), out.to_str().unwrap());
    refused(&["run", s, "--out", o, "--force", "--seed", "9"], &out);
    refused(&["run", "--resume", o], &out);
    refused(&["plot", o], &out);
    let [s0, s1] = shards.each_ref().map(|p| p.to_str().unwrap());
    refused(&["merge", s0, s1, "--out", o, "--force"], &out);
    // Nothing was replaced.
    assert_eq!(std::fs::read(out.join("timeseries.csv")).unwrap(), before);

    drop(lock);
    let again = bonfire()
        .args(["run", s, "--out", o, "--force", "--quiet"])
        .output()
        .unwrap();
    assert!(again.status.success(), "{again:?}");
}

#[test]
fn a_bad_scenario_creates_no_folder_and_no_lock() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), "[community]\ngroups = 0\n");
    let out = dir.path().join("never");
    bonfire()
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .assert()
        .failure();
    assert!(!out.exists());
}

/// Two runs with different seeds started together into one folder: one
/// runs, the other is refused (held, or finding a finished run), and the
/// folder holds one experiment.
#[test]
fn two_runs_started_together_into_one_folder_do_not_mix() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(
        dir.path(),
        "name = \"race\"\nreplicates = 4\n[community]\ngroups = 60\n[format]\nsessions = 30\n",
    );
    let out = dir.path().join("out");
    let start = |seed: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("bonfire"))
            .arg("run")
            .arg(&scenario)
            .args(["--quiet", "--no-charts", "--seed", seed, "--out"])
            .arg(&out)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (start("1"), start("2"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let succeeded = [&a, &b].iter().filter(|o| o.status.success()).count();
    assert_eq!(succeeded, 1, "{a:?}\n{b:?}");
    let loser = if a.status.success() { &b } else { &a };
    let why = String::from_utf8_lossy(&loser.stderr);
    assert!(
        why.contains("is being written by another bonfire") || why.contains("already holds"),
        "{why}"
    );
    // The folder's files are of the seed its manifest names, and rerunning
    // that seed elsewhere gives the same bytes.
    let resolved = std::fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();
    let seed = if resolved.contains("\nseed = 1\n") {
        "1"
    } else {
        "2"
    };
    let check = dir.path().join("check");
    run_ok(&scenario, &check, &["--no-charts", "--seed", seed]);
    assert_eq!(
        std::fs::read(out.join("timeseries.csv")).unwrap(),
        std::fs::read(check.join("timeseries.csv")).unwrap()
    );
}
