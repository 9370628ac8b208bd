//! The analytic limiting cases of EVIDENCE.md E21, run through the engine.
//! (Checks 5–7 are pure-rule tests beside their rules in `src/rules/`,
//! `src/metrics.rs` and `src/community.rs`; check 4 runs through the CLI in
//! `tests/network.rs`; the ones here need whole sessions or the product's
//! generators.)
//!
//! Tolerances are a number of standard errors of the figure compared, and
//! each standard error is computed from the sample size of the run.

use std::sync::OnceLock;

use bonfire::Scenario;
use bonfire::community;
use bonfire::engine::{self, ReplicateResult};
use bonfire::population::{Arm, build_community};
use bonfire::rules::bonding::steady_state;
use bonfire::rules::dropout::{DropoutInputs, constant_hazard_retention, early_factor, hazard};
use bonfire::rules::membership::open_group_mean_size;
use bonfire::rules::recovery::expected_improved;
use bonfire::session::SessionContext;
use bonfire::stats::{Duration, Ending, kaplan_meier};

use crate::common::all_off_except;

/// Standard errors a statistical check allows. The seeds are fixed, so a
/// check passes or fails the same way every time; four standard errors keep
/// the chance that a correct engine fails one comparison under 1 in 15,000
/// (and any of the 40 or so comparisons of a time series under 1 in 400).
const Z: f64 = 4.0;

/// Dropout with a constant hazard `p`: no early excess and no predictor
/// moves it.
pub(crate) fn constant_hazard(p: f64) -> String {
    format!(
        r#"
[mechanisms.dropout]
enabled = true
base_hazard = {p}
early_excess = 0.0
tie_protection = 0.0
support_protection = 0.0
cohesion_protection = 0.0
reply_protection = 0.0
isolated_factor = 1.0
"#
    )
}

/// 2,000 closed groups of 10 without frailty, 40 sessions.
const CLOSED_20000: &str = r#"
name = "exact"
seed = 5
replicates = 1
[community]
groups = 2000
group_size = 10
min_group_size = 1
control_members = 0
[format]
sessions = 40
[network]
metrics_every = 0
[population]
frailty_variance = 0.0
"#;

/// The dropout hazard that the engine's rule gives every member of `s`,
/// early and late in their membership, when only dropout is on: each member's frailty and tie
/// summary as the engine builds them; no disclosure (so none goes
/// unanswered), no replies and no support given (sharing and altruism off);
/// the tie summary stays as built because no tie ever forms (bonding and
/// contact beyond meetings off); cohesion anywhere on its scale. Panics
/// unless the hazard is the same for all of them, and returns it.
fn hazard_of_every_member(s: &Scenario) -> f64 {
    let m = &s.mechanisms;
    assert!(
        m.dropout.enabled
            && !(m.sharing.enabled
                || m.altruism.enabled
                || m.bonding.enabled
                || m.beyond_meetings.enabled
                || m.recovery.enabled),
        "only dropout may act on who leaves"
    );
    let mut seen = None;
    for g in build_community(s, 0).iter().filter(|g| g.arm == Arm::Group) {
        for i in 0..g.places() {
            let ties = g.tie_summary.members()[i];
            // Tenure moves the hazard through the early excess alone,
            // e·exp(−tenure/τ): the first sessions and the last.
            for tenure in [0, 1, 2, 3, s.format.sessions - 1] {
                for cohesion in [0.0, f64::from(g.members[i].cohesion), 10.0] {
                    let h = hazard(
                        &m.dropout,
                        DropoutInputs {
                            frailty: f64::from(g.members[i].frailty),
                            early: early_factor(&m.dropout, tenure),
                            log_tie_support: f64::from(ties.log_support),
                            replies_received: 0.0,
                            cohesion,
                            reply_memory: 0.0,
                            isolated: ties.ties == 0,
                            altruism: 0.0,
                        },
                    );
                    assert_eq!(*seen.get_or_insert(h), h, "group {} place {i}", g.id);
                }
            }
        }
    }
    seen.expect("the scenario has members")
}

/// EVIDENCE.md E21's constant hazards p and their retention S(12).
const PUBLISHED_S12: [(f64, f64); 2] = [(0.05, 0.540), (0.10, 0.282)];

