//! The answer in words: one sentence per comparison of the scenario's
//! primary outcomes (`[question] outcomes`), drawn from summary.csv's rows,
//! for the terminal summary and the report alike.
//!
//! Every figure is rounded to the precision its interval supports
//! ([`crate::stats::digits_for`]), so that an interval is never shown as a
//! point. A difference whose 95% interval excludes zero is stated with its
//! direction; one whose interval includes zero is "no detectable
//! difference", with the interval that says how large it could still be;
//! with one replicate there is no interval, and the sentence says that
//! nothing was tested. An end of an interval that would round to zero is
//! given to its first significant digit, so that which side of zero it
//! lies on is never hidden; a condition's interval is cut at the ends of
//! its metric's range (a share's t interval can pass 1).
//! Shares are stated in percentage points. Where only some sentences can
//! be shown, those stating a detected difference come first
//! ([`shown_first`]).

use crate::output::{Metric, SummaryRow};
use crate::stats::digits_for;

/// What the intervals mean and what they do not, in a few sentences.
pub const INTERVALS: &str = "The 95% intervals are the Monte Carlo precision of this simulation at these parameters: how far a figure would move with other random seeds. Conditions, sweep points among them, share common random numbers and are paired by replicate (where group sizes or numbers of groups differ, other people sit together, and the pairing gains less). The intervals say nothing of how sure one can be about real groups, which depends on the parameters and their own uncertainty. \"No detectable difference\": the interval includes zero at this many replicates. d: Cohen's d over members' scores, positive when the condition is better off; where the difference is detected and d's interval excludes zero too, its size is named by Cohen's conventions (under 0.2 negligible, to 0.5 small, to 0.8 medium, beyond large), by both ends of the interval where they differ.";

/// What a comparison of open groups with closed ones mixes in besides the
/// format: time in the programme
/// ([`crate::experiment::Experiment::comparison_notes`]).
pub const OPEN_AGAINST_CLOSED: &str = "Open groups take newcomers all through the programme, so at its last session their members have been coming for less time than a closed cohort's: part of each difference between open and closed groups above is time in the programme, not the format. charts/retention.png's lower panel compares retention at equal sessions since joining.";

/// What a comparison of conditions that meet at different intervals
/// mixes in besides the rhythm: the number of sessions by the week
/// compared ([`crate::experiment::Experiment::comparison_notes`]).
pub const UNEQUAL_MEETINGS: &str = "Some conditions compared above meet more often than others, so by the week compared they have met more times. Dropout, recovery's dose and graduation count sessions, not weeks: a group that meets every two weeks has half the chances to drop out in a year, and half the sessions to improve. Part of each difference between them is the number of meetings, not the rhythm of meeting; charts/retention.png's lower panel compares retention at equal sessions since joining, and arms given equal sessions (not equal weeks) compare equal exposure.";

/// Conditions named one by one in [`waiting_note`]; beyond them, the
/// least and the most.
const WAITING_NAMED: usize = 3;

/// What the figures over everyone who came mix in where open groups
/// leave people on their waiting lists at the last session: the share
/// still waiting in each such condition (summary.csv's `waiting_share`,
/// with its interval), and which figures count them. `None` where no
/// condition has anyone waiting.
pub fn waiting_note(rows: &[SummaryRow], keys: &[String]) -> Option<String> {
    let metric = Metric::named("waiting_share")?;
    let names = Names {
        keys,
        with_arm: rows.iter().any(|r| r.arm != rows[0].arm),
    };
    let mut waiting: Vec<&SummaryRow> = rows
        .iter()
        .filter(|r| r.metric == metric.name && r.mean > 0.0)
        .collect();
    let stated = |r: &SummaryRow| {
        let ci = r
            .ci_low
            .zip(r.ci_high)
            .map(|(lo, hi)| metric.within_range(lo, hi))
            .map(|(lo, hi)| (lo * 100.0, hi * 100.0));
        let s = shown(r.mean * 100.0, ci, metric.digits.saturating_sub(2));
        format!("{}% in {} ({})", s.value, names.of(r), s.interval)
    };
    let shares = match waiting.len() {
        0 => return None,
        1..=WAITING_NAMED => waiting
            .iter()
            .map(|r| stated(r))
            .collect::<Vec<_>>()
            .join("; "),
        n => {
            waiting.sort_by(|a, b| a.mean.total_cmp(&b.mean));
            format!(
                "from {} to {}, over the {n} conditions with anyone waiting",
                stated(waiting[0]),
                stated(waiting[n - 1])
            )
        }
    };
    Some(format!(
        "Open groups put newcomers on a waiting list while every seat is taken. At the last session, the share of everyone who came who had still never had a seat was {shares}. Figures over everyone who came count them, though they have had no group: loneliness, hope, self-stigma, and the lonely, hopeful and no-tie shares. Retention, cohesion, attendance and the shares with no tie to a group mate count only members. To compare those who joined alone, leave out the rows of members.csv (output.members_csv) whose status is waiting."
    ))
}

