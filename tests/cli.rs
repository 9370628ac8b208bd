//! The command line as a user meets it: `run`, `check`, and the messages a
//! bad scenario gets (one fixture per failure mode).

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn bonfire() -> Command {
    Command::cargo_bin("bonfire").unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Asserts a scenario error: non-zero exit, no panic, and every fragment in stderr.
fn assert_bad(name: &str, fragments: &[&str]) {
    let path = fixture(name);
    let out = bonfire().arg("check").arg(&path).assert().failure();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains(&path.display().to_string()),
        "{name}: no file name in {stderr}"
    );
    for f in fragments {
        assert!(stderr.contains(f), "{name}: {f:?} missing from {stderr}");
    }
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );

    // `run` refuses it the same way, before creating any output.
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    bonfire()
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(&out_dir)
        .assert()
        .failure()
        .stderr(predicate::str::contains(fragments[0]));
    assert!(
        !out_dir.exists(),
        "{name}: output folder created for a bad scenario"
    );
}

#[test]
fn check_accepts_a_valid_scenario() {
    bonfire()
        .arg("check")
        .arg(fixture("valid.toml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("ok:").and(predicate::str::contains("'valid'")));
}

/// Output into a pipe that nobody reads any more (`bonfire check … | head
/// -1`, `bonfire plot OUT | true`) ends what is shown, not the program: no
/// panic, and the exit code the command would have had.
#[test]
fn a_closed_pipe_on_standard_output_is_no_failure() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let small = fixture("valid.toml");
    bonfire()
        .args(["run", "--quiet", "--no-charts", "--out"])
        .arg(&out)
        .arg(&small)
        .assert()
        .success();
    let closed_pipe = |args: &[&std::ffi::OsStr]| {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        std::process::Command::new(assert_cmd::cargo::cargo_bin("bonfire"))
            .args(args)
            .stdout(writer)
            .output()
            .unwrap()
    };
    let runs: [&[&std::ffi::OsStr]; 3] = [
        &["check".as_ref(), small.as_os_str(), small.as_os_str()],
        &["plot".as_ref(), out.as_os_str()],
        &["run".as_ref(), "--resume".as_ref(), out.as_os_str()],
    ];
    for args in runs {
        let output = closed_pipe(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_finished_folder_whose_files_were_cut_or_changed_is_refused_by_plot_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    bonfire()
        .args([
            "run",
            "--quiet",
            "--no-charts",
            "--replicates",
            "3",
            "--out",
        ])
        .arg(&out)
        .arg(fixture("valid.toml"))
        .assert()
        .success();
    let refused = |command: &[&str], what: &str, path: &str| {
        let path = out.join(path).display().to_string();
        bonfire()
            .args(command)
            .arg(&out)
            .assert()
            .failure()
            .stderr(predicates::str::contains(format!("{path} {what}")));
    };
    let (plot, resume) = (["plot"].as_slice(), ["run", "--resume"].as_slice());
    let series = out.join("timeseries.csv");
    let whole = std::fs::read_to_string(&series).unwrap();
    let length = whole.len();
    // Cut inside the last run's rows: every run still has rows.
    std::fs::write(&series, &whole[..length - 40]).unwrap();
    let shorter = format!("is {} bytes long where its run wrote {length}", length - 40);
    refused(plot, &shorter, "timeseries.csv");
    refused(resume, &shorter, "timeseries.csv");
    // An edit that keeps the rows but not the length.
    std::fs::write(&series, whole.replacen(",0.", ",0.0", 1)).unwrap();
    let longer = format!("is {} bytes long where its run wrote {length}", length + 1);
    refused(plot, &longer, "timeseries.csv");
    std::fs::write(&series, &whole).unwrap();
    let members = out.join("members.csv");
    let kept = std::fs::read(&members).unwrap();
    std::fs::remove_file(&members).unwrap();
    refused(resume, "is missing; its run wrote", "members.csv");
    std::fs::write(&members, kept).unwrap();
    // Whole again: drawn, and nothing to resume.
    bonfire().arg("plot").arg(&out).assert().success();
    bonfire()
        .args(["run", "--resume"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains("nothing to resume"));

    // A manifest of an earlier version records no lengths: a cut at a
    // row boundary is still seen by the runs it leaves out.
    let manifest = out.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut older: serde_json::Value = serde_json::from_str(&text).unwrap();
    older.as_object_mut().unwrap().remove("file_bytes");
    std::fs::write(&manifest, older.to_string()).unwrap();
    let last_run = format!("\n{},", 2);
    let cut = &whole[..whole.find(&last_run).unwrap() + 1];
    std::fs::write(&series, cut).unwrap();
    bonfire()
        .arg("plot")
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "no rows for run 2, which runs.csv lists",
        ));
    std::fs::write(&series, &whole).unwrap();
    std::fs::write(&manifest, "nope").unwrap();
    refused(plot, "is not JSON", "manifest.json");
    let mut not_utf8 = text.clone().into_bytes();
    not_utf8.push(0xff);
    std::fs::write(&manifest, not_utf8).unwrap();
    refused(resume, "is not JSON", "manifest.json");
    // A length recorded for something outside the folder.
    let outside = text.replace("\"runs.csv\":", "\"../runs.csv\":");
    assert_ne!(outside, text);
    std::fs::write(&manifest, outside).unwrap();
    refused(
        plot,
        "records a length for \"../runs.csv\"",
        "manifest.json",
    );
}

#[test]
fn thread_counts_beyond_what_helps_are_refused() {
    let small = fixture("valid.toml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for threads in ["0", "100000"] {
        bonfire()
            .args([
                "run",
                "--quiet",
                "--no-charts",
                "--threads",
                threads,
                "--out",
            ])
            .arg(&out)
            .arg(&small)
            .assert()
            .failure()
            .stderr(
                predicates::str::contains("--threads must be from 1 to")
                    .and(predicates::str::contains(format!("(given {threads})"))),
            );
        assert!(!out.exists(), "a refused run created its folder");
    }
}

#[test]
fn a_closed_pipe_on_standard_error_still_gives_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let bad = fixture("unknown_key.toml");
    let good = fixture("valid.toml");
    let out = dir.path().join("out");
    let runs: [(&[&std::ffi::OsStr], i32); 3] = [
        (&["check".as_ref(), bad.as_os_str()], 1),
        (&["run".as_ref(), bad.as_os_str()], 1),
        (
            &[
                "run".as_ref(),
                "--no-charts".as_ref(),
                "--out".as_ref(),
                out.as_os_str(),
                good.as_os_str(),
            ],
            0,
        ),
    ];
    for (args, code) in runs {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("bonfire"))
            .args(args)
            .stderr(writer)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(code), "{args:?}");
    }
}

