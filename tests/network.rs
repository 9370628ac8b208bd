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
        ("weight", "edge"),
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
    let header: Vec<&str> = members.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|&c| c == name).unwrap();
    let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in members.lines().skip(1).filter(|l| l.starts_with("1,")) {
        let f: Vec<String> = line.split(',').map(String::from).collect();
        by_id.insert(format!("m{}", f[col("member")]), f);
    }
    for n in &nodes {
        let row = &by_id[n.attribute("id").unwrap()];
        for (attribute, column) in [
            ("group", "group"),
            ("arm", "arm"),
            ("status", "status"),
            ("loneliness", "loneliness_end"),
            ("hope", "hope_end"),
        ] {
            assert_eq!(data(*n, attribute), row[col(column)], "{attribute}");
        }
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
    // Gephi's weight is the tie's strength.
    for e in &edges {
        assert_eq!(data(*e, "weight"), data(*e, "strength"));
    }
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

    // Before the first session there are no ties, and no mean strength
    // or modularity (NetworkX's divides by the ties): empty cells, where
    // the figures over the nodes are there.
    let empty = std::fs::read_to_string(dir.path().join("network/run-0000000-step-0000.edges.csv"))
        .unwrap();
    assert_eq!(empty.lines().count(), 1);
    let header: Vec<&str> = network.lines().next().unwrap().split(',').collect();
    let cell = |row: &str, name: &str| {
        let at = header.iter().position(|h| *h == name).unwrap();
        row.split(',').nth(at).unwrap().to_string()
    };
    let first = network
        .lines()
        .find(|l| l.starts_with("0,group,0,0,"))
        .unwrap();
    assert_eq!(cell(first, "edges"), "0");
    assert_eq!(cell(first, "mean_strength"), "");
    assert_eq!(cell(first, "group_modularity"), "");
    assert_eq!(cell(first, "average_clustering"), "0.0");
    let later = network
        .lines()
        .find(|l| l.starts_with("1,group,1,6,"))
        .unwrap();
    assert!(cell(later, "mean_strength").parse::<f64>().unwrap() > 0.0);
    assert!(cell(later, "group_modularity").parse::<f64>().is_ok());
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
    assert!(groups.starts_with(
        "run,arm,replicate,group,step,week,members_active,attendance_rate,cohesion_mean,density,clustering,\
         members_joined,loneliness_change_mean,retention,reply_norm,safety_shift,meeting_quality\n"
    ));
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

/// An export step past the end of one arm's runs (an arm of fewer
/// sessions) is exported by the runs that reach it, with a warning naming
/// the arm; one past every run's end is refused.
#[test]
fn an_export_step_past_an_arms_end_is_exported_by_the_runs_that_reach_it() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("two_lengths.toml");
    std::fs::write(
        &scenario,
        "name = \"two_lengths\"\nseed = 2\nreplicates = 1\n\
         [community]\ngroups = 4\ngroup_size = 6\ncontrol_members = 0\n\
         [format]\nsessions = 6\n\
         [network]\nexport_steps = [3, 6]\n\
         [[arm]]\nname = \"long\"\n\
         [[arm]]\nname = \"short\"\nformat.sessions = 3\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = Command::cargo_bin("bonfire")
        .unwrap()
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--no-charts", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8(run.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains(
            "the runs of arm short end after 3 sessions, so they export no network at step 6"
        ),
        "{stderr}"
    );
    let mut graphs: Vec<String> = std::fs::read_dir(out.join("network"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".graphml"))
        .collect();
    graphs.sort();
    assert_eq!(
        graphs,
        [
            "run-0000000-step-0003.graphml",
            "run-0000000-step-0006.graphml",
            "run-0000001-step-0003.graphml",
        ]
    );
    Command::cargo_bin("bonfire")
        .unwrap()
        .arg("run")
        .arg(&scenario)
        .args(["--export-network", "7", "--out"])
        .arg(dir.path().join("refused"))
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "steps from 0 to the most sessions of any arm or sweep point (6)",
        ));
}

/// SISa parameters of the engine-level check 4: onset a, transmission β,
/// recovery g, on a complete community network of N = 400 members.
const SISA: (f64, f64, f64, f64) = (0.01, 0.001, 0.2, 400.0);

