//! Same scenario and seed, same bytes: at any thread count, and again from
//! the resolved scenario a run writes (groups meeting in a room and as a
//! forum, open, with a changing community network and contagion).

use assert_cmd::Command;
use std::path::Path;

const TINY: &str = r#"
name = "tiny"
seed = 77
replicates = 3
[community]
groups = 40
group_size = 8
control_members = 30
[format]
membership = "open"
sessions = 20
[open]
initial_members = 5
arrivals_per_session = 0.7
catchment = 12
[mechanisms.contagion]
enabled = true
[community_network]
kind = "watts_strogatz"
tie_turnover_per_year = 0.6
[output]
panel_csv = true

[[arm]]
name = "room"

[[arm]]
name = "forum"
format.delivery = "forum"
"#;

fn run(scenario: &Path, out: &Path, threads: &str) {
    Command::cargo_bin("bonfire")
        .unwrap()
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--quiet",
            "--threads",
            threads,
            "--out",
        ])
        .arg(out)
        .assert()
        .success();
}

const RESULT_FILES: [&str; 8] = [
    "timeseries.csv",
    "members.csv",
    "panel.csv",
    "scenario.resolved.toml",
    "report.html",
    "charts/isolation.png",
    "charts/retention.svg",
    "charts/forum.svg",
];

#[test]
fn output_is_byte_identical_on_1_2_and_8_threads() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tiny.toml");
    std::fs::write(&scenario, TINY).unwrap();
    let outs: Vec<_> = ["1", "2", "8"]
        .iter()
        .map(|t| {
            let out = dir.path().join(format!("out-{t}"));
            run(&scenario, &out, t);
            out
        })
        .collect();
    for file in RESULT_FILES {
        let first = std::fs::read(outs[0].join(file)).unwrap();
        assert!(!first.is_empty());
        for other in &outs[1..] {
            assert!(
                first == std::fs::read(other.join(file)).unwrap(),
                "{file} differs"
            );
        }
    }
}

#[test]
fn the_resolved_scenario_reproduces_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tiny.toml");
    std::fs::write(&scenario, TINY).unwrap();
    let first = dir.path().join("first");
    run(&scenario, &first, "2");
    let second = dir.path().join("second");
    run(&first.join("scenario.resolved.toml"), &second, "2");
    for file in RESULT_FILES {
        assert!(
            std::fs::read(first.join(file)).unwrap() == std::fs::read(second.join(file)).unwrap(),
            "{file} differs"
        );
    }
}

#[test]
fn a_different_seed_gives_different_results() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tiny.toml");
    std::fs::write(&scenario, TINY).unwrap();
    let a = dir.path().join("a");
    run(&scenario, &a, "2");
    let b = dir.path().join("b");
    Command::cargo_bin("bonfire")
        .unwrap()
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--quiet",
            "--seed",
            "78",
            "--out",
        ])
        .arg(&b)
        .assert()
        .success();
    assert!(
        std::fs::read(a.join("timeseries.csv")).unwrap()
            != std::fs::read(b.join("timeseries.csv")).unwrap()
    );
}
