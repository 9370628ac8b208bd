//! Experiments: sweeps and arms, common random numbers, shards merged into
//! exactly the files of a whole run, interruption and resume.

use predicates::prelude::*;
use std::path::{Path, PathBuf};

use crate::common::{bonfire, run_ok, write_scenario};
use std::time::Duration;

const SWEEP: &str = r#"
name = "sweep"
seed = 11
replicates = 2

[community]
groups = 12
group_size = 8
control_members = 16

[format]
sessions = 10

[output]
panel_csv = true

[sweep]
community.group_size = [6, 10]
mechanisms.dropout.base_hazard = { from = 0.01, to = 0.03, step = 0.02 }

[[arm]]
name = "peer_led"

[[arm]]
name = "facilitated"
format.leadership = "facilitated"
"#;

/// Files that must be byte-identical however the runs were done
/// (manifest.json records wall time and the command line, so it differs).
const SAME: [&str; 8] = [
    "runs.csv",
    "timeseries.csv",
    "members.csv",
    "panel.csv",
    "summary.csv",
    "scenario.resolved.toml",
    "report.html",
    "charts/isolation.png",
];

fn assert_same(a: &Path, b: &Path) {
    for f in SAME {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn a_sweep_expands_to_the_full_factorial_of_points_arms_and_replicates() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SWEEP);
    let out = dir.path().join("out");
    run_ok(&scenario, &out, &[]);

    // 2 sizes x 2 hazards = 4 points; x 2 arms x 2 replicates = 16 runs.
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    let mut lines = runs.lines();
    assert_eq!(
        lines.next().unwrap(),
        "run,point,replicate,arm,attends,seed,community.group_size,mechanisms.dropout.base_hazard"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 16);
    assert_eq!(
        rows[0],
        ["0", "0", "0", "peer_led", "true", "11", "6", "0.01"]
    );
    assert_eq!(rows[1][3], "facilitated");
    assert_eq!(rows[15][6..], ["10", "0.03"]);
    // Every arm and point runs on the scenario's seed.
    assert!(rows.iter().all(|r| r[5] == "11"));

    // Time series keyed by run id, with a group arm and a control arm per run.
    let ts = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    assert_eq!(ts.lines().count(), 1 + 16 * 2 * 11);
    // summary.csv: 4 points x 3 labels (2 arms + control) x 11 metrics, less
    // the metrics that do not apply to control (7 of 11 are session figures).
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.lines().next().unwrap().starts_with("point,arm,community.group_size,mechanisms.dropout.base_hazard,metric,replicates,step,week,mean,sd,ci_low,ci_high,reference_arm,reference_point,difference"));
    let facilitated_loneliness: Vec<&str> = summary
        .lines()
        .filter(|l| l.contains(",facilitated,") && l.contains(",loneliness_mean,"))
        .collect();
    assert_eq!(facilitated_loneliness.len(), 4);
    // Compared with the control members, with an effect size.
    assert!(
        facilitated_loneliness
            .iter()
            .all(|l| l.contains(",control,"))
    );
}

/// Control members are one condition while nothing links them to the
/// groups; when a community network carries what the groups do to them,
/// each arm's control members are a condition of their own, each arm is
/// compared with its own run's control members and each arm's control
/// members with the first arm's.
#[test]
fn control_members_the_groups_reach_are_reported_by_arm() {
    let dir = tempfile::tempdir().unwrap();
    let head = "name = \"c\"\nseed = 2\nreplicates = 2\n[community]\ngroups = 20\ngroup_size = 8\n\
                control_members = 200\n[format]\nsessions = 20\n";
    let arms = "[[arm]]\nname = \"peer_led\"\n[[arm]]\nname = \"facilitated\"\nformat.leadership = \"facilitated\"\n";
    let summary_rows = |name: &str, text: String| -> Vec<Vec<String>> {
        let out = dir.path().join(name);
        run_ok(&write_scenario(dir.path(), &text), &out, &["--no-charts"]);
        let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
        summary
            .lines()
            .skip(1)
            .filter(|l| l.contains(",loneliness_mean,"))
            .map(|l| l.split(',').map(String::from).collect())
            .collect()
    };
    // Columns: point, arm, metric, replicates, step, week, mean, sd,
    // ci_low, ci_high, reference_arm, ...
    let conditions = |rows: &[Vec<String>]| -> Vec<(String, String)> {
        rows.iter().map(|r| (r[1].clone(), r[10].clone())).collect()
    };
    let apart = summary_rows("apart", format!("{head}{arms}"));
    assert_eq!(
        conditions(&apart),
        [
            ("peer_led".into(), "control".into()),
            ("facilitated".into(), "control".into()),
            ("control".into(), String::new()),
        ]
    );
    let linked = summary_rows(
        "linked",
        format!(
            "{head}[community_network]\nkind = \"erdos_renyi\"\nmean_degree = 8.0\n\
             [mechanisms.contagion]\nenabled = true\n{arms}"
        ),
    );
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        conditions(&linked),
        [
            pair("peer_led", "control (peer_led)"),
            pair("facilitated", "control (facilitated)"),
            pair("control (peer_led)", ""),
            pair("control (facilitated)", "control (peer_led)"),
        ]
    );
}

