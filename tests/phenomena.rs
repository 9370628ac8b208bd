//! Each rule of the group produces, in the outputs, the phenomenon it
//! stands for: checked through the command line on common random numbers
//! (arms of one point hold the same people and draw the same numbers).

use bonfire::output::{GroupRow, TimeseriesRow};

use crate::common::{read_rows, run_ok, write_scenario};

/// Standard errors a statistical check allows (see `exact.rs`).
const Z: f64 = 4.0;

/// Closed groups of nine for three sessions, four arms: every disclosure
/// answered or none, each with the reply memory at work or with it (and
/// every other path from replies to attendance and dropout) cut.
const REPLIES: &str = r#"
name = "replies"
seed = 31
replicates = 4
[community]
groups = 400
group_size = 9
control_members = 0
[format]
sessions = 3
[mechanisms.altruism]
enabled = false

[[arm]]
name = "answered"
mechanisms.replies.reply_probability = 1.0

[[arm]]
name = "unanswered"
mechanisms.replies.reply_probability = 0.0

[[arm]]
name = "answered_forgotten"
mechanisms.replies.reply_probability = 1.0
mechanisms.attendance.reply_effect = 0.0
mechanisms.dropout.reply_protection = 0.0
mechanisms.dropout.support_protection = 0.0

[[arm]]
name = "unanswered_forgotten"
mechanisms.replies.reply_probability = 0.0
mechanisms.attendance.reply_effect = 0.0
mechanisms.dropout.reply_protection = 0.0
mechanisms.dropout.support_protection = 0.0
"#;

/// The rows of one arm at one step, in replicate order.
fn at_step<'a>(rows: &'a [TimeseriesRow], arm: &str, step: u32) -> Vec<&'a TimeseriesRow> {
    rows.iter()
        .filter(|r| r.arm == arm && r.step == step)
        .collect()
}

#[test]
fn newcomers_whose_disclosures_are_answered_come_back_more() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok(&write_scenario(dir.path(), REPLIES), &out, &["--no-charts"]);
    let rows: Vec<TimeseriesRow> = read_rows(&out.join("timeseries.csv"));
    let rate = |arm, step| -> Vec<f64> {
        at_step(&rows, arm, step)
            .iter()
            .map(|r| r.attendance_rate.unwrap())
            .collect()
    };
    let active = |arm, step| -> Vec<u64> {
        at_step(&rows, arm, step)
            .iter()
            .map(|r| r.members_active)
            .collect()
    };

    // Session 1 is the same in every arm: same people, same draws.
    assert_eq!(rate("answered", 1), rate("unanswered", 1));

    // Session 2: members answered at session 1 return more, and fewer
    // leave in between. Pooled over the 4 replicates of 3,600 members; the
    // standard error treats the arms as independent, which overstates it
    // (common random numbers make them move together).
    let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
    let (answered, unanswered) = (mean(rate("answered", 2)), mean(rate("unanswered", 2)));
    let p = (answered + unanswered) / 2.0;
    let se = (2.0 * p * (1.0 - p) / (4.0 * 3600.0)).sqrt();
    assert!(
        answered - unanswered > Z * se,
        "attendance at session 2: answered {answered:.3}, unanswered {unanswered:.3}, se {se:.4}"
    );
    for (answered, unanswered) in active("answered", 1).iter().zip(active("unanswered", 1)) {
        assert!(
            answered > &unanswered,
            "active after session 1: answered {answered}, unanswered {unanswered}"
        );
    }

    // With the memory and support cut, being answered changes neither who
    // comes back nor who stays: the effect runs through them alone.
    assert_eq!(
        rate("answered_forgotten", 2),
        rate("unanswered_forgotten", 2)
    );
    assert_eq!(
        active("answered_forgotten", 2),
        active("unanswered_forgotten", 2)
    );
}

/// 300 closed groups of nine for twelve sessions, three arms on common
/// random numbers: groups with their own character, groups whose
/// character has no spread, and the mechanism off.
const GROUPS_DIFFER: &str = r#"
name = "groups_differ"
seed = 41
replicates = 3
[community]
groups = 300
group_size = 9
control_members = 0
[format]
sessions = 12

[[arm]]
name = "differ"

