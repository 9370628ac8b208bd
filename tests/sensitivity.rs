//! `bonfire sensitivity` through the engine: a factor the model never reads
//! gets no index, one it reads gets an index above the noise, Morris works
//! alike, the files are the same at any thread count, after a crash and
//! `--resume`, and across shards; bad tables are refused at their line.

use std::path::{Path, PathBuf};

use crate::common::{bonfire, write_scenario};

/// A small programme (36 members, 8 sessions) and a design of 16 rows over
/// three factors: the dropout hazard (read every session), the contagion's
/// transmission (never read: contagion is off by default) and group size.
const SMALL: &str = r#"
name = "sa"
seed = 11
replicates = 2

[community]
groups = 6
group_size = 6
control_members = 12

[format]
sessions = 8

[output]
members_csv = false
groups_csv = false

[sensitivity]
samples = 16
bootstrap = 200
outcomes = ["retention@end", "difference:loneliness_mean@end", "loneliness_mean@4"]

[sensitivity.factors]
mechanisms.dropout.base_hazard = { from = 0.01, to = 0.2, scale = "log" }
mechanisms.contagion.transmission = { from = 0.0, to = 0.5 }
community.group_size = { from = 4, to = 8 }
"#;

fn sensitivity(scenario: &Path, out: &Path, extra: &[&str]) {
    bonfire()
        .arg("sensitivity")
        .arg(scenario)
        .args(["--quiet", "--no-charts"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

fn indices(out: &Path) -> Vec<bonfire::sensitivity::results::IndexRow> {
    bonfire::sensitivity::results::read(&out.join("sensitivity.csv")).unwrap()
}

fn find<'a>(
    rows: &'a [bonfire::sensitivity::results::IndexRow],
    outcome: &str,
    factor: &str,
    index: &str,
) -> &'a bonfire::sensitivity::results::IndexRow {
    rows.iter()
        .find(|r| r.outcome == outcome && r.factor.ends_with(factor) && r.index == index)
        .unwrap_or_else(|| panic!("no {index} of {factor} for {outcome}"))
}

/// The files of a finished folder, by name, without the manifest (it
/// records wall time and the command line) and the lock.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), p))
        .filter(|(n, _)| n != "manifest.json" && n != ".bonfire.lock")
        .map(|(n, p)| (n, std::fs::read(p).unwrap()))
        .collect();
    files.sort();
    files
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), SMALL);
    (dir, scenario)
}

#[test]
fn a_factor_the_model_never_reads_gets_no_index_and_one_it_reads_does() {
    let (dir, scenario) = setup();
    let out = dir.path().join("out");
    sensitivity(&scenario, &out, &[]);
    let rows = indices(&out);
    for outcome in [
        "retention@end",
        "difference:loneliness_mean@end",
        "loneliness_mean@4",
    ] {
        // Common random numbers: moving a factor nobody reads leaves every
        // run's numbers as they were, so its indices are exactly 0.
        for index in ["S1", "ST"] {
            let unread = find(&rows, outcome, "contagion.transmission", index);
            assert_eq!(unread.estimate, Some(0.0), "{outcome} {index}: {unread:?}");
            assert_eq!((unread.ci_low, unread.ci_high), (Some(0.0), Some(0.0)));
        }
    }
    // Dropout drives retention: its total index's interval lies above the
    // noise share.
    let hazard = find(&rows, "retention@end", "dropout.base_hazard", "ST");
    let noise = hazard
        .noise_share
        .expect("two replicates give a noise share");
    assert!(
        hazard.ci_low.unwrap() > noise && hazard.estimate.unwrap() > 0.3,
        "{hazard:?}"
    );
    // The design: 16 rows × (3 + 2) points, each with its factor values.
    let design = std::fs::read_to_string(out.join("design.csv")).unwrap();
    assert_eq!(design.lines().count(), 1 + 16 * 5);
    assert!(design.starts_with("point,block,role,community.group_size,"));
    let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
    assert_eq!(points.lines().count(), 1 + 80 * 3);
}

