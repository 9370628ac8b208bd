//! The bond network's files: network.csv and groups.csv figures, and the
//! GraphML / edge-list exports, read back.

use assert_cmd::Command;
use predicates::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

fn run(out: &Path, extra: &[&str]) {
    Command::cargo_bin("bonfire")
        .unwrap()
        .arg("run")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid.toml"))
        .args(["--quiet", "--no-charts", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

#[test]
fn graphml_round_trips_nodes_edges_and_attributes() {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &["--export-network", "0,6"]);
    let graphml =
        std::fs::read_to_string(dir.path().join("network/run-0000001-step-0006.graphml")).unwrap();
    let doc = roxmltree::Document::parse(&graphml).expect("GraphML is well-formed XML");
    let graph = doc.descendants().find(|n| n.has_tag_name("graph")).unwrap();
    assert_eq!(graph.attribute("edgedefault"), Some("undirected"));
    let keys: BTreeMap<&str, (&str, &str)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("key"))
        .map(|k| {
            (
                k.attribute("id").unwrap(),
                (
                    k.attribute("for").unwrap(),
                    k.attribute("attr.type").unwrap(),
                ),
            )
        })
        .collect();
    for (id, kind) in [
        ("group", "node"),
        ("arm", "node"),
        ("status", "node"),
        ("loneliness", "node"),
        ("hope", "node"),
        ("strength", "edge"),
        ("hours", "edge"),
        ("beyond_meetings", "edge"),
    ] {
        assert_eq!(keys.get(id).map(|k| k.0), Some(kind), "key {id}");
    }
    let data = |n: roxmltree::Node, key: &str| -> String {
        n.children()
            .find(|c| c.attribute("key") == Some(key))
            .and_then(|c| c.text())
            .unwrap_or("")
            .to_string()
    };
    let nodes: Vec<_> = graph
        .children()
        .filter(|n| n.has_tag_name("node"))
        .collect();
    let edges: Vec<_> = graph
        .children()
        .filter(|n| n.has_tag_name("edge"))
        .collect();

    // Nodes: everyone who joined a group (10 groups of 8); attributes match members.csv.
    assert_eq!(nodes.len(), 80);
    let members = std::fs::read_to_string(dir.path().join("members.csv")).unwrap();
    let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in members.lines().skip(1).filter(|l| l.starts_with("1,")) {
        let f: Vec<String> = line.split(',').map(String::from).collect();
        by_id.insert(format!("m{}", f[2]), f);
    }
    for n in &nodes {
        let row = &by_id[n.attribute("id").unwrap()];
        assert_eq!(data(*n, "group"), row[3]);
        assert_eq!(data(*n, "arm"), row[4]);
        assert_eq!(data(*n, "status"), row[5]);
        assert_eq!(data(*n, "loneliness"), row[11]);
        assert_eq!(data(*n, "hope"), row[13]);
    }

    // Edges: the same as the edge list, and as many as network.csv says.
    let edge_list =
        std::fs::read_to_string(dir.path().join("network/run-0000001-step-0006.edges.csv"))
            .unwrap();
    let mut listed: Vec<String> = edge_list.lines().skip(1).map(String::from).collect();
    let mut from_graphml: Vec<String> = edges
        .iter()
        .map(|e| {
            format!(
                "{},{},{},{},{}",
                &e.attribute("source").unwrap()[1..],
                &e.attribute("target").unwrap()[1..],
                data(*e, "strength"),
                data(*e, "hours"),
                data(*e, "beyond_meetings")
            )
        })
        .collect();
    listed.sort();
    from_graphml.sort();
    assert_eq!(listed, from_graphml);
    let network = std::fs::read_to_string(dir.path().join("network.csv")).unwrap();
    let row: Vec<&str> = network
        .lines()
        .find(|l| l.starts_with("1,group,1,6,"))
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(row[5], "80");
    assert_eq!(row[6], edges.len().to_string());
    assert!(!edges.is_empty());

    // Before the first session there are no ties.
    let empty = std::fs::read_to_string(dir.path().join("network/run-0000000-step-0000.edges.csv"))
        .unwrap();
    assert_eq!(empty.lines().count(), 1);
}

#[test]
fn network_and_group_figures_are_written_at_the_chosen_interval() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        "name = \"every\"\n[community]\ngroups = 5\ngroup_size = 6\n[format]\nsessions = 7\n[network]\nmetrics_every = 3\n",
    )
    .unwrap();
    Command::cargo_bin("bonfire")
        .unwrap()
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--no-charts", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .success();
    let network = std::fs::read_to_string(dir.path().join("out/network.csv")).unwrap();
    let steps: Vec<&str> = network
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap())
        .collect();
    assert_eq!(steps, ["0", "3", "6", "7"]); // every 3rd, and the last
    let groups = std::fs::read_to_string(dir.path().join("out/groups.csv")).unwrap();
    assert_eq!(groups.lines().count(), 1 + 4 * 5);
    assert!(groups.starts_with("run,arm,replicate,group,step,week,members_active,attendance_rate,cohesion_mean,density,clustering\n"));
}

#[test]
fn a_late_export_step_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("bonfire")
        .unwrap()
        .arg("run")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid.toml"))
        .args(["--export-network", "3,60", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .failure()
        .stderr(
            predicates::str::contains("network.export_steps").and(predicates::str::contains("60")),
        );
}