[[arm]]
name = "alike"
mechanisms.group_differences.reply_norm_sd = 0.0
mechanisms.group_differences.safety_sd = 0.0
mechanisms.group_differences.quality_sd = 0.0

[[arm]]
name = "off"
mechanisms.group_differences.enabled = false
"#;

/// Pearson's correlation of two columns.
fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

#[test]
fn groups_differ_by_their_character_and_only_by_chance_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok(
        &write_scenario(dir.path(), GROUPS_DIFFER),
        &out,
        &["--no-charts"],
    );
    let rows: Vec<GroupRow> = read_rows(&out.join("groups.csv"));
    let last = |arm: &str| -> Vec<&GroupRow> {
        rows.iter()
            .filter(|r| r.arm == arm && r.step == 12)
            .collect()
    };
    let column =
        |arm, f: fn(&GroupRow) -> f64| -> Vec<f64> { last(arm).iter().map(|r| f(r)).collect() };

    // With no spread every group has the average character, and the arm is
    // the mechanism switched off, group for group.
    let (alike, off) = (last("alike"), last("off"));
    assert_eq!(alike.len(), 900);
    assert!(
        alike
            .iter()
            .all(|r| r.reply_norm == 0.0 && r.safety_shift == 0.0 && r.meeting_quality == 0.0)
    );
    let outcomes = |r: &GroupRow| {
        (
            r.cohesion_mean,
            r.retention,
            r.loneliness_change_mean,
            r.attendance_rate,
        )
    };
    assert!(
        alike
            .iter()
            .zip(&off)
            .all(|(a, b)| outcomes(a) == outcomes(b))
    );

    // With a spread, a group's character shows in its outcomes far beyond
    // chance: better meetings leave members less lonely and more cohesive.
    // Under no relation a correlation over 900 groups has a standard error
    // of about 1/30.
    let limit = Z / 900f64.sqrt();
    let quality = column("differ", |r| r.meeting_quality);
    let change = column("differ", |r| r.loneliness_change_mean.unwrap());
    let r_change = correlation(&quality, &change);
    // Cohesion is measured in the groups that still meet.
    let meeting: Vec<&GroupRow> = last("differ")
        .into_iter()
        .filter(|r| r.cohesion_mean.is_some())
        .collect();
    assert!(meeting.len() > 800);
    let met_quality: Vec<f64> = meeting.iter().map(|r| r.meeting_quality).collect();
    let cohesion: Vec<f64> = meeting.iter().map(|r| r.cohesion_mean.unwrap()).collect();
    let r_cohesion = correlation(&met_quality, &cohesion);
    assert!(
        r_change < -limit,
        "quality vs loneliness change: r = {r_change:.3}"
    );
    assert!(
        r_cohesion > limit,
        "quality vs cohesion: r = {r_cohesion:.3}"
    );
    let sd = |v: &[f64]| (v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64).sqrt();
    assert!(
        (sd(&quality) - 0.2).abs() < 0.2 * Z / (2.0 * 900f64).sqrt(),
        "sd {}",
        sd(&quality)
    );
}

/// Closed groups of nine for a year, one replicate: with and without
/// contact beyond the meetings.
const FRIENDSHIPS: &str = r#"
name = "friendships"
seed = 53
replicates = 1
[community]
groups = 300
group_size = 9
control_members = 0

[[arm]]
name = "contact"

[[arm]]
name = "no_contact"
mechanisms.beyond_meetings.enabled = false
"#;

