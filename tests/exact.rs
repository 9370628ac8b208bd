//! The analytic limiting cases of MECHANISMS.md, run through the engine.
//! (Checks 4–8 are pure-rule tests beside their rules in `src/rules/` and
//! `src/metrics.rs`; the ones here need whole sessions.)

use bonfire::engine;
use bonfire::population::{Arm, build_community};
use bonfire::rules::bonding::steady_state;
use bonfire::session::SessionContext;
use bonfire::stats::{Duration, Ending, kaplan_meier};

use crate::common::all_off_except;

const CONSTANT_HAZARD: &str = r#"
[mechanisms.dropout]
enabled = true
base_hazard = 0.05
early_excess = 0.0
tie_protection = 0.0
support_protection = 0.0
cohesion_protection = 0.0
no_reply_factor = 1.0
isolated_factor = 1.0
"#;

const CLOSED_20000: &str = r#"
name = "exact"
seed = 5
replicates = 1
[community]
groups = 2000
group_size = 10
[format]
sessions = 40
[population]
frailty_variance = 0.0
"#;

#[test]
fn check_1_constant_hazard_retention_is_geometric() {
    let s = all_off_except(CLOSED_20000, &[CONSTANT_HAZARD]);
    let r = engine::run_replicate(&s, 0);
    let n = 20_000.0;
    for row in r.timeseries.iter().filter(|row| row.arm == "group") {
        let expected: f64 = 0.95f64.powi(row.step as i32);
        // Binomial standard error of a share of n; 4 of them.
        let se = (expected * (1.0 - expected) / n).sqrt();
        let got = row.retention.unwrap();
        assert!(
            (got - expected).abs() <= 4.0 * se + 1e-12,
            "step {}: {got} vs {expected}",
            row.step
        );
    }
    let s12 = r
        .timeseries
        .iter()
        .find(|row| row.step == 12)
        .unwrap()
        .retention
        .unwrap();
    assert!((s12 - 0.540).abs() < 4.0 * (0.54f64 * 0.46 / n).sqrt());

    // Mean tenure 1/p = 20 sessions, from the members who dropped out
    // (the geometric distribution truncated at 40 sessions: its mean is
    // (1/p) - 40 (1-p)^40 / (1 - (1-p)^40)).
    let dropped: Vec<f64> = r
        .members
        .iter()
        .filter(|m| m.left_step.is_some())
        .map(|m| f64::from(m.tenure))
        .collect();
    let q: f64 = 0.95f64.powi(40);
    let expected_mean = 20.0 - 40.0 * q / (1.0 - q);
    let mean = dropped.iter().sum::<f64>() / dropped.len() as f64;
    // The sd of a geometric tenure is about sqrt(1-p)/p = 19.5.
    assert!(
        (mean - expected_mean).abs() < 4.0 * 19.5 / (dropped.len() as f64).sqrt(),
        "{mean} vs {expected_mean}"
    );
}

#[test]
fn check_9_kaplan_meier_equals_share_still_active_without_censoring() {
    let s = all_off_except(CLOSED_20000, &[CONSTANT_HAZARD]);
    let r = engine::run_replicate(&s, 0);
    let durations: Vec<Duration> = r
        .members
        .iter()
        .map(|m| Duration {
            sessions: m.tenure,
            ending: if m.left_step.is_some() {
                Ending::Dropout
            } else {
                Ending::Censored
            },
        })
        .collect();
    let km = kaplan_meier(&durations, s.format.sessions);
    for row in r.timeseries.iter().filter(|row| row.arm == "group") {
        let share_active = row.members_active as f64 / 20_000.0;
        assert!(
            (km[row.step as usize] - share_active).abs() < 1e-12,
            "step {}",
            row.step
        );
    }
}

#[test]
fn check_2_open_group_mean_size_is_arrivals_over_exit() {
    let s = all_off_except(
        r#"
name = "open"
seed = 9
[community]
groups = 200
group_size = 1000
[format]
membership = "open"
sessions = 150
[open]
initial_members = 0
arrivals_per_session = 1.0
catchment = 400
[population]
frailty_variance = 0.0
"#,
        &[&CONSTANT_HAZARD.replace("0.05", "0.1")],
    );
    let r = engine::run_replicate(&s, 0);
    let sizes: Vec<f64> = r
        .timeseries
        .iter()
        .filter(|row| row.step > 60)
        .map(|row| row.group_size_mean.unwrap())
        .collect();
    let mean = sizes.iter().sum::<f64>() / sizes.len() as f64;
    // Sizes are Poisson(10) at stationarity with autocorrelation 0.9^k:
    // 200 groups x 90 steps hold about 950 independent values, se 0.10.
    let expected = bonfire::rules::membership::open_group_mean_size(1.0, 0.1);
    assert!(
        (mean - expected).abs() < 4.5 * 0.103,
        "mean group size {mean}, expected {expected}"
    );
    assert!(
        r.timeseries.iter().all(|row| row.waiting == 0),
        "no cap, so nobody waits"
    );
}