/// A complete community network of 400 members, SISa contagion and the
/// loneliness dynamics that would undo a transmitted state within a few
/// sessions if it did not persist: relaxation toward an own set point well
/// below the cut-off (UCLA-3 4.5 ± 0.3 at arrival), with noise.
fn sisa_scenario() -> String {
    let (a, beta, g, _) = SISA;
    crate::common::all_off_text(
        r#"
name = "sisa"
seed = 21
[community]
groups = 40
group_size = 10
[format]
sessions = 400
[population]
loneliness_mean = 4.5
loneliness_sd = 0.3
[network]
metrics_every = 0
[output]
members_csv = false
groups_csv = false
[community_network]
kind = "erdos_renyi"
mean_degree = 399.0          # p = 1: the complete graph on 400 members
loneliness_per_tie = 0.0
"#,
        &[
            &format!(
                "[mechanisms.contagion]\nenabled = true\nonset = {a}\ntransmission = {beta}\nrecovery = {g}"
            ),
            "[mechanisms.loneliness]\nenabled = true\nrelaxation_per_week = 0.5\nnoise_sd = 0.1",
        ],
    )
}

/// The root in (0, 1) of a(1 − m) + b·m(1 − m) − g·m = c.
fn sisa_root(a: f64, b: f64, g: f64, c: f64) -> f64 {
    let linear = b - g - a;
    (linear + (linear * linear + 4.0 * b * (a - c)).sqrt()) / (2.0 * b)
}

#[test]
fn exact_check_4_persistent_sisa_on_a_complete_community_network_reaches_the_mean_field() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("sisa.toml");
    std::fs::write(&scenario, sisa_scenario()).unwrap();
    Command::cargo_bin("bonfire")
        .unwrap()
        .arg("run")
        .arg(&scenario)
        .args(["--quiet", "--no-charts", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .success();
    let ts = std::fs::read_to_string(dir.path().join("out/timeseries.csv")).unwrap();
    let header: Vec<&str> = ts.lines().next().unwrap().split(',').collect();
    let (step, lonely) = (
        header.iter().position(|&h| h == "step").unwrap(),
        header.iter().position(|&h| h == "lonely_share").unwrap(),
    );
    let shares: Vec<f64> = ts
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[step].parse::<u32>().unwrap() > 100)
        .map(|f| f[lonely].parse().unwrap())
        .collect();
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    // Nobody is lonely by their own score (4.5 ± 0.3, relaxing back there
    // after a recovery), so the lonely are exactly the caught. The mean
    // field with k = N − 1: a(1 − i) + βk·i(1 − i) − g·i = 0 (i* = 0.522).
    let (a, beta, g, n) = SISA;
    let expected = sisa_root(a, beta * (n - 1.0), g, 0.0);
    // Around it the number lonely, I, moves by Binomial(N − I, a + βI)
    // onsets and Binomial(I, g) recoveries a session: an AR(1) process with
    // coefficient ρ = 1 − a + β(N − 2I) − g (0.77) and shocks of variance
    // (N − I)p(1 − p) + I·g(1 − g), so the prevalence has variance
    // shocks / N² / (1 − ρ²) and the mean of T sessions a standard error
    // √(var/T · (1 + ρ)/(1 − ρ)).
    let i = expected * n;
    let p = a + beta * i;
    let rho = 1.0 - a + beta * (n - 2.0 * i) - g;
    let shocks = (n - i) * p * (1.0 - p) + i * g * (1.0 - g);
    let var = shocks / (n * n) / (1.0 - rho * rho);
    let t = shares.len() as f64;
    let se = (var / t * (1.0 + rho) / (1.0 - rho)).sqrt();
    // Finite N: at stationarity the expected change is zero, so the mean m
    // solves a(1 − m) + βN·m(1 − m) − g·m = βN·var exactly (a susceptible
    // sees all I lonely, a caught one is not its own contact); it differs
    // from the mean field by at most this shift.
    let shift = (sisa_root(a, beta * n, g, beta * n * var) - expected).abs();
    // Four standard errors, as in tests/exact.rs.
    assert!(
        (mean - expected).abs() < 4.0 * se + shift,
        "prevalence {mean}, mean field {expected} ± {se} (shift {shift})"
    );
}