#[test]
fn regular_attenders_make_friends_within_a_year_through_contact_outside() {
    use bonfire::output::MemberRow;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok(
        &write_scenario(dir.path(), FRIENDSHIPS),
        &out,
        &["--no-charts"],
    );
    let members: Vec<MemberRow> = read_rows(&out.join("members.csv"));
    // Of those who attended at least 40 of the 52 sessions, the share with
    // a friend-level tie (90 h) to a group mate.
    let with_friend = |arm: &str| -> (f64, usize) {
        let regular: Vec<&MemberRow> = members
            .iter()
            .filter(|m| m.arm == arm && m.sessions_attended >= 40)
            .collect();
        let friends = regular.iter().filter(|m| m.friends > 0).count();
        (friends as f64 / regular.len() as f64, regular.len())
    };
    let (contact, n) = with_friend("contact");
    let (no_contact, m) = with_friend("no_contact");
    assert!(n > 300 && m > 300, "too few regular attenders: {n}, {m}");
    // Friend-level ties come from contact outside: with it, far more
    // regular attenders have one (two independent shares' standard error,
    // which overstates it on common random numbers); without it, hardly any.
    let p = (contact + no_contact) / 2.0;
    let se = (p * (1.0 - p) * (1.0 / n as f64 + 1.0 / m as f64)).sqrt();
    assert!(
        contact - no_contact > Z * se,
        "with contact {contact:.3} of {n}, without {no_contact:.3} of {m}"
    );
    assert!(no_contact < 0.02, "without contact: {no_contact:.3}");

    let rows: Vec<TimeseriesRow> = read_rows(&out.join("timeseries.csv"));
    let end = |arm: &str| at_step(&rows, arm, 52)[0].clone();
    assert_eq!(end("no_contact").beyond_share, Some(0.0));
    let beyond = end("contact").beyond_share.unwrap();
    assert!(beyond > 0.05 && beyond < 0.6, "beyond_share {beyond}");
    // The isolation figures move over the year.
    assert!(end("contact").no_casual_tie_share.unwrap() < 0.9);
    let in_group = end("contact").no_casual_tie_in_group_share.unwrap();
    assert!(
        in_group < 0.9,
        "no casual tie to a current group mate: {in_group}"
    );
    let no_friend = |arm| end(arm).no_friend_tie_share.unwrap();
    assert!(no_friend("contact") < no_friend("no_contact"));
}

/// The limiting case of the tie rules: with no decay and a growth
/// multiplier of 1, a pair's strength is the hours it has spent together,
/// in sessions and (when on) outside them.
#[test]
fn without_decay_tie_strength_is_the_hours_shared_in_and_out_of_sessions() {
    use crate::common::all_off_except;
    use bonfire::engine;
    use bonfire::population::build_community;
    use bonfire::session::SessionContext;
    const HEAD: &str = r#"
name = "hours"
seed = 7
[community]
groups = 60
group_size = 9
[format]
sessions = 30
"#;
    let bonding = "[mechanisms.bonding]\nenabled = true\ndecay_per_day = 0.0\nreciprocity = 0.0\n\
                   homophily = 0.0\nlonely_pair_penalty = 0.0\nclosure_bonus = 0.0\n\
                   tie_capacity = 5000\nclose_capacity = 5000";
    for beyond in [false, true] {
        let contact = format!("[mechanisms.beyond_meetings]\nenabled = {beyond}\nhalf_hours = 2.0");
        let s = all_off_except(
            HEAD,
            &[bonding, &contact, "[mechanisms.attendance]\nenabled = true"],
        );
        let ctx = SessionContext::new(&s, 0);
        let mut groups = build_community(&s, 0);
        for step in 1..=s.format.sessions {
            engine::step_all(&mut groups, &ctx, step);
        }
        let (mut pairs, mut outside) = (0, 0.0f64);
        for g in &groups {
            for (&strength, &hours) in g.bonds.strengths().iter().zip(g.bonds.hours()) {
                assert!(
                    (strength - hours).abs() <= 1e-4 * hours.max(1.0),
                    "{strength} vs {hours}"
                );
                pairs += usize::from(hours > 0.0);
            }
            outside += g
                .bonds
                .recent_contacts()
                .iter()
                .map(|&r| f64::from(r))
                .sum::<f64>();
        }
        assert!(pairs > 1000);
        assert_eq!(
            outside > 0.0,
            beyond,
            "outside contact with the mechanism {beyond}"
        );
    }
}

/// Closed groups of six with heavy dropout, so that many shrink.
const SHRINKING: &str = r#"
name = "shrinking"
seed = 61
replicates = 2
[community]
groups = 200
group_size = 6
control_members = 0
[format]
sessions = 30
[network]
metrics_every = 1
[mechanisms.dropout]
base_hazard = 0.06

[[arm]]
name = "end_below_three"

[[arm]]
name = "never_end"
community.min_group_size = 1
"#;

