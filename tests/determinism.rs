//! Same scenario and seed, same bytes: at any thread count, and again from
//! the resolved scenario a run writes (groups meeting in a room and as a
//! forum, open, with a changing community network and contagion); and each
//! member's draw is the number at their place of the session's key.

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

/// A run steps its groups a block at a time and folds each block's tallies
/// into the step's totals before the next block: with more groups than one
/// block, its time series must be, to the bit, the rows one pass over every
/// group gives, and each measured step must have one group row per group,
/// in group order.
#[test]
fn a_run_of_many_blocks_folds_like_one_pass_over_every_group() {
    use bonfire::engine;
    use bonfire::metrics::{RowId, Tally};
    use bonfire::output::TimeseriesRow;
    use bonfire::population::{Arm, build_community};
    use bonfire::session::SessionContext;

    let s = crate::common::scenario(
        "[community]\ngroups = 5000\ngroup_size = 3\ncontrol_members = 2000\n\
         [format]\nsessions = 3\n[network]\nmetrics_every = 1\n[output]\ngroups_csv = true\n",
    );
    let result = engine::run_one(&s, 0, 0, &|| {});
    let ctx = SessionContext::new(&s, 0);
    let mut groups = build_community(&s, 0);
    assert!(groups.len() > 5000, "control blocks follow the groups");
    for step in 1..=s.format.sessions {
        let tallies = engine::step_all(&mut groups, &ctx, step);
        for arm in Arm::ALL {
            let (mut total, mut count) = (Tally::default(), 0);
            for (_, t) in groups.iter().zip(&tallies).filter(|(g, _)| g.arm == arm) {
                total.add(t);
                count += 1;
            }
            let name = match arm {
                Arm::Group => s.arm_name().to_string(),
                Arm::Control => "control".to_string(),
            };
            let id = RowId {
                run: 0,
                arm: name.clone(),
                replicate: 0,
            };
            let meets = arm == Arm::Group && s.attends();
            let open = s.format.membership == bonfire::scenario::Membership::Open;
            let expected =
                TimeseriesRow::new(id, meets, open, step, s.interval_days(), count, &total);
            let got = result
                .timeseries
                .iter()
                .find(|r| r.step == step && r.arm == name)
                .unwrap();
            // Debug text: NaN (no one to average) equals NaN there.
            assert_eq!(format!("{got:?}"), format!("{expected:?}"), "{name} {step}");
        }
        let rows: Vec<u32> = result
            .groups
            .iter()
            .filter(|r| r.step == step)
            .map(|r| r.group)
            .collect();
        assert_eq!(rows, (0..5000).collect::<Vec<u32>>(), "step {step}");
    }
}

/// Between sessions a run's groups keep only what the next session reads
/// of their tie summaries (the carry), and whole ones at the last; a
/// caller of `step_all` gets whole ones at every session. Both must run
/// the same sessions to the bit: groups whose carry takes three, four and
/// six words a place, and groups too large to carry, with the network
/// measured at some sessions (the carry with the network ties) and not at
/// others, and members.csv's tie figures from the last (the tie levels
/// low, so that every size has ties at every level within the run).
#[test]
fn tie_summaries_carried_between_sessions_run_as_whole_ones() {
    use bonfire::engine;
    use bonfire::metrics::{RowId, Tally};
    use bonfire::output::{MemberRow, TimeseriesRow};
    use bonfire::population::{Arm, build_community};
    use bonfire::session::SessionContext;

    for (groups, size) in [(40, 10), (12, 40), (6, 100), (4, 130)] {
        let s = crate::common::scenario(&format!(
            "[community]\ngroups = {groups}\ngroup_size = {size}\ncontrol_members = 0\n\
             [format]\nsessions = 20\n[network]\nmetrics_every = 3\n\
             [output]\nmembers_csv = true\n\
             [mechanisms.bonding]\ntie_hours = 0.2\ncasual_hours = 0.5\n\
             friend_hours = 1\nclose_hours = 2\n"
        ));
        let result = engine::run_one(&s, 0, 0, &|| {});
        let ctx = SessionContext::new(&s, 0);
        let mut community = build_community(&s, 0);
        let name = s.arm_name().to_string();
        let id = RowId {
            run: 0,
            arm: name.clone(),
            replicate: 0,
        };
        for step in 1..=s.format.sessions {
            let tallies = engine::step_all(&mut community, &ctx, step);
            let mut total = Tally::default();
            for (_, t) in community
                .iter()
                .zip(&tallies)
                .filter(|(g, _)| g.arm == Arm::Group)
            {
                total.add(t);
            }
            let count = community.len() as u64;
            let open = s.format.membership == bonfire::scenario::Membership::Open;
            let expected = TimeseriesRow::new(
                id.clone(),
                true,
                open,
                step,
                s.interval_days(),
                count,
                &total,
            );
            let got = result
                .timeseries
                .iter()
                .find(|r| r.step == step && r.arm == name)
                .unwrap();
            // Debug text: NaN (no one to average) equals NaN there.
            assert_eq!(
                format!("{got:?}"),
                format!("{expected:?}"),
                "{size}: {step}"
            );
        }
        let mut ties = 0;
        for g in &community {
            let mut rows = vec![MemberRow::default(); g.arrived];
            MemberRow::of_group(g, &id, s.format.sessions, None, &mut rows);
            for row in rows {
                let got = result
                    .members
                    .iter()
                    .find(|m| m.member == row.member)
                    .unwrap();
                assert_eq!(
                    (got.ties, got.friends, got.close_friends, got.beyond_ties),
                    (row.ties, row.friends, row.close_friends, row.beyond_ties),
                    "{size}: member {}",
                    row.member
                );
                assert_eq!(got.tie_support.to_bits(), row.tie_support.to_bits());
                ties += row.ties;
            }
        }
        assert!(ties > 100, "{size}: {ties} ties to compare");
    }
}