#[test]
fn a_bad_edge_list_is_refused_before_any_run() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid.toml"),
    )
    .unwrap();
    // `bonfire check` on the base with this edge list (file = `path`)
    // fails; its message.
    let refused = |edges: &str, path: &str| -> String {
        std::fs::write(dir.path().join("edges.csv"), edges).unwrap();
        let text = format!("{base}\n[community_network]\nkind = \"file\"\nfile = \"{path}\"\n");
        std::fs::write(dir.path().join("s.toml"), text).unwrap();
        let output = Command::cargo_bin("bonfire")
            .unwrap()
            .arg("check")
            .arg(dir.path().join("s.toml"))
            .output()
            .unwrap();
        assert!(!output.status.success());
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    let err = refused("source,target\n0,1\n1,one hundred\n", "edges.csv");
    assert!(
        err.contains("edges.csv, line 3")
            && err.contains("community_network.file")
            && err.contains("\"one hundred\""),
        "{err}"
    );
    // A file without its header, and an empty path, are refused by name.
    let err = refused("0,1\n1,2\n", "edges.csv");
    assert!(
        err.contains("line 1") && err.contains("expected the header line source,target"),
        "{err}"
    );
    let err = refused("source,target\n0,1\n", "");
    assert!(
        err.contains("key `community_network.file` is \"\""),
        "{err}"
    );
}

/// Final row of an arm from an engine run of a scenario text.
fn final_row(text: &str, arm: &str) -> bonfire::output::TimeseriesRow {
    let s = crate::common::scenario(text);
    let r = bonfire::engine::run_replicate(&s, 0);
    r.timeseries
        .iter()
        .rev()
        .find(|row| row.arm == arm)
        .unwrap()
        .clone()
}

#[test]
fn community_ties_refer_newcomers_to_open_groups() {
    let text = |referral: f64| {
        format!(
            "name = \"referral\"\nseed = 4\n[community]\ngroups = 30\ngroup_size = 12\n[format]\nmembership = \"open\"\nsessions = 20\n[open]\ninitial_members = 4\narrivals_per_session = 0.2\ncatchment = 40\n[community_network]\nkind = \"watts_strogatz\"\nmean_degree = 8.0\nreferral = {referral}\n"
        )
    };
    let (without, with) = (
        final_row(&text(0.0), "group"),
        final_row(&text(0.3), "group"),
    );
    assert!(
        with.arrived > without.arrived + 30,
        "referral 0.3: {} arrived, 0: {}",
        with.arrived,
        without.arrived
    );
}

#[test]
fn hope_spreads_from_hopeful_community_ties_to_the_control_arm() {
    let text = |kind: &str| {
        format!(
            "name = \"hope\"\nseed = 6\n[community]\ngroups = 40\ngroup_size = 9\ncontrol_members = 200\n[format]\nsessions = 40\n[community_network]\nkind = \"{kind}\"\nmean_degree = 12.0\nloneliness_per_tie = 0.0\n"
        )
    };
    let (alone, connected) = (
        final_row(&text("none"), "control"),
        final_row(&text("erdos_renyi"), "control"),
    );
    // Without community ties the control arm's hope stays where it was.
    let (connected, alone) = (connected.hope_mean.unwrap(), alone.hope_mean.unwrap());
    assert!(connected > alone + 0.05, "{connected} vs {alone}");
}