#[test]
fn a_closed_group_too_small_to_be_a_group_ends_and_says_so() {
    use bonfire::output::{MemberRow, MemberStatus};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_ok(
        &write_scenario(dir.path(), SHRINKING),
        &out,
        &["--no-charts"],
    );
    let groups: Vec<GroupRow> = read_rows(&out.join("groups.csv"));
    let sizes = |arm: &str| -> Vec<u64> {
        let rows = groups.iter().filter(|r| r.arm == arm && r.step > 0);
        rows.map(|r| r.members_active).collect()
    };
    // With the floor, no group goes on with one or two members; without it, many do.
    assert!(sizes("end_below_three").iter().all(|&n| n == 0 || n >= 3));
    let small = sizes("never_end")
        .iter()
        .filter(|&&n| n == 1 || n == 2)
        .count();
    assert!(
        small > 100,
        "{small} group-sessions with one or two members"
    );

    let members: Vec<MemberRow> = read_rows(&out.join("members.csv"));
    let ended: Vec<&MemberRow> = members
        .iter()
        .filter(|m| m.status == MemberStatus::GroupEnded)
        .collect();
    assert!(
        ended.len() > 50,
        "{} members saw their group end",
        ended.len()
    );
    assert!(
        ended
            .iter()
            .all(|m| m.arm == "end_below_three" && m.left_step.is_some())
    );
    assert!(ended.iter().all(|m| m.loneliness_at_exit.is_some()));

    // Graduates left better on what the outputs show: no longer lonely and
    // no lonelier than on arrival, when they left.
    let graduates: Vec<&MemberRow> = members
        .iter()
        .filter(|m| m.status == MemberStatus::Graduated)
        .collect();
    assert!(graduates.len() > 50);
    for m in graduates {
        let at_exit = m.loneliness_at_exit.unwrap();
        assert!(at_exit < 6.0 && at_exit <= m.loneliness_start, "{m:?}");
    }
}

/// Lonely people lose community ties when ties turn over: at the end of a
/// year, members lonely then have fewer community ties than the others in a
/// network whose ties dissolve and form, and no fewer in a network that
/// never changes (their loneliness at arrival does not depend on their ties
/// here: `loneliness_per_tie = 0`; group ties stay out of the community
/// network, which would give the members who bond, and recover, more ties).
#[test]
fn lonely_people_drift_to_the_edge_of_a_changing_community_network() {
    use bonfire::output::MemberRow;
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
name = "drift"
seed = 12
replicates = 1
[community]
groups = 200
group_size = 9
control_members = 900
[format]
sessions = 52
[community_network]
kind = "watts_strogatz"
mean_degree = 6.0
loneliness_per_tie = 0.0
group_ties_join = false

[[arm]]
name = "static"

[[arm]]
name = "changing"
community_network.tie_turnover_per_year = 0.5
"#;
    let out = dir.path().join("out");
    run_ok(&write_scenario(dir.path(), text), &out, &["--no-charts"]);
    let members: Vec<MemberRow> = read_rows(&out.join("members.csv"));
    // Mean community ties of the lonely at the end less the others', and
    // its standard error.
    let gap = |run: u64| {
        let (mut lonely, mut others) = (Vec::new(), Vec::new());
        for m in members.iter().filter(|m| m.run == run) {
            let ties = f64::from(m.community_ties.expect("a community network"));
            if m.loneliness_end >= 6.0 {
                lonely.push(ties);
            } else {
                others.push(ties);
            }
        }
        let moments = |v: &[f64]| {
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            (
                mean,
                v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) / n,
            )
        };
        let ((a, va), (b, vb)) = (moments(&lonely), moments(&others));
        (a - b, (va + vb).sqrt())
    };
    let (still, se_still) = gap(0);
    let (changing, se_changing) = gap(1);
    assert!(
        still.abs() < Z * se_still,
        "static network: gap {still} ± {se_still}"
    );
    assert!(
        changing < -Z * se_changing && changing < -0.5,
        "changing network: gap {changing} ± {se_changing}"
    );
}

/// Forums of a few hundred members who join over a year.
const FORUM: &str = r#"
name = "forum"
seed = 31
replicates = 1
[community]
groups = 6
group_size = 600
control_members = 0
[format]
membership = "open"
delivery = "forum"
sessions = 52
[open]
initial_members = 150
arrivals_per_session = 6
catchment = 450
"#;

