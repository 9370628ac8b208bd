//! The progress of long runs, on stderr.
//!
//! In a terminal, a bar: sessions done over sessions to run (all
//! replicates), the rate and the time left. Where stderr is not a terminal
//! (a cluster job's log, a pipe), a plain line every minute instead, so
//! that a log shows a long run going; a run shorter than that prints none.
//! With `--quiet`, nothing. Neither ever reaches stdout or a file of the
//! run.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{HumanDuration, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a log without a terminal is told how far the run is; the
/// variable of that name sets it in seconds (tests).
const LOG_EVERY: Duration = Duration::from_secs(60);
pub const LOG_EVERY_VAR: &str = "BONFIRE_PROGRESS_EVERY_S";

/// A progress bar, lines for a log, or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
    log: Option<Log>,
}

/// The lines of a log: how far the run is, every so often.
struct Log {
    total: u64,
    done: AtomicU64,
    started: Instant,
    every: Duration,
    /// When the last line was printed (the start before the first).
    last: Mutex<Instant>,
}

impl Progress {
    /// Progress over `total` session steps (replicates × sessions).
    pub fn new(total: u64, quiet: bool) -> Progress {
        let none = Progress {
            bar: None,
            log: None,
        };
        if quiet {
            return none;
        }
        if !std::io::stderr().is_terminal() {
            return Progress {
                log: Some(Log::new(total)),
                ..none
            };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} sessions ({per_sec}, {eta} left)",
            )
            .expect("the template is valid"),
        );
        Progress {
            bar: Some(bar),
            ..none
        }
    }

    /// Whether the bar is drawn.
    pub fn shown(&self) -> bool {
        self.bar.is_some()
    }

    /// One group-session step of one replicate is done.
    pub fn step_done(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
        if let Some(log) = &self.log {
            log.step_done();
        }
    }

    /// Prints a line on stderr above the bar (or alone, when there is none).
    pub fn note(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => crate::console::say_err!("{line}"),
        }
    }

    /// Removes the bar before the summary is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Log {
    /// A log over `total` session steps from now, a line every
    /// [`LOG_EVERY`] (or as [`LOG_EVERY_VAR`] says).
    fn new(total: u64) -> Log {
        let every = std::env::var(LOG_EVERY_VAR)
            .ok()
            .and_then(|s| s.parse().ok())
            .map_or(LOG_EVERY, Duration::from_secs);
        let started = Instant::now();
        Log {
            total,
            done: AtomicU64::new(0),
            started,
            every,
            last: Mutex::new(started),
        }
    }

    fn step_done(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let now = Instant::now();
        // One thread prints; the others go on.
        let Ok(mut last) = self.last.try_lock() else {
            return;
        };
        if now.duration_since(*last) < self.every || done >= self.total {
            return;
        }
        *last = now;
        crate::console::say_err!(
            "{}",
            log_line(done, self.total, now.duration_since(self.started))
        );
    }
}

/// A log's line: `bonfire: 1,234 of 3,702 sessions (33%) in 60 seconds,
/// about 2 minutes left`, the time left at the rate so far.
fn log_line(done: u64, total: u64, elapsed: Duration) -> String {
    use crate::scenario::keys::grouped_count;
    let share = 100 * done / total.max(1);
    let left = elapsed.mul_f64(total.saturating_sub(done) as f64 / done.max(1) as f64);
    format!(
        "bonfire: {} of {} sessions ({share}%) in {}, about {} left",
        grouped_count(done),
        grouped_count(total),
        HumanDuration(elapsed),
        HumanDuration(left)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_line_says_how_far_and_how_long_is_left_at_the_rate_so_far() {
        assert_eq!(
            log_line(1_234, 3_702, Duration::from_secs(60)),
            "bonfire: 1,234 of 3,702 sessions (33%) in 60 seconds, about 2 minutes left"
        );
        assert_eq!(
            log_line(0, 0, Duration::ZERO),
            "bonfire: 0 of 0 sessions (0%) in 0 seconds, about 0 seconds left"
        );
    }
}