#[test]
fn morris_screens_the_same_factors() {
    let (dir, _) = setup();
    let text = SMALL.replace(
        "samples = 16",
        "method = \"morris\"\nsamples = 10\nlevels = 4",
    );
    let scenario = write_scenario(dir.path(), &text);
    let out = dir.path().join("morris");
    sensitivity(&scenario, &out, &[]);
    let rows = indices(&out);
    let unread = find(&rows, "retention@end", "contagion.transmission", "mu_star");
    assert_eq!(unread.estimate, Some(0.0));
    let hazard = find(&rows, "retention@end", "dropout.base_hazard", "mu_star");
    let mu = find(&rows, "retention@end", "dropout.base_hazard", "mu");
    // A higher hazard lowers retention at every step of every trajectory.
    assert!(hazard.ci_low.unwrap() > 0.05, "{hazard:?}");
    assert!(
        (mu.estimate.unwrap() + hazard.estimate.unwrap()).abs() < 1e-9,
        "{mu:?}"
    );
    let design = std::fs::read_to_string(out.join("design.csv")).unwrap();
    assert_eq!(design.lines().count(), 1 + 10 * 4);
}

/// Ctrl-C during an analysis ends it with exit code 130 and names the
/// command that finishes it, the one that was run:
/// `bonfire sensitivity --resume OUT`.
#[cfg(unix)]
#[test]
fn ctrl_c_names_the_sensitivity_command_that_resumes_the_analysis() {
    let dir = tempfile::tempdir().unwrap();
    let longer = SMALL.replace("sessions = 8", "sessions = 200");
    let scenario = write_scenario(dir.path(), &longer.replace("groups = 6", "groups = 40"));
    let out = dir.path().join("interrupted");
    let (code, stderr) = crate::common::interrupted_after_a_run("sensitivity", &scenario, &out);
    assert_eq!(code, Some(130), "{stderr}");
    let resume = format!("bonfire sensitivity --resume {}", out.display());
    assert!(stderr.contains(&resume), "{stderr}");
}

#[test]
fn the_files_are_the_same_at_any_thread_count_after_a_crash_and_across_shards() {
    let (dir, scenario) = setup();
    let one = dir.path().join("one");
    sensitivity(&scenario, &one, &["--threads", "1"]);
    let two = dir.path().join("two");
    sensitivity(&scenario, &two, &["--threads", "2"]);
    assert_eq!(contents(&one), contents(&two), "1 and 2 threads");

    // Killed after its 40th durable step (some runs sealed), then resumed.
    let crashed = dir.path().join("crashed");
    let status = bonfire()
        .arg("sensitivity")
        .arg(&scenario)
        .args(["--quiet", "--no-charts", "--threads", "1", "--out"])
        .arg(&crashed)
        .env("BONFIRE_CRASH_AT", "40")
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(86));
    bonfire()
        .args(["sensitivity", "--quiet", "--no-charts", "--resume"])
        .arg(&crashed)
        .assert()
        .success();
    assert_eq!(contents(&one), contents(&crashed), "after --resume");

    let shards: Vec<PathBuf> = (0..3)
        .map(|i| {
            let out = dir.path().join(format!("shard-{i}"));
            sensitivity(&scenario, &out, &["--shard", &format!("{i}/3")]);
            out
        })
        .collect();
    let merged = dir.path().join("merged");
    bonfire()
        .arg("merge")
        .args(&shards)
        .args(["--quiet", "--no-charts", "--out"])
        .arg(&merged)
        .assert()
        .success();
    assert_eq!(contents(&one), contents(&merged), "merged shards");
}

fn refused(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), text);
    let out = bonfire()
        .arg("sensitivity")
        .arg(&scenario)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(!out.status.success(), "accepted:\n{text}");
    assert!(!dir.path().join("out").exists(), "created the folder");
    String::from_utf8(out.stderr).unwrap()
}

