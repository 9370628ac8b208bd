//! The progress bar of long runs, on stderr.
//!
//! It shows sessions done over sessions to run (all replicates), the rate
//! and the time left. It is hidden when stderr is not a terminal (a pipe, a
//! file, CI) or with `--quiet`, so it never mixes into stdout or any file.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar, or nothing when it must stay hidden.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar over `total` session steps (replicates × sessions).
    pub fn new(total: u64, quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} sessions ({per_sec}, {eta} left)",
            )
            .expect("the template is valid"),
        );
        Progress { bar: Some(bar) }
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
