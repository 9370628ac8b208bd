//! Where a run's time goes, step by step: with the `step-timing` feature
//! (`cargo run --release --features step-timing -- run …`), the processor's
//! time-stamp counter is read around each part of every group's session
//! (the scratch's reset, membership, the session flags, each numbered
//! step, the batch's tie summaries, the tally and its clustering sum, a
//! control block's session, the network figures) and the ticks are summed
//! per part; `bonfire run` (and `bonfire sensitivity`) prints the table
//! when the runs end.
//!
//! A developer's measure, for a shared machine whose wall times move with
//! its neighbours' load: the parts' shares of one run's ticks hold steady
//! when the run's wall time does not, and they show what an instruction
//! count cannot (a step that waits on memory or on a mispredicted branch
//! costs more time than its instructions say). The timing costs time of
//! its own: two readings of the counter and two atomic additions a part,
//! some tens of ticks, which the smallest parts' figures mostly are, and
//! the readings and additions stand between neighbouring parts that the
//! processor would otherwise overlap. What is not in a part (building a
//! group's session and its key, the engine's fold, the output) is not
//! timed. The sums are shared by all threads: profile with `--threads 1`.
//! Elsewhere than x86-64 the counter is a clock in nanoseconds. Without
//! the feature the steps are called as they are and nothing is read or
//! summed (the `timed!` macro of `session`).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// The timed parts of a session, in the order the session runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The scratch made ready for the group.
    Reset,
    Membership,
    SessionFlags,
    Attendance,
    FloorAndDisclosure,
    Replies,
    Posting,
    ForumReplies,
    Mood,
    Universality,
    Reading,
    Hope,
    /// Step 8's pairs (and the outside shares they use).
    Ties,
    /// The batch's tie summaries, made at once.
    TieSummaries,
    Stigma,
    Loneliness,
    Recovery,
    Dropout,
    GroupEnd,
    Cohesion,
    Tally,
    /// The tally's clustering sum (from the network figures or the tie
    /// summary).
    Clustering,
    /// A control block's or waitlist group's whole session.
    ControlBlock,
    /// The network figures of a measured session.
    NetworkFigures,
}

impl Part {
    const ALL: [Part; 24] = [
        Part::Reset,
        Part::Membership,
        Part::SessionFlags,
        Part::Attendance,
        Part::FloorAndDisclosure,
        Part::Replies,
        Part::Posting,
        Part::ForumReplies,
        Part::Mood,
        Part::Universality,
        Part::Reading,
        Part::Hope,
        Part::Ties,
        Part::TieSummaries,
        Part::Stigma,
        Part::Loneliness,
        Part::Recovery,
        Part::Dropout,
        Part::GroupEnd,
        Part::Cohesion,
        Part::Tally,
        Part::Clustering,
        Part::ControlBlock,
        Part::NetworkFigures,
    ];

    fn name(self) -> &'static str {
        match self {
            Part::Reset => "scratch reset",
            Part::Membership => "1 membership",
            Part::SessionFlags => "session flags",
            Part::Attendance => "2 attendance",
            Part::FloorAndDisclosure => "3 floor, disclosure",
            Part::Replies => "4 replies",
            Part::Posting => "3 posting (forum)",
            Part::ForumReplies => "4 replies (forum)",
            Part::Mood => "5 mood",
            Part::Universality => "6 universality",
            Part::Reading => "6 reading (forum)",
            Part::Hope => "7 hope",
            Part::Ties => "8 ties: pairs",
            Part::TieSummaries => "8 ties: summaries",
            Part::Stigma => "9 stigma",
            Part::Loneliness => "10 loneliness",
            Part::Recovery => "11 recovery",
            Part::Dropout => "12 dropout",
            Part::GroupEnd => "12b group end",
            Part::Cohesion => "13 cohesion",
            Part::Tally => "tally",
            Part::Clustering => "tally: clustering",
            Part::ControlBlock => "control block",
            Part::NetworkFigures => "network figures",
        }
    }
}

const PARTS: usize = Part::ALL.len();

// Every part is listed: the last variant's index is the list's last.
const _: () = assert!(Part::NetworkFigures as usize + 1 == PARTS);

