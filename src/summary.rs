//! Everything bonfire prints for people: the end-of-run summary on stdout,
//! the results of `check`, `plot` and of a shard. The rest of the library
//! never prints.

use std::io::Write;
use std::path::Path;

use crate::conditions;
use crate::disk;
use crate::experiment::Experiment;
use crate::memory;
use crate::output::{METRICS, Metric, Table};
use crate::runner::{Assembled, Shard};
use crate::stats::Estimate;

use crate::console::{say, say_err};

/// Conditions printed in full (every point of a 4 × 4 sweep, or of a
/// 4 × 2 sweep beside a control); more are left to summary.csv, with a
/// line that says how many.
const MAX_CONDITIONS_SHOWN: usize = 16;

fn show(e: Option<Estimate>, digits: usize) -> String {
    match e {
        None => "-".into(),
        Some(Estimate {
            mean,
            half_width: Some(h),
        }) => {
            let digits = crate::stats::digits_for(h, digits);
            let half = format!("{h:.digits$}");
            // A half-width too small for the six digits the mean is given
            // to (replicates that agree but for rounding) is given in its
            // own first digit, not as "± 0.000000", which reads as none.
            if h > 0.0 && half.bytes().all(|b| matches!(b, b'0' | b'.')) {
                format!("{mean:.digits$} ± {h:.0e}")
            } else {
                format!("{mean:.digits$} ± {half}")
            }
        }
        Some(Estimate {
            mean,
            half_width: None,
        }) => format!("{mean:.digits$}"),
    }
}

/// Verdict sentences printed; more are left to summary.csv and the report.
const MAX_SENTENCES: usize = 16;

/// The summary after a run is assembled: the question and the answer on
/// its primary outcomes first, then the tables of the last session.
pub fn print_run(e: &Experiment, dir: &Path, files: &[String], a: &Assembled, wall_seconds: f64) {
    let mut out = std::io::stdout().lock();
    let s = &e.base;
    let _ = writeln!(
        out,
        "bonfire: scenario '{}', {} run(s) ({} point(s) × {} arm(s) × {} replicate(s)), {}",
        s.name,
        e.run_count(),
        e.points.len(),
        e.arms.len(),
        e.replicates,
        e.arms_described()
    );
    let _ = writeln!(out);
    if let Some(analysis) = &e.sensitivity {
        print_sensitivity(&mut out, e, analysis, &a.sensitivity);
    } else {
        print_answer(&mut out, e, a);
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "at the last session (mean ± 95% CI half-width over replicates):"
        );
        print_tables(&mut out, e, a);
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "every outcome's difference against its reference, with d for loneliness, hope and self-stigma: summary.csv and report.html"
        );
    }
    let _ = writeln!(out, "wrote {} into {}", files.join(", "), dir.display());
    let _ = writeln!(out, "wall time {wall_seconds:.2} s");
}

