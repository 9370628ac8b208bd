//! Properties that hold for any valid scenario: counts conserve, scores stay
//! on their scales, nothing is NaN.

use bonfire::Scenario;
use bonfire::engine;
use bonfire::scenario::{Frequency, Membership};
use proptest::prelude::*;

fn small_scenario(
    seed: u64,
    open: bool,
    group_size: u32,
    frequency: u8,
    switches: u16,
    contagion: bool,
) -> Scenario {
    let mut s = Scenario::embedded_default();
    s.seed = seed;
    s.replicates = 1;
    s.community.groups = 6;
    s.community.group_size = group_size;
    s.community.control_members = 7;
    s.format.sessions = 15;
    s.format.membership = if open {
        Membership::Open
    } else {
        Membership::Closed
    };
    s.format.frequency =
        [Frequency::Weekly, Frequency::Biweekly, Frequency::Monthly][frequency as usize];
    s.open.initial_members = group_size / 2;
    s.open.catchment = 10;
    s.open.arrivals_per_session = 1.5;
    let m = &mut s.mechanisms;
    let on = |bit: u16| switches & (1 << bit) != 0;
    m.attendance.enabled = on(0);
    m.sharing.enabled = on(1);
    m.universality.enabled = on(2);
    m.hope.enabled = on(3);
    m.bonding.enabled = on(4);
    m.beyond_meetings.enabled = on(5);
    m.stigma.enabled = on(6);
    m.loneliness.enabled = on(7);
    m.altruism.enabled = on(8);
    m.recovery.enabled = on(9);
    m.dropout.enabled = on(10);
    m.affect.enabled = on(11);
    m.contagion.enabled = contagion;
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn counts_conserve_and_scores_stay_on_scale(
        seed in 0u64..1_000_000,
        open in any::<bool>(),
        group_size in 2u32..14,
        frequency in 0u8..3,
        switches in any::<u16>(),
        contagion in any::<bool>(),
    ) {
        let s = small_scenario(seed, open, group_size, frequency, switches, contagion);
        let r = engine::run_replicate(&s, 0);
        for row in &r.timeseries {
            if row.arm == "group" {
                // Everyone who came is active, waiting, dropped out or graduated.
                let joined_or_waiting = row.members_active + row.waiting + row.dropped_out + row.graduated;
                prop_assert_eq!(row.arrived, joined_or_waiting, "step {}", row.step);
            } else {
                prop_assert_eq!(row.arrived, 7);
            }
            prop_assert!((3.0..=9.0).contains(&row.loneliness_mean));
            for share in [row.lonely_share, row.isolated_share, row.hope_mean, row.stigma_mean] {
                prop_assert!((0.0..=1.0).contains(&share), "{:?}", row);
            }
            for x in [row.attendance_rate, row.bond_density, row.clustering, row.retention, row.improved_share, row.beyond_share].into_iter().flatten() {
                prop_assert!((0.0..=1.0).contains(&x), "{:?}", row);
            }
            if let Some(c) = row.cohesion_mean {
                prop_assert!((0.0..=10.0).contains(&c));
            }
            prop_assert!(row.week.is_finite());
        }
        for m in &r.members {
            for v in [m.loneliness_end, m.loneliness_start] {
                prop_assert!((3.0..=9.0).contains(&v));
            }
            for v in [m.hope_end, m.stigma_end, m.hope_start, m.stigma_start] {
                prop_assert!((0.0..=1.0).contains(&v));
            }
            prop_assert!(m.tie_support.is_finite() && m.tie_support >= 0.0);
            prop_assert!(m.sessions_attended <= m.tenure.max(s.format.sessions));
            if let Some(c) = m.cohesion {
                prop_assert!((0.0..=10.0).contains(&c));
            }
        }
    }
}