#[test]
fn arms_run_on_common_random_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SWEEP);
    let out = dir.path().join("out");
    run_ok(&scenario, &out, &["--no-charts"]);
    // Runs 0 (peer_led) and 1 (facilitated) are point 0, replicate 0: the
    // same people arrive with the same traits.
    let members = std::fs::read_to_string(out.join("members.csv")).unwrap();
    let header: Vec<&str> = members.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|&c| c == name).unwrap();
    let starts = |run: &str| -> Vec<String> {
        members
            .lines()
            .filter(|l| l.starts_with(&format!("{run},")))
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                let at = |name| f[col(name)];
                format!(
                    "{} {} {}",
                    at("member"),
                    at("loneliness_start"),
                    at("hope_start")
                )
            })
            .collect()
    };
    let (peer, facilitated) = (starts("0"), starts("1"));
    assert!(!peer.is_empty());
    assert_eq!(peer, facilitated);
    assert_ne!(peer, starts("2"), "replicate 1 draws other people");
    // Run 4 is point 1 (the same group size, another dropout hazard),
    // replicate 0: sweep points run on the same numbers too.
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert!(runs.contains("\n4,1,0,peer_led,true,11,6,0.03\n"), "{runs}");
    assert_eq!(peer, starts("4"));
}

/// A point's figures are its values' doing, not its place in the sweep's
/// list: the same sweep written in another order gives every condition the
/// same figures.
#[test]
fn a_sweep_written_in_another_order_gives_each_point_the_same_figures() {
    let dir = tempfile::tempdir().unwrap();
    let figures = |order: &str| {
        let text = SWEEP.replace("[6, 10]", order);
        let scenario = write_scenario(dir.path(), &text);
        let out = dir.path().join(format!("out {order}"));
        run_ok(&scenario, &out, &["--no-charts"]);
        let mut reader = csv::Reader::from_path(out.join("summary.csv")).unwrap();
        let header = reader.headers().unwrap().clone();
        let col = |name: &str| header.iter().position(|c| c == name).unwrap();
        let mut rows: Vec<String> = reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                let keep = [
                    "arm",
                    "community.group_size",
                    "mechanisms.dropout.base_hazard",
                    "metric",
                    "mean",
                    "sd",
                    "ci_low",
                    "ci_high",
                ];
                keep.map(|name| r[col(name)].to_string()).join(",")
            })
            .collect();
        rows.sort();
        rows
    };
    let (written, reversed) = (figures("[6, 10]"), figures("[10, 6]"));
    assert!(written.len() > 50, "{} rows", written.len());
    assert_eq!(written, reversed);
}

#[test]
fn three_shards_merged_give_exactly_the_files_of_a_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SWEEP);
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &[]);

    let mut shards = Vec::new();
    for i in 0..3 {
        let out = dir.path().join(format!("shard{i}"));
        bonfire()
            .arg("run")
            .arg(&scenario)
            .args(["--quiet", "--shard", &format!("{i}/3"), "--out"])
            .arg(&out)
            .assert()
            .success();
        assert!(
            !out.join("timeseries.csv").exists(),
            "a shard writes parts, not the final files"
        );
        shards.push(out);
    }
    let merged = dir.path().join("merged");
    bonfire()
        .arg("merge")
        .args(&shards)
        .arg("--quiet")
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    assert_same(&whole, &merged);

    // Two of three shards are not enough.
    let partial = dir.path().join("partial");
    bonfire()
        .arg("merge")
        .args(&shards[..2])
        .arg("--out")
        .arg(&partial)
        .assert()
        .failure()
        .stderr(predicates::str::contains("shard(s) 2/3 missing"));
}