/// 300 closed groups of 10 without frailty, 4 sessions (with only
/// dropout on, at a flat hazard, every member has the same chance to leave
/// at every session).
const CLOSED_3000: &str = r#"
name = "flat_hazard"
seed = 31
replicates = 1
[community]
groups = 300
group_size = 10
min_group_size = 1
control_members = 0
[format]
sessions = 4
[network]
metrics_every = 0
[population]
frailty_variance = 0.0
"#;

/// Each draw of a session is the number at a fixed position of its key,
/// computable on its own: with a flat dropout hazard p, member i of group
/// g leaves at the first session t whose dropout number at place i (word
/// i mod 4 of the replicate's Philox call at (t, g, dropout, i / 4), as a
/// uniform number) is below p, whatever the other members drew or in what
/// order they were visited.
#[test]
fn a_members_draw_is_the_number_at_their_place_of_the_sessions_key() {
    use bonfire::engine;
    use bonfire::kernel::draws::{Address, Key};
    use bonfire::kernel::lanes::{Isa, Portable};
    use bonfire::kernel::philox::unit;
    use bonfire::output::MemberStatus;
    use bonfire::rng::Purpose;
    let s = crate::common::all_off_except(CLOSED_3000, &[&crate::exact::constant_hazard(0.3)]);
    let r = engine::run_replicate(&s, 0);
    let size = u64::from(s.community.group_size);
    let mut left = 0;
    for m in r.members.iter().filter(|m| m.arm == "group") {
        let place = m.member - u64::from(m.group) * size;
        let expected = (1..=s.format.sessions).find(|&t| {
            let at = Address {
                step: t,
                purpose: Purpose::Dropout,
                block: 0,
                position: (place / 4) as u32,
            };
            let words = Key::new(s.seed, 0).words(Portable.u(m.group), at);
            unit(words[place as usize % 4].array()[0]) < 0.3
        });
        assert_eq!(m.left_step, expected, "member {}", m.member);
        let status = if expected.is_some() {
            MemberStatus::DroppedOut
        } else {
            MemberStatus::Active
        };
        assert_eq!(m.status, status, "member {}", m.member);
        left += u32::from(expected.is_some());
    }
    // About 1 − 0.7⁴ = 76% of the 3,000 members leave.
    assert!((2_100..2_450).contains(&left), "{left}");
}

