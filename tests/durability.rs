//! Nothing lost, nothing mixed: a run killed at any point resumes to exactly
//! the files of an uninterrupted one; damaged parts are found and run again;
//! shard folders remember their shard; merge takes only a whole shard set.

use std::path::{Path, PathBuf};

use predicates::prelude::*;

#[cfg(unix)]
use crate::common::interrupted_after_a_run;
use crate::common::{bonfire, copy_dir, run_ok, write_scenario};

/// A small sweep (two points, two arms, one replicate: four runs) with
/// every kind of part (members, panel, groups, network), so that every
/// durable step of a run and of the commit is hit.
const SMALL: &str = r#"
name = "small"
seed = 5
replicates = 1

[community]
groups = 4
group_size = 6
control_members = 4

[format]
sessions = 6

[output]
panel_csv = true
groups_csv = true

[sweep]
community.group_size = [5, 6]

[[arm]]
name = "peer_led"

[[arm]]
name = "facilitated"
format.leadership = "facilitated"
"#;

/// What a folder holds: every file below it (but the lock and the
/// manifest, which records wall time and the command line) with its bytes.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, into: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.strip_prefix(root).unwrap().display().to_string();
            if path.is_dir() {
                walk(root, &path, into);
            } else if name != ".bonfire.lock" && name != "manifest.json" {
                into.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    files
}

fn assert_same_contents(expected: &Path, found: &Path, what: &str) {
    let (a, b) = (contents(expected), contents(found));
    let names = |c: &[(String, Vec<u8>)]| c.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "{what}: other files");
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{what}: {name} differs");
    }
    assert!(found.join("manifest.json").is_file(), "{what}: no manifest");
}

fn crashing_run(scenario: &Path, out: &Path, at: u64) -> std::process::Output {
    crashing_run_with(scenario, out, at, &[])
}

/// [`crashing_run`] with more arguments.
fn crashing_run_with(scenario: &Path, out: &Path, at: u64, extra: &[&str]) -> std::process::Output {
    bonfire()
        .arg("run")
        .arg(scenario)
        .args(["--quiet", "--no-charts", "--threads", "1"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .env("BONFIRE_CRASH_AT", at.to_string())
        .output()
        .unwrap()
}

/// Kills a run into `out` at the first durable step after which run `run`
/// is sealed. Runs are sealed by threads of their own, in no set order and
/// while later runs write their parts, so which step that is differs from
/// one try to the next: the run is tried with each step in turn.
fn crash_once_sealed(scenario: &Path, out: &Path, run: u64) {
    let seal = out.join(format!("parts/run-{run:07}.sealed.csv"));
    for at in 1.. {
        let crashed = crashing_run(scenario, out, at);
        assert_eq!(crashed.status.code(), Some(86), "step {at}: {crashed:?}");
        if seal.is_file() {
            return;
        }
        std::fs::remove_dir_all(out).unwrap();
    }
}

/// The process is made to die (as by `kill -9`) after each durable step in
/// turn: every file written, flushed, renamed or removed, through the
/// commit of the final files and the removal of the parts. After every one,
/// finishing the folder (`--resume`, or a new run where the crash came
/// before the scenario was on disk) gives exactly the files of a run that
/// was never interrupted: no run lost, none twice, nothing half-written.
#[test]
fn a_run_killed_after_any_durable_step_resumes_to_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &["--no-charts"]);

    let mut crashes = 0;
    for at in 1.. {
        let out = dir.path().join(format!("crash-{at}"));
        let crashed = crashing_run(&scenario, &out, at);
        if crashed.status.success() {
            break; // fewer durable steps than `at`: the run went through
        }
        assert_eq!(crashed.status.code(), Some(86), "step {at}: {crashed:?}");
        crashes += 1;
        let finish = if out.join("scenario.resolved.toml").is_file() {
            bonfire()
                .args(["run", "--quiet", "--no-charts", "--resume"])
                .arg(&out)
                .assert()
        } else {
            bonfire()
                .arg("run")
                .arg(&scenario)
                .args(["--quiet", "--no-charts", "--out"])
                .arg(&out)
                .assert()
        };
        finish.success();
        assert_same_contents(&whole, &out, &format!("crash after step {at}"));
        std::fs::remove_dir_all(&out).unwrap();
    }
    // 4 runs of 6 parts (each written, then flushed) and a seal, the
    // scenario and 8 final files: over ninety steps; fewer means the crash
    // points are not reached.
    assert!(crashes > 90, "only {crashes} crash points");
    eprintln!("crash points tried: {crashes}");
}