/// A condition's name as people read it: the arm, after the point's swept
/// values in a sweep (`group_size=8: group`); in a sweep whose points have
/// a single condition each, the point alone (`with_arm` false).
pub fn condition_name(keys: &[String], swept: &[String], arm: &str, with_arm: bool) -> String {
    if keys.is_empty() {
        return arm.to_string();
    }
    let point: Vec<String> = keys
        .iter()
        .zip(swept)
        .map(|(k, v)| format!("{}={v}", crate::scenario::keys::last_part(k)))
        .collect();
    if with_arm {
        format!("{}: {arm}", point.join(", "))
    } else {
        point.join(", ")
    }
}

/// How [`sentences`] names conditions: the swept keys, and whether the
/// arm is part of a name (more than one arm label in the rows).
struct Names<'a> {
    keys: &'a [String],
    with_arm: bool,
}

impl Names<'_> {
    fn of(&self, row: &SummaryRow) -> String {
        condition_name(self.keys, &row.swept, &row.arm, self.with_arm)
    }
}

/// A sentence of the answer, and whether it states a finding: a
/// difference its interval detects, or a condition's figure where nothing
/// is compared; not "no detectable difference", nor a comparison with one
/// replicate, which tests nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    pub text: String,
    pub finding: bool,
}

/// At most `room` of `sentences` in their order, those stating a finding
/// kept before the others, and, where some are left out, a line that says
/// how many, and how many of those are "no detectable difference"
/// (`where_rest`: where they can be read).
pub fn shown_first<'a>(
    sentences: &'a [Sentence],
    room: usize,
    where_rest: &str,
) -> (Vec<&'a str>, Option<String>) {
    let of_kind =
        |finding: bool| (0..sentences.len()).filter(move |&i| sentences[i].finding == finding);
    let mut picked: Vec<usize> = of_kind(true).chain(of_kind(false)).take(room).collect();
    picked.sort_unstable();
    let shown: Vec<&str> = picked.iter().map(|&i| sentences[i].text.as_str()).collect();
    let left = sentences.len() - shown.len();
    if left == 0 {
        return (shown, None);
    }
    let no_difference = of_kind(false)
        .filter(|i| picked.binary_search(i).is_err())
        .count();
    let which = match no_difference {
        0 => String::new(),
        1 if left == 1 => " (with no detectable difference)".to_string(),
        n if n == left => " (each with no detectable difference)".to_string(),
        n => format!(" ({n} of them with no detectable difference)"),
    };
    (
        shown,
        Some(format!("… and {left} more{which}: {where_rest}")),
    )
}

/// The sentences on the primary outcomes, in the order of `outcomes`, then
/// of summary.csv's rows: one per comparison, or, for an outcome that no
/// condition is compared on, one per condition stating its figure.
pub fn sentences(rows: &[SummaryRow], keys: &[String], outcomes: &[String]) -> Vec<Sentence> {
    let names = Names {
        keys,
        with_arm: rows.iter().any(|r| r.arm != rows[0].arm),
    };
    let mut out = Vec::new();
    for name in outcomes {
        let Some(metric) = Metric::named(name) else {
            continue;
        };
        let of_metric: Vec<&SummaryRow> = rows.iter().filter(|r| r.metric == *name).collect();
        let compared: Vec<&&SummaryRow> = of_metric
            .iter()
            .filter(|r| r.difference.is_some())
            .collect();
        if compared.is_empty() {
            out.extend(of_metric.iter().map(|r| level(r, &names, metric)));
        } else {
            out.extend(compared.iter().map(|r| comparison(r, rows, &names, metric)));
        }
    }
    out
}