#[test]
fn slurm_array_variables_pick_the_shard() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SWEEP);
    let (by_flag, by_env) = (dir.path().join("flag"), dir.path().join("env"));
    bonfire()
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--shard", "1/3", "--out"])
        .arg(&by_flag)
        .assert()
        .success();
    bonfire()
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--shard", "slurm", "--out"])
        .arg(&by_env)
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_MIN", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .assert()
        .success();
    let list = |d: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(d.join("parts"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    assert_eq!(list(&by_flag), list(&by_env));
    // Shard 1 of 3 holds exactly the runs r with r % 3 == 1 of the 16
    // (2 sizes x 2 hazards x 2 arms x 2 replicates).
    let mut runs: Vec<u64> = list(&by_flag)
        .iter()
        .map(|n| n[4..11].parse().unwrap())
        .collect();
    runs.dedup();
    assert_eq!(runs, [1, 4, 7, 10, 13]);
}

#[test]
fn a_killed_run_resumes_to_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    // Enough runs that the kill lands part way.
    let text = SWEEP
        .replace("replicates = 2", "replicates = 6")
        .replace("sessions = 10", "sessions = 60");
    let scenario = write_scenario(dir.path(), &text);
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &[]);

    let killed = dir.path().join("killed");
    let exe = assert_cmd::cargo::cargo_bin("bonfire");
    // The last run is never sealed (its sealer waits for good), so the
    // kill lands part way on any host's timing.
    let mut child = std::process::Command::new(exe)
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--threads", "1", "--out"])
        .arg(&killed)
        .env(bonfire::output::parts::HOLD_SEAL_VAR, "47")
        .spawn()
        .unwrap();
    // Wait for some runs to finish, then kill without warning.
    let parts = killed.join("parts");
    let finished = || {
        std::fs::read_dir(&parts)
            .map(|d| {
                d.filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .ends_with(".sealed.csv")
                })
                .count()
            })
            .unwrap_or(0)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while finished() < 3 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done = finished();
    assert!(
        (3..48).contains(&done),
        "kill landed after {done} of 48 runs"
    );
    assert!(!killed.join("timeseries.csv").exists());

    // A new run into the folder is refused; --resume finishes it.
    bonfire()
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&killed)
        .assert()
        .failure()
        .stderr(predicates::str::contains("--resume"));
    bonfire()
        .arg("run")
        .arg("--quiet")
        .arg("--resume")
        .arg(&killed)
        .assert()
        .success();
    assert_same(&whole, &killed);
    assert!(
        !killed.join("parts").exists(),
        "parts are removed once assembled"
    );
}

/// `bonfire check` of `scenario`, which must fail.
fn check_fails(scenario: &Path) -> assert_cmd::assert::Assert {
    bonfire().arg("check").arg(scenario).assert().failure()
}

#[test]
fn a_bad_sweep_value_names_the_key_the_value_and_the_point() {
    let dir = tempfile::tempdir().unwrap();
    let text = SWEEP.replace(
        "community.group_size = [6, 10]",
        "community.group_size = [6, 1]",
    );
    let scenario = write_scenario(dir.path(), &text);
    check_fails(&scenario).stderr(
        predicates::str::contains("community.group_size")
            .and(predicates::str::contains("is 1"))
            .and(predicates::str::contains("from 2 to 1000")),
    );
    let text = SWEEP.replace(
        "[[arm]]\nname = \"peer_led\"",
        "[[arm]]\nname = \"control\"",
    );
    let scenario = write_scenario(dir.path(), &text);
    check_fails(&scenario).stderr(predicates::str::contains("arm[0].name"));
}

#[test]
fn of_several_conditions_that_break_a_relation_the_first_is_reported() {
    // A tie level above the casual level (50 hours) breaks their order.
    // The conditions are checked in parallel; the first in order with a
    // problem (tie_hours 55) is the one reported, not a later one (120).
    let dir = tempfile::tempdir().unwrap();
    let levels: Vec<String> = ["20", "55"]
        .into_iter()
        .map(String::from)
        .chain((10..50).filter(|&h| h != 20).map(|h| h.to_string()))
        .chain(["120".to_string()])
        .collect();
    let text = SWEEP.replace(
        "[sweep]\n",
        &format!(
            "[sweep]\nmechanisms.bonding.tie_hours = [{}]\n",
            levels.join(", ")
        ),
    );
    let scenario = write_scenario(dir.path(), &text);
    for _ in 0..3 {
        check_fails(&scenario).stderr(
            predicates::str::contains("mechanisms.bonding.casual_hours")
                .and(predicates::str::contains("tie_hours = 55"))
                .and(predicates::str::contains("120").not()),
        );
    }
}