/// What the counter counts.
const UNIT: &str = if cfg!(target_arch = "x86_64") {
    "time-stamp counter ticks"
} else {
    "nanoseconds"
};

/// Ticks and calls summed per part.
static TICKS: [AtomicU64; PARTS] = [const { AtomicU64::new(0) }; PARTS];
static CALLS: [AtomicU64; PARTS] = [const { AtomicU64::new(0) }; PARTS];

/// The time-stamp counter (elsewhere than x86-64, nanoseconds since the
/// first reading).
#[inline(always)]
pub fn now() -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: every x86-64 processor has the time-stamp counter.
        unsafe { std::arch::x86_64::_rdtsc() }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos() as u64
    }
}

/// Adds the ticks since `since` to `part`.
#[inline(always)]
pub fn add(part: Part, since: u64) {
    let ticks = now().wrapping_sub(since);
    TICKS[part as usize].fetch_add(ticks, Ordering::Relaxed);
    CALLS[part as usize].fetch_add(1, Ordering::Relaxed);
}

/// The table of the parts timed so far (each part's ticks, share of all
/// ticks, calls and ticks a call), or `None` if nothing was timed.
pub fn report() -> Option<String> {
    let ticks = TICKS.each_ref().map(|t| t.load(Ordering::Relaxed));
    let calls = CALLS.each_ref().map(|c| c.load(Ordering::Relaxed));
    let total: u64 = ticks.iter().sum();
    if total == 0 {
        return None;
    }
    let mut text = format!(
        "time by step ({UNIT}, all threads):\n\
         {:<20} {:>14} {:>7} {:>12} {:>11}\n",
        "step", "ticks", "share", "calls", "ticks/call"
    );
    for part in Part::ALL {
        let (t, n) = (ticks[part as usize], calls[part as usize]);
        if n == 0 {
            continue;
        }
        let share = 100.0 * t as f64 / total as f64;
        let per_call = t as f64 / n as f64;
        let _ = writeln!(
            text,
            "{:<20} {:>14} {:>6.1}% {:>12} {:>11.0}",
            part.name(),
            t,
            share,
            n,
            per_call
        );
    }
    let _ = writeln!(text, "{:<20} {:>14} {:>6.1}%", "all", total, 100.0);
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_listed_in_session_order_each_with_its_ticks() {
        assert!(Part::ALL.iter().enumerate().all(|(i, &p)| p as usize == i));
        // The session's own parts are timed only with the feature, and
        // then other tests may time these two (forums) as well.
        let alone = !cfg!(feature = "step-timing");
        let spin = |ticks: u64| {
            let since = now();
            while now().wrapping_sub(since) < ticks {
                std::hint::spin_loop();
            }
            since
        };
        // The later part takes the more ticks, so that a table sorted by
        // share would put it first.
        add(Part::Posting, spin(1_000));
        add(Part::Reading, spin(50_000));
        let table = report().expect("two parts were timed");
        let rows: Vec<Vec<&str>> = table
            .lines()
            .skip(2)
            .map(|l| {
                l.split("  ")
                    .filter(|f| !f.is_empty())
                    .map(str::trim)
                    .collect()
            })
            .collect();
        let row = |name: &str| rows.iter().position(|r| r[0] == name).expect(name);
        let (posting, reading) = (row("3 posting (forum)"), row("6 reading (forum)"));
        assert!(posting < reading, "{table}");
        let number =
            |r: usize, field: usize| rows[r][field].trim_end_matches('%').parse::<f64>().unwrap();
        assert!(
            number(posting, 1) >= 1_000.0 && number(reading, 1) >= 50_000.0,
            "{table}"
        );
        if alone {
            assert_eq!(
                (number(posting, 3), number(reading, 3)),
                (1.0, 1.0),
                "{table}"
            );
        }
        // The ticks of the listed parts make the total, their shares 100%.
        let last = rows.len() - 1;
        assert_eq!(rows[last][0], "all");
        let listed: f64 = (0..last).map(|r| number(r, 1)).sum();
        assert_eq!(listed, number(last, 1), "{table}");
        let shares: f64 = (0..last).map(|r| number(r, 2)).sum();
        assert!((shares - 100.0).abs() < 0.05 * last as f64, "{table}");
    }
}
