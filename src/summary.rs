//! Everything bonfire prints for people: the end-of-run summary on stdout and
//! the results of `check`. The rest of the library never prints.

use std::io::Write;
use std::path::Path;

use crate::engine::ReplicateResult;
use crate::metrics::TimeseriesRow;
use crate::scenario::Scenario;
use crate::stats::{self, Estimate, Moments};

/// Final-step figures gathered replicate by replicate.
#[derive(Debug, Default, Clone)]
pub struct RunSummary {
    /// Final row of each arm of each replicate, in replicate order.
    pub final_rows: Vec<TimeseriesRow>,
    /// Standardised difference in end loneliness, control minus group, per replicate.
    pub effect_sizes: Vec<f64>,
}

impl RunSummary {
    pub fn add(&mut self, r: &ReplicateResult) {
        let last_step = r.timeseries.iter().map(|row| row.step).max().unwrap_or(0);
        self.final_rows.extend(
            r.timeseries
                .iter()
                .filter(|row| row.step == last_step)
                .cloned(),
        );
        let [group, control]: &[Moments; 2] = &r.end_loneliness;
        if group.n >= 2 && control.n >= 2 {
            self.effect_sizes
                .push(stats::standardized_difference(control, group));
        }
    }

    /// Mean and CI over replicates of one column of the final rows of an arm.
    pub fn final_estimate(
        &self,
        arm: &str,
        column: impl Fn(&TimeseriesRow) -> Option<f64>,
    ) -> Option<Estimate> {
        let values: Vec<f64> = self
            .final_rows
            .iter()
            .filter(|r| r.arm == arm)
            .filter_map(column)
            .collect();
        (!values.is_empty()).then(|| stats::mean_ci(&values))
    }
}

fn show(e: Option<Estimate>, digits: usize) -> String {
    match e {
        None => "-".into(),
        Some(Estimate {
            mean,
            half_width: Some(h),
        }) => format!("{mean:.digits$} ± {h:.digits$}"),
        Some(Estimate {
            mean,
            half_width: None,
        }) => format!("{mean:.digits$}"),
    }
}

/// The summary after `bonfire run`.
pub fn print_run(s: &Scenario, dir: &Path, files: &[String], r: &RunSummary, wall_seconds: f64) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "bonfire: scenario '{}', {} replicate(s), {} sessions, {} members per replicate",
        s.name,
        s.replicates,
        s.format.sessions,
        s.total_members()
    );
    let _ = writeln!(out, "wrote {} into {}", files.join(", "), dir.display());
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "at the last session (mean ± 95% CI half-width over replicates):"
    );
    let _ = writeln!(
        out,
        "  {:<8} {:>15} {:>15} {:>15} {:>15} {:>15}",
        "arm", "loneliness", "lonely share", "isolated share", "cohesion", "retention"
    );
    for arm in ["group", "control"] {
        if r.final_rows.iter().all(|row| row.arm != arm) {
            continue;
        }
        let _ = writeln!(
            out,
            "  {:<8} {:>15} {:>15} {:>15} {:>15} {:>15}",
            arm,
            show(r.final_estimate(arm, |x| Some(x.loneliness_mean)), 2),
            show(r.final_estimate(arm, |x| Some(x.lonely_share)), 3),
            show(r.final_estimate(arm, |x| Some(x.isolated_share)), 3),
            show(r.final_estimate(arm, |x| x.cohesion_mean), 2),
            show(r.final_estimate(arm, |x| x.retention), 3),
        );
    }
    if !r.effect_sizes.is_empty() {
        let _ = writeln!(
            out,
            "  loneliness, control minus group, standardised (Cohen's d): {}",
            show(Some(stats::mean_ci(&r.effect_sizes)), 2)
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "wall time {wall_seconds:.2} s");
}

/// What `bonfire plot` drew.
pub fn print_plot(dir: &Path, written: &[std::path::PathBuf]) {
    println!(
        "redrew {} files in {} (charts/ and report.html)",
        written.len(),
        dir.display()
    );
}

/// One line per valid file for `bonfire check`.
pub fn print_check_ok(path: &Path, s: &Scenario) {
    println!(
        "ok: {} (scenario '{}', {} members per replicate, {} sessions, {} replicate(s))",
        path.display(),
        s.name,
        s.total_members(),
        s.format.sessions,
        s.replicates
    );
}

/// An error for one file of `bonfire check`.
pub fn print_error(e: &crate::error::Error) {
    eprintln!("error: {e}");
}