/// A sensitivity analysis: its design, a sentence per outcome, and each
/// outcome's factors ranked by their total index (Sobol) or μ* (Morris).
fn print_sensitivity(
    out: &mut impl Write,
    e: &Experiment,
    analysis: &crate::sensitivity::Analysis,
    rows: &[crate::sensitivity::results::IndexRow],
) {
    use crate::sensitivity::results::{self, short_name};
    let spec = &analysis.spec;
    let design = match spec.method {
        crate::sensitivity::Method::Sobol => format!(
            "Sobol indices from a Saltelli design of {} rows × ({} factors + 2)",
            spec.samples,
            spec.factors.len()
        ),
        crate::sensitivity::Method::Morris => format!(
            "Morris elementary effects from {} trajectories of {} factors on {} levels",
            spec.samples,
            spec.factors.len(),
            spec.levels
        ),
    };
    let _ = writeln!(
        out,
        "sensitivity: {design}, arm {}, on common random numbers; intervals: {} bootstrap resamples",
        e.arms[analysis.arm].name, spec.bootstrap
    );
    for sentence in results::findings(rows) {
        let _ = writeln!(out, "  - {sentence}");
    }
    for caveat in results::bounds_caveats(rows) {
        let _ = writeln!(out, "  {caveat}.");
    }
    let sobol = spec.method == crate::sensitivity::Method::Sobol;
    let (main, other) = if sobol {
        ("ST", "S1")
    } else {
        ("mu_star", "sigma")
    };
    let width = spec
        .factors
        .iter()
        .map(|f| short_name(&f.key).chars().count())
        .max()
        .unwrap_or(6);
    let cell = |r: Option<&results::IndexRow>| match r.and_then(|r| r.estimate.map(|x| (x, r))) {
        Some((x, r)) => format!(
            "{x:>7.3} [{:.3}, {:.3}]",
            r.ci_low.unwrap_or(f64::NAN),
            r.ci_high.unwrap_or(f64::NAN)
        ),
        None => "      -".into(),
    };
    for outcome in results::outcomes(rows) {
        let noise = rows
            .iter()
            .find(|r| r.outcome == outcome)
            .and_then(|r| r.noise_share);
        let noise = noise.map_or("-".into(), |n| format!("{n:.3}"));
        let _ = writeln!(out);
        let _ = writeln!(out, "  {outcome} (noise share {noise})");
        let _ = writeln!(out, "    {:width$}  {main:>24}  {other:>24}", "factor");
        for r in results::ranked(rows, &outcome) {
            let second = rows
                .iter()
                .find(|o| o.outcome == outcome && o.factor == r.factor && o.index == other);
            let _ = writeln!(
                out,
                "    {:width$}  {:>24}  {:>24}",
                short_name(&r.factor),
                cell(Some(r)),
                cell(second)
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "every index with its interval and the noise share: sensitivity.csv; each point's factors and outcomes: design.csv and points.csv"
    );
}

/// The question, one sentence per comparison of the primary outcomes, and
/// what the intervals mean.
fn print_answer(out: &mut impl Write, e: &Experiment, a: &Assembled) {
    if !e.base.description.is_empty() {
        let _ = writeln!(out, "question: {}", e.base.description);
    }
    let keys = e.point_keys();
    let sentences = crate::verdict::sentences(&a.summary, &keys, &e.base.question.outcomes);
    let _ = writeln!(out, "answer ({}):", e.base.question.outcomes.join(", "));
    let (shown, rest) =
        crate::verdict::shown_first(&sentences, MAX_SENTENCES, "summary.csv and report.html");
    for s in shown {
        let _ = writeln!(out, "  - {s}");
    }
    if let Some(rest) = rest {
        let _ = writeln!(out, "  {rest}");
    }
    for note in e.comparison_notes(&a.summary) {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", crate::verdict::wrap(&note, 100).join("\n"));
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{}",
        crate::verdict::wrap(crate::verdict::INTERVALS, 100).join("\n")
    );
}

/// The tables of the last session's figures by condition, from
/// summary.csv's rows: first the primary outcomes, then the other printed
/// metrics by [`Table`]; each table printed when one of its metrics has a
/// value, with a column for each that has one.
fn print_tables(out: &mut impl Write, e: &Experiment, a: &Assembled) {
    let labels = conditions::labels(e, &a.finals);
    let keys = e.point_keys();
    // Every condition shown: its name, its point and its arm's label.
    let mut shown = Vec::new();
    'points: for point in 0..e.points.len() {
        for label in &labels {
            if shown.len() == MAX_CONDITIONS_SHOWN {
                break 'points;
            }
            let swept = e.point_values(point);
            let name = crate::verdict::condition_name(&keys, &swept, label, labels.len() > 1);
            shown.push((name, point, label));
        }
    }
    let more = e.points.len() * labels.len() - shown.len();
    let width = shown
        .iter()
        .map(|(name, _, _)| name.chars().count())
        .max()
        .unwrap_or(0)
        .max(9)
        + 2;
    let estimate = |metric: &str, point: usize, label: &String| {
        let r = a
            .summary
            .iter()
            .find(|r| r.point == point && &r.arm == label && r.metric == metric)?;
        Some(Estimate {
            mean: r.mean,
            half_width: r.ci_high.map(|hi| hi - r.mean),
        })
    };
    let outcomes = &e.base.question.outcomes;
    let primary: Vec<&Metric> = outcomes.iter().filter_map(|o| Metric::named(o)).collect();
    let mut tables = vec![primary];
    tables.extend(Table::ALL.iter().map(|&table| {
        METRICS
            .iter()
            .filter(|m| m.table == table && m.terminal && !outcomes.iter().any(|o| o == m.name))
            .collect()
    }));
    for (k, table) in tables.iter().enumerate() {
        let printed: Vec<&&Metric> = table
            .iter()
            .filter(|m| {
                shown
                    .iter()
                    .any(|(_, p, l)| estimate(m.name, *p, l).is_some())
            })
            .collect();
        if printed.is_empty() {
            continue;
        }
        let _ = writeln!(out);
        if k == 0 {
            let _ = writeln!(out, "  primary outcomes");
        }
        let headers: String = printed.iter().map(|m| format!(" {:>18}", m.name)).collect();
        let _ = writeln!(out, "  {:<width$}{headers}", "condition");
        for (name, point, label) in &shown {
            let cells: String = printed
                .iter()
                .map(|m| format!(" {:>18}", show(estimate(m.name, *point, label), m.digits)))
                .collect();
            let _ = writeln!(out, "  {name:<width$}{cells}");
        }
        if more > 0 {
            let conditions = if more == 1 { "condition" } else { "conditions" };
            let _ = writeln!(out, "  ... and {more} more {conditions}: see summary.csv");
        }
    }
}

/// What a shard did.
pub fn print_shard(dir: &Path, shard: Shard, ran: u64, in_shard: u64) {
    say!(
        "bonfire: shard {}/{}: ran {ran} of its {in_shard} runs into {}; combine the shard folders with `bonfire merge DIR... --out DIR`",
        shard.index,
        shard.count,
        dir.display()
    );
}

/// What `bonfire plot` drew.
pub fn print_plot(dir: &Path, written: &[std::path::PathBuf]) {
    say!(
        "redrew {} files in {} (charts/ and report.html)",
        written.len(),
        dir.display()
    );
}

/// One line per valid file for `bonfire check`.
pub fn print_check_ok(path: &Path, e: &Experiment, estimate: &memory::Estimate, threads: usize) {
    if let Some(plan) = &e.calibration {
        let later = plan.spec.particles - plan.spec.settings(0).kept();
        say!(
            "ok: {} (scenario '{}', a calibration of {} parameter(s): {} run(s) in generation 0, {} particle(s) × {} arm(s) × {} replicate(s), and {} in each later one, which simulates the {} new particles; at most {} generations; {} members per run, {} sessions)",
            path.display(),
            e.base.name,
            plan.spec.parameters.len(),
            e.run_count(),
            e.points.len(),
            e.arms.len(),
            e.replicates,
            e.run_count() / e.points.len() as u64 * later as u64,
            later,
            plan.spec.generations,
            e.base.total_members(),
            e.base.format.sessions,
        );
    } else {
        print_check_line(path, e);
    }
    print_unused(e);
    let free = memory::available_bytes().map_or_else(|| "unknown".to_string(), memory::in_words);
    say!(
        "    estimated peak: {} on {threads} thread(s); free on this machine: {free}",
        estimate.describe()
    );
    let folder = std::path::Path::new("output").join(&e.base.name);
    let files = disk::estimate(e, None);
    let free =
        disk::available_bytes(&folder).map_or_else(|| "unknown".to_string(), disk::size_in_words);
    say!(
        "    estimated files: {} ({}); at most {} on disk while it runs; free on the disk of {}: {free}",
        disk::size_in_words(files.total),
        files.describe(),
        disk::size_in_words(files.peak),
        folder.display()
    );
}

fn print_check_line(path: &Path, e: &Experiment) {
    say!(
        "ok: {} (scenario '{}', {} run(s): {} point(s) × {} arm(s) × {} replicate(s); {})",
        path.display(),
        e.base.name,
        e.run_count(),
        e.points.len(),
        e.arms.len(),
        e.replicates,
        e.arms_described(),
    );
}

/// `bonfire schema`: the JSON Schema of scenario files, or the key reference.
pub fn print_schema(markdown: bool) {
    let mut out = std::io::stdout().lock();
    let text = if markdown {
        crate::scenario::keys::markdown_reference()
    } else {
        let schema = crate::file_schema::file_schema();
        serde_json::to_string_pretty(&schema).expect("a schema is JSON") + "\n"
    };
    let _ = out.write_all(text.as_bytes());
}

/// An error for one file of `bonfire check`.
pub fn print_error(e: &crate::error::Error) {
    say_err!("error: {e}");
}

/// A warning on stderr for each setting no run of the experiment applies.
pub fn print_unused(e: &Experiment) {
    let ignored = e.sensitivity.iter().flat_map(|a| &a.spec.ignored);
    for unused in e.unused.iter().chain(ignored) {
        say_err!("warning: {unused}");
    }
}

/// The line that says where a generation's runs come from when some did
/// not run here: gathered from its shards, or sealed before a stop (for a
/// shard, of its own slice's runs). `None` where every run is run here,
/// the usual case.
pub fn generation_start_line(
    start: &crate::calibration::driver::GenerationStart,
) -> Option<String> {
    let done = start.runs - start.left;
    let rest = match start.left {
        0 => String::new(),
        left => format!("; running the other {left} here"),
    };
    match start.shards {
        0 if done == 0 => None,
        0 => Some(format!(
            "generation {}: {done} of its {} runs were sealed before it stopped{rest}",
            start.generation, start.runs
        )),
        shards => Some(format!(
            "generation {}: gathered {done} of its {} runs from {shards} shard folder{}{rest}",
            start.generation,
            start.runs,
            if shards == 1 { "" } else { "s" }
        )),
    }
}

/// One line on stderr as a calibration's generation ends.
pub fn generation_line(
    generation: usize,
    population: &crate::calibration::apmc::Population,
    ran: bool,
) -> String {
    let acceptance = population
        .acceptance
        .map_or(String::new(), |a| format!(", acceptance {:.1}%", 100.0 * a));
    let how = if ran { "" } else { " (read back)" };
    format!(
        "generation {generation}{how}: tolerance ε = {:.4}{acceptance}",
        population.epsilon
    )
}

/// The summary after a calibration: how it ended, each parameter's
/// posterior, and how far the fit is from each target.
pub fn print_calibration(
    c: &crate::calibration::driver::Calibrated,
    written: &crate::calibration::outputs::Written,
    dir: &Path,
    files: &[String],
    wall_seconds: f64,
) {
    use crate::calibration::outputs::{converged, ending, findings, short};
    let mut out = std::io::stdout().lock();
    let plan = c
        .experiment
        .calibration
        .as_ref()
        .expect("a calibration's plan");
    let floor = plan.spec.settings(c.targets.len()).floor;
    let _ = writeln!(
        out,
        "calibration of '{}' ({} replicate(s) per particle): {}",
        c.experiment.base.name,
        c.experiment.replicates,
        ending(
            &written.generations,
            floor,
            plan.spec.min_acceptance,
            plan.spec.generations
        )
    );
    let converged = converged(&written.generations, floor, plan.spec.min_acceptance);
    for sentence in findings(&written.parameters, &written.fit, converged) {
        let _ = writeln!(out, "  - {sentence}");
    }
    let _ = writeln!(
        out,
        "\nfit (observed ± sd; simulated: posterior mean [95% band]; z = (simulated - observed) / sd):"
    );
    for f in &written.fit {
        let sim = match (f.simulated, f.simulated_low, f.simulated_high, f.z) {
            (Some(m), Some(l), Some(h), Some(z)) => format!(
                "{} [{}, {}]  z = {z:+.2}",
                short(&m.to_string()),
                short(&l.to_string()),
                short(&h.to_string())
            ),
            _ => "not defined in the runs".into(),
        };
        let _ = writeln!(
            out,
            "  {:<36} {} ± {}   {sim}",
            f.target,
            short(&f.observed.to_string()),
            short(&f.sd.to_string())
        );
    }
    let _ = writeln!(
        out,
        "\nwrote {} in {:.1} s: {}",
        dir.display(),
        wall_seconds,
        files.join(", ")
    );
    let _ = writeln!(
        out,
        "the fitted scenario (posterior medians) runs with `bonfire run {}`",
        dir.join("scenario.fitted.toml").display()
    );
}

/// What a calibration's shard did.
pub fn print_calibration_shard(dir: &Path, shard: Shard, done: Option<(usize, u64, u64)>) {
    match done {
        Some((generation, ran, of)) => say!(
            "bonfire: shard {shard} of generation {generation}: ran {ran} of its {of} runs into {}; when every shard is done, `bonfire calibrate --resume {} --gather` gathers them and finishes the generation",
            dir.display(),
            dir.display()
        ),
        None => say!(
            "bonfire: the calibration in {} has no generation left to run; `bonfire calibrate --resume {}` writes its results",
            dir.display(),
            dir.display()
        ),
    }
}

/// What `calibrate --gather` left: the generation whose shards come next.
pub fn print_gathered(dir: &Path, generation: usize) {
    say!(
        "bonfire: {}: generation {generation} is next and none of its runs has run; run its shards (`bonfire calibrate --resume {} --shard I/N`), then gather again",
        dir.display(),
        dir.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibration::driver::GenerationStart;

    #[test]
    fn a_half_width_too_small_for_six_digits_is_given_in_its_first_digit() {
        let estimate = |mean, half_width| Some(Estimate { mean, half_width });
        assert_eq!(show(estimate(0.73125, Some(1.6e-8)), 3), "0.731250 ± 2e-8");
        assert_eq!(show(estimate(0.73125, Some(0.004)), 2), "0.731 ± 0.004");
        assert_eq!(show(estimate(0.5, Some(0.0)), 3), "0.500 ± 0.000");
        assert_eq!(show(estimate(6.0, None), 2), "6.00");
        assert_eq!(show(None, 2), "-");
    }

    #[test]
    fn a_generation_says_where_its_runs_come_from_only_when_some_did_not_run_here() {
        let start = |left, shards| GenerationStart {
            generation: 2,
            runs: 10,
            left,
            sessions: 52 * left,
            shards,
        };
        assert_eq!(generation_start_line(&start(10, 0)), None);
        assert_eq!(
            generation_start_line(&start(4, 0)).unwrap(),
            "generation 2: 6 of its 10 runs were sealed before it stopped; running the other 4 here"
        );
        assert_eq!(
            generation_start_line(&start(0, 3)).unwrap(),
            "generation 2: gathered 10 of its 10 runs from 3 shard folders"
        );
        assert_eq!(
            generation_start_line(&start(10, 1)).unwrap(),
            "generation 2: gathered 0 of its 10 runs from 1 shard folder; running the other 10 here"
        );
    }
}
