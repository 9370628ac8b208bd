//! A mechanism's switch acts on that mechanism alone, checked through the
//! engine on the same seed with the switch on and off.

use bonfire::engine;
use bonfire::population::{Status, build_community};
use bonfire::session::SessionContext;

use crate::common::all_off_except;

/// Closed groups of nine, everyone attends; frailty 1 for everyone.
const HEAD: &str = r#"
name = "switches"
seed = 17
[community]
groups = 300
group_size = 9
[format]
sessions = 1
[population]
frailty_variance = 0.0
"#;

/// Sharing; stigma as the mark of a disclosure (listening lowers nothing,
/// so only disclosers lose stigma); and a dropout hazard of 0.02 that is
/// certain (0.02 · e^15, capped at 1) for a newcomer whose disclosure got
/// no reply, and nil for one who was answered.
const WITNESSES: [&str; 3] = [
    "[mechanisms.sharing]\nenabled = true",
    "[mechanisms.stigma]\nenabled = true\nacceptance_rate = 0.5\nlistening_rate = 0.0",
    "[mechanisms.dropout]\nenabled = true\nbase_hazard = 0.02\nearly_excess = 0.0\n\
     tie_protection = 0.0\nsupport_protection = 0.0\ncohesion_protection = 0.0\n\
     reply_protection = 10.0\nisolated_factor = 1.0",
];

/// After the first session, for every member of every group: (disclosed,
/// dropped out). Altruism's own effects are nil (no dropout protection,
/// recovery off), so its switch can only matter through replies.
fn first_session(replies: bool, altruism: bool) -> Vec<(bool, bool)> {
    let replies = format!("[mechanisms.replies]\nenabled = {replies}");
    let altruism = format!("[mechanisms.altruism]\nenabled = {altruism}\ndropout_protection = 0.0");
    let mut tables = WITNESSES.to_vec();
    tables.extend([replies.as_str(), altruism.as_str()]);
    let s = all_off_except(HEAD, &tables);
    let ctx = SessionContext::new(&s, 0);
    let mut groups = build_community(&s, 0);
    engine::step_all(&mut groups, &ctx, 1);
    groups
        .iter()
        .flat_map(|g| {
            (0..g.arrived).map(|i| {
                let disclosed = g.members[i].stigma < g.members[i].stigma_start;
                (disclosed, g.members[i].status == Status::DroppedOut)
            })
        })
        .collect()
}

/// How many members differ between two runs in `what`.
fn differ(a: &[(bool, bool)], b: &[(bool, bool)], what: fn(&(bool, bool)) -> bool) -> usize {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).filter(|(x, y)| what(x) != what(y)).count()
}

#[test]
fn replies_have_their_own_switch() {
    let disclosed = |m: &(bool, bool)| m.0;
    let left = |m: &(bool, bool)| m.1;
    let on = first_session(true, true);
    let off = first_session(false, true);
    assert_eq!(
        differ(&on, &off, disclosed),
        0,
        "replies change who discloses"
    );
    let disclosers = on.iter().filter(|&&(d, _)| d).count();
    assert!(
        disclosers > 500,
        "too few disclosures to test: {disclosers}"
    );

    // Off: the mechanism is absent, so disclosing changes nothing: a
    // discloser leaves at the base hazard (2%) like anyone, and those who
    // did not disclose leave exactly as with replies on.
    let off_left = off.iter().filter(|&&(d, left)| d && left).count();
    assert!(
        off_left * 10 < disclosers,
        "{off_left} of {disclosers} disclosers left with replies off"
    );
    let quiet = |runs: &[(bool, bool)]| -> Vec<bool> {
        runs.iter().filter(|m| !m.0).map(|m| m.1).collect()
    };
    assert_eq!(
        quiet(&on),
        quiet(&off),
        "replies change who leaves among the quiet"
    );

    // On: most disclosures get a reply (none of 8 listeners replies about
    // 2% of the time; the base hazard is 2%).
    let answered_left = on.iter().filter(|&&(d, left)| d && left).count();
    assert!(
        answered_left * 10 < disclosers,
        "{answered_left} of {disclosers} disclosers left with replies on"
    );

    // Altruism off leaves the replies, and with them every outcome, in place.
    let altruism_off = first_session(true, false);
    assert_eq!(differ(&on, &altruism_off, disclosed), 0);
    assert_eq!(
        differ(&on, &altruism_off, left),
        0,
        "who leaves depends on the altruism switch"
    );
}