/// How a metric's figures are stated: the factor they are shown at, the
/// unit after them, and the usual decimal places. The report's tables
/// state differences so too.
pub fn scale(metric: &Metric) -> (f64, &'static str, usize) {
    if metric.is_share() {
        (100.0, " percentage points", metric.digits.saturating_sub(2))
    } else {
        (1.0, "", metric.digits)
    }
}

/// How the labels of shares that name a state of a person begin (in lower
/// case), besides "no …" (without a tie).
const STATES: [&str; 4] = ["lonely (", "hopeful (", "still ", "improved"];

/// The metric's label as it reads inside a sentence, with its scale where
/// it is a score ("loneliness (UCLA-3, 3–9)", "perceived cohesion (0–10)"):
/// "lower by 0.47" says little to a reader who does not know the scale.
fn noun(metric: &Metric) -> String {
    let mut chars = metric.label.chars();
    let label: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    if metric.is_share() || metric.range().is_none() {
        // A share whose label names a state ("Lonely", "No casual-friend
        // tie") is the share of those in it: "share lonely (…) lower",
        // not "lonely (…) lower".
        if label.starts_with("no ") {
            return format!("share with {label}");
        }
        if STATES.iter().any(|state| label.starts_with(state)) {
            return format!("share {label}");
        }
        return label;
    }
    match label.strip_suffix(')') {
        Some(open) => format!("{open}, {})", metric.unit),
        None => format!("{label} ({})", metric.unit),
    }
}

/// "after 26 sessions", or, when the two conditions end at different
/// sessions, the week and both counts; when they end at the same session
/// but in different weeks (weekly against biweekly), both weeks.
fn when(row: &SummaryRow, reference: Option<&SummaryRow>) -> String {
    match reference {
        Some(r) if r.step != row.step => format!(
            "at week {} ({} against {} sessions)",
            row.week, row.step, r.step
        ),
        Some(r) if r.week != row.week => format!(
            "after {} sessions (week {} against week {})",
            row.step, row.week, r.week
        ),
        _ => format!("after {} sessions", row.step),
    }
}

/// The row a comparison is made against.
fn reference_row<'a>(row: &SummaryRow, rows: &'a [SummaryRow]) -> Option<&'a SummaryRow> {
    rows.iter().find(|r| {
        r.metric == row.metric
            && Some(r.point) == row.reference_point
            && Some(&r.arm) == row.reference_arm.as_ref()
    })
}

/// Text broken into lines of at most `width` characters.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("one line");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// A figure and its interval as text, at the interval's precision.
struct Shown {
    value: String,
    /// "95% CI 0.18 to 0.32", or what stands in for it.
    interval: String,
}

/// A number at `digits` places, without a minus sign on a zero.
pub fn fixed(x: f64, digits: usize) -> String {
    let text = format!("{x:.digits$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => text,
    }
}

fn shown(value: f64, ci: Option<(f64, f64)>, usual: usize) -> Shown {
    match ci {
        Some((lo, hi)) => {
            let d = digits_for((hi - lo) / 2.0, usual);
            Shown {
                value: fixed(value, d),
                interval: format!("95% CI {} to {}", interval_end(lo, d), interval_end(hi, d)),
            }
        }
        None => Shown {
            value: fixed(value, usual),
            interval: "one replicate: no interval, nothing tested".into(),
        },
    }
}

/// An interval's end at `digits` places, or, where that would show a
/// number that is not zero as zero, to its first significant digit:
/// `0.003` rather than `0.00`, `-1e-15` below ten places.
pub fn interval_end(x: f64, digits: usize) -> String {
    let shows_zero = |text: &str| text.chars().all(|c| matches!(c, '0' | '.' | '-'));
    let text = fixed(x, digits);
    if x == 0.0 || !shows_zero(&text) || !x.is_finite() {
        return text;
    }
    let first = (-x.abs().log10()).ceil().max(0.0) as usize;
    let text = fixed(x, first.clamp(digits, 10));
    if shows_zero(&text) {
        format!("{x:.0e}")
    } else {
        text
    }
}