#[test]
fn an_unknown_key_names_key_line_and_the_keys_allowed() {
    assert_bad("unknown_key.toml", &["sesions", "line 4", "sessions"]);
}

#[test]
fn an_out_of_range_value_names_key_line_value_and_range() {
    assert_bad(
        "out_of_range.toml",
        &[
            "mechanisms.dropout.base_hazard",
            "line 5",
            "1.5",
            "from 0 to 1",
        ],
    );
}

#[test]
fn malformed_toml_names_the_line() {
    assert_bad("malformed.toml", &["line 2"]);
}

#[test]
fn a_wrong_type_names_the_key_and_line() {
    assert_bad(
        "wrong_type.toml",
        &["line 3", "community.groups", "\"many\"", "a whole number"],
    );
}

#[test]
fn a_bad_choice_lists_the_choices() {
    assert_bad(
        "bad_choice.toml",
        &["fortnightly", "line 3", "weekly", "biweekly", "monthly"],
    );
}

#[test]
fn values_that_conflict_name_the_key_and_the_limit() {
    assert_bad(
        "bad_cross.toml",
        &[
            "open.initial_members",
            "line 7",
            "12",
            "from 0 to community.group_size (8)",
        ],
    );
}

#[test]
fn a_missing_file_is_a_clear_error() {
    bonfire()
        .args(["check", "no/such/scenario.toml"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "cannot read scenario file no/such/scenario.toml",
        ));
}