/// `--force` killed while it takes an earlier run's files out of the folder
/// (each moved into a hidden folder, which is removed while the new run
/// goes on): after each of its first steps the folder holds the earlier
/// run whole (its manifest and every file unchanged) or no manifest, never
/// a finished run that mixes two (which it would if the manifest did not
/// go first), and a second `--force` run ends with exactly the files of a
/// run into an empty folder, the hidden folder gone.
#[test]
fn a_forced_run_killed_while_replacing_an_earlier_one_mixes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &["--no-charts"]);
    let earlier = dir.path().join("earlier");
    run_ok(&scenario, &earlier, &["--no-charts", "--seed", "6"]);
    let earlier_manifest = std::fs::read(earlier.join("manifest.json")).unwrap();
    for at in 1..=10 {
        let out = dir.path().join(format!("forced-{at}"));
        copy_dir(&earlier, &out);
        let crashed = crashing_run_with(&scenario, &out, at, &["--force"]);
        assert_eq!(crashed.status.code(), Some(86), "step {at}: {crashed:?}");
        if let Ok(manifest) = std::fs::read(out.join("manifest.json")) {
            assert_eq!(manifest, earlier_manifest, "step {at}: another manifest");
            assert_same_contents(&earlier, &out, &format!("killed at step {at}"));
        }
        run_ok(&scenario, &out, &["--no-charts", "--force"]);
        assert_same_contents(&whole, &out, &format!("forced again after step {at}"));
        assert!(!out.join(".earlier-run.removing").exists(), "step {at}");
    }
}

/// Hidden folders a crash left half removed (an earlier run's files being
/// replaced, `.earlier-run.removing`, or a run's parts, `.parts.removing`)
/// are removed by `--resume` (which finds nothing else to do in a finished
/// run's folder) and by the next `--force` run.
#[test]
fn folders_a_crash_left_half_removed_go_with_the_next_resume_or_force() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let out = dir.path().join("out");
    run_ok(&scenario, &out, &["--no-charts"]);
    let leave = |name: &str| {
        let parts = out.join(name).join("parts");
        std::fs::create_dir_all(&parts).unwrap();
        std::fs::write(parts.join("run-0000000.groups.csv"), "old").unwrap();
    };
    leave(".earlier-run.removing");
    bonfire()
        .args(["run", "--quiet", "--no-charts", "--resume"])
        .arg(&out)
        .assert()
        .success();
    assert!(
        !out.join(".earlier-run.removing").exists(),
        "--resume left it"
    );
    leave(".earlier-run.removing");
    leave(".parts.removing");
    run_ok(&scenario, &out, &["--no-charts", "--force"]);
    for name in [".earlier-run.removing", ".parts.removing"] {
        assert!(!out.join(name).exists(), "--force left {name}");
    }
}

/// A part cut short (what a power cut can leave) is found by its seal and
/// its run is run again, with a warning: no replicate silently lost.
#[test]
fn a_truncated_part_is_run_again_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &["--no-charts"]);

    let out = dir.path().join("cut");
    crash_once_sealed(&scenario, &out, 1);
    let part = out.join("parts/run-0000001.timeseries.csv");
    let bytes = std::fs::read(&part).unwrap();
    std::fs::write(&part, &bytes[..bytes.len() / 2]).unwrap();
    resume_runs_again(&out, 1, "run-0000001.timeseries.csv");
    assert_same_contents(&whole, &out, "after a truncated part");
}

/// Parts written by a build whose files have other columns (a later
/// version adds one) cannot be put in one file with this build's: a
/// resume runs their runs again, saying why, and gives the files of a
/// whole run; a merge refuses shards holding them. Stood in for by the
/// columns a seal records, changed.
#[test]
fn runs_written_with_other_columns_are_run_again_and_not_merged() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &["--no-charts"]);
    let other_columns = |folder: &Path, run: u64| {
        let seal = folder.join(format!("parts/run-{run:07}.sealed.csv"));
        let text = std::fs::read_to_string(&seal).unwrap();
        let line = text.lines().find(|l| l.starts_with("# columns ")).unwrap();
        let other = format!(
            "# columns {:016x}",
            !u64::from_str_radix(&line[10..], 16).unwrap()
        );
        std::fs::write(&seal, text.replace(line, &other)).unwrap();
    };

    let out = dir.path().join("crashed");
    crash_once_sealed(&scenario, &out, 0);
    other_columns(&out, 0);
    resume_runs_again(&out, 0, "whose files have other columns than this build's");
    assert_same_contents(&whole, &out, "after a resume over other columns");

    // A folder begun by an earlier version gives every run the same
    // reason: three are named, the rest said in one line.
    let all_sealed = dir.path().join("all sealed");
    crash_once_sealed(&scenario, &all_sealed, 3);
    let sealed: Vec<u64> = (0..4)
        .filter(|run| {
            all_sealed
                .join(format!("parts/run-{run:07}.sealed.csv"))
                .is_file()
        })
        .collect();
    sealed
        .iter()
        .for_each(|&run| other_columns(&all_sealed, run));
    let resumed = bonfire()
        .args(["run", "--no-charts", "--resume"])
        .arg(&all_sealed)
        .assert()
        .success();
    let said = String::from_utf8(resumed.get_output().stderr.clone()).unwrap();
    let named = said.matches("do not match their seal").count();
    assert_eq!(named, sealed.len().min(3), "{said}");
    assert_eq!(
        said.contains("so do the files of further runs"),
        sealed.len() > 3,
        "{said}"
    );
    assert_same_contents(
        &whole,
        &all_sealed,
        "after a resume of runs all with other columns",
    );

    let set = shards(dir.path(), &scenario, 2);
    other_columns(&set[1], 1);
    merge(&set, &dir.path().join("merged"))
        .failure()
        .stderr(predicate::str::contains("other columns"));
}