#[test]
fn every_shipped_scenario_is_valid_and_listed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            readme.contains(&format!("`{name}`")),
            "{name} is not in scenarios/README.md"
        );
        let text = std::fs::read_to_string(f).unwrap();
        assert!(
            text.starts_with('#') && text.contains("Question"),
            "{name} does not open with its question"
        );
        bonfire().arg("check").arg(f).assert().success();
    }
}

/// The 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn a_bad_sweep_value_is_reported_at_its_sweep_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = SWEEP.replace(
        "mechanisms.dropout.base_hazard = { from = 0.01, to = 0.03, step = 0.02 }",
        "mechanisms.dropout.base_hazard = [0.01, 1.5]",
    );
    let scenario = write_scenario(dir.path(), &text);
    let line = line_of(&text, "mechanisms.dropout.base_hazard");
    check_fails(&scenario).stderr(
        predicates::str::contains(format!("line {line}:"))
            .and(predicates::str::contains(
                "sweep.mechanisms.dropout.base_hazard",
            ))
            .and(predicates::str::contains("1.5")),
    );
}

#[test]
fn output_settings_in_an_arm_are_refused_before_anything_runs() {
    // Once, an arm's `output.members_csv = false` ran every run and then
    // failed to find its member rows; the reverse silently dropped them.
    for (base, arm) in [("true", "false"), ("false", "true")] {
        let dir = tempfile::tempdir().unwrap();
        let text = SWEEP
            .replace(
                "format.leadership = \"facilitated\"",
                &format!("format.leadership = \"facilitated\"\noutput.members_csv = {arm}"),
            )
            .replace(
                "panel_csv = true\n",
                &format!("panel_csv = true\nmembers_csv = {base}\n"),
            );
        let scenario = write_scenario(dir.path(), &text);
        let line = line_of(&text, &format!("output.members_csv = {arm}"));
        let out = dir.path().join("out");
        bonfire()
            .arg("run")
            .arg(&scenario)
            .arg("--out")
            .arg(&out)
            .assert()
            .failure()
            .stderr(
                predicates::str::contains("arm[1].output.members_csv")
                    .and(predicates::str::contains(format!("line {line}:")))
                    .and(predicates::str::contains("only in the base scenario")),
            );
        assert!(!out.exists(), "nothing is written for a refused scenario");
    }
}

#[test]
fn a_seed_written_below_an_arm_is_refused_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    // TOML reads `seed` here as a key of the second arm.
    let text = SWEEP.replace(
        "format.leadership = \"facilitated\"",
        "format.leadership = \"facilitated\"\nseed = 99",
    );
    let scenario = write_scenario(dir.path(), &text);
    check_fails(&scenario).stderr(
        predicates::str::contains("arm[1].seed")
            .and(predicates::str::contains(format!(
                "line {}:",
                line_of(&text, "seed = 99")
            )))
            .and(predicates::str::contains("common random numbers")),
    );
    let text = SWEEP.replace("[sweep]", "[sweep]\nseed = [1, 2]");
    let scenario = write_scenario(dir.path(), &text);
    check_fails(&scenario).stderr(
        predicates::str::contains("sweep.seed").and(predicates::str::contains("replicates")),
    );
}