#[test]
fn a_missing_input_file_names_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        "name = \"s\"\n[community_network]\nkind = \"file\"\nfile = \"nope.csv\"\n",
    )
    .unwrap();
    for command in ["run", "check"] {
        let out = bonfire()
            .args([command, scenario.to_str().unwrap()])
            .args(if command == "run" {
                &["--quiet", "--out", "o"][..]
            } else {
                &[][..]
            })
            .current_dir(dir.path())
            .assert()
            .failure();
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains("nope.csv"), "{stderr}");
        // The last cause (the operating system's words) appears once.
        let cause = stderr.trim().rsplit(": ").next().unwrap();
        assert!(cause.len() > 5, "{stderr}");
        assert_eq!(stderr.matches(cause).count(), 1, "{command}: {stderr}");
    }
}

#[test]
fn run_writes_every_file_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    bonfire()
        .arg("run")
        .arg(fixture("valid.toml"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("scenario 'valid'")
                .and(predicate::str::contains("loneliness")),
        );
    for f in [
        "runs.csv",
        "timeseries.csv",
        "members.csv",
        "summary.csv",
        "scenario.resolved.toml",
        "manifest.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Timeseries header in the documented order; 2 arms x 2 replicates x 7 steps.
    let ts = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header = ts.lines().next().unwrap();
    assert!(header.starts_with("run,arm,replicate,step,week,members_active,attendance_rate,loneliness_mean,lonely_share,no_casual_tie_share,no_friend_tie_share,no_close_tie_share,no_casual_tie_in_group_share,no_friend_tie_in_group_share,no_close_tie_in_group_share,hope_mean,hopeful_share,stigma_mean,cohesion_mean,bond_density,clustering,retention,still_attending,dropped_out,graduated"));
    assert_eq!(ts.lines().count(), 1 + 2 * 2 * 7);

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 3);
    assert_eq!(manifest["replicates"], 2);
}

/// The terminal's tables show every condition of a 4 × 4 sweep, and of a
/// larger one the first 16, with a line that says how many more
/// summary.csv holds.
#[test]
fn the_tables_say_how_many_conditions_they_leave_to_summary_csv() {
    let dir = tempfile::tempdir().unwrap();
    let tables = |sizes: &str| {
        let scenario = dir.path().join("sweep.toml");
        std::fs::write(
            &scenario,
            format!(
                "name = \"many\"\nreplicates = 1\n[community]\ngroups = 2\ncontrol_members = 0\n[format]\nsessions = 2\n[sweep]\ncommunity.group_size = [{sizes}]\nformat.delivery = [\"in_person\", \"online\"]\nformat.frequency = [\"weekly\", \"monthly\"]\n"
            ),
        )
        .unwrap();
        let done = bonfire()
            .arg("run")
            .arg(&scenario)
            .arg("--out")
            .arg(dir.path().join("out"))
            .args(["--force", "--no-charts"])
            .assert()
            .success();
        let printed = String::from_utf8(done.get_output().stdout.clone()).unwrap();
        let tables = printed.find("at the last session").expect("the tables");
        printed[tables..].to_string()
    };
    let sixteen = tables("4, 5, 6, 7");
    assert!(!sixteen.contains("more condition"), "{sixteen}");
    assert!(sixteen.contains("group_size=7, delivery=online, frequency=monthly"));
    let twenty = tables("4, 5, 6, 7, 8");
    assert!(
        twenty.contains("  ... and 4 more conditions: see summary.csv"),
        "{twenty}"
    );
    assert!(!twenty.contains("group_size=8,"), "{twenty}");
}