/// Runs made by another build (a resume after an upgrade) are kept, since
/// the same rules give the same bytes, but said to be so: the resume warns
/// and the manifest counts each build's runs. Stood in for by the commit a
/// seal names, changed.
#[test]
fn runs_made_by_another_build_are_named_in_a_warning_and_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let out = dir.path().join("crashed");
    crash_once_sealed(&scenario, &out, 0);
    let seal = out.join("parts/run-0000000.sealed.csv");
    let text = std::fs::read_to_string(&seal).unwrap();
    let line = text.lines().find(|l| l.starts_with("# commit ")).unwrap();
    let this = line["# commit ".len()..].to_string();
    std::fs::write(&seal, text.replace(line, "# commit 0123456789ab")).unwrap();
    bonfire()
        .args(["run", "--quiet", "--no-charts", "--resume"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "1 of its 4 runs were made by other builds of bonfire than this one (commit {this}): 1 by commit 0123456789ab."
        )));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["runs_made_by"],
        serde_json::json!({ "0123456789ab": 1, this: 3 })
    );
}

/// `--resume` of `out` succeeds, saying that run `run` is run again for
/// its file `naming`, which does not match the run's seal.
fn resume_runs_again(out: &Path, run: u64, naming: &str) {
    bonfire()
        .args(["run", "--no-charts", "--resume"])
        .arg(out)
        .assert()
        .success()
        .stderr(
            predicate::str::contains(format!("the files of run {run} do not match their seal"))
                .and(predicate::str::contains(naming))
                .and(predicate::str::contains("running it again")),
        );
}

/// A run's network exports are sealed with its parts: one cut or removed
/// in an unfinished folder makes its run run again on `--resume`, and in
/// a shard is refused by `merge`; a run run again under a scenario since
/// edited leaves none of the exports of the steps it no longer exports,
/// and a finished folder keeps none of runs it no longer has.
#[test]
fn network_exports_are_sealed_with_their_run_and_none_outlives_it() {
    let dir = tempfile::tempdir().unwrap();
    let exporting = format!("{SMALL}\n[network]\nexport_steps = [0, 6]\n");
    let scenario = write_scenario(dir.path(), &exporting);
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &["--no-charts"]);
    let export = "network/run-0000001-step-0006.graphml";
    assert!(whole.join(export).is_file(), "no export written");

    // Cut, then removed, in a folder a crash left unfinished.
    for damage in ["cut", "removed"] {
        let out = dir.path().join(damage);
        crash_once_sealed(&scenario, &out, 1);
        let path = out.join(export);
        let bytes = std::fs::read(&path).unwrap();
        if damage == "cut" {
            std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        } else {
            std::fs::remove_file(&path).unwrap();
        }
        resume_runs_again(&out, 1, "run-0000001-step-0006.graphml");
        assert_same_contents(&whole, &out, &format!("after an export {damage}"));
    }

    // A shard whose export was cut is refused by merge, naming the file.
    let set = shards(dir.path(), &scenario, 2);
    let path = set[1].join(export);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[1..]).unwrap();
    merge(&set, &dir.path().join("merged")).failure().stderr(
        predicate::str::contains("the files of run 1 do not match their seal")
            .and(predicate::str::contains("run-0000001-step-0006.graphml")),
    );
    // Mended, and with a stray file of another shard's export name in the
    // later shard: the merge takes each export as its run's seal has it.
    std::fs::write(&path, &bytes).unwrap();
    std::fs::write(
        set[1].join("network/run-0000000-step-0006.graphml"),
        "stray",
    )
    .unwrap();
    let merged = dir.path().join("merged");
    merge(&set, &merged).success();
    let export_0 = "network/run-0000000-step-0006.graphml";
    assert_eq!(
        std::fs::read(merged.join(export_0)).unwrap(),
        std::fs::read(whole.join(export_0)).unwrap(),
        "a stray file took the place of a sealed export"
    );

    // Edited to export step 6 alone, and to one arm (two runs of four).
    let out = dir.path().join("edited");
    crash_once_sealed(&scenario, &out, 3);
    let resolved = out.join("scenario.resolved.toml");
    let text = std::fs::read_to_string(&resolved).unwrap();
    let edited = text.replace("export_steps = [0, 6]", "export_steps = [6]");
    let arms = edited.find("[[arm]]").unwrap();
    let second_arm = arms + 1 + edited[arms + 1..].find("[[arm]]").unwrap();
    let edited = edited[..second_arm].to_string();
    assert_ne!(edited, text, "the edits did not apply:\n{text}");
    std::fs::write(&resolved, edited).unwrap();
    // Files of the user's own in the folder are theirs: left, and not
    // recorded as the run's, so that changing one later is no damage.
    let own = ["my-notes.txt", "run-0000001-notes.txt"];
    for name in own {
        std::fs::write(out.join("network").join(name), "mine").unwrap();
    }
    // An export a crash cut short under its temporary name goes too (one
    // of a step no longer exported, so that no later write renames it).
    let unfinished = out.join("network/.run-0000000-step-0000.graphml.partial");
    std::fs::write(&unfinished, "<graphml").unwrap();
    bonfire()
        .args(["run", "--quiet", "--no-charts", "--resume"])
        .arg(&out)
        .assert()
        .success();
    let mut exports: Vec<String> = std::fs::read_dir(out.join("network"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    exports.sort();
    assert_eq!(
        exports,
        [
            "my-notes.txt",
            "run-0000000-step-0006.edges.csv",
            "run-0000000-step-0006.graphml",
            "run-0000001-notes.txt",
            "run-0000001-step-0006.edges.csv",
            "run-0000001-step-0006.graphml",
        ],
        "exports left of steps or runs the edited scenario has not, or the user's files gone"
    );
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(!manifest.contains("notes"), "{manifest}");
    std::fs::write(out.join("network/my-notes.txt"), "mine, longer").unwrap();
    bonfire().arg("plot").arg(&out).assert().success();
}

/// A folder already written is refused with what finishes it, whichever
/// command meets it: an unfinished run (a shard, or a merge stopped) is
/// finished by `bonfire run --resume`, which merge has no flag for; a
/// finished one only replaced. `--force` with `--resume`, which finishes
/// rather than replaces, is refused, not ignored.
#[test]
fn a_folder_in_use_is_refused_with_the_command_that_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let set = shards(dir.path(), &scenario, 2);
    let unfinished = dir.path().join("unfinished");
    crash_once_sealed(&scenario, &unfinished, 0);
    let finish = format!(
        "`bonfire run --resume {}` finishes it",
        unfinished.display()
    );
    merge(&set, &unfinished)
        .failure()
        .stderr(predicate::str::contains(finish.as_str()));
    bonfire()
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--no-charts", "--out"])
        .arg(&unfinished)
        .assert()
        .failure()
        .stderr(
            predicate::str::contains(finish.as_str())
                .and(predicate::str::contains("pass --force to replace it")),
        );
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &["--no-charts"]);
    merge(&set, &whole).failure().stderr(
        predicate::str::contains("already holds a finished run")
            .and(predicate::str::contains("--resume").not()),
    );

    let before = contents(&set[0]);
    bonfire()
        .args(["run", "--quiet", "--force", "--resume"])
        .arg(&set[0])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "--export-network or --force with it",
        ));
    assert!(
        contents(&set[0]) == before,
        "a refused resume changed the folder"
    );
    bonfire()
        .args(["calibrate", "--force", "--resume"])
        .arg(&set[0])
        .assert()
        .failure()
        .stderr(predicate::str::contains("cannot be used with"));
}