/// The size of a standardised difference by Cohen's conventions, from its
/// 95% interval: "small", or "negligible to small" where the two ends are
/// of different sizes; `None` where the interval includes zero (nothing
/// detected to name) or an end is not a number.
fn effect_size_named((lo, hi): (f64, f64)) -> Option<String> {
    if !(lo.is_finite() && hi.is_finite()) || (lo <= 0.0 && hi >= 0.0) {
        return None;
    }
    let name = |d: f64| match d.abs() {
        d if d < 0.2 => "negligible",
        d if d < 0.5 => "small",
        d if d < 0.8 => "medium",
        _ => "large",
    };
    let (near, far) = if lo > 0.0 { (lo, hi) } else { (hi, lo) };
    Some(match (name(near), name(far)) {
        (a, b) if a == b => a.to_string(),
        (a, b) => format!("{a} to {b}"),
    })
}

/// One comparison in a sentence.
fn comparison(row: &SummaryRow, rows: &[SummaryRow], names: &Names, metric: &Metric) -> Sentence {
    let reference = reference_row(row, rows);
    // The reference's arm alone where it is of the same point.
    let reference_name = match reference {
        Some(r) if r.point != row.point => names.of(r),
        _ => row.reference_arm.clone().unwrap_or_default(),
    };
    let (factor, unit, usual) = scale(metric);
    let diff = row.difference.expect("a comparison has a difference") * factor;
    let ci = row
        .difference_ci_low
        .zip(row.difference_ci_high)
        .map(|(lo, hi)| (lo * factor, hi * factor));
    let detected = ci.is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0);
    let effect = match row.effect_size {
        Some(d) => {
            let ci = row.effect_size_ci_low.zip(row.effect_size_ci_high);
            let size = ci
                .filter(|_| detected)
                .and_then(effect_size_named)
                .map_or(String::new(), |n| format!(", {n}"));
            let d = shown(d, ci, 2);
            format!("; d = {} ({}){size}", d.value, d.interval)
        }
        None => String::new(),
    };
    let body = if detected || ci.is_none() {
        // The size, and its interval turned the same way; with one
        // replicate there is no interval and nothing is tested.
        let (direction, size, ci) = if diff > 0.0 {
            ("higher", diff, ci)
        } else {
            ("lower", -diff, ci.map(|(lo, hi)| (-hi, -lo)))
        };
        let s = shown(size, ci, usual);
        format!(
            "{} {direction} by {}{unit} ({})",
            noun(metric),
            s.value,
            s.interval
        )
    } else {
        let s = shown(diff, ci, usual);
        format!(
            "no detectable difference in {} (difference {}{unit}, {})",
            noun(metric),
            s.value,
            s.interval
        )
    };
    Sentence {
        text: format!(
            "{} against {reference_name}: {body}{effect}, {}.",
            names.of(row),
            when(row, reference)
        ),
        finding: detected,
    }
}