/// The engine's run of [`CLOSED_20000`] with the constant hazard of
/// `PUBLISHED_S12[which]`, run once for all tests here.
fn closed_run(which: usize) -> &'static (Scenario, ReplicateResult) {
    static RUNS: [OnceLock<(Scenario, ReplicateResult)>; 2] = [OnceLock::new(), OnceLock::new()];
    RUNS[which].get_or_init(|| {
        let p = PUBLISHED_S12[which].0;
        let s = all_off_except(CLOSED_20000, &[&constant_hazard(p)]);
        let r = engine::run_replicate(&s, 0);
        (s, r)
    })
}

#[test]
fn check_1_constant_hazard_retention_is_geometric() {
    for (which, &(p, published_s12)) in PUBLISHED_S12.iter().enumerate() {
        let (s, r) = closed_run(which);
        // The engine's own rule gives every member exactly the hazard p.
        assert_eq!(hazard_of_every_member(s), p);

        let n = r.members.len() as f64;
        assert_eq!(n, 20_000.0);
        for row in r.timeseries.iter().filter(|row| row.arm == "group") {
            let expected = constant_hazard_retention(p, row.step);
            // Retention is a share of n members: binomial standard error.
            let se = (expected * (1.0 - expected) / n).sqrt();
            let got = row.retention.unwrap();
            assert!(
                (got - expected).abs() <= Z * se + 1e-12,
                "p = {p}, step {}: {got} vs {expected}",
                row.step
            );
            if row.step == 12 {
                // The published figure is rounded to three decimals.
                assert!(
                    (got - published_s12).abs() <= Z * se + 0.0005,
                    "p = {p}: S(12) = {got}, published {published_s12}"
                );
            }
        }

        // Mean tenure 1/p. The run stops after T sessions, so the members
        // who dropped out have a geometric tenure truncated at T: mean
        // 1/p − T·q/(1 − q) with q = (1 − p)^T. Its variance, from the
        // probabilities p(1 − p)^(k−1)/(1 − q), k = 1..T, sets the standard
        // error of the mean of the dropouts' tenures.
        let t = s.format.sessions;
        let q = constant_hazard_retention(p, t);
        let expected_mean = 1.0 / p - f64::from(t) * q / (1.0 - q);
        let variance = (1..=t)
            .map(|k| {
                let prob = p * constant_hazard_retention(p, k - 1) / (1.0 - q);
                prob * (f64::from(k) - expected_mean).powi(2)
            })
            .sum::<f64>();
        let dropped: Vec<f64> = r
            .members
            .iter()
            .filter(|m| m.left_step.is_some())
            .map(|m| f64::from(m.tenure))
            .collect();
        let mean = dropped.iter().sum::<f64>() / dropped.len() as f64;
        let se = (variance / dropped.len() as f64).sqrt();
        assert!(
            (mean - expected_mean).abs() < Z * se,
            "p = {p}: mean tenure {mean} vs {expected_mean} ± {se}"
        );
    }
}

#[test]
fn check_9_kaplan_meier_equals_share_still_active_without_censoring() {
    let (s, r) = closed_run(0);
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
        let share_active = row.members_active as f64 / r.members.len() as f64;
        assert!(
            (km[row.step as usize] - share_active).abs() < 1e-12,
            "step {}",
            row.step
        );
    }
}