/// Merge and a shard's parts: a damaged part in a shard is refused by
/// merge, naming the shard folder, before the output folder is created.
fn shards(dir: &Path, scenario: &Path, count: u64) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            let out = dir.join(format!("shard{i}"));
            run_ok(scenario, &out, &["--shard", &format!("{i}/{count}")]);
            out
        })
        .collect()
}

fn merge(inputs: &[PathBuf], out: &Path) -> assert_cmd::assert::Assert {
    bonfire()
        .arg("merge")
        .args(inputs)
        .args(["--quiet", "--no-charts", "--out"])
        .arg(out)
        .assert()
}

/// `plot` of a shard's folder points to `merge`, which makes the files a
/// shard leaves in parts, not to `--resume`, which has nothing to do there.
#[test]
fn plot_of_a_shard_folder_says_to_merge_the_shards() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let set = shards(dir.path(), &scenario, 2);
    bonfire()
        .arg("plot")
        .arg(&set[0])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("holds shard 0/2 of an experiment")
                .and(predicate::str::contains("`bonfire merge`")),
        );
}

/// Shards this user may only read (another user's results, a read-only
/// file system) are merged: the merge locks them through a lock file opened
/// for reading, or none where they have none, and its copies are its own
/// files, not read-only like the shards'. As root, whom permissions do not
/// stop, the merge runs as the user `nobody`.
#[cfg(unix)]
#[test]
fn shards_the_user_may_only_read_are_merged() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let set = shards(dir.path(), &scenario, 2);
    std::fs::remove_file(set[0].join(".bonfire.lock")).unwrap();
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &["--no-charts"]);
    let mode = |path: &Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    for shard in &set {
        for entry in walk(shard) {
            mode(&entry, if entry.is_dir() { 0o555 } else { 0o444 });
        }
    }
    let writable = dir.path().join("writable");
    std::fs::create_dir(&writable).unwrap();
    mode(dir.path(), 0o755);
    mode(&writable, 0o777);
    let merged = writable.join("merged");
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("bonfire"));
    command
        .arg("merge")
        .args(&set)
        .args(["--quiet", "--no-charts", "--out"])
        .arg(&merged);
    // SAFETY: only setgroups(2), setgid(2) and setuid(2), async-signal-safe,
    // between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::geteuid() == 0
                && (libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(65534) != 0
                    || libc::setuid(65534) != 0)
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().unwrap();
    for shard in &set {
        for entry in walk(shard) {
            mode(&entry, 0o755);
        }
    }
    assert!(output.status.success(), "{output:?}");
    assert_same_contents(&whole, &merged, "merged from read-only shards");
}