/// The line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> String {
    let at = text
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle in text");
    format!("line {}", at + 1)
}

#[test]
fn bad_tables_are_refused_at_their_line() {
    let with = |from: &str, to: &str| SMALL.replace(from, to);
    // (scenario, the text on the line the error must name, what it says)
    let cases = [
        (
            with("contagion.transmission = {", "contagion.transmision = {"),
            "transmision",
            "transmission",
        ),
        (
            with("{ from = 0.0, to = 0.5 }", "{ from = 0.0, to = 1.5 }"),
            "to = 1.5",
            "one of its values",
        ),
        (
            with("samples = 16", "samples = 12"),
            "samples",
            "power of two",
        ),
        (
            with("\"retention@end\",", "\"retention@60\","),
            "outcomes",
            "a session from 0 to 8",
        ),
        (
            with("control_members = 12", "control_members = 0"),
            "outcomes",
            "a difference or an effect size needs something to compare with",
        ),
        // Outcomes whose rows are empty whatever the runs do, refused
        // before any run rather than reported as "no estimate" after all.
        (
            with("\"retention@end\",", "\"difference:retention@end\","),
            "outcomes",
            "retention for control members, who never meet",
        ),
        (
            with("\"retention@end\",", "\"waiting_share@end\","),
            "outcomes",
            "waiting_share for arm group, whose groups are closed",
        ),
        (
            with("\"retention@end\",", "\"posted_again_share@end\","),
            "outcomes",
            "posted_again_share for arm group, whose groups meet rather than post in a forum",
        ),
        (
            with(
                "\"retention@end\",",
                "\"difference:lonely_near_lonely@end\",",
            ),
            "outcomes",
            "lonely_near_lonely for arm group, with no community network",
        ),
        // A forum's figure where a factor makes only some points forums:
        // an index needs every point.
        (
            with("\"retention@end\",", "\"posted_share@end\",").replace(
                "community.group_size = { from = 4, to = 8 }",
                "community.group_size = { from = 4, to = 8 }\nformat.delivery = [\"in_person\", \"forum\"]",
            ),
            "outcomes",
            "at some of the design's points (a factor varies it); an outcome every point measures",
        ),
        (
            with("\"retention@end\",", "\"attendance_rate@0\","),
            "outcomes",
            "@0 is before the first session, where attendance_rate is not measured; a session from 1 to 8",
        ),
        (
            with("seed = 11", "seed = 11\n[sweep]\ncommunity.groups = [4, 6]"),
            "community.groups = [4, 6]",
            "one of the two",
        ),
        (
            format!("{SMALL}\n[[arm]]\nname = \"a\"\ncommunity.group_size = 5\n"),
            "community.group_size = {",
            "arm a also sets",
        ),
        (
            with(
                "mechanisms.dropout.base_hazard = { from = 0.01, to = 0.2, scale = \"log\" }",
                "seed = { from = 1, to = 9 }",
            ),
            "seed = {",
            "only in the base scenario",
        ),
        (
            with("{ from = 4, to = 8 }", "{ from = 4.5, to = 8 }"),
            "from = 4.5",
            "whole numbers",
        ),
        (
            with("{ from = 0.0, to = 0.5 }", "{ from = 0.0 }"),
            "transmission = { from = 0.0 }",
            "numbers from < to",
        ),
        (
            with(
                "[sensitivity.factors]",
                "[sensitivity.factors]\nmechanisms.hope.gain = {}",
            ),
            "hope.gain = {}",
            "numbers from < to",
        ),
        (
            with("samples = 16", "samples = 65536").replace("replicates = 2", "replicates = 4"),
            "samples",
            "at most 1000000 runs",
        ),
    ];
    for (text, needle, says) in cases {
        let line = line_of(&text, needle);
        let message = refused(&text);
        assert!(
            message.contains("experiment.toml")
                && message.contains(&line)
                && message.contains(says),
            "expected {line} and {says:?}, got: {message}"
        );
    }
}