/// A scenario whose two arms import different edge lists of the same size,
/// each named relative to the scenario's own folder.
fn two_edge_lists(dir: &Path) -> PathBuf {
    let folder = dir.join("study");
    std::fs::create_dir_all(&folder).unwrap();
    // 4 groups of 6 = 24 people: a ring in one file, no ties in the other.
    let ring: String = (0..24).map(|i| format!("{i},{}\n", (i + 1) % 24)).collect();
    std::fs::write(folder.join("ring.csv"), format!("source,target\n{ring}")).unwrap();
    std::fs::write(folder.join("star.csv"), "source,target\n0,1\n0,2\n0,3\n").unwrap();
    let text = r#"
name = "imports"
[community]
groups = 4
group_size = 6
[format]
sessions = 3
[community_network]
kind = "file"
file = "ring.csv"
loneliness_per_tie = 0.5

[[arm]]
name = "ring"

[[arm]]
name = "star"
community_network.file = "star.csv"
"#;
    let path = folder.join("imports.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn each_arm_reads_its_own_edge_list_relative_to_the_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = two_edge_lists(dir.path());
    // Read from another working directory: paths are the scenario's.
    let experiment = bonfire::experiment::Experiment::from_file(
        &std::path::absolute(&scenario).unwrap(),
        &Default::default(),
    )
    .unwrap();
    let edges = |arm: usize| {
        experiment
            .scenario(0, arm)
            .imported_network()
            .unwrap()
            .edges()
    };
    assert_eq!((edges(0), edges(1)), (24, 3), "each arm its own file");
    // And the runs see it: arrival loneliness follows each arm's degrees.
    let start = |arm: usize| {
        let r = bonfire::engine::run_replicate(experiment.scenario(0, arm), 0);
        r.members
            .iter()
            .map(|m| f64::from(m.loneliness_start))
            .sum::<f64>()
    };
    assert_ne!(start(0), start(1));
    // The resolved scenario names both files by absolute path.
    // The tables' lines, not the comment that records the files read.
    let resolved: String = experiment
        .resolved_toml()
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect();
    for file in ["ring.csv", "star.csv"] {
        let absolute = std::path::absolute(scenario.parent().unwrap().join(file)).unwrap();
        assert!(
            resolved.contains(&absolute.display().to_string()),
            "{file} not absolute in {resolved}"
        );
    }
    bonfire()
        .arg("check")
        .arg(&scenario)
        .current_dir(dir.path())
        .assert()
        .success();
}

/// `[question] reference` names the arm every other arm is compared with.
#[test]
fn the_named_reference_arm_is_what_every_other_arm_is_compared_with() {
    let dir = tempfile::tempdir().unwrap();
    let text = "name = \"r\"\nreplicates = 2\n[question]\nreference = \"b\"\n[community]\ngroups = 10\n\
                [format]\nsessions = 10\n[[arm]]\nname = \"a\"\n[[arm]]\nname = \"b\"\n\
                format.leadership = \"facilitated\"\n[[arm]]\nname = \"c\"\nformat.delivery = \"online\"\n";
    let out = dir.path().join("out");
    run_ok(&write_scenario(dir.path(), text), &out, &["--no-charts"]);
    let rows: Vec<bonfire::output::SummaryRow> =
        bonfire::output::SummaryRow::read(&out.join("summary.csv"))
            .unwrap()
            .rows;
    for r in rows.iter().filter(|r| r.metric == "retention") {
        let expected = (r.arm != "b").then(|| "b".to_string());
        assert_eq!(r.reference_arm, expected, "{}", r.arm);
        assert_eq!(r.difference.is_some(), r.arm != "b", "{}", r.arm);
    }
}

fn valid_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid.toml")
}

/// `--force` removes everything the earlier run wrote before the new one
/// starts: no report or chart of the old run sits beside the new files.
#[test]
fn force_leaves_nothing_of_the_earlier_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok(&valid_fixture(), &out, &["--export-network", "0"]);
    assert!(out.join("report.html").is_file() && out.join("network").is_dir());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    run_ok(
        &valid_fixture(),
        &out,
        &["--force", "--no-charts", "--seed", "77"],
    );
    for gone in ["report.html", "charts", "network"] {
        assert!(
            !out.join(gone).exists(),
            "{gone} of the earlier run is still there"
        );
    }
    // What bonfire did not write is left alone.
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
}

/// Merging into one of the shard folders is refused before anything is
/// removed.
#[test]
fn merge_into_a_shard_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok(&valid_fixture(), &out, &["--no-charts"]);
    let before = std::fs::read(out.join("timeseries.csv")).unwrap();
    bonfire()
        .arg("merge")
        .arg(&out)
        .arg("--out")
        .arg(&out)
        .arg("--force")
        .assert()
        .failure()
        .stderr(predicates::str::contains("is one of the shard folders"));
    assert_eq!(std::fs::read(out.join("timeseries.csv")).unwrap(), before);
}