/// `dir` and everything in it, the folder first.
#[cfg(unix)]
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = vec![dir.to_path_buf()];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn merge_takes_only_a_whole_verified_set_of_shards() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let set = shards(dir.path(), &scenario, 2);
    let out = dir.path().join("merged");
    let refused = |inputs: &[PathBuf], why: &str| {
        merge(inputs, &out)
            .failure()
            .stderr(predicate::str::contains(why));
        assert!(!out.exists(), "a refused merge created {}", out.display());
    };
    refused(&set[..1], "shard(s) 1/2 missing");
    refused(&[set[0].clone(), set[0].clone()], "are both shard 0/2");
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &["--no-charts"]);
    refused(
        &[whole.clone(), set[1].clone()],
        "is not a shard folder (a finished run, not a shard)",
    );
    let part = set[1].join("parts/run-0000001.members.csv");
    let bytes = std::fs::read(&part).unwrap();
    std::fs::write(&part, &bytes[1..]).unwrap();
    refused(&set, "the files of run 1 do not match their seal");
    std::fs::write(&part, &bytes).unwrap();
    merge(&set, &out).success();
    let final_files = |d: &Path| {
        contents(d)
            .into_iter()
            .filter(|(n, _)| n.ends_with(".csv") && !n.starts_with("runs"))
            .collect::<Vec<_>>()
    };
    assert!(final_files(&out) == final_files(&whole));
}

/// A merge made to die after each of its durable steps in turn, then
/// resumed, gives exactly the files of a whole run, network exports
/// included: a run counts as done once its sealed part is in the merged
/// folder, so its exports must be there before it.
#[test]
fn a_merge_killed_after_any_durable_step_resumes_to_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let exported = format!("{SMALL}\n[network]\nexport_steps = [3, 6]\n");
    let scenario = write_scenario(dir.path(), &exported);
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &["--no-charts"]);
    let set = shards(dir.path(), &scenario, 2);
    let mut crashes = 0;
    for at in 1.. {
        let out = dir.path().join(format!("merge-crash-{at}"));
        let crashed = bonfire()
            .arg("merge")
            .args(&set)
            .args(["--quiet", "--no-charts", "--out"])
            .arg(&out)
            .env("BONFIRE_CRASH_AT", at.to_string())
            .output()
            .unwrap();
        if crashed.status.success() {
            break;
        }
        assert_eq!(crashed.status.code(), Some(86), "step {at}: {crashed:?}");
        crashes += 1;
        if out.join("scenario.resolved.toml").is_file() {
            bonfire()
                .args(["run", "--quiet", "--no-charts", "--resume"])
                .arg(&out)
                .assert()
                .success();
        } else {
            merge(&set, &out).success();
        }
        assert_same_contents(&whole, &out, &format!("merge crashed after step {at}"));
        std::fs::remove_dir_all(&out).unwrap();
    }
    // 16 exports and 4 runs' parts and seals copied, and the final files.
    assert!(crashes > 40, "only {crashes} crash points");
}

/// A merge holds a lock on every shard folder it reads, from its checks to
/// its last copy, as a run holds its output folder: a merge while a run
/// writes a shard is refused, naming the shard and its writer (and a run
/// into a shard while a merge reads it is refused the same way), so the
/// merge never mixes another experiment's runs into its files.
#[test]
fn a_merge_is_refused_while_a_shard_it_reads_is_being_written() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let set = shards(dir.path(), &scenario, 2);
    let out = dir.path().join("merged");
    let held = bonfire::output::lock::FolderLock::acquire(&set[1], "bonfire run (a test)").unwrap();
    merge(&set, &out)
        .failure()
        .stderr(predicate::str::contains(set[1].display().to_string()).and(
            predicate::str::contains("is being written by another bonfire (pid"),
        ));
    assert!(!out.exists(), "a refused merge created {}", out.display());
    drop(held);
    merge(&set, &out).success();
}