/// Levels under a Sobol design, which has no grid, are accepted (folders
/// of earlier versions write them) but named with their line where they
/// are not the default; at the default, as `scenario.resolved.toml`
/// writes them, nothing is said.
#[test]
fn levels_a_sobol_design_ignores_are_named_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    for (levels, warned) in [("6", true), ("4", false)] {
        let text = SMALL.replace(
            "samples = 16\n",
            &format!("samples = 16\nlevels = {levels}\n"),
        );
        let scenario = write_scenario(dir.path(), &text);
        let checked = bonfire().arg("check").arg(&scenario).output().unwrap();
        assert!(checked.status.success());
        let stderr = String::from_utf8(checked.stderr).unwrap();
        let warning = format!(
            "{}: `sensitivity.levels` changes nothing: it applies only where `sensitivity.method` is `morris`",
            line_of(&text, "levels =")
        );
        assert_eq!(
            stderr.contains(&warning),
            warned,
            "levels = {levels}: {stderr}"
        );
    }
}

#[test]
fn each_command_refuses_the_other_ones_file() {
    let (dir, scenario) = setup();
    let out = bonfire()
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(dir.path().join("a"))
        .output()
        .unwrap();
    let message = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success());
    assert!(message.contains("bonfire sensitivity"), "{message}");
    let out = bonfire()
        .args(["sensitivity", "--out"])
        .arg(dir.path().join("b"))
        .output()
        .unwrap();
    let message = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success());
    assert!(message.contains("no [sensitivity] table"), "{message}");
}

/// pandas reads every file the analysis writes, with the columns and rows
/// the tests above check (skipped, and said so, where Python or pandas is
/// not installed).
#[test]
fn pandas_reads_the_analysis_files() {
    let has_pandas = std::process::Command::new("python3")
        .args(["-c", "import pandas"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_pandas {
        eprintln!("skipped: python3 with pandas is not installed");
        return;
    }
    let (dir, scenario) = setup();
    let out = dir.path().join("out");
    sensitivity(&scenario, &out, &[]);
    let script = r#"
import sys, pandas as pd
d = sys.argv[1]
s = pd.read_csv(f"{d}/sensitivity.csv")
assert list(s.columns) == ["outcome", "factor", "index", "estimate", "ci_low", "ci_high", "noise_share"], s.columns
assert len(s) == 3 * 3 * 2 and s.estimate.dtype == float
st = s[s["index"] == "ST"].pivot(index="factor", columns="outcome", values="estimate")
assert st.loc["mechanisms.contagion.transmission"].eq(0).all()
design = pd.read_csv(f"{d}/design.csv")
assert len(design) == 80 and design["community.group_size"].between(4, 8).all()
points = pd.read_csv(f"{d}/points.csv")
assert len(points.merge(design, on="point")) == 240
print("ok")
"#;
    let result = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
}

/// The shipped example, made small (20 groups, 8 Saltelli rows), runs end
/// to end and its report names the factors and shows the chart.
#[test]
fn the_shipped_example_runs_and_its_report_answers() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sensitivity.toml");
    let text = std::fs::read_to_string(shipped).unwrap();
    let small = text
        .replace("groups = 300", "groups = 20")
        .replace("control_members = 900", "control_members = 60")
        .replace("samples = 128", "samples = 8");
    assert_ne!(small, text);
    let scenario = write_scenario(dir.path(), &small);
    let out = dir.path().join("out");
    let output = bonfire()
        .arg("sensitivity")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains(
            "sensitivity: Sobol indices from a Saltelli design of 8 rows × (10 factors + 2)"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("  - retention@end: "), "{stdout}");
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("<h2>Which factors matter</h2>"));
    assert!(report.contains("Which factors drive each outcome (Sobol indices)"));
    assert!(out.join("charts/sensitivity.png").is_file());
    // The first-order estimates a true index could not have (below 0, or
    // above the factor's total index), counted from sensitivity.csv, are
    // counted for the reader too.
    let rows = indices(&out);
    let first: Vec<_> = rows.iter().filter(|r| r.index == "S1").collect();
    let outside = first
        .iter()
        .filter(|r| {
            let total = find(&rows, &r.outcome, &r.factor, "ST").estimate.unwrap();
            let s1 = r.estimate.unwrap();
            s1 < 0.0 || s1 > total
        })
        .count();
    assert!(outside > 0, "eight rows give some");
    let counted = format!(
        "{outside} of the {} first-order estimates (S1) lie below 0 or above",
        first.len()
    );
    assert!(stdout.contains(&counted), "{counted}: {stdout}");
    assert!(report.contains(&counted), "{counted}");
    // The report is well-formed XML, like every report.
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(&report, options).expect("well-formed report");
    let svg = std::fs::read_to_string(out.join("charts/sensitivity.svg")).unwrap();
    roxmltree::Document::parse(&svg).expect("well-formed chart");
}