/// The community network is exported beside the bond network: every person
/// a node with their state, every community tie once; none without one.
#[test]
fn the_community_network_is_exported_with_everyone_and_every_tie() {
    use crate::common::{run_ok, write_scenario};
    let dir = tempfile::tempdir().unwrap();
    let text = "name = \"c\"\nseed = 4\nreplicates = 1\n[community]\ngroups = 20\ngroup_size = 8\n\
                control_members = 40\n[format]\nsessions = 4\n[community_network]\n\
                kind = \"watts_strogatz\"\nmean_degree = 6.0\n";
    let out = dir.path().join("out");
    run_ok(
        &write_scenario(dir.path(), text),
        &out,
        &["--no-charts", "--export-network", "4"],
    );
    let stem = out.join("network/run-0000000-step-0004");
    let graphml = std::fs::read_to_string(stem.with_extension("community.graphml")).unwrap();
    let doc = roxmltree::Document::parse(&graphml).expect("well-formed GraphML");
    let nodes: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("node"))
        .collect();
    let edges = doc.descendants().filter(|n| n.has_tag_name("edge")).count();
    assert_eq!(nodes.len(), 20 * 8 + 40);
    assert_eq!(edges, (20 * 8 + 40) * 3, "Watts-Strogatz keeps n·k/2 ties");
    let arm_of = |n: &roxmltree::Node| {
        n.children()
            .find(|c| c.attribute("key") == Some("arm"))
            .and_then(|c| c.text())
            .unwrap()
            .to_string()
    };
    assert_eq!(nodes.iter().filter(|n| arm_of(n) == "control").count(), 40);
    let list = std::fs::read_to_string(stem.with_extension("community.edges.csv")).unwrap();
    assert!(list.starts_with("source,target\n"));
    assert_eq!(list.lines().count(), 1 + edges);

    // Without a community network only the bond network is exported.
    let bare = dir.path().join("bare");
    let text = text.replace("watts_strogatz", "none");
    run_ok(
        &write_scenario(dir.path(), &text),
        &bare,
        &["--no-charts", "--export-network", "4"],
    );
    let files: Vec<String> = std::fs::read_dir(bare.join("network"))
        .unwrap()
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().all(|f| !f.contains("community")), "{files:?}");
}

/// Ties that reach beyond the meetings join the community network: at the
/// end, every bond the export marks `beyond_meetings` is a community tie,
/// and the community network holds exactly the ties it would hold without
/// them plus ties between group mates (the network does not turn over).
#[test]
fn group_ties_that_reach_beyond_the_meetings_join_the_community_network() {
    use crate::common::{run_ok, write_scenario};
    use std::collections::BTreeSet;
    let dir = tempfile::tempdir().unwrap();
    let text = "name = \"join\"\nseed = 5\nreplicates = 1\n[community]\ngroups = 30\ngroup_size = 8\n\
                control_members = 60\n[format]\nsessions = 30\n[community_network]\n\
                kind = \"watts_strogatz\"\nmean_degree = 6.0\n\
                [[arm]]\nname = \"join\"\n[[arm]]\nname = \"inside\"\n\
                community_network.group_ties_join = false\n";
    let out = dir.path().join("out");
    run_ok(
        &write_scenario(dir.path(), text),
        &out,
        &["--no-charts", "--export-network", "30"],
    );
    let read = |run: u32, ext: &str| {
        let path = out.join(format!("network/run-{run:07}-step-0030.{ext}"));
        std::fs::read_to_string(path).unwrap()
    };
    let pairs = |text: &str, beyond_only: bool| -> BTreeSet<(u64, u64)> {
        text.lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|c| !beyond_only || c[4] == "true")
            .map(|c| {
                let (a, b): (u64, u64) = (c[0].parse().unwrap(), c[1].parse().unwrap());
                (a.min(b), a.max(b))
            })
            .collect()
    };
    let (joined, inside) = (
        pairs(&read(0, "community.edges.csv"), false),
        pairs(&read(1, "community.edges.csv"), false),
    );
    let beyond = pairs(&read(0, "edges.csv"), true);
    assert!(beyond.len() > 10, "only {} ties reach beyond", beyond.len());
    assert!(
        beyond.is_subset(&joined),
        "a tie beyond the meetings is missing"
    );
    assert!(inside.is_subset(&joined));
    // Groups hold member ids in order, 8 places each: the added ties are
    // between group mates.
    let added: Vec<_> = joined.difference(&inside).collect();
    assert!(!added.is_empty());
    assert!(
        added.iter().all(|&&(a, b)| a / 8 == b / 8 && b < 30 * 8),
        "{added:?}"
    );
}

/// Homophily orders people around a ring: on a network without one it is
/// refused, naming the key.
#[test]
fn homophily_without_a_ring_is_refused() {
    use crate::common::{bonfire, write_scenario};
    let dir = tempfile::tempdir().unwrap();
    let text = "name = \"h\"\n[community_network]\nkind = \"erdos_renyi\"\nhomophily = 0.5\n";
    let scenario = write_scenario(dir.path(), text);
    bonfire()
        .arg("check")
        .arg(&scenario)
        .assert()
        .failure()
        .stderr(predicate::str::contains("community_network.homophily"))
        .stderr(predicate::str::contains("watts_strogatz"));
    let ring = text.replace("erdos_renyi", "watts_strogatz");
    bonfire()
        .arg("check")
        .arg(write_scenario(dir.path(), &ring))
        .assert()
        .success();
}