#[test]
fn an_existing_run_is_not_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = |extra: &[&str]| {
        let mut c = bonfire();
        c.arg("run")
            .arg(fixture("valid.toml"))
            .arg("--quiet")
            .arg("--out")
            .arg(&out)
            .args(extra);
        c.assert()
    };
    run(&[]).success();
    let before = std::fs::read(out.join("timeseries.csv")).unwrap();
    run(&["--seed", "4"])
        .failure()
        .stderr(predicate::str::contains("--force"));
    assert_eq!(before, std::fs::read(out.join("timeseries.csv")).unwrap());
    run(&["--seed", "4", "--force"]).success();
    assert_ne!(before, std::fs::read(out.join("timeseries.csv")).unwrap());
}

#[test]
fn the_built_in_default_runs_without_a_file() {
    let dir = tempfile::tempdir().unwrap();
    bonfire()
        .current_dir(dir.path())
        .args(["run", "--replicates", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("scenario 'default'"));
    assert!(dir.path().join("output/default/timeseries.csv").is_file());
    let resolved =
        std::fs::read_to_string(dir.path().join("output/default/scenario.resolved.toml")).unwrap();
    assert!(resolved.contains("replicates = 1"));
}

#[test]
fn bad_arguments_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        bonfire()
            .current_dir(dir.path())
            .arg("run")
            .args(args)
            .assert()
            .failure()
    };
    run(&["--threads", "0"]).stderr(predicate::str::contains("--threads"));
    run(&["--replicates", "0"]).stderr(predicate::str::contains("key `replicates` is 0"));
    run(&["--seed", "x"]).stderr(predicate::str::contains("--seed"));
    assert!(
        !dir.path().join("output").exists(),
        "nothing written for refused arguments"
    );
}

/// Numbers beyond what TOML can hold are said in words, at their line.
#[test]
fn a_number_beyond_toml_is_named_at_its_line() {
    assert_bad(
        "seed_beyond_toml.toml",
        &[
            "line 2",
            "seed = 18446744073709551615",
            "beyond TOML's range",
        ],
    );
}

/// A huge float is written as a person writes it, not as 309 digits.
#[test]
fn a_huge_number_is_quoted_short() {
    assert_bad(
        "float_far.toml",
        &[
            "line 4",
            "base_hazard` is 1e308; allowed: a number from 0 to 1",
        ],
    );
}

/// A value of thousands of characters is quoted by its start and length.
#[test]
fn a_long_value_is_quoted_by_its_start_and_length() {
    assert_bad("long_value.toml", &["line 3", "… (4002 characters)"]);
    let out = bonfire()
        .arg("check")
        .arg(fixture("long_value.toml"))
        .output()
        .unwrap();
    assert!(
        out.stderr.len() < 500,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A table given a single value inside an arm names the key and its line.
#[test]
fn a_table_set_to_one_value_in_an_arm_is_named() {
    assert_bad(
        "arm_table_as_value.toml",
        &[
            "line 5",
            "key `arm[0].community` is a single value set in an [[arm]]",
            "`community.NAME = VALUE`",
        ],
    );
}

/// An experiment far larger than any machine's memory is refused by
/// `check` and by `run`, before anything is created, with the estimate;
/// `--no-memory-check` lets `check` report the estimate without refusing.
#[cfg(target_os = "linux")]
#[test]
fn an_experiment_larger_than_memory_is_refused_with_its_estimate() {
    assert_bad(
        "huge.toml",
        &[
            "needs about",
            "TiB of memory (one run at a time; the charts and the report afterwards ",
            "more than the",
            "its largest run has 10,000,000,000 members",
            "--no-memory-check",
        ],
    );
    bonfire()
        .args(["check", "--no-memory-check"])
        .arg(fixture("huge.toml"))
        .assert()
        .success()
        .stdout(predicate::str::contains("estimated peak: ").and(predicate::str::contains("TiB")));
}

/// `check --threads N` estimates for the threads a run will have (a
/// cluster job's), where small runs go as many at once; 0 is refused.
#[test]
fn check_estimates_for_the_threads_given() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("many.toml");
    std::fs::write(&scenario, "replicates = 12\n[community]\ngroups = 20\n").unwrap();
    let estimate = |threads: &str| {
        let checked = bonfire()
            .args(["check", "--no-memory-check", "--threads", threads])
            .arg(&scenario)
            .assert()
            .success();
        String::from_utf8(checked.get_output().stdout.clone()).unwrap()
    };
    // One thread: one run at a time (the charts, which hold every row of
    // timeseries.csv, may then need as much as a run).
    let one = estimate("1");
    assert!(
        one.contains(" on 1 thread(s)") && !one.contains("runs at once"),
        "{one}"
    );
    assert!(estimate("8").contains("(8 runs at once, "));
    assert!(estimate("8").contains(" on 8 thread(s)"));
    bonfire()
        .args(["check", "--threads", "0"])
        .arg(&scenario)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "--threads must be at least 1 (given 0)",
        ));
}