#[test]
fn check_2_open_group_mean_size_is_arrivals_over_exit() {
    // 4,000 open groups, λ = 1 newcomer per session, exit probability 1/4:
    // the size settles at λ/p = 4 within a few sessions and stays far below
    // the cap of 1,000; the catchment of 120 outlasts the run (70 ± 8.4
    // arrive). So many groups that the test tells the mean over groups that
    // met from the mean over all groups (0.075 apart, below).
    let (groups, sessions, burn_in) = (4000u32, 70u32, 25u32);
    let s = all_off_except(
        &format!(
            r#"
name = "open"
seed = 9
[community]
groups = {groups}
group_size = 1000
control_members = 0
[format]
membership = "open"
sessions = {sessions}
[open]
initial_members = 0
arrivals_per_session = 1.0
catchment = 120
[network]
metrics_every = 0
[population]
frailty_variance = 0.0
"#
        ),
        &[&constant_hazard(0.25)],
    );
    let lambda = s.open.arrivals_per_session;
    // Every member, at any tenure, leaves with the same probability p.
    let p = hazard_of_every_member(&s);
    assert_eq!(p, 0.25);
    let size = open_group_mean_size(lambda, p);
    // `group_size_mean` is the mean over the groups that met, those with
    // someone present: the Poisson(λ/p) size given that it is not 0, of
    // mean μ/(1 − e^−μ) (4.075 here) and variance
    // (μ + μ²)/(1 − e^−μ) − that mean squared (3.77).
    let met = 1.0 - (-size).exp();
    let expected = size / met;
    let variance = (size + size * size) / met - expected * expected;

    let r = engine::run_replicate(&s, 0);
    let sizes: Vec<f64> = r
        .timeseries
        .iter()
        .filter(|row| row.step > burn_in)
        .map(|row| row.group_size_mean.unwrap())
        .collect();
    let mean = sizes.iter().sum::<f64>() / sizes.len() as f64;
    // A group's size when it meets, X' = Binomial(X, 1 − p) + Poisson(λ),
    // is Poisson(λ/p) at stationarity (variance λ/p), with autocorrelation
    // (1 − p)^k. The mean of T such values has the variance of
    // T·p/(2 − p) independent ones; the groups are independent. The start
    // from empty groups leaves a bias of λ/p·(1 − p)^burn_in at most
    // (0.003 here).
    let independent = f64::from(groups) * sizes.len() as f64 * p / (2.0 - p);
    let se = (variance / independent).sqrt();
    let bias = size * (1.0 - p).powi(burn_in as i32);
    assert!(
        (mean - expected).abs() < Z * se + bias,
        "mean group size {mean}, expected {expected} ± {se}"
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
            "name = \"ties\"\n[community]\ngroups = 1\ngroup_size = 2\nmin_group_size = 1\n[format]\nfrequency = \"{frequency}\"\nsessions = 200\nminutes = 90\n"
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
            ("density", Some(a.density), Some(b.density)),
            ("mean degree", a.mean_degree, b.mean_degree),
            ("isolates", a.isolates_share, b.isolates_share),
            (
                "largest component",
                a.largest_component_share,
                b.largest_component_share,
            ),
            ("clustering", a.average_clustering, b.average_clustering),
            ("transitivity", Some(a.transitivity), Some(b.transitivity)),
            ("mean strength", a.mean_strength, b.mean_strength),
            ("modularity", a.group_modularity, b.group_modularity),
        ] {
            let close = match (x, y) {
                (Some(x), Some(y)) => (x - y).abs() < 1e-9,
                (x, y) => x == y,
            };
            assert!(close, "{membership}: {name}: {x:?} vs {y:?}");
        }
        // And the time series' clustering is the same figure.
        let clustering = b.average_clustering.unwrap();
        assert!((tally.clustering_sum / tally.joined as f64 - clustering).abs() < 1e-12);
    }
}