/// The clustering figures through the engine: at arrival, with people laid
/// out by their loneliness (homophily 0.8), lonely people's community ties
/// lead to lonely people far more often than others' ties do; laid out at
/// random, the two shares agree within chance.
#[test]
fn lonely_near_lonely_shows_the_homophily_of_the_layout() {
    let at_arrival = |homophily: f64| {
        let s = crate::common::scenario(&format!(
            "name = \"h\"\nseed = 8\n[community]\ngroups = 100\ngroup_size = 9\ncontrol_members = 900\n\
             [format]\nsessions = 1\n[community_network]\nkind = \"watts_strogatz\"\n\
             mean_degree = 6.0\nhomophily = {homophily}\n"
        ));
        let r = bonfire::engine::run_replicate(&s, 0);
        let row = r
            .timeseries
            .iter()
            .find(|row| row.step == 0 && row.arm == "control")
            .unwrap()
            .clone();
        (
            row.lonely_near_lonely.unwrap(),
            row.lonely_near_others.unwrap(),
        )
    };
    let (lonely, others) = at_arrival(0.8);
    assert!(
        lonely - others > 0.15,
        "homophily: {lonely:.3} vs {others:.3}"
    );
    // 900 people with about 6 ties each: a share's standard error is
    // under 0.02, that of the difference under 0.03.
    let (lonely, others) = at_arrival(0.0);
    assert!(
        (lonely - others).abs() < 0.1,
        "random order: {lonely:.3} vs {others:.3}"
    );
}

/// In the community export of open groups, a person who has not come yet
/// is `not_arrived`, not `waiting`: the exported waiting list is the
/// timeseries' `waiting`, and the people not yet arrived are the places
/// less those who arrived, at the first step and at a later one.
#[test]
fn the_community_export_tells_the_waiting_list_from_those_not_yet_arrived() {
    use crate::common::{run_ok, write_scenario};
    let dir = tempfile::tempdir().unwrap();
    // An open group's places: its first members and its catchment.
    let (groups, places, control) = (30, 4 + 20, 50);
    let text = format!(
        "name = \"open\"\nseed = 99\nreplicates = 1\n[community]\ngroups = {groups}\ngroup_size = 8\n\
         control_members = {control}\n[format]\nmembership = \"open\"\nsessions = 20\n[open]\n\
         initial_members = 4\narrivals_per_session = 0.6\ncatchment = 20\n[community_network]\n\
         kind = \"watts_strogatz\"\nmean_degree = 6.0\n"
    );
    let out = dir.path().join("out");
    run_ok(
        &write_scenario(dir.path(), &text),
        &out,
        &["--no-charts", "--export-network", "0,20"],
    );
    let series = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header: Vec<&str> = series.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for step in [0u32, 20] {
        let row: Vec<&str> = series
            .lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .find(|r| r[column("arm")] == "group" && r[column("step")] == step.to_string())
            .unwrap()
            .into_iter()
            .collect();
        let count = |name: &str| row[column(name)].parse::<usize>().unwrap();
        let path = out.join(format!(
            "network/run-0000000-step-{step:04}.community.graphml"
        ));
        let graphml = std::fs::read_to_string(path).unwrap();
        let doc = roxmltree::Document::parse(&graphml).unwrap();
        let statuses: Vec<&str> = doc
            .descendants()
            .filter(|n| n.attribute("key") == Some("status"))
            .filter_map(|n| n.text())
            .collect();
        let with = |status: &str| statuses.iter().filter(|s| **s == status).count();
        assert_eq!(statuses.len(), groups * places + control);
        assert_eq!(with("waiting"), count("waiting"), "step {step}");
        assert_eq!(
            with("not_arrived"),
            groups * places - count("arrived"),
            "step {step}"
        );
        assert!(with("not_arrived") > 0, "step {step}");
    }
}