/// A run's seal names the scenario it ran under: after
/// `scenario.resolved.toml` is edited, `--resume` runs again the runs made
/// under the old one, saying so, and gives the files of the edited
/// scenario run whole; `merge` refuses shards whose runs were made under
/// another scenario than their folders now hold.
#[test]
fn runs_made_under_an_edited_scenario_are_run_again_and_not_merged() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let reseeded = dir.path().join("reseeded.toml");
    std::fs::write(&reseeded, SMALL.replace("seed = 5", "seed = 6")).unwrap();
    let whole = dir.path().join("whole");
    run_ok(&reseeded, &whole, &["--no-charts"]);
    let edit = |folder: &Path| {
        let path = folder.join("scenario.resolved.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\nseed = 5\n"), "{text}");
        std::fs::write(&path, text.replace("\nseed = 5\n", "\nseed = 6\n")).unwrap();
    };
    let csv_files = |d: &Path| {
        contents(d)
            .into_iter()
            .filter(|(n, _)| n.ends_with(".csv"))
            .collect::<Vec<_>>()
    };

    let out = dir.path().join("crashed");
    crash_once_sealed(&scenario, &out, 0);
    edit(&out);
    bonfire()
        .args(["run", "--quiet", "--no-charts", "--resume"])
        .arg(&out)
        .assert()
        .success()
        .stderr(
            predicate::str::contains("it ran under another")
                .and(predicate::str::contains("the file has changed since")),
        );
    assert!(
        csv_files(&out) == csv_files(&whole),
        "the resumed run mixes seeds"
    );

    let set = shards(dir.path(), &scenario, 2);
    for shard in &set {
        edit(shard);
    }
    let merged = dir.path().join("merged");
    merge(&set, &merged)
        .failure()
        .stderr(predicate::str::contains("it ran under another"));
}

/// Slurm's variables shard a run only when `--shard slurm` asks for it; a
/// shard folder remembers its shard, and `--resume` finishes it as that
/// shard, whatever the environment.
#[test]
fn sharding_happens_only_when_asked_and_a_shard_folder_remembers_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let slurm = [
        ("SLURM_ARRAY_TASK_ID", "2"),
        ("SLURM_ARRAY_TASK_MIN", "1"),
        ("SLURM_ARRAY_TASK_COUNT", "3"),
    ];
    let run = |out: &Path, extra: &[&str]| {
        bonfire()
            .arg("run")
            .arg(&scenario)
            .args(["--quiet", "--no-charts"])
            .args(extra)
            .arg("--out")
            .arg(out)
            .envs(slurm)
            .assert()
    };
    let plain = dir.path().join("plain");
    run(&plain, &[]).success();
    assert!(plain.join("summary.csv").is_file(), "not cut into a shard");

    let sharded = dir.path().join("sharded");
    run(&sharded, &["--shard", "slurm"]).success();
    assert_eq!(
        std::fs::read_to_string(sharded.join("shard.txt")).unwrap(),
        "1/3\n"
    );
    let sealed = |d: &Path| {
        let mut runs: Vec<String> = std::fs::read_dir(d.join("parts"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sealed.csv"))
            .collect();
        runs.sort();
        runs
    };
    assert_eq!(sealed(&sharded), ["run-0000001.sealed.csv"]);

    // Unseal the shard's run, resume outside Slurm: the shard is kept.
    std::fs::remove_file(sharded.join("parts/run-0000001.sealed.csv")).unwrap();
    bonfire()
        .args(["run", "--quiet", "--resume"])
        .arg(&sharded)
        .assert()
        .success();
    assert_eq!(sealed(&sharded), ["run-0000001.sealed.csv"]);
    assert!(!sharded.join("summary.csv").exists(), "still a shard");
    bonfire()
        .args(["run", "--quiet", "--shard", "0/3", "--resume"])
        .arg(&sharded)
        .assert()
        .failure()
        .stderr(predicate::str::contains("was run as shard 1/3"));

    bonfire()
        .arg("run")
        .arg(&scenario)
        .args(["--shard", "slurm", "--out"])
        .arg(dir.path().join("nowhere"))
        .env_remove("SLURM_ARRAY_TASK_ID")
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "--shard slurm: SLURM_ARRAY_TASK_ID",
        ));
}

/// `--resume` of a finished folder runs nothing; parts a crash left while
/// they were being removed are cleared, and `plot` refuses an unfinished run.
#[test]
fn resume_of_a_finished_run_runs_nothing_and_plot_needs_a_finished_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let out = dir.path().join("out");
    run_ok(&scenario, &out, &["--no-charts"]);
    let before = contents(&out);
    std::fs::create_dir(out.join(".parts.removing")).unwrap();
    std::fs::write(out.join(".parts.removing/run-0000000.members.csv"), "x").unwrap();
    bonfire()
        .args(["run", "--resume"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to resume"));
    assert!(contents(&out) == before);

    std::fs::remove_file(out.join("manifest.json")).unwrap();
    bonfire()
        .arg("plot")
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicate::str::contains("holds an unfinished run"));
    assert!(!out.join("charts").exists());
}

/// A run stopped after writing its files and before drawing its charts
/// (its manifest written, no report) is finished by `--resume`, which
/// draws them, as the interrupt's message promises; one run with
/// `--no-charts` is left without.
#[test]
fn resume_draws_the_charts_a_stop_after_the_files_left_undrawn() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let out = dir.path().join("out");
    run_ok(&scenario, &out, &[]);
    let report = std::fs::read(out.join("report.html")).unwrap();
    // What a stop between the manifest and the charts leaves.
    std::fs::remove_file(out.join("report.html")).unwrap();
    std::fs::remove_dir_all(out.join("charts")).unwrap();
    bonfire()
        .args(["run", "--resume"])
        .arg(&out)
        .args(["--no-charts"])
        .assert()
        .success()
        .stdout(predicate::str::contains("nothing to resume"));
    assert!(!out.join("report.html").exists());
    bonfire()
        .args(["run", "--resume"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("left undrawn"));
    assert_eq!(std::fs::read(out.join("report.html")).unwrap(), report);
    assert!(out.join("charts/isolation.png").is_file());
}