/// The manifest records what was run, not the base scenario: a run's
/// sessions and members, the least and the most over the points and arms
/// (here a sweep of group sizes and an arm of fewer sessions, where the
/// base's 6 sessions and 8 places run nowhere), and the length of every
/// file written, the network exports among them, so that a cut export is
/// refused as a cut table is.
#[test]
fn the_manifest_records_what_was_run_and_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("valid.toml")).unwrap();
    let scenario = dir.path().join("sizes.toml");
    std::fs::write(
        &scenario,
        format!(
            "{text}\n[[arm]]\nname = \"long\"\nformat.sessions = 5\n[[arm]]\nname = \"short\"\nformat.sessions = 3\n\
             [sweep]\ncommunity.group_size = [4, 6]\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    bonfire()
        .args([
            "run",
            "--quiet",
            "--no-charts",
            "--export-network",
            "3",
            "--out",
        ])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["sessions"],
        serde_json::json!({"least": 3, "most": 5})
    );
    // 10 groups of 4 or 6 places, and 20 control members.
    let members = serde_json::json!({"least": 60, "most": 80});
    assert_eq!(manifest["members_per_run"], members);
    let export = "network/run-0000000-step-0003.graphml";
    let recorded = manifest["file_bytes"][export].as_u64().unwrap();
    let path = out.join(export);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), recorded);
    let whole = std::fs::read(&path).unwrap();
    std::fs::write(&path, &whole[..100]).unwrap();
    bonfire()
        .arg("plot")
        .arg(&out)
        .assert()
        .failure()
        .stderr(predicates::str::contains(format!(
            "{} is 100 bytes long where its run wrote {recorded}",
            path.display()
        )));
}

