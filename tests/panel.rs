//! panel.csv: one row per member of a meeting group per session they could
//! attend, agreeing with members.csv member by member, in a fixed order,
//! the same bytes at any thread count, and absent unless asked for.

use std::collections::BTreeMap;
use std::path::Path;

use bonfire::output::{MemberRow, PanelRow};

use crate::common::{read_rows, run_ok, write_scenario};

/// Open groups (admissions mid-run), dropout and graduation, a control
/// block and a waitlist arm.
const PANEL: &str = r#"
name = "panel"
seed = 21
replicates = 2

[community]
groups = 6
group_size = 8
control_members = 10

[format]
membership = "open"
sessions = 16

[open]
initial_members = 5
arrivals_per_session = 0.6
catchment = 10

[mechanisms.recovery]
graduation_probability = 0.5

[output]
panel_csv = true

[[arm]]
name = "group"

[[arm]]
name = "waitlist"
attends = false
"#;

fn run_panel(dir: &Path, text: &str, threads: &str) -> std::path::PathBuf {
    let scenario = write_scenario(dir, text);
    let out = dir.join(format!("out-{threads}"));
    run_ok(&scenario, &out, &["--threads", threads]);
    out
}

/// What a member's panel rows add up to.
#[derive(Debug, Default)]
struct Sums {
    rows: u32,
    attended: u32,
    disclosed: u32,
    replies: u32,
    /// The row of the last session, if the member could attend it.
    last: Option<PanelRow>,
}

#[test]
fn panel_rows_add_up_to_members_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_panel(dir.path(), PANEL, "2");
    let panel: Vec<PanelRow> = read_rows(&out.join("panel.csv"));
    let members: Vec<MemberRow> = read_rows(&out.join("members.csv"));
    let sessions = 16;
    assert!(!panel.is_empty());

    // Run, then step, then group, then member.
    let key = |r: &PanelRow| (r.run, r.step, r.group, r.member);
    assert!(panel.windows(2).all(|w| key(&w[0]) < key(&w[1])));
    assert!(
        panel.iter().all(|r| r.arm == "group"),
        "no control or waitlist rows"
    );
    assert!(panel.iter().all(|r| (1..=sessions).contains(&r.step)));

    let mut sums: BTreeMap<(u64, u64), Sums> = BTreeMap::new();
    for r in &panel {
        let s = sums.entry((r.run, r.member)).or_default();
        s.rows += 1;
        s.attended += u32::from(r.attended);
        s.disclosed += u32::from(r.disclosed);
        s.replies += r.replies_received;
        assert!(r.attended || !r.disclosed, "only attendees disclose");
        if r.step == sessions {
            s.last = Some(r.clone());
        }
    }
    let mut joined = 0;
    for m in members.iter().filter(|m| m.arm == "group") {
        let s = sums.remove(&(m.run, m.member)).unwrap_or_default();
        let who = format!("run {} member {}", m.run, m.member);
        // Active at the start of sessions joined_step + 1 ..= left_step
        // (or the last session).
        let could_attend = m
            .joined_step
            .map_or(0, |j| m.left_step.unwrap_or(sessions) - j);
        joined += u32::from(m.joined_step.is_some());
        assert_eq!(s.rows, could_attend, "{who}: rows");
        assert_eq!(s.rows, m.tenure, "{who}: tenure");
        assert_eq!(s.attended, m.sessions_attended, "{who}: attended");
        assert_eq!(s.disclosed, m.disclosures, "{who}: disclosed");
        assert_eq!(s.replies, m.replies_received, "{who}: replies");
        if m.joined_step.is_some() && m.left_step.is_none() {
            let last = s.last.expect("a member to the end has a last row");
            assert_eq!(last.loneliness, m.loneliness_end, "{who}");
            assert_eq!(last.hope, m.hope_end, "{who}");
            assert_eq!(last.stigma, m.stigma_end, "{who}");
            // members.csv leaves cohesion empty for those who never attended.
            if m.sessions_attended > 0 {
                assert_eq!(Some(last.cohesion), m.cohesion, "{who}");
            }
        }
    }
    assert!(sums.is_empty(), "panel rows of no member: {sums:?}");
    // The scenario does exercise admissions, dropout and graduation.
    assert!(joined > 2 * 6 * 5, "members were admitted mid-run");
    assert!(members.iter().any(|m| m.left_step.is_some()));
}

#[test]
fn panel_csv_is_the_same_bytes_at_1_and_4_threads() {
    let dir = tempfile::tempdir().unwrap();
    let one = run_panel(dir.path(), PANEL, "1");
    let four = run_panel(dir.path(), PANEL, "4");
    let bytes = std::fs::read(one.join("panel.csv")).unwrap();
    assert!(bytes.starts_with(
        b"run,replicate,arm,group,member,step,week,attended,disclosed,replies_received,loneliness,hope,stigma,cohesion\n"
    ));
    assert!(bytes == std::fs::read(four.join("panel.csv")).unwrap());
}

#[test]
fn without_the_option_no_panel_csv_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let text = PANEL.replace("panel_csv = true", "panel_csv = false");
    let out = run_panel(dir.path(), &text, "2");
    assert!(out.join("members.csv").is_file());
    assert!(!out.join("panel.csv").exists());
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(!manifest.contains("panel.csv"));
}