/// Check 8 through the engine: hope as threshold contagion on the ring
/// lattice the product generates (`kind = "ring_lattice"`, 4 nearest
/// neighbours, member ids in order). Nobody meets (a waitlist-like arm with
/// sharing off, so no session exemplars); hope spreads along community ties
/// only. Gain 1 and threshold 2: a member with two hopeful neighbours is
/// hopeful in the same session. The seeds come from a baseline cohort taken
/// in member order: members 0 and 1 arrive with hope 1, everyone else 0.1.
#[test]
fn check_8_threshold_two_hope_spreads_around_the_ring_through_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    for (n, seeds) in [
        (5usize, 2usize),
        (6, 2),
        (12, 2),
        (51, 2),
        (200, 2),
        (200, 1),
    ] {
        let cohort = dir.path().join(format!("ring-{n}-{seeds}.csv"));
        let mut rows = String::from("hope\n");
        for v in 0..n {
            rows.push_str(if v < seeds { "1.0\n" } else { "0.1\n" });
        }
        std::fs::write(&cohort, rows).unwrap();
        let s = all_off_except(
            &format!(
                "name = \"ring\"\nseed = 3\n[community]\ngroups = 1\ngroup_size = {n}\n\
                 control_members = 0\nmin_group_size = 1\n[format]\nsessions = {n}\n\
                 [population]\nfile = {:?}\nsampling = \"in_order\"\n\
                 [network]\nmetrics_every = 0\n\
                 [community_network]\nkind = \"ring_lattice\"\nmean_degree = 4.0\n\
                 layout = \"in_order\"\nloneliness_per_tie = 0.0\n",
                cohort.display().to_string()
            ),
            &[
                "[mechanisms.hope]\nenabled = true\ngain = 1.0\nthreshold = 2\nfade = 0.0\nhopeful_at = 0.9",
            ],
        );
        // The product's ring: each node links to its 4 nearest neighbours.
        let people = s.total_members() as usize;
        let g = community::generate(&s.community_network, people, s.seed, 0, &vec![6.0; people]);
        for v in 0..n {
            let mut got: Vec<usize> = g.neighbours(v).iter().map(|&u| u as usize).collect();
            got.sort_unstable();
            let mut nearest: Vec<usize> = [1, 2, n - 1, n - 2].map(|d| (v + d) % n).to_vec();
            nearest.sort_unstable();
            assert_eq!(got, nearest, "n = {n}, node {v}");
        }
        let r = engine::run_replicate(&s, 0);
        let hopeful: Vec<usize> = r
            .timeseries
            .iter()
            .map(|row| (row.hopeful_share.unwrap() * n as f64).round() as usize)
            .collect();
        assert_eq!(hopeful[0], seeds, "n = {n}: the seeds at arrival");
        if seeds == 1 {
            // One seed cannot spread at threshold 2.
            assert!(hopeful.iter().all(|&h| h == 1), "n = {n}: {hopeful:?}");
            continue;
        }
        // Two adjacent seeds: two more each session (one on each side),
        // and all N after ⌊(N − 2)/2⌋ sessions.
        let full = (n - 2) / 2;
        for (step, &h) in hopeful.iter().enumerate() {
            let expected = if step < full { 2 + 2 * step } else { n };
            assert_eq!(h, expected, "n = {n}, step {step}: {hopeful:?}");
        }
        // members.csv says when each became hopeful: node v after d
        // sessions, d its distance round the ring to the nearer seed (one
        // more node on each side a session), and nobody later than
        // ⌊(N − 2)/2⌋.
        for m in &r.members {
            let v = m.member as usize;
            let d = if v < 2 { 0 } else { (v - 1).min(n - v) };
            let step = d.min(full);
            assert_eq!(m.hopeful_step, Some(step as u32), "n = {n}, node {v}");
        }
    }
}

/// Howard et al.'s dose–response through the engine: with engagement
/// exactly 1 per session attended (`engagement_weight = 0`, altruism off so
/// there is no dose bonus), everyone attending every session (attendance
/// off) and nobody leaving (dropout off, no graduation), the share improved
/// after d sessions is the log-normal closed form `expected_improved`.
#[test]
fn improvement_after_d_sessions_follows_the_log_normal_dose_response() {
    let s = all_off_except(
        r#"
name = "dose"
seed = 13
[community]
groups = 2000
group_size = 10
min_group_size = 1
control_members = 0
[format]
sessions = 30
[network]
metrics_every = 0
"#,
        &[
            "[mechanisms.recovery]\nenabled = true\nmedian_dose = 8.0\ndose_log_sd = 1.75\n\
           engagement_weight = 0.0\ngraduation_probability = 0.0",
        ],
    );
    let rec = &s.mechanisms.recovery;
    let r = engine::run_replicate(&s, 0);
    let n = r.members.len() as f64;
    assert_eq!(n, 20_000.0);
    for row in r.timeseries.iter().filter(|row| row.arm == "group") {
        assert_eq!(row.members_active as f64, n, "nobody leaves");
        if row.step > 0 {
            assert_eq!(row.attendance_rate, Some(1.0), "everyone attends");
        }
        let d = f64::from(row.step);
        let expected = expected_improved(d, rec.median_dose, rec.dose_log_sd);
        // A share of n members: binomial standard error.
        let se = (expected * (1.0 - expected) / n).sqrt();
        let got = row.improved_share.unwrap();
        assert!(
            (got - expected).abs() <= Z * se + 1e-12,
            "after {d} sessions: {got} improved, expected {expected} ± {se}"
        );
    }
}