#[test]
fn a_setting_no_run_applies_is_named_with_its_line_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    // Line 5: a closed group's waiting list; line 7: a facilitator's
    // effect on replies in peer-led groups; line 9: a swept facilitator
    // safety; the open arm applies its own catchment, the closed arm's
    // catchment (line 15) changes nothing.
    std::fs::write(
        &scenario,
        "[community]\ngroups = 3\ngroup_size = 6\n[open]\narrivals_per_session = 2.0\n\
         [mechanisms.replies]\nfacilitated_effect = 1.0\n[sweep]\n\
         \"mechanisms.sharing.facilitated_safety\" = [0.0, 0.3]\n\
         [[arm]]\nname = \"rolling\"\nformat.membership = \"open\"\n\
         [[arm]]\nname = \"cohort\"\nopen.catchment = 12\n[format]\nsessions = 2\n",
    )
    .unwrap();
    let checked = bonfire().arg("check").arg(&scenario).assert().success();
    let err = String::from_utf8(checked.get_output().stderr.clone()).unwrap();
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 3, "{err}");
    assert!(
        warnings[0].contains("s.toml, line 7: `mechanisms.replies.facilitated_effect` changes nothing: it applies only where `format.leadership` is `facilitated`, and no run has that (every one has `peer`)"),
        "{err}"
    );
    assert!(
        warnings[1].contains("line 9: `mechanisms.sharing.facilitated_safety`"),
        "{err}"
    );
    assert!(
        warnings[2].contains("line 15: `open.catchment` changes nothing: it applies only where `format.membership` is `open`, and no run of arm `cohort` has that"),
        "{err}"
    );
    assert!(
        !err.contains("arrivals_per_session"),
        "the rolling arm applies it: {err}"
    );
    let out = dir.path().join("out");
    let ran = bonfire()
        .args(["run", "--quiet", "--no-charts", "--out"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success();
    let err = String::from_utf8(ran.get_output().stderr.clone()).unwrap();
    assert_eq!(
        err.lines().filter(|l| l.starts_with("warning:")).count(),
        3,
        "{err}"
    );
    assert!(out.join("summary.csv").exists());
}

/// Open groups that nobody ever joins (no members at the first session,
/// no newcomers) are named, each arm or sweep point with the line that
/// set its arrivals, and run with every figure empty.
#[test]
fn groups_nobody_joins_are_named_with_their_line_and_run_empty() {
    let dir = tempfile::tempdir().unwrap();
    let said = |line: usize, condition: &str| {
        format!(
            "s.toml, line {line}: nobody ever joins the groups of {condition} (`open.initial_members` = 0 and `open.arrivals_per_session` = 0), so its runs have no figures"
        )
    };
    let warnings = |text: &str| {
        let scenario = dir.path().join("s.toml");
        std::fs::write(&scenario, text).unwrap();
        let checked = bonfire().arg("check").arg(&scenario).assert().success();
        let err = String::from_utf8(checked.get_output().stderr.clone()).unwrap();
        let found: Vec<String> = err
            .lines()
            .filter(|l| l.starts_with("warning:"))
            .map(String::from)
            .collect();
        (scenario, found)
    };
    // An arm that sets no arrivals (line 8) where nobody starts.
    let (_, found) = warnings(
        "[format]\nmembership = \"open\"\n[open]\ninitial_members = 0\n\
         [[arm]]\nname = \"rolling\"\n[[arm]]\nname = \"shut\"\nopen.arrivals_per_session = 0.0\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with(&said(9, "arm shut")), "{found:?}");
    // The sweep's point 0 (line 9) for the arm that keeps nobody at the start.
    let (scenario, found) = warnings(
        "[community]\ngroups = 3\ngroup_size = 6\n\
         [format]\nmembership = \"open\"\nsessions = 3\n\
         [open]\ninitial_members = 0\n\
         [sweep]\n\"open.arrivals_per_session\" = [0.0, 1.0]\n\
         [[arm]]\nname = \"rolling\"\n[[arm]]\nname = \"full\"\nopen.initial_members = 4\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].ends_with(&said(10, "arm rolling at point 0")),
        "{found:?}"
    );
    let out = dir.path().join("out");
    bonfire()
        .args(["run", "--quiet", "--no-charts", "--out"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success()
        .stderr(predicates::str::contains(said(
            10,
            "arm rolling at point 0",
        )));
    // Those runs (runs.csv: run 0 is arm rolling at point 0) have no
    // loneliness at any session; the others have at the last.
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert!(
        runs.lines().nth(1).unwrap().starts_with("0,0,0,rolling,"),
        "{runs}"
    );
    let timeseries = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let mut lines = timeseries.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|&c| c == name).unwrap();
    let (run, step, loneliness) = (column("run"), column("step"), column("loneliness_mean"));
    let mut rows = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[run] == "0" {
            assert!(cells[loneliness].is_empty(), "{line}");
        } else if cells[step] == "3" {
            assert!(!cells[loneliness].is_empty(), "{line}");
        }
        rows += 1;
    }
    assert_eq!(rows, 4 * 4, "four runs of four steps");
}

/// A path that is not UTF-8, which Linux allows, is a path like any other:
/// the run, its resume and its manifest's record of the command line (with
/// a replacement character for the byte) go as in any folder.
#[cfg(target_os = "linux")]
#[test]
fn paths_that_are_not_utf8_are_taken() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join(std::ffi::OsStr::from_bytes(b"not\xffutf8"));
    std::fs::create_dir(&odd).unwrap();
    let scenario = odd.join("valid.toml");
    std::fs::copy(fixture("valid.toml"), &scenario).unwrap();
    let out = odd.join("out");
    crate::common::run_ok(&scenario, &out, &["--no-charts"]);
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("not\u{FFFD}utf8"), "{manifest}");
    bonfire()
        .args(["run", "--quiet", "--resume"])
        .arg(&out)
        .assert()
        .success();
}

