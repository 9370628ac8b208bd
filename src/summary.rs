//! Everything bonfire prints for people: the end-of-run summary on stdout,
//! the results of `check`, `plot` and of a shard. The rest of the library
//! never prints.

use std::io::Write;
use std::path::Path;

use crate::conditions;
use crate::experiment::Experiment;
use crate::output::{METRICS, Table};
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
        }) => {
            let digits = crate::stats::digits_for(h, digits);
            format!("{mean:.digits$} ± {h:.digits$}")
        }
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
    print_tables(&mut out, e, a);
    print_effects(&mut out, e, a);
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "the intervals are the Monte Carlo precision of these replicates at these parameters, not the uncertainty of the parameters themselves"
    );
    let _ = writeln!(out, "wall time {wall_seconds:.2} s");
}

/// The tables of the last session's figures by condition ([`Table`]): each
/// printed when one of its metrics has a value, with a column for each that
/// has one.
fn print_tables(out: &mut impl Write, e: &Experiment, a: &Assembled) {
    let specs: Vec<_> = e.runs().collect();
    let labels = conditions::labels(e, &a.finals);
    // Every condition shown: its name, its point and its arm's label.
    let mut conditions = Vec::new();
    'points: for point in 0..e.points.len() {
        for label in &labels {
            if conditions.len() == MAX_CONDITIONS_SHOWN {
                break 'points;
            }
            let name = match e.point_label(point) {
                p if p.is_empty() => label.clone(),
                p => format!("{p}, {label}"),
            };
            conditions.push((name, point, label));
        }
    }
    let more = conditions.len() < e.points.len() * labels.len();
    let split = conditions::control_differs(e, &a.finals);
    let estimate = |m: usize, point: usize, label: &String| {
        let values: Vec<f64> = a
            .finals
            .iter()
            .filter(|f| {
                specs[f.run as usize].point == point
                    && conditions::condition_of(e, f.run, &f.arm, split).as_ref() == Some(label)
            })
            .filter_map(|f| f.values[m])
            .collect();
        (!values.is_empty()).then(|| crate::stats::mean_ci(&values))
    };
    for table in Table::ALL {
        // The metrics printed, with their place in the final rows' values:
        // those of this table that some condition has.
        let printed: Vec<(usize, &str, usize)> = METRICS
            .iter()
            .enumerate()
            .filter(|(_, m)| m.table == table)
            .filter_map(|(i, m)| Some((i, m.terminal?, m.digits)))
            .filter(|&(i, _, _)| {
                conditions
                    .iter()
                    .any(|(_, point, label)| estimate(i, *point, label).is_some())
            })
            .collect();
        if printed.is_empty() {
            continue;
        }
        if table != Table::Outcomes {
            let _ = writeln!(out);
        }
        let headers: String = printed
            .iter()
            .map(|(_, h, _)| format!(" {h:>18}"))
            .collect();
        let _ = writeln!(out, "  {:<34}{headers}", "condition");
        for (name, point, label) in &conditions {
            let cells: String = printed
                .iter()
                .map(|&(m, _, digits)| format!(" {:>18}", show(estimate(m, *point, label), digits)))
                .collect();
            let _ = writeln!(out, "  {name:<34}{cells}");
        }
        if more {
            let _ = writeln!(out, "  ... and more: see summary.csv");
        }
    }
}

/// The loneliness effect sizes of summary.csv, against each row's reference.
fn print_effects(out: &mut impl Write, e: &Experiment, a: &Assembled) {
    let effects: Vec<_> = a
        .summary
        .iter()
        .filter(|r| r.effect_size.is_some())
        .take(MAX_CONDITIONS_SHOWN)
        .collect();
    if !effects.is_empty() {
        let _ = writeln!(out);
        let reference = conditions::reference_label(e, &a.finals);
        let uniform = effects
            .iter()
            .all(|r| r.reference_arm.as_deref() == Some(reference.as_str()));
        if uniform {
            let _ = writeln!(
                out,
                "loneliness at the end against {reference}, standardised (Cohen's d; positive = less lonely than {reference}):"
            );
        } else {
            // Each arm against its own run's control members, or each arm's
            // control members against the reference arm's.
            let _ = writeln!(
                out,
                "loneliness at the end, standardised (Cohen's d; positive = less lonely than the condition it is compared with):"
            );
        }
        for r in effects {
            let d = r.effect_size.expect("filtered");
            let (ci, digits) = match (r.effect_size_ci_low, r.effect_size_ci_high) {
                (Some(lo), Some(hi)) => {
                    let digits = crate::stats::digits_for((hi - lo) / 2.0, 2);
                    (format!(" (95% CI {lo:.digits$} to {hi:.digits$})"), digits)
                }
                _ => (String::new(), 2),
            };
            let point = e.point_label(r.point);
            let name = if point.is_empty() {
                r.arm.clone()
            } else {
                format!("{point}, {}", r.arm)
            };
            let against = match &r.reference_arm {
                Some(own) if !uniform => format!(", against {own}"),
                _ => String::new(),
            };
            let _ = writeln!(out, "  {name}: {d:.digits$}{ci}{against}");
        }
    }
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