/// Closed groups of `size` in which everyone attends and discloses as
/// their openness and stigma allow (safety aside), for one
/// session, with replies at the base chance 0.4 and the default openness
/// effect (no ties yet, so the tie effect is nil; no group differences,
/// peer-led); every other mechanism off. Each group's members after it.
fn first_session_replies(size: u32, groups: u32) -> Vec<Vec<bonfire::population::Member>> {
    let head = format!(
        "name = \"replies\"\nseed = 23\n[community]\ngroups = {groups}\ngroup_size = {size}\n\
         control_members = 0\n[format]\nsessions = 1\n"
    );
    let s = all_off_except(
        &head,
        &[
            SHARING_SAFETY_ASIDE,
            "[mechanisms.replies]\nenabled = true\nreply_probability = 0.4\nopenness_effect = 1.7",
        ],
    );
    let ctx = SessionContext::new(&s, 0);
    let mut community = build_community(&s, 0);
    engine::step_all(&mut community, &ctx, 1);
    community
        .into_iter()
        .map(|g| g.members[..g.arrived].to_vec())
        .collect()
}

/// Sharing with certain disclosure but for openness and stigma (safety
/// aside), for the reply tests.
const SHARING_SAFETY_ASIDE: &str =
    "[mechanisms.sharing]\nenabled = true\ndisclosure_base = 1.0\nsafety_weight = 0.0";

/// A listener's chance of replying at the reply tests' base chance 0.4
/// and openness effect 1.7, `ties` the tie effect's part of the log-odds
/// (0 without ties).
fn reply_chance(openness: f32, ties: f64) -> f64 {
    bonfire::rules::logistic(bonfire::rules::logit(0.4) + 1.7 * (f64::from(openness) - 0.5) + ties)
}

/// Observed against expected: a sum of independent Bernoulli outcomes
/// whose chances sum to `expected` and whose variances sum to `variance`.
fn within_z(what: &str, observed: f64, expected: f64, variance: f64) {
    let z = (observed - expected) / variance.sqrt();
    assert!(
        z.abs() < Z,
        "{what}: {observed} against {expected} (z = {z:.2})"
    );
}

#[test]
fn each_listener_answers_each_disclosure_with_their_own_chance() {
    // Groups of six: every disclosure is answered by each other attendee
    // with the listener's chance, so replies received and given are sums
    // of those chances; given apart for open and closed listeners, so a
    // chance taken from the discloser instead would fail.
    let groups = first_session_replies(6, 5_000);
    let (mut received, mut expected, mut variance) = (0.0, 0.0, 0.0);
    let mut by_openness = [(0.0, 0.0, 0.0); 2];
    for members in &groups {
        assert!(members.iter().all(|m| m.sessions_attended == 1));
        let disclosers = members.iter().filter(|m| m.disclosures == 1).count() as f64;
        for m in members {
            let disclosed = f64::from(m.disclosures);
            received += f64::from(m.replies_received);
            let heard = disclosers - disclosed;
            let p = reply_chance(m.openness, 0.0);
            expected += heard * p;
            variance += heard * p * (1.0 - p);
            let side = &mut by_openness[usize::from(m.openness > 0.5)];
            side.0 += f64::from(m.replies_given);
            side.1 += heard * p;
            side.2 += heard * p * (1.0 - p);
        }
    }
    assert!(expected > 20_000.0, "too few disclosures: {expected}");
    within_z("replies received", received, expected, variance);
    for (side, (given, expected, variance)) in by_openness.into_iter().enumerate() {
        within_z(
            &format!("replies given, open {side}"),
            given,
            expected,
            variance,
        );
    }
}

#[test]
fn a_pairs_two_replies_are_independent() {
    // Groups of two who both disclosed: each answers the other with their
    // own chance, and both answer with the product of the chances (the
    // pair's two replies come from different halves of its number).
    let groups = first_session_replies(2, 50_000);
    let (mut both, mut expected, mut variance, mut pairs) = (0.0, 0.0, 0.0, 0);
    let mut each = [(0.0, 0.0, 0.0); 2];
    for members in groups.iter().filter(|g| g.len() == 2) {
        if members.iter().any(|m| m.disclosures != 1) {
            continue;
        }
        pairs += 1;
        let chances = [
            reply_chance(members[1].openness, 0.0),
            reply_chance(members[0].openness, 0.0),
        ];
        for (i, m) in members.iter().enumerate() {
            let p = chances[i];
            each[i].0 += f64::from(m.replies_received);
            each[i].1 += p;
            each[i].2 += p * (1.0 - p);
        }
        let q = chances[0] * chances[1];
        both += f64::from(members.iter().all(|m| m.replies_received == 1));
        expected += q;
        variance += q * (1.0 - q);
    }
    assert!(pairs > 10_000, "too few pairs who both disclosed: {pairs}");
    for (i, (got, expected, variance)) in each.into_iter().enumerate() {
        within_z(&format!("replies to place {i}"), got, expected, variance);
    }
    within_z("both answered", both, expected, variance);
}

