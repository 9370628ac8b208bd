//! Everything bonfire prints for people: the end-of-run summary on stdout,
//! the results of `check`, `plot` and of a shard. The rest of the library
//! never prints.

use std::io::Write;
use std::path::Path;

use crate::conditions;
use crate::experiment::Experiment;
use crate::output::METRICS;
use crate::runner::{Assembled, Shard};
use crate::stats::Estimate;

/// Conditions printed in full; more are left to summary.csv.
const MAX_CONDITIONS_SHOWN: usize = 12;

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

/// The summary after a run is assembled.
pub fn print_run(e: &Experiment, dir: &Path, files: &[String], a: &Assembled, wall_seconds: f64) {
    let mut out = std::io::stdout().lock();
    let s = &e.base;
    let _ = writeln!(
        out,
        "bonfire: scenario '{}', {} run(s) ({} point(s) × {} arm(s) × {} replicate(s)), {} sessions, {} members per run",
        s.name,
        e.run_count(),
        e.points.len(),
        e.arms.len(),
        e.replicates,
        s.format.sessions,
        s.total_members()
    );
    let _ = writeln!(out, "wrote {} into {}", files.join(", "), dir.display());
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "at the last session (mean ± 95% CI half-width over replicates):"
    );
    // The metrics printed, with their place in the final rows' values.
    let printed: Vec<(usize, &str, usize)> = METRICS
        .iter()
        .enumerate()
        .filter_map(|(i, m)| Some((i, m.terminal?, m.digits)))
        .collect();
    let headers: String = printed
        .iter()
        .map(|(_, h, _)| format!(" {h:>15}"))
        .collect();
    let _ = writeln!(out, "  {:<34}{headers}", "condition");
    let specs: Vec<_> = e.runs().collect();
    let labels = conditions::labels(e, &a.finals);
    let mut shown = 0;
    'points: for point in 0..e.points.len() {
        for label in &labels {
            if shown == MAX_CONDITIONS_SHOWN {
                let _ = writeln!(out, "  ... and more: see summary.csv");
                break 'points;
            }
            let estimate = |m: usize| {
                let values: Vec<f64> = a
                    .finals
                    .iter()
                    .filter(|f| &f.arm == label)
                    .filter(|f| {
                        let spec = specs[f.run as usize];
                        spec.point == point && (label != "control" || spec.arm == 0)
                    })
                    .filter_map(|f| f.values[m])
                    .collect();
                (!values.is_empty()).then(|| crate::stats::mean_ci(&values))
            };
            let name = match e.point_label(point) {
                p if p.is_empty() => label.clone(),
                p => format!("{p}, {label}"),
            };
            let cells: String = printed
                .iter()
                .map(|&(m, _, digits)| format!(" {:>15}", show(estimate(m), digits)))
                .collect();
            let _ = writeln!(out, "  {name:<34}{cells}");
            shown += 1;
        }
    }
    let effects: Vec<_> = a
        .summary
        .iter()
        .filter(|r| r.effect_size.is_some())
        .take(MAX_CONDITIONS_SHOWN)
        .collect();
    if !effects.is_empty() {
        let _ = writeln!(out);
        let reference = conditions::reference_label(e, &a.finals);
        let _ = writeln!(
            out,
            "loneliness at the end against {reference}, standardised (Cohen's d; positive = less lonely than {reference}):"
        );
        for r in effects {
            let d = r.effect_size.expect("filtered");
            let ci = match (r.effect_size_ci_low, r.effect_size_ci_high) {
                (Some(lo), Some(hi)) => format!(" (95% CI {lo:.2} to {hi:.2})"),
                _ => String::new(),
            };
            let point = e.point_label(r.point);
            let name = if point.is_empty() {
                r.arm.clone()
            } else {
                format!("{point}, {}", r.arm)
            };
            let _ = writeln!(out, "  {name}: {d:.2}{ci}");
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "wall time {wall_seconds:.2} s");
}

/// What a shard did.
pub fn print_shard(dir: &Path, shard: Shard, ran: u64, in_shard: u64) {
    println!(
        "bonfire: shard {}/{}: ran {ran} of its {in_shard} runs into {}; combine the shard folders with `bonfire merge DIR... --out DIR`",
        shard.index,
        shard.count,
        dir.display()
    );
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
pub fn print_check_ok(path: &Path, e: &Experiment) {
    println!(
        "ok: {} (scenario '{}', {} run(s): {} point(s) × {} arm(s) × {} replicate(s); {} members per run, {} sessions)",
        path.display(),
        e.base.name,
        e.run_count(),
        e.points.len(),
        e.arms.len(),
        e.replicates,
        e.base.total_members(),
        e.base.format.sessions,
    );
}

/// `bonfire schema`: the JSON Schema of scenario files, or the key reference.
pub fn print_schema(markdown: bool) {
    let mut out = std::io::stdout().lock();
    let text = if markdown {
        crate::scenario::keys::markdown_reference()
    } else {
        let schema = crate::scenario::keys::file_schema();
        serde_json::to_string_pretty(&schema).expect("a schema is JSON") + "\n"
    };
    let _ = out.write_all(text.as_bytes());
}

/// An error for one file of `bonfire check`.
pub fn print_error(e: &crate::error::Error) {
    eprintln!("error: {e}");
}