/// One condition's figure in a sentence, where nothing is compared; its
/// interval cut at the ends of the metric's range.
fn level(row: &SummaryRow, names: &Names, metric: &Metric) -> Sentence {
    let (factor, unit, usual) = if metric.is_share() {
        (100.0, "%", metric.digits.saturating_sub(2))
    } else {
        (1.0, "", metric.digits)
    };
    let ci = row
        .ci_low
        .zip(row.ci_high)
        .map(|(lo, hi)| metric.within_range(lo, hi))
        .map(|(lo, hi)| (lo * factor, hi * factor));
    let s = shown(row.mean * factor, ci, usual);
    Sentence {
        text: format!(
            "{}: {} {}{unit} ({}), {}.",
            names.of(row),
            noun(metric),
            s.value,
            s.interval,
            when(row, None)
        ),
        finding: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::METRICS;

    fn row(arm: &str, metric: &str, diff: Option<(f64, f64, f64)>) -> SummaryRow {
        SummaryRow {
            arm: arm.into(),
            metric: metric.into(),
            replicates: 10,
            step: 26,
            week: 26.0,
            mean: 0.7,
            ci_low: Some(0.68),
            ci_high: Some(0.72),
            reference_arm: diff.map(|_| "peer_led".into()),
            reference_point: diff.map(|_| 0),
            difference: diff.map(|d| d.0),
            difference_ci_low: diff.map(|d| d.1),
            difference_ci_high: diff.map(|d| d.2),
            ..SummaryRow::default()
        }
    }

    fn texts(rows: &[SummaryRow], outcomes: &[String]) -> Vec<String> {
        sentences(rows, &[], outcomes)
            .into_iter()
            .map(|s| s.text)
            .collect()
    }

    #[test]
    fn a_detected_share_difference_is_stated_in_percentage_points_with_its_direction() {
        let rows = [
            row("peer_led", "retention", None),
            row("facilitated", "retention", Some((0.061, 0.032, 0.089))),
        ];
        let s = texts(&rows, &["retention".into()]);
        assert_eq!(
            s,
            [
                "facilitated against peer_led: retention (not dropped out: graduates and members of ended groups count as retained) higher by 6.1 percentage points (95% CI 3.2 to 8.9), after 26 sessions."
            ]
        );
    }

    /// A share of people in a state is named as a share: "no casual-friend
    /// tie higher" read as a double negative.
    #[test]
    fn a_share_of_people_in_a_state_reads_as_a_share() {
        let rows = [
            row("peer_led", "no_casual_tie_share", None),
            row("open", "no_casual_tie_share", Some((0.258, 0.247, 0.269))),
        ];
        let s = texts(&rows, &["no_casual_tie_share".into()]);
        assert_eq!(
            s,
            [
                "open against peer_led: share with no casual-friend tie (50 h) higher by 25.8 percentage points (95% CI 24.7 to 26.9), after 26 sessions."
            ]
        );
        // Every share's noun, whole.
        let nouns: Vec<(&str, String)> = METRICS
            .iter()
            .filter(|m| m.is_share())
            .map(|m| (m.name, noun(m)))
            .collect();
        let expected = [
            ("lonely_share", "share lonely (UCLA-3 ≥ 6)"),
            (
                "no_casual_tie_share",
                "share with no casual-friend tie (50 h)",
            ),
            (
                "no_friend_tie_share",
                "share with no friend-level tie (90 h)",
            ),
            (
                "no_close_tie_share",
                "share with no close-friend tie (200 h)",
            ),
            (
                "no_casual_tie_in_group_share",
                "share with no casual-friend tie to a current group mate (50 h)",
            ),
            (
                "no_friend_tie_in_group_share",
                "share with no friend-level tie to a current group mate (90 h)",
            ),
            (
                "no_close_tie_in_group_share",
                "share with no close-friend tie to a current group mate (200 h)",
            ),
            (
                "hopeful_share",
                "share hopeful (hope at or above hopeful_at, or improved)",
            ),
            ("attendance_rate", "attendance"),
            (
                "retention",
                "retention (not dropped out: graduates and members of ended groups count as retained)",
            ),
            (
                "still_attending",
                "share still attending (graduates and members of ended groups count as gone)",
            ),
            (
                "waiting_share",
                "share still on an open group's waiting list (never seated)",
            ),
            ("improved_share", "share improved"),
            (
                "between_group_share",
                "loneliness change between groups (ICC)",
            ),
            (
                "lonely_near_lonely",
                "lonely members' community ties that lead to a lonely person",
            ),
            (
                "lonely_near_others",
                "other members' community ties that lead to a lonely person",
            ),
            ("posted_share", "members who have posted (forums)"),
            (
                "posted_again_share",
                "posters who posted again in a later period (forums)",
            ),
            (
                "top1_post_share",
                "posts written by the top 1% of posters (forums)",
            ),
            (
                "top10_post_share",
                "posts written by the top 10% of posters (forums)",
            ),
            (
                "answered_return_share",
                "first posters answered who posted again (forums)",
            ),
            (
                "unanswered_return_share",
                "first posters not answered who posted again (forums)",
            ),
        ];
        let nouns: Vec<(&str, &str)> = nouns.iter().map(|(m, n)| (*m, n.as_str())).collect();
        assert_eq!(nouns, expected);
    }

    /// Conditions that end at the same session in different weeks (weekly
    /// against biweekly) say both weeks: "after 26 sessions" alone hid
    /// that one ran a year and the other six months.
    #[test]
    fn the_weeks_are_said_where_the_same_sessions_end_in_different_weeks() {
        let rows = [
            SummaryRow {
                week: 52.0,
                ..row("peer_led", "retention", None)
            },
            row("facilitated", "retention", Some((0.061, 0.032, 0.089))),
        ];
        let s = texts(&rows, &["retention".into()]);
        assert!(
            s[0].ends_with("after 26 sessions (week 26 against week 52)."),
            "{}",
            s[0]
        );
    }

    #[test]
    fn an_interval_across_zero_is_no_detectable_difference_and_a_lower_figure_flips_its_interval() {
        let rows = [
            row("peer_led", "loneliness_mean", None),
            SummaryRow {
                effect_size: Some(0.012),
                effect_size_ci_low: Some(-0.03),
                effect_size_ci_high: Some(0.05),
                ..row(
                    "facilitated",
                    "loneliness_mean",
                    Some((-0.004, -0.05, 0.04)),
                )
            },
            row("waitlist", "loneliness_mean", Some((-0.3, -0.36, -0.24))),
        ];
        let s = texts(&rows, &["loneliness_mean".into()]);
        assert_eq!(
            s[0],
            "facilitated against peer_led: no detectable difference in loneliness (UCLA-3, 3–9) (difference 0.00, 95% CI -0.05 to 0.04); d = 0.01 (95% CI -0.03 to 0.05), after 26 sessions."
        );
        assert_eq!(
            s[1],
            "waitlist against peer_led: loneliness (UCLA-3, 3–9) lower by 0.30 (95% CI 0.24 to 0.36), after 26 sessions."
        );
    }

    #[test]
    fn findings_are_shown_first_in_their_order_and_what_is_left_out_is_counted() {
        let said = |text: &str, finding| Sentence {
            text: text.into(),
            finding,
        };
        let all = [
            said("f1", true),
            said("n1", false),
            said("f2", true),
            said("n2", false),
            said("n3", false),
        ];
        let (shown, rest) = shown_first(&all, 3, "elsewhere");
        assert_eq!(shown, ["f1", "n1", "f2"]);
        assert_eq!(
            rest.unwrap(),
            "… and 2 more (each with no detectable difference): elsewhere"
        );
        let (shown, rest) = shown_first(&all, 1, "elsewhere");
        assert_eq!(shown, ["f1"]);
        assert_eq!(
            rest.unwrap(),
            "… and 4 more (3 of them with no detectable difference): elsewhere"
        );
        let (shown, rest) = shown_first(&all[..2], 1, "elsewhere");
        assert_eq!(
            (shown, rest.unwrap()),
            (
                vec!["f1"],
                "… and 1 more (with no detectable difference): elsewhere".to_string()
            )
        );
        let (shown, rest) = shown_first(&all[..3], 1, "elsewhere");
        assert_eq!(
            (shown, rest.unwrap()),
            (
                vec!["f1"],
                "… and 2 more (1 of them with no detectable difference): elsewhere".to_string()
            )
        );
        let two_findings = [said("f1", true), said("f2", true)];
        let (shown, rest) = shown_first(&two_findings, 1, "e");
        assert_eq!(
            (shown, rest.unwrap()),
            (vec!["f1"], "… and 1 more: e".to_string())
        );
        assert_eq!(
            shown_first(&all, 5, "elsewhere"),
            (vec!["f1", "n1", "f2", "n2", "n3"], None)
        );
    }

    #[test]
    fn an_interval_end_never_shows_zero_for_a_number_that_is_not() {
        assert_eq!(interval_end(0.0031, 2), "0.003");
        assert_eq!(interval_end(-0.00041, 2), "-0.0004");
        assert_eq!(interval_end(0.0, 2), "0.00");
        assert_eq!(interval_end(0.051, 2), "0.05");
        assert_eq!(interval_end(-0.009, 1), "-0.009");
        assert_eq!(interval_end(1e-15, 2), "1e-15");
        assert_eq!(interval_end(-3e-12, 2), "-3e-12");
        // In a sentence: the lower end of a detected difference.
        let rows = [
            row("peer_led", "cohesion_mean", None),
            row("facilitated", "cohesion_mean", Some((0.08, 0.003, 0.16))),
        ];
        assert_eq!(
            texts(&rows, &["cohesion_mean".into()])[0],
            "facilitated against peer_led: perceived cohesion (0–10) higher by 0.08 (95% CI 0.003 to 0.16), after 26 sessions."
        );
    }

    #[test]
    fn an_effect_size_is_named_by_both_ends_of_its_interval() {
        let named = |lo, hi| effect_size_named((lo, hi));
        assert_eq!(named(0.30, 0.42).as_deref(), Some("small"));
        assert_eq!(named(0.15, 0.25).as_deref(), Some("negligible to small"));
        assert_eq!(named(-0.12, -0.10).as_deref(), Some("negligible"));
        assert_eq!(named(-0.9, -0.6).as_deref(), Some("medium to large"));
        assert_eq!(named(0.8, 1.2).as_deref(), Some("large"));
        assert_eq!(named(-0.03, 0.05), None);
        assert_eq!(named(0.0, 0.05), None);
        assert_eq!(named(f64::NAN, 0.5), None);
        let rows = [
            row("peer_led", "loneliness_mean", None),
            SummaryRow {
                effect_size: Some(0.36),
                effect_size_ci_low: Some(0.30),
                effect_size_ci_high: Some(0.42),
                ..row("group", "loneliness_mean", Some((-0.47, -0.54, -0.40)))
            },
        ];
        assert_eq!(
            texts(&rows, &["loneliness_mean".into()])[0],
            "group against peer_led: loneliness (UCLA-3, 3–9) lower by 0.47 (95% CI 0.40 to 0.54); d = 0.36 (95% CI 0.30 to 0.42), small, after 26 sessions."
        );
    }

    #[test]
    fn a_share_s_interval_is_cut_at_its_range() {
        let rows = [SummaryRow {
            mean: 0.999,
            ci_low: Some(0.995),
            ci_high: Some(1.002),
            ..row("group", "retention", None)
        }];
        assert_eq!(
            texts(&rows, &["retention".into()]),
            [
                "group: retention (not dropped out: graduates and members of ended groups count as retained) 99.9% (95% CI 99.5 to 100.0), after 26 sessions."
            ]
        );
    }

    #[test]
    fn an_outcome_nobody_is_compared_on_is_stated_per_condition() {
        let rows = [row("group", "retention", None)];
        let s = texts(&rows, &["retention".into()]);
        assert_eq!(
            s,
            [
                "group: retention (not dropped out: graduates and members of ended groups count as retained) 70.0% (95% CI 68.0 to 72.0), after 26 sessions."
            ]
        );
    }

    #[test]
    fn the_waiting_note_names_each_open_condition_or_the_least_and_the_most() {
        let waiting = |arm: &str, mean: f64| SummaryRow {
            mean,
            ci_low: Some(mean - 0.01),
            ci_high: Some(mean + 0.01),
            ..row(arm, "waiting_share", None)
        };
        // Nobody waiting anywhere (a forum, groups with room): no note.
        assert_eq!(waiting_note(&[waiting("open", 0.0)], &[]), None);
        assert_eq!(waiting_note(&[row("closed", "retention", None)], &[]), None);
        let one = waiting_note(
            &[row("closed", "retention", None), waiting("open", 0.4)],
            &[],
        )
        .unwrap();
        assert!(
            one.contains("never had a seat was 40.0% in open (95% CI 39.0 to 41.0)."),
            "{one}"
        );
        let some = [0.1, 0.3, 0.2, 0.05, 0.0].map(|m| waiting(&format!("open_{m}"), m));
        let range = waiting_note(&some, &[]).unwrap();
        assert!(
            range.contains(
                "was from 5.0% in open_0.05 (95% CI 4.0 to 6.0) to 30.0% in open_0.3 (95% CI 29.0 to 31.0), \
                 over the 4 conditions with anyone waiting."
            ),
            "{range}"
        );
        let named = waiting_note(&some[..3], &[]).unwrap();
        assert!(
            named.contains("10.0% in open_0.1 (95% CI 9.0 to 11.0); 30.0% in open_0.3"),
            "{named}"
        );
    }
}
