//! A baseline cohort (`population.file`): members' traits at arrival read
//! from a CSV of real people, through the command line and the engine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use bonfire::experiment::{Experiment, Overrides};
use bonfire::output::MemberRow;
use bonfire::output::rows;
use bonfire::population::{GroupState, build_community};
use bonfire::{Error, Scenario};
use predicates::prelude::*;

/// 3 closed groups of 4 and 5 control members: 17 people a run.
const BASE: &str = "name = \"cohort\"\nseed = 11\nreplicates = 2\n\n[community]\ngroups = 3\ngroup_size = 4\ncontrol_members = 5\n\n[format]\nsessions = 3\n";
const PEOPLE: usize = 17;

const ALL_COLUMNS: &str =
    "id,loneliness,hope,stigma,openness,frailty,propensity,problem_type,severity,dose_needed";

/// Row k (0-based) of a file that gives every trait: distinct, in range.
fn full_row(k: usize) -> String {
    format!(
        "person-{k},{},{},{},{},{},{},{},{},{}",
        3.5 + (k % 11) as f64 * 0.5,
        0.05 + (k % 9) as f64 * 0.1,
        0.9 - (k % 8) as f64 * 0.1,
        0.15 + (k % 7) as f64 * 0.1,
        0.5 + k as f64 * 0.25,
        -1.5 + k as f64 * 0.125,
        k % 3,
        (k % 5) as f64 * 0.2,
        1.0 + k as f64,
    )
}

fn full_file(rows: usize) -> String {
    let mut text = format!("{ALL_COLUMNS}\n");
    for k in 0..rows {
        text.push_str(&full_row(k));
        text.push('\n');
    }
    text
}

fn bonfire() -> Command {
    Command::cargo_bin("bonfire").unwrap()
}

/// Writes `cohort.csv` and `s.toml` (the base, then `population` keys) into
/// `dir`; returns the scenario's path.
fn write(dir: &Path, csv: &str, population: &str) -> PathBuf {
    std::fs::write(dir.join("cohort.csv"), csv).unwrap();
    let scenario = dir.join("s.toml");
    let text = format!("{BASE}\n[population]\nfile = \"cohort.csv\"\n{population}\n");
    std::fs::write(&scenario, text).unwrap();
    scenario
}

/// Runs a scenario from the repository root (not the scenario's folder, so
/// relative paths must be read from the scenario's folder).
fn run(scenario: &Path, out: &Path, extra: &[&str]) {
    bonfire()
        .arg("run")
        .arg(scenario)
        .args(["--quiet", "--no-charts", "--out"])
        .arg(out)
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .assert()
        .success();
}

fn members(out: &Path) -> Vec<MemberRow> {
    rows::read(&out.join("members.csv")).unwrap()
}

/// The file's cells by column name, row by row.
fn cells(csv: &str) -> Vec<BTreeMap<String, String>> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

fn value(row: &BTreeMap<String, String>, column: &str) -> Option<f32> {
    row.get(column)
        .filter(|c| !c.is_empty())
        .map(|c| c.parse().unwrap())
}

#[test]
fn in_order_members_start_with_the_files_values() {
    let dir = tempfile::tempdir().unwrap();
    // Three rows more than needed: the rest go unused.
    let csv = full_file(PEOPLE + 3);
    let scenario = write(dir.path(), &csv, "sampling = \"in_order\"");
    let out = dir.path().join("out");
    run(&scenario, &out, &[]);
    let file = cells(&csv);
    let rows = members(&out);
    assert_eq!(rows.len(), 2 * PEOPLE);
    for m in &rows {
        let k = m.member as usize;
        let row = &file[k];
        assert_eq!(m.baseline_row, Some(k as u32 + 1));
        assert_eq!(
            m.baseline_id.as_deref(),
            Some(format!("person-{k}").as_str())
        );
        assert_eq!(Some(m.loneliness_start), value(row, "loneliness"), "{k}");
        assert_eq!(Some(m.hope_start), value(row, "hope"), "{k}");
        assert_eq!(Some(m.stigma_start), value(row, "stigma"), "{k}");
    }
    // Step 0 of timeseries.csv: the group arm's mean is the file's.
    let ts: Vec<bonfire::output::TimeseriesRow> = rows::read(&out.join("timeseries.csv")).unwrap();
    let start = ts.iter().find(|r| r.step == 0 && r.arm == "group").unwrap();
    let mean = (0..12)
        .map(|k| f64::from(value(&file[k], "loneliness").unwrap()))
        .sum::<f64>()
        / 12.0;
    assert!((start.loneliness_mean.unwrap() - mean).abs() < 1e-6);

    // Every trait, through the engine: the members hold the file's values.
    let s = builder_scenario(&dir.path().join("cohort.csv"), "in_order");
    for g in build_community(&s, 1) {
        for i in 0..g.places() {
            let row = &file[(g.first_member as usize) + i];
            for (column, held) in held_traits(&g, i) {
                assert_eq!(Some(held), value(row, column), "{column}");
            }
        }
    }
}