/// `--out` naming a file is refused as one, the file left as it was.
#[test]
fn an_output_path_that_is_a_file_is_refused_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    bonfire()
        .arg("run")
        .arg(fixture("valid.toml"))
        .args(["--quiet", "--out"])
        .arg(&file)
        .assert()
        .failure()
        .stderr(predicate::str::contains(format!(
            "{} is a file (or a link to nothing), not a folder",
            file.display()
        )));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

/// Without a terminal (a cluster job's log), a run says how far it is
/// every so often on stderr, never on stdout; a run shorter than that
/// says nothing of it, and `--quiet` nothing at all.
#[test]
fn a_log_without_a_terminal_is_told_how_far_the_run_is() {
    let dir = tempfile::tempdir().unwrap();
    let text = "replicates = 2\n[community]\ngroups = 4\n[format]\nsessions = 5\n";
    let scenario = crate::common::write_scenario(dir.path(), text);
    let run = |every: Option<&str>, quiet: bool| {
        let mut command = bonfire();
        command
            .args(["run", "--no-charts", "--force", "--threads", "1", "--out"])
            .arg(dir.path().join("out"))
            .arg(&scenario);
        if quiet {
            command.arg("--quiet");
        }
        if let Some(every) = every {
            command.env(bonfire::progress::LOG_EVERY_VAR, every);
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{output:?}");
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
        (text(output.stdout), text(output.stderr))
    };
    let (stdout, stderr) = run(Some("0"), false);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("bonfire: ") && l.contains(" of 10 sessions ("))
        .collect();
    // Every step but the last, at once: two runs of five sessions.
    assert_eq!(lines.len(), 9, "{stderr}");
    assert!(
        lines[0].starts_with("bonfire: 1 of 10 sessions (10%) in "),
        "{stderr}"
    );
    assert!(lines[0].ends_with(" left"), "{stderr}");
    assert!(!stdout.contains(" of 10 sessions ("), "{stdout}");
    let (_, stderr) = run(None, false);
    assert!(!stderr.contains(" sessions ("), "a short run: {stderr}");
    let (_, stderr) = run(Some("0"), true);
    assert!(stderr.is_empty(), "--quiet: {stderr}");
}

/// `--version` names the commit the binary was built from (with
/// `+modified.` and a digest where its code differed: `tests/identity.rs`), the one a run's manifest keeps,
/// so that a published figure can be traced to its code.
#[test]
fn the_version_and_the_manifest_name_the_commit_built_from() {
    let version = bonfire().arg("--version").assert().success();
    let version = String::from_utf8(version.get_output().stdout.clone()).unwrap();
    let commit = version
        .trim()
        .strip_prefix(&format!("bonfire {} (commit ", env!("CARGO_PKG_VERSION")))
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{version}"));
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    match head {
        Ok(head) if head.status.success() => {
            let head = String::from_utf8(head.stdout).unwrap();
            assert!(commit.starts_with(head.trim()), "{commit} against {head}");
        }
        _ => assert_eq!(commit, "unknown"),
    }
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("small.toml");
    std::fs::write(&scenario, "replicates = 1\n[community]\ngroups = 5\n").unwrap();
    let out = dir.path().join("out");
    crate::common::run_ok(&scenario, &out, &["--no-charts"]);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["bonfire_commit"], commit);
    assert_eq!(manifest["runs_made_by"], serde_json::json!({ commit: 1 }));
}