#[test]
fn check_3_periodic_reinforcement_settles_at_the_closed_form() {
    for (frequency, days) in [("weekly", 7.0), ("biweekly", 14.0)] {
        let head = format!(
            "name = \"ties\"\n[community]\ngroups = 1\ngroup_size = 2\n[format]\nfrequency = \"{frequency}\"\nsessions = 200\nminutes = 90\n"
        );
        let bonding = r#"
[mechanisms.bonding]
enabled = true
conversation_size = 2.0
reciprocity = 0.0
homophily = 0.0
lonely_pair_penalty = 0.0
closure_bonus = 0.0
decay_per_day = 0.05
dissimilar_decay = 0.0
lonely_decay = 0.0
tie_hours = 1000.0
casual_hours = 1000.0
friend_hours = 1000.0
close_hours = 1000.0
"#;
        let s = all_off_except(&head, &[bonding]);
        let ctx = SessionContext::new(&s, 0);
        let mut groups = build_community(&s, 0);
        assert_eq!(groups[0].arm, Arm::Group);
        for step in 1..=s.format.sessions {
            engine::step_all(&mut groups, &ctx, step);
        }
        let increment = 1.5; // 90 minutes, both present, conversation of two.
        let expected = steady_state(increment, 0.05, days);
        let got = f64::from(groups[0].bonds.strength(0, 1));
        // Stored as f32: relative rounding ~ 1e-7 per step.
        assert!(
            (got - expected).abs() < 1e-4,
            "{frequency}: {got} vs {expected}"
        );
    }
}

#[test]
fn network_figures_from_the_groups_match_the_petgraph_graph() {
    use bonfire::network::{BondNetwork, NetStats};
    // Closed groups of ten (one bit word per member) and open groups with
    // more than 64 places (several words), so both code paths are checked.
    for (membership, extra) in [
        ("closed", ""),
        (
            "open",
            "[open]\ninitial_members = 8\narrivals_per_session = 3.0\ncatchment = 70\n",
        ),
    ] {
        let text = format!(
            "name = \"net\"\nseed = 8\n[community]\ngroups = 40\ngroup_size = 40\n[format]\nmembership = \"{membership}\"\nsessions = 25\n{extra}"
        );
        let s = crate::common::scenario(&text);
        let ctx = SessionContext::new(&s, 0);
        let mut groups = build_community(&s, 0);
        let mut last = Vec::new();
        for step in 1..=s.format.sessions {
            last = engine::step_all(&mut groups, &ctx, step);
        }
        let mut flat = NetStats::default();
        let mut tally = bonfire::metrics::Tally::default();
        for t in &last {
            flat.add(&t.network);
            tally.add(t);
        }
        let graph = BondNetwork::build(&groups, &ctx.levels);
        let (a, b) = (flat.row(), crate::networkx::figures(&graph));
        assert!(
            a.edges > 100,
            "{membership}: too few ties to test ({})",
            a.edges
        );
        assert_eq!(
            (a.nodes, a.edges, a.components, a.max_core),
            (b.nodes, b.edges, b.components, b.max_core),
            "{membership}"
        );
        for (name, x, y) in [
            ("density", a.density, b.density),
            ("mean degree", a.mean_degree, b.mean_degree),
            ("isolates", a.isolates_share, b.isolates_share),
            (
                "largest component",
                a.largest_component_share,
                b.largest_component_share,
            ),
            ("clustering", a.average_clustering, b.average_clustering),
            ("transitivity", a.transitivity, b.transitivity),
            ("mean strength", a.mean_strength, b.mean_strength),
            ("modularity", a.group_modularity, b.group_modularity),
        ] {
            assert!((x - y).abs() < 1e-9, "{membership}: {name}: {x} vs {y}");
        }
        // And the time series' clustering is the same figure.
        assert!((tally.clustering_sum / tally.joined as f64 - b.average_clustering).abs() < 1e-12);
    }
}