/// Ctrl-C (SIGINT) during a run ends it at once with exit code 130 and a
/// line saying how to resume; `--resume` then finishes it to the same files.
#[cfg(unix)]
#[test]
fn ctrl_c_says_how_to_resume_and_resume_finishes_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let text = SMALL
        .replace("replicates = 1", "replicates = 4")
        .replace("sessions = 6", "sessions = 200")
        .replace("groups = 4", "groups = 40");
    let scenario = write_scenario(dir.path(), &text);
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &["--no-charts"]);

    let out = dir.path().join("interrupted");
    let (code, stderr) = interrupted_after_a_run("run", &scenario, &out);
    assert_eq!(code, Some(130), "{stderr}");
    // The resume is given the run's --threads again: on all cores the
    // memory check may count more runs at once than fit.
    assert!(
        stderr.contains("interrupted")
            && stderr.contains(&format!(
                "bonfire run --resume {} --threads 1",
                out.display()
            )),
        "{stderr}"
    );
    assert!(
        !out.join("manifest.json").exists(),
        "interrupted before the end"
    );
    bonfire()
        .args(["run", "--quiet", "--no-charts", "--resume"])
        .arg(&out)
        .assert()
        .success();
    assert_same_contents(&whole, &out, "after Ctrl-C");
}

/// A folder that holds no run to finish (no manifest, no parts) but what a
/// crash left of one (a report, charts, a shard's memory, a scenario, and
/// the lock file every command leaves) is cleared by a new run, so nothing
/// of the earlier run mixes with it.
#[test]
fn leftovers_of_a_run_that_cannot_be_finished_are_cleared_by_a_new_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("charts")).unwrap();
    for file in [
        ".bonfire.lock",
        "report.html",
        "charts/isolation.png",
        "shard.txt",
        "scenario.resolved.toml",
    ] {
        std::fs::write(out.join(file), "old").unwrap();
    }
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    run_ok(&scenario, &out, &["--no-charts"]);
    for gone in ["report.html", "charts", "shard.txt"] {
        assert!(!out.join(gone).exists(), "{gone} is left");
    }
    assert!(out.join("manifest.json").is_file());
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
}

/// A baseline cohort edited between an interrupt and `--resume` is
/// refused (the runs still to do would read other people than the runs
/// sealed), and shards run on two contents of it are two experiments,
/// which `merge` refuses; the file restored, the resume finishes the run.
#[cfg(unix)]
#[test]
fn an_input_file_changed_since_the_run_began_is_refused_by_resume_and_merge() {
    let dir = tempfile::tempdir().unwrap();
    let cohort = dir.path().join("cohort.csv");
    let rows: String = (0..30)
        .map(|i| format!("{},{}\n", 3 + i % 7, 0.1 + f64::from(i % 9) / 10.0))
        .collect();
    let original = format!("loneliness,hope\n{rows}");
    std::fs::write(&cohort, &original).unwrap();
    let text = concat!(
        "name = \"cohort\"\nreplicates = 2\n[community]\ngroups = 3\ngroup_size = 5\n",
        "[format]\nsessions = 4\n[population]\nfile = \"cohort.csv\"\nsampling = \"resample\"\n"
    );
    let scenario = write_scenario(dir.path(), text);
    let resolved_of =
        |out: &Path| std::fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();

    let out = dir.path().join("out");
    let (code, _) = interrupted_after_a_run("run", &scenario, &out);
    assert_eq!(code, Some(130));
    assert!(resolved_of(&out).contains("# read: population.file = "));
    let edited = original.replacen("\n3,", "\n9,", 1);
    std::fs::write(&cohort, &edited).unwrap();
    bonfire()
        .args(["run", "--quiet", "--resume"])
        .arg(&out)
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("population.file = ").and(predicate::str::contains(
                "the file has changed since the run began",
            )),
        );
    assert!(!out.join("summary.csv").exists(), "nothing finished");
    std::fs::write(&cohort, &original).unwrap();
    bonfire()
        .args(["run", "--quiet", "--resume"])
        .arg(&out)
        .assert()
        .success();
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &["--no-charts"]);
    for file in ["timeseries.csv", "members.csv", "summary.csv"] {
        assert_eq!(
            std::fs::read(out.join(file)).unwrap(),
            std::fs::read(whole.join(file)).unwrap(),
            "{file}"
        );
    }

    // Shards on two contents of the file.
    let (first, second) = (dir.path().join("s0"), dir.path().join("s1"));
    run_ok(&scenario, &first, &["--no-charts", "--shard", "0/2"]);
    std::fs::write(&cohort, &edited).unwrap();
    run_ok(&scenario, &second, &["--no-charts", "--shard", "1/2"]);
    bonfire()
        .arg("merge")
        .args([&first, &second])
        .arg("--out")
        .arg(dir.path().join("merged"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("holds a different experiment"));
}