/// With a posting tail of 0 every member of a forum posts at the same
/// rate; with a tail, rates spread around the same mean and a few members
/// write a far larger share of the posts.
#[test]
fn a_forum_with_a_tail_of_zero_gives_everyone_the_same_posting_propensity() {
    use bonfire::output::MemberRow;
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{FORUM}[[arm]]\nname = \"equal\"\nforum.posting_tail = 0.0\n\
         [[arm]]\nname = \"tail\"\nforum.posting_tail = 2.0\n"
    );
    let out = dir.path().join("out");
    run_ok(&write_scenario(dir.path(), &text), &out, &["--no-charts"]);
    let members: Vec<MemberRow> = read_rows(&out.join("members.csv"));
    let propensities = |arm: &str| -> Vec<f64> {
        members
            .iter()
            .filter(|m| m.arm == arm)
            .map(|m| f64::from(m.posting_propensity.expect("a forum")))
            .collect()
    };
    let equal = propensities("equal");
    assert!(equal.len() > 1000);
    assert!(equal.iter().all(|&p| p == 1.0));
    // Lognormal of mean 1 and σ = 2: its sample mean is within 4 standard
    // errors (sd = √(e^(σ²) − 1)) of 1, its median e^(−2).
    let tail = propensities("tail");
    let n = tail.len() as f64;
    let mean = tail.iter().sum::<f64>() / n;
    let se = ((4f64.exp() - 1.0) / n).sqrt();
    assert!((mean - 1.0).abs() < Z * se, "mean {mean} ± {se}");
    let below = tail.iter().filter(|&&p| p < (-2f64).exp()).count() as f64 / n;
    assert!((below - 0.5).abs() < Z * (0.25 / n).sqrt(), "{below}");

    let rows: Vec<TimeseriesRow> = read_rows(&out.join("timeseries.csv"));
    let end = |arm: &str| at_step(&rows, arm, 52)[0].clone();
    let (flat, spread) = (end("equal"), end("tail"));
    let (flat_top, spread_top) = (
        flat.top10_post_share.unwrap(),
        spread.top10_post_share.unwrap(),
    );
    // Equal rates leave the top 10% only the share their visits and time
    // in the forum give them; a tail gives them most of the posts.
    assert!(flat_top < 0.3, "equal rates: top 10% wrote {flat_top}");
    assert!(spread_top > 0.6, "with a tail: top 10% wrote {spread_top}");
    assert!(flat.posted_share.unwrap() > spread.posted_share.unwrap());
    assert_eq!(flat.lonely_near_lonely, None);
}

/// An answer brings a first-time poster back: on common random numbers, a
/// forum where posts are answered has more first-time posters who post
/// again than one where nobody answers, through the reply rules of
/// attendance and dropout; with those two effects at 0 the gap shrinks to
/// what ties from replies and lowered stigma leave.
#[test]
fn an_answered_first_post_brings_the_poster_back() {
    let dir = tempfile::tempdir().unwrap();
    let posted_again = |name: &str, extra: &str| {
        let text = format!(
            "{FORUM}{extra}[[arm]]\nname = \"answered\"\n\
             [[arm]]\nname = \"ignored\"\nforum.replies_per_post = 0.0\n"
        );
        let out = dir.path().join(name);
        run_ok(&write_scenario(dir.path(), &text), &out, &["--no-charts"]);
        let rows: Vec<TimeseriesRow> = read_rows(&out.join("timeseries.csv"));
        let end = |arm: &str| at_step(&rows, arm, 52)[0].clone();
        let share = |arm: &str| end(arm).posted_again_share.unwrap();
        // First-time posters, for the standard error of each share.
        let posters = end("answered").posted_share.unwrap() * end("answered").arrived as f64;
        (share("answered"), share("ignored"), posters)
    };
    let (answered, ignored, n) = posted_again("effects", "");
    let p = (answered + ignored) / 2.0;
    let se = (2.0 * p * (1.0 - p) / n).sqrt();
    assert!(
        answered - ignored > Z * se,
        "answered {answered:.3}, ignored {ignored:.3}, ± {se:.3}"
    );
    let (answered_flat, ignored_flat, _) = posted_again(
        "no_effects",
        "[mechanisms.attendance]\nreply_effect = 0.0\n[mechanisms.dropout]\nreply_protection = 0.0\n",
    );
    assert!(
        (answered_flat - ignored_flat).abs() < (answered - ignored) / 2.0,
        "without the reply effects: {answered_flat:.3} vs {ignored_flat:.3}"
    );
}