/// A scenario of [`BASE`] with a cohort file, built in code.
fn builder_scenario(file: &Path, sampling: &str) -> Scenario {
    let mut b = Scenario::builder().text(BASE);
    if !file.as_os_str().is_empty() {
        b = b.set("population.file", file.display().to_string());
    }
    b.set("population.sampling", sampling).build().unwrap()
}

/// Every trait a member holds at arrival, by its cohort column.
fn held_traits(g: &GroupState, i: usize) -> [(&'static str, f32); 9] {
    [
        ("loneliness", g.members[i].loneliness_start),
        ("hope", g.members[i].hope_start),
        ("stigma", g.members[i].stigma_start),
        ("openness", g.members[i].openness),
        ("frailty", g.members[i].frailty),
        ("propensity", g.members[i].propensity),
        ("problem_type", f32::from(g.members[i].problem_type)),
        ("severity", g.members[i].severity),
        ("dose_needed", g.members[i].dose_needed),
    ]
}

#[test]
fn empty_cells_and_absent_columns_are_drawn_as_without_a_file() {
    let dir = tempfile::tempdir().unwrap();
    // No frailty, propensity or dose column; some cells empty.
    let mut csv = String::from("hope,loneliness,problem_type,severity,stigma,openness\n");
    for k in 0..PEOPLE {
        let cell = |v: String, skip: bool| if skip { String::new() } else { v };
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            cell(format!("{}", 0.1 + (k % 8) as f64 * 0.1), k % 3 == 0),
            cell(format!("{}", 4 + k % 5), k % 4 == 1),
            cell(format!("{}", k % 3), k % 5 == 2),
            cell("0.5".into(), k % 2 == 0),
            cell("0.25".into(), k == 7),
            cell("0.75".into(), k > 10),
        ));
    }
    let path = dir.path().join("cohort.csv");
    std::fs::write(&path, &csv).unwrap();
    let file = cells(&csv);
    let without = builder_scenario(Path::new(""), "resample");
    for sampling in ["in_order", "resample"] {
        let with = builder_scenario(&path, sampling);
        for replicate in 0..2 {
            let drawn = build_community(&without, replicate);
            let given = build_community(&with, replicate);
            for (a, b) in drawn.iter().zip(&given) {
                for i in 0..a.places() {
                    let row = &file[b.baseline_row[i] as usize - 1];
                    for ((column, plain), (_, held)) in
                        held_traits(a, i).iter().zip(held_traits(b, i))
                    {
                        let expected = value(row, column).unwrap_or(*plain);
                        assert_eq!(
                            held,
                            expected,
                            "{sampling} {column} member {}",
                            b.first_member + i as u64
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn resampled_runs_are_the_same_at_one_and_four_threads() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), &full_file(6), "");
    let (one, four) = (dir.path().join("one"), dir.path().join("four"));
    run(&scenario, &one, &["--threads", "1"]);
    run(&scenario, &four, &["--threads", "4"]);
    for file in bonfire::output::RUN_FILES
        .iter()
        .chain(&["scenario.resolved.toml"])
    {
        if *file == "manifest.json" {
            continue;
        }
        // Files a run writes only on request (panel.csv) are absent from both.
        let (a, b) = (
            std::fs::read(one.join(file)),
            std::fs::read(four.join(file)),
        );
        assert_eq!(a.is_ok(), b.is_ok(), "{file}");
        if let (Ok(a), Ok(b)) = (a, b) {
            assert_eq!(a, b, "{file}");
        }
    }
    // Rows are drawn with replacement: 6 rows for 17 people, ids follow them.
    let rows = members(&one);
    assert!(
        rows.iter()
            .all(|m| (1..=6).contains(&m.baseline_row.unwrap()))
    );
    for m in &rows {
        let k = m.baseline_row.unwrap() - 1;
        assert_eq!(m.baseline_id, Some(format!("person-{k}")));
    }
}

#[test]
fn arms_of_a_point_hold_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let arms = "[sweep]\nformat.sessions = [2, 3]\n\n[[arm]]\nname = \"peer\"\n\n[[arm]]\nname = \"facilitated\"\nformat.leadership = \"facilitated\"\n\n[[arm]]\nname = \"waitlist\"\nattends = false\n";
    let scenario = write(dir.path(), &full_file(9), arms);
    let out = dir.path().join("out");
    run(&scenario, &out, &[]);
    let runs: Vec<bonfire::output::RunRow> = bonfire::output::RunRow::read(&out.join("runs.csv"))
        .unwrap()
        .rows;
    let condition: BTreeMap<u64, (usize, u32, String)> = runs
        .iter()
        .map(|r| (r.run, (r.point, r.replicate, r.arm.clone())))
        .collect();
    // (point, replicate, arm) -> the row of every member (control members
    // included), in member order.
    let mut held: BTreeMap<(usize, u32, String), Vec<(u64, u32)>> = BTreeMap::new();
    for m in members(&out) {
        held.entry(condition[&m.run].clone())
            .or_default()
            .push((m.member, m.baseline_row.unwrap()));
    }
    assert_eq!(held.len(), 2 * 2 * 3);
    for ((point, replicate, _), rows) in &held {
        assert_eq!(rows.len(), PEOPLE);
        assert_eq!(rows, &held[&(*point, *replicate, "peer".to_string())]);
    }
    // Replicates draw different people.
    assert_ne!(
        held[&(0, 0, "peer".to_string())],
        held[&(0, 1, "peer".to_string())]
    );
}

#[test]
fn a_file_is_read_once_per_experiment_and_named_by_an_absolute_path() {
    let dir = tempfile::tempdir().unwrap();
    let arm =
        "[[arm]]\nname = \"a\"\n\n[[arm]]\nname = \"b\"\npopulation.sampling = \"in_order\"\n";
    let scenario = write(dir.path(), &full_file(PEOPLE), arm);
    let e = Experiment::from_file(&scenario, &Overrides::default()).unwrap();
    let (a, b) = (e.scenario(0, 0).cohort(), e.scenario(0, 1).cohort());
    assert!(std::ptr::eq(a.unwrap(), b.unwrap()));
    assert!(std::ptr::eq(a.unwrap(), e.base.cohort().unwrap()));
    let absolute = dir.path().join("cohort.csv").display().to_string();
    // The table's line itself, not the comment that records the file read.
    let line = format!("file = \"{absolute}\"");
    assert!(e.resolved_toml().unwrap().lines().any(|l| l == line));
}

#[test]
fn a_measured_loneliness_is_not_shifted_by_community_ties() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("loneliness\n");
    for k in 0..PEOPLE {
        csv.push_str(if k % 2 == 0 { "7\n" } else { "\n" });
    }
    let network = "sampling = \"in_order\"\n\n[community_network]\nkind = \"barabasi_albert\"\nmean_degree = 4\nloneliness_per_tie = 0.3\n";
    let scenario = write(dir.path(), &csv, network);
    let out = dir.path().join("out");
    run(&scenario, &out, &[]);
    let plain = dir.path().join("plain.toml");
    let text = std::fs::read_to_string(&scenario).unwrap();
    std::fs::write(&plain, text.replace("file = \"cohort.csv\"\n", "")).unwrap();
    let plain_out = dir.path().join("plain");
    run(&plain, &plain_out, &[]);
    let mut shifted = 0;
    for (m, p) in members(&out).iter().zip(members(&plain_out)) {
        if m.member % 2 == 0 {
            assert_eq!(m.loneliness_start, 7.0, "member {}", m.member);
        } else {
            // Drawn, then shifted by the member's ties as without a file.
            assert_eq!(
                m.loneliness_start, p.loneliness_start,
                "member {}",
                m.member
            );
            shifted += usize::from(p.loneliness_start.fract() != 0.0);
        }
    }
    assert!(shifted > 0);
}

#[test]
fn without_a_file_sampling_changes_nothing() {
    let a = builder_scenario(Path::new(""), "in_order");
    let b = builder_scenario(Path::new(""), "resample");
    let (ra, rb) = (
        bonfire::engine::run_replicate(&a, 1),
        bonfire::engine::run_replicate(&b, 1),
    );
    assert_eq!(ra.timeseries, rb.timeseries);
    assert_eq!(ra.members, rb.members);
    assert!(
        ra.members
            .iter()
            .all(|m| m.baseline_row.is_none() && m.baseline_id.is_none())
    );
}

/// Asserts a bad cohort file: `check` and `run` fail without a panic, with
/// every fragment in the message, and `run` writes nothing.
fn assert_bad(csv: &[u8], population: &str, fragments: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "", population);
    std::fs::write(dir.path().join("cohort.csv"), csv).unwrap();
    let check = bonfire()
        .arg("check")
        .arg(&scenario)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .assert()
        .failure();
    let stderr = String::from_utf8(check.get_output().stderr.clone()).unwrap();
    let out = dir.path().join("out");
    let run = bonfire()
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .assert()
        .failure();
    let run_stderr = String::from_utf8(run.get_output().stderr.clone()).unwrap();
    assert!(run_stderr.contains(fragments[0]), "{run_stderr}");
    assert!(!out.exists(), "output written for a bad cohort: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let file = dir.path().join("cohort.csv").display().to_string();
    for f in std::iter::once(file.as_str()).chain(fragments.iter().copied()) {
        assert!(stderr.contains(f), "{f:?} missing from {stderr}");
    }
}

#[test]
fn every_bad_file_is_refused_with_file_line_column_value_and_what_is_allowed() {
    let ok = "hope,loneliness\n0.5,6\n";
    assert_bad(
        format!("{ok}0.5,6\n0.25,9.5\n").as_bytes(),
        "",
        &[
            "line 4: column `loneliness` is \"9.5\"",
            "allowed: a number from 3 to 9",
        ],
    );
    assert_bad(
        b"hope,loneliness\n0.5,six\n",
        "",
        &["line 2: column `loneliness` is \"six\"", "from 3 to 9"],
    );
    for (column, bad, allowed) in [
        ("hope", "-0.1", "from 0 to 1"),
        ("stigma", "1.01", "from 0 to 1"),
        ("openness", "x", "from 0 to 1"),
        ("severity", "2", "from 0 to 1"),
        ("frailty", "0", "above 0"),
        ("dose_needed", "-3", "above 0"),
        ("propensity", "NaN", "a number from"),
        ("problem_type", "1.5", "a whole number"),
    ] {
        let given = format!("line 3: column `{column}` is \"{bad}\"");
        let csv = format!("id,{column}\na,\nb,{bad}\n");
        assert_bad(csv.as_bytes(), "", &[&given, allowed]);
    }
    assert_bad(
        b"problem_type\n0\n1\n\n3\n\n",
        "",
        &[
            "line 5: column `problem_type` is \"3\"",
            "from 0 to 2 (population.problem_types = 3)",
        ],
    );
    assert_bad(
        b"id,hope,lonliness\n",
        "",
        &[
            "line 1: column `lonliness` is not a column bonfire reads",
            "did you mean `loneliness`?",
            "dose_needed",
        ],
    );
    assert_bad(
        b"hope,id,hope\n0.5,a,0.5\n",
        "",
        &["line 1: column `hope` is named twice (fields 1 and 3)"],
    );
    assert_bad(
        b"hope,stigma,id\n0.5,0.5,a\n0.5,0.5\n",
        "",
        &[
            "line 3: the number of fields is 2 (no field for column `id`)",
            "allowed: 3",
        ],
    );
    assert_bad(
        b"hope,stigma\n0.5,0.5,x\n",
        "",
        &["line 2: the number of fields is 3 (an extra field \"x\")"],
    );
    assert_bad(
        b"hope,id\n0.5,M\xfcller\n",
        "",
        &["line 2: column `id` is not UTF-8 text (byte 0xfc", "UTF-8"],
    );
    assert_bad(b"", "", &["the file is empty", "a header row"]);
    assert_bad(b"hope,stigma\n\n \n", "", &["a header and no data rows"]);
    assert_bad(
        b"hope,stigma\n0.5,0.5\n\n0.5,0.5\n",
        "",
        &["line 3: the number of fields is 0 (a blank line)"],
    );
    assert_bad(
        full_file(10).as_bytes(),
        "sampling = \"in_order\"",
        &["the number of data rows is 10", "at least 17"],
    );
}

#[test]
fn a_missing_file_is_refused_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "", "");
    std::fs::remove_file(dir.path().join("cohort.csv")).unwrap();
    let e = Experiment::from_file(&scenario, &Overrides::default()).unwrap_err();
    // The scenario's file and the line of the key, then the missing file.
    let Error::InScenario { place, inner, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(place.to_string(), ", line 14", "{e}");
    assert!(matches!(**inner, Error::Io { .. }), "{e:?}");
    let file = dir.path().join("cohort.csv").display().to_string();
    bonfire()
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .failure()
        .stderr(predicates::str::contains(file).and(predicates::str::contains("population.file")));
    assert!(!dir.path().join("out").exists());
}