/// The Slurm scripts of docs/cluster.md, run under a stand-in for sbatch
/// that runs each array task in turn: `submit.sh` creates its log folder,
/// needs no site variable, and its merge writes exactly the files of a
/// whole run; `shard.sbatch` works for an array that does not start at 0.
#[cfg(unix)]
#[test]
fn the_slurm_scripts_run_and_merge_an_experiment_with_any_array_range() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SWEEP);
    let whole = dir.path().join("whole");
    run_ok(&scenario, &whole, &[]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = format!(
        "{}:{}",
        root.join("tests/fixtures/slurm").display(),
        std::env::var("PATH").unwrap()
    );
    let sbatch = |args: &[&std::ffi::OsStr]| {
        let output = std::process::Command::new(args[0])
            .args(&args[1..])
            .env("PATH", &path)
            .env("BONFIRE", assert_cmd::cargo::cargo_bin("bonfire"))
            .env_remove("SCRATCH")
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}: {output:?}");
    };
    let scripts = root.join("scripts/slurm");
    let submitted = dir.path().join("runs/sweep");
    sbatch(&[
        scripts.join("submit.sh").as_os_str(),
        scenario.as_os_str(),
        submitted.as_os_str(),
        "3".as_ref(),
    ]);
    assert_same(&whole, &submitted.join("merged"));
    assert!(submitted.join("logs/shard-2.out").is_file());
    // A second submission into the same ROOT is refused: its shards would
    // resume the first experiment.
    let again = std::process::Command::new(scripts.join("submit.sh"))
        .arg(&scenario)
        .arg(&submitted)
        .arg("3")
        .env("PATH", &path)
        .env("BONFIRE", assert_cmd::cargo::cargo_bin("bonfire"))
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds shard folders"));

    // An array from 5 to 8, submitted by hand.
    let by_hand = dir.path().join("by_hand");
    std::fs::create_dir(&by_hand).unwrap();
    let log = by_hand.join("task-%a.out");
    sbatch(&[
        "sbatch".as_ref(),
        "--array=5-8".as_ref(),
        format!("--output={}", log.display()).as_ref(),
        scripts.join("shard.sbatch").as_os_str(),
        scenario.as_os_str(),
        by_hand.as_os_str(),
    ]);
    sbatch(&[
        "sbatch".as_ref(),
        format!("--output={}", by_hand.join("merge.out").display()).as_ref(),
        scripts.join("merge.sbatch").as_os_str(),
        by_hand.as_os_str(),
    ]);
    assert_same(&whole, &by_hand.join("merged"));
}

#[test]
fn a_one_run_experiment_puts_its_parts_in_place_with_the_bytes_a_copy_would_have() {
    // One replicate: groups.csv and members.csv are run 0's parts, put in
    // place without a copy. Two replicates: run 0's parts are copied with
    // run 1's after them. Replicate 0 has the same streams in both, so
    // the first file is the start of the second.
    let dir = tempfile::tempdir().unwrap();
    let text = "name = \"link\"\nseed = 4\n[community]\ngroups = 6\ngroup_size = 8\n\
                [format]\nsessions = 6\n[network]\nmetrics_every = 1\n\
                [output]\nmembers_csv = true\ngroups_csv = true\n";
    let one = write_scenario(dir.path(), text);
    let (out_one, out_two) = (dir.path().join("one"), dir.path().join("two"));
    run_ok(&one, &out_one, &["--no-charts"]);
    run_ok(&one, &out_two, &["--no-charts", "--replicates", "2"]);
    for file in ["groups.csv", "members.csv"] {
        let single = std::fs::read(out_one.join(file)).unwrap();
        let both = std::fs::read(out_two.join(file)).unwrap();
        let lines = single.iter().filter(|&&b| b == b'\n').count();
        assert!(lines > 10, "{file}: {lines} lines");
        assert!(both.len() > single.len() + 100, "{file}");
        assert_eq!(&both[..single.len()], &single[..], "{file}");
        let header =
            String::from_utf8_lossy(&single[..single.iter().position(|&b| b == b'\n').unwrap()])
                .to_string();
        assert!(header.starts_with("run,"), "{file}: {header}");
        assert_eq!(
            String::from_utf8_lossy(&both)
                .matches(header.as_str())
                .count(),
            1,
            "{file}: one header"
        );
    }
    assert!(!out_one.join("parts").exists());
}