/// A member's replies received, disclosures and sessions attended.
type Counts = (u32, u32, u32);

#[test]
fn friendship_raises_the_chance_of_a_reply_by_its_strength() {
    // Groups of three who come with chance 0.6 and bond in the first
    // session (tie levels of a few hours, so a session's conversation
    // makes a good part of a friend; a pair of whom one stayed away has
    // none), replies with a strong tie effect: in the second session each
    // disclosure is answered by each other attendee with the chance of
    // their openness and the pair's strength before the session.
    let head = "name = \"ties\"\nseed = 31\n[community]\ngroups = 40000\ngroup_size = 3\n\
                control_members = 0\n[format]\nsessions = 2\n";
    let s = all_off_except(
        head,
        &[
            SHARING_SAFETY_ASIDE,
            "[mechanisms.attendance]\nenabled = true\nbase_probability = 0.6",
            "[mechanisms.replies]\nenabled = true\nreply_probability = 0.4\nopenness_effect = 1.7\n\
             tie_effect = 3.0",
            "[mechanisms.bonding]\nenabled = true\ntie_hours = 0.5\ncasual_hours = 1.0\n\
             friend_hours = 4.0\nclose_hours = 8.0",
        ],
    );
    let ctx = SessionContext::new(&s, 0);
    let mut community = build_community(&s, 0);
    engine::step_all(&mut community, &ctx, 1);
    let counts =
        |m: &bonfire::population::Member| (m.replies_received, m.disclosures, m.sessions_attended);
    let before: Vec<(Vec<Counts>, Vec<f32>)> = community
        .iter()
        .map(|g| {
            let m = &g.members[..g.arrived];
            (m.iter().map(counts).collect(), g.bonds.strengths().to_vec())
        })
        .collect();
    engine::step_all(&mut community, &ctx, 2);
    // The friend level is 4 hours.
    let chance = |openness: f32, strength: f32, tie_effect: f64| {
        reply_chance(openness, tie_effect * (f64::from(strength) / 4.0).min(1.0))
    };
    // Disclosers with one listener at the second session, whose replies
    // are that pair's alone: apart for pairs without strength and with
    // at least a quarter of a friend's, so a strength taken from another
    // pair would put replies in the wrong bin.
    let mut bins = [(0.0, 0.0, 0.0, 0.0); 2];
    for (g, (was, strengths)) in community.iter().zip(&before) {
        let m = &g.members[..g.arrived];
        if m.len() != 3 {
            continue;
        }
        let came: Vec<bool> = (0..3).map(|i| m[i].sessions_attended > was[i].2).collect();
        for j in (0..3).filter(|&j| m[j].disclosures > was[j].1) {
            let listeners: Vec<usize> = (0..3).filter(|&i| i != j && came[i]).collect();
            let &[i] = listeners.as_slice() else {
                continue;
            };
            let strength = strengths[bonfire::bonds::pair_index(i.min(j), i.max(j))];
            if strength > 0.0 && strength < 1.0 {
                continue;
            }
            let bin = &mut bins[usize::from(strength >= 1.0)];
            let p = chance(m[i].openness, strength, 3.0);
            bin.0 += f64::from(m[j].replies_received - was[j].0);
            bin.1 += p;
            bin.2 += p * (1.0 - p);
            bin.3 += chance(m[i].openness, strength, 0.0);
        }
    }
    for (strong, (received, expected, variance, _)) in bins.into_iter().enumerate() {
        assert!(
            expected > 1_000.0,
            "too few replies expected, strong {strong}: {expected}"
        );
        let what = format!("replies to one listener, strong pair {strong}");
        within_z(&what, received, expected, variance);
    }
    let (received, _, variance, without_ties) = bins[1];
    let z = (received - without_ties) / variance.sqrt();
    assert!(z > 2.0 * Z, "the tie effect does not show: z = {z:.1}");
}