/// A run stopped by an error of the file system (here a folder where a
/// temporary file's name is, which cannot be removed as one) says that the
/// runs sealed so far are kept and which command goes on from them; once
/// the cause is mended, that command finishes the files.
#[test]
fn a_run_stopped_by_the_file_system_names_the_command_that_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let out = dir.path().join("out");
    crash_once_sealed(&scenario, &out, 0);
    let blocker = out.join("parts/.in-the-way.partial");
    std::fs::create_dir(&blocker).unwrap();
    bonfire()
        .args(["run", "--quiet", "--no-charts", "--resume"])
        .arg(&out)
        .assert()
        .failure()
        .stderr(
            predicate::str::contains(".in-the-way.partial").and(predicate::str::contains(format!(
                "the runs sealed so far are kept in {0}: `bonfire run --resume {0}` goes on",
                out.display()
            ))),
        );
    std::fs::remove_dir(&blocker).unwrap();
    bonfire()
        .args(["run", "--quiet", "--no-charts", "--resume"])
        .arg(&out)
        .assert()
        .success();
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &["--no-charts"]);
    assert_same_contents(&whole, &out, "resumed after the cause was mended");
}

/// A chart the disk cannot hold is an error, and the chart of that name
/// drawn before stays whole: each run of `bonfire plot` may write files of
/// at most 100 bytes less than one of the charts' images (the file-size
/// limit, `RLIMIT_FSIZE`), so that image is cut within its last bytes,
/// which an encoder writing through a buffer it never flushed lost
/// unreported, the image cut short moved into place under the chart's
/// name. Nothing changes in `charts/`: no image cut short, no temporary
/// file left.
#[cfg(unix)]
#[test]
fn a_chart_the_disk_cannot_hold_is_an_error_and_the_one_before_is_kept() {
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    let out = dir.path().join("out");
    run_ok(&scenario, &out, &[]);
    let charts = out.join("charts");
    let drawn = contents(&charts);
    let images: Vec<u64> = drawn
        .iter()
        .filter(|(name, _)| name.ends_with(".png"))
        .map(|(_, bytes)| bytes.len() as u64)
        .collect();
    assert!(images.len() >= 3, "{:?}", drawn.iter().map(|(n, _)| n));
    for size in images {
        let limit = size - 100;
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("bonfire"));
        command.arg("plot").arg(&out);
        // SAFETY: only signal(2) and setrlimit(2), async-signal-safe,
        // between fork and exec.
        unsafe {
            command.pre_exec(move || {
                let most = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::signal(libc::SIGXFSZ, libc::SIG_IGN) == libc::SIG_ERR
                    || libc::setrlimit(libc::RLIMIT_FSIZE, &most) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let output = command.output().unwrap();
        let said = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "limit {limit}: {said}");
        assert!(said.contains("charts"), "limit {limit}: {said}");
        let now = contents(&charts);
        let names = |c: &[(String, Vec<u8>)]| c.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&now), names(&drawn), "limit {limit}");
        for ((name, was), (_, is)) in drawn.iter().zip(&now) {
            assert!(
                was == is,
                "limit {limit}: {name} changed ({} bytes, was {})",
                is.len(),
                was.len()
            );
        }
    }
}

/// A folder that holds no run but files a run writes (a `summary.csv` of
/// the person's own in the folder they chose) is refused, naming them,
/// and they are left as they were; `--force` replaces them, and leaves
/// every other file of theirs. A folder with files of other names only is
/// run into, those files kept.
#[test]
fn files_of_the_same_names_that_no_run_wrote_are_not_replaced_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), "replicates = 1\n[community]\ngroups = 5\n");
    let out = dir.path().join("results");
    std::fs::create_dir_all(out.join("charts")).unwrap();
    std::fs::write(out.join("summary.csv"), "my own figures\n").unwrap();
    std::fs::write(out.join("notes.txt"), "my notes\n").unwrap();
    let run = |extra: &[&str]| {
        bonfire()
            .arg("run")
            .arg(&scenario)
            .args(["--quiet", "--no-charts"])
            .args(extra)
            .arg("--out")
            .arg(&out)
            .assert()
    };
    run(&[]).failure().stderr(
        predicate::str::contains("holds charts, summary.csv, which no bonfire run there wrote")
            .and(predicate::str::contains("pass --force to replace them")),
    );
    assert_eq!(
        std::fs::read_to_string(out.join("summary.csv")).unwrap(),
        "my own figures\n"
    );
    assert!(
        !out.join("scenario.resolved.toml").exists(),
        "nothing written"
    );
    run(&["--force"]).success();
    assert!(out.join("manifest.json").is_file());
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "my notes\n"
    );

    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "my notes\n").unwrap();
    run_ok(&scenario, &other, &["--no-charts"]);
    assert_eq!(
        std::fs::read_to_string(other.join("notes.txt")).unwrap(),
        "my notes\n"
    );
}