/// The kernel's steps in AVX2's lanes give the bits of its portable lanes
/// (arrays of eight, element by element), session after session: closed
/// groups, open groups (whose pairs among those not yet arrived the lanes
/// must leave alone, and whose batches hold groups of different sizes),
/// capacities that bind, meetings online, groups of 32 places (a member's
/// ties in one word of the summary's lanes) and of 64, batches with
/// control blocks and a last batch not full, contact means large enough
/// for every branch of the contact count's sampler, a forum, caught
/// loneliness and noise that reaches both ends of the scale, with every
/// default mechanism on. Each group's pairs (strength, hours, recent
/// contacts, the flag of contact beyond the meetings) are compared bit for
/// bit after every session, its tie summary (every member's figures and
/// both bitsets), its members (every score, as Rust prints them, exactly)
/// and its tally (with the network measured at every session, and never:
/// the clustering then from the tie summary).
#[test]
fn the_kernels_avx2_lanes_give_its_portable_lanes_bits() {
    use bonfire::engine;
    use bonfire::population::build_community;
    use bonfire::session::SessionContext;

    let variants = [
        "[community]\ngroups = 120\ngroup_size = 10\n[format]\nsessions = 30\n",
        "[community]\ngroups = 60\ngroup_size = 9\n[format]\nsessions = 30\nmembership = \"open\"\n\
         [open]\ninitial_members = 4\narrivals_per_session = 0.7\ncatchment = 23\n",
        "[community]\ngroups = 60\ngroup_size = 12\n[format]\nsessions = 30\n\
         [mechanisms.bonding]\ntie_capacity = 2\nclose_capacity = 1\nreciprocity = 3.0\n",
        "[community]\ngroups = 60\ngroup_size = 7\n[format]\nsessions = 20\ndelivery = \"online\"\n",
        "[community]\ngroups = 4\ngroup_size = 64\n[format]\nsessions = 12\n",
        "[community]\ngroups = 11\ngroup_size = 32\ncontrol_members = 40\n[format]\nsessions = 12\n",
        // Contact means from 0 to past 30 (where the contact count takes
        // its normal approximation).
        "[community]\ngroups = 60\ngroup_size = 10\n[format]\nsessions = 20\nfrequency = \"biweekly\"\n\
         [mechanisms.beyond_meetings]\nmax_contacts_per_week = 50.0\nhalf_hours = 3.0\n\
         weekly_budget_hours = 168.0\n",
        // A forum: its pairs copied in with their strengths alone.
        "[community]\ngroups = 30\ngroup_size = 20\n[format]\nsessions = 20\ndelivery = \"forum\"\n",
        // Loneliness caught and recovered from (the caught set point and
        // hold), its noise wide enough to reach both ends of the scale.
        "[community]\ngroups = 40\ngroup_size = 11\ncontrol_members = 30\n[format]\nsessions = 20\n\
         [mechanisms.contagion]\nenabled = true\nonset = 0.2\nrecovery = 0.3\n\
         [mechanisms.loneliness]\nnoise_sd = 1.5\n",
    ];
    // Each with the network measured every session (the tally's clustering
    // from the network figures) and never (from the tie summary).
    let measured = ["", "[network]\nmetrics_every = 0\n"];
    for text in variants
        .iter()
        .flat_map(|v| measured.map(|m| format!("{v}{m}")))
    {
        let text = text.as_str();
        let s = crate::common::scenario(text);
        let lanes = SessionContext::new(&s, 0);
        let mut portable = SessionContext::new(&s, 0);
        portable.portable_lanes = true;
        let (mut a, mut b) = (build_community(&s, 0), build_community(&s, 0));
        for step in 1..=s.format.sessions {
            let (ta, tb) = (
                engine::step_all(&mut a, &lanes, step),
                engine::step_all(&mut b, &portable, step),
            );
            assert_eq!(format!("{ta:?}"), format!("{tb:?}"), "{text} step {step}");
            for (ga, gb) in a.iter().zip(&b) {
                let bits = |g: &bonfire::population::GroupState| {
                    let numbers = [
                        g.bonds.strengths(),
                        g.bonds.hours(),
                        g.bonds.recent_contacts(),
                    ];
                    let numbers: Vec<u32> = numbers
                        .iter()
                        .flat_map(|c| c.iter().map(|x| x.to_bits()))
                        .collect();
                    (numbers, g.bonds.beyond().to_vec())
                };
                assert!(bits(ga) == bits(gb), "{text} step {step} group {}", ga.id);
                let summary = |g: &bonfire::population::GroupState| {
                    let t = &g.tie_summary;
                    format!("{:?} {:?} {:?}", t.members(), t.tie_bits(), t.casual_bits())
                };
                assert_eq!(
                    summary(ga),
                    summary(gb),
                    "{text} step {step} group {}",
                    ga.id
                );
                let members = |g: &bonfire::population::GroupState| format!("{:?}", g.members);
                assert_eq!(
                    members(ga),
                    members(gb),
                    "{text} step {step} group {}",
                    ga.id
                );
            }
        }
    }
    #[cfg(target_arch = "x86_64")]
    if bonfire::kernel::lanes::Avx2::detect().is_none() {
        eprintln!("this processor has no AVX2: only the portable lanes were run");
    }
}