/// A `difference:` outcome against a waitlist arm is, at every point, the
/// mean over replicates of the group arm's value minus the waitlist's in
/// the same replicate, as timeseries.csv has them; a plain outcome at a
/// session is the group arm's value there; an effect size is the one
/// summary.csv gives the group arm against the waitlist.
#[test]
fn outcomes_are_read_from_the_time_series_as_written() {
    let text = r#"
name = "wl"
seed = 3
replicates = 2
[community]
groups = 4
group_size = 6
[format]
sessions = 6
[sensitivity]
samples = 8
bootstrap = 50
outcomes = ["difference:loneliness_mean@end", "hope_mean@3", "effect_size:loneliness_mean@end"]
[sensitivity.factors]
mechanisms.dropout.base_hazard = { from = 0.01, to = 0.1 }
[[arm]]
name = "group"
[[arm]]
name = "waitlist"
attends = false
"#;
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), text);
    let out = dir.path().join("out");
    sensitivity(&scenario, &out, &[]);
    let runs: Vec<bonfire::output::RunRow> = bonfire::output::RunRow::read(&out.join("runs.csv"))
        .unwrap()
        .rows;
    let series: Vec<bonfire::output::TimeseriesRow> =
        crate::common::read_rows(&out.join("timeseries.csv"));
    let summary = bonfire::output::SummaryRow::read(&out.join("summary.csv"))
        .unwrap()
        .rows;
    let point_of = |run: u64| runs.iter().find(|r| r.run == run).unwrap().point;
    let value = |point: usize, replicate: u32, arm: &str, step: u32, hope: bool| {
        let r = series
            .iter()
            .find(|r| {
                point_of(r.run) == point
                    && r.replicate == replicate
                    && r.arm == arm
                    && r.step == step
            })
            .unwrap();
        if hope { r.hope_mean } else { r.loneliness_mean }.unwrap()
    };
    let mut reader = csv::Reader::from_path(out.join("points.csv")).unwrap();
    let mut checked = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let (point, outcome, mean): (usize, &str, f64) = (
            record[0].parse().unwrap(),
            &record[1],
            record[2].parse().unwrap(),
        );
        let expected = if outcome.starts_with("effect_size:") {
            summary
                .iter()
                .find(|r| r.point == point && r.arm == "group" && r.metric == "loneliness_mean")
                .and_then(|r| r.effect_size)
                .expect("summary.csv has the group's effect size")
        } else if outcome == "hope_mean@3" {
            (value(point, 0, "group", 3, true) + value(point, 1, "group", 3, true)) / 2.0
        } else {
            let d = |r| value(point, r, "group", 6, false) - value(point, r, "waitlist", 6, false);
            (d(0) + d(1)) / 2.0
        };
        assert!(
            (mean - expected).abs() < 1e-12,
            "point {point} {outcome}: {mean} against {expected}"
        );
        checked += 1;
    }
    assert_eq!(checked, 8 * 3 * 3);
}
