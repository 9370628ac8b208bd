//! `report.html`: one self-contained page a researcher can attach to an email.
//!
//! The page answers first: the scenario's question and one sentence per
//! comparison of its primary outcomes ([`crate::verdict`]), with what the
//! intervals mean. Then the key results of every condition at its last
//! session, every comparison of summary.csv (primary outcomes first), every
//! chart as inline SVG with a caption that says what to look at, and the
//! parameters from `scenario.resolved.toml`, those that differ from the
//! defaults first. It loads nothing from
//! outside itself and needs no script. The markup is well-formed XML
//! (XHTML-style), which the tests check.

use std::fmt::Write;

use super::data::RunData;
use crate::output::rows::{METRICS, Metric, SummaryRow, Swept};
use crate::output::xml::escape;
use crate::stats::Estimate;

/// A chart ready for the page.
pub struct InlineChart {
    /// Its files' name in `charts/` (`isolation` for `isolation.png`).
    pub name: String,
    pub title: String,
    /// What to look at.
    pub caption: String,
    /// The SVG document, without its XML declaration.
    pub svg: String,
}

/// What the page says beyond the charts and the files RunData reads.
pub struct Answers<'a> {
    /// summary.csv, read back (empty without it).
    pub summary: &'a Swept<SummaryRow>,
    /// The primary outcomes (`[question] outcomes`).
    pub outcomes: &'a [String],
    /// Sessions and members, per arm where arms differ.
    pub arms: &'a str,
    /// sensitivity.csv, read back (empty without a sensitivity analysis).
    pub sensitivity: &'a [crate::sensitivity::results::IndexRow],
    /// What the comparisons mix in besides the conditions
    /// ([`crate::experiment::Experiment::comparison_notes`]).
    pub notes: Vec<String>,
}

/// A figure and its interval at the places the interval supports.
fn rounded(v: Option<f64>, lo: Option<f64>, hi: Option<f64>, usual: usize) -> (String, String) {
    let digits = match (lo, hi) {
        (Some(lo), Some(hi)) => crate::stats::digits_for((hi - lo) / 2.0, usual),
        _ => usual,
    };
    let value = v.map_or(String::new(), |v| format!("{v:.digits$}"));
    let ci = match (lo, hi) {
        (Some(lo), Some(hi)) => {
            let end = |x| crate::verdict::interval_end(x, digits);
            format!("{} to {}", end(lo), end(hi))
        }
        _ if v.is_some() => "— (one replicate)".into(),
        _ => String::new(),
    };
    (value, ci)
}

fn show(e: &Estimate, m: &Metric) -> (String, String) {
    let digits = crate::stats::digits_for(e.half_width.unwrap_or(0.0), m.digits);
    let mean = format!("{:.digits$}", e.mean);
    let ci = match e.half_width {
        Some(h) => {
            let (lo, hi) = m.within_range(e.mean - h, e.mean + h);
            let end = |x| crate::verdict::interval_end(x, digits);
            format!("{} to {}", end(lo), end(hi))
        }
        None => "— (one replicate)".to_string(),
    };
    (mean, ci)
}

/// Flattens a TOML table into (dotted key, value) rows, in file order.
fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<(String, String)>) {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(t) => flatten(&full, t, out),
            toml::Value::String(s) => out.push((full, format!("\"{s}\""))),
            other => out.push((full, other.to_string())),
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;\
max-width:1280px;margin:2rem auto;padding:0 1rem;color:#1d1d1f;line-height:1.45}\
h1{margin-bottom:.2rem}p.question{font-size:1.15rem;color:#333;margin-top:.2rem}\
p.meta{color:#666;font-size:.9rem}table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}\
th,td{border-bottom:1px solid #ddd;padding:.3rem .8rem;text-align:left}\
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}th{background:#f4f4f6}\
figure{margin:1.5rem 0}figure svg{width:100%;height:auto;border:1px solid #eee}\
figcaption{color:#555;font-size:.9rem}code{font-size:.9em}\
div.wide{overflow-x:auto}\
@media print{body{margin:0;max-width:none}figure,tr{break-inside:avoid}\
details::details-content{content-visibility:visible;display:block}}";

/// `page` with each table in a box of its own that scrolls sideways where
/// the table is wider than the screen (a phone), so that the page itself
/// keeps the screen's width.
fn scrolling_tables(page: &str) -> String {
    page.replace("<table>", "<div class=\"wide\"><table>")
        .replace("</table>", "</table></div>")
}

/// The whole page: question and answer, key results, comparisons, charts,
/// parameters.
pub fn html(
    data: &RunData,
    resolved: &toml::Table,
    charts: &[InlineChart],
    answers: &Answers,
) -> String {
    let mut page = String::new();
    heading(&mut page, data, resolved, answers);
    if answers.sensitivity.is_empty() {
        answer(&mut page, answers);
        key_results(&mut page, data, answers.outcomes);
        comparison_tables(&mut page, answers);
    } else {
        sensitivity_findings(&mut page, answers.sensitivity);
    }
    chart_figures(&mut page, charts, answers.sensitivity.is_empty());
    parameters(&mut page, resolved);
    page.push_str("</body>\n</html>\n");
    scrolling_tables(&page)
}

/// The document head, the scenario's name and question, and a line of facts
/// about the run.
fn heading(page: &mut String, data: &RunData, resolved: &toml::Table, answers: &Answers) {
    let facts = format!(
        "{} replicate(s) · {} · report of the files in this run's folder",
        data.replicates(),
        answers.arms
    );
    title_block(page, resolved, &facts);
}

/// The document head, the scenario's name and question, and a line of
/// facts.
fn title_block(page: &mut String, resolved: &toml::Table, facts: &str) {
    let name = resolved
        .get("name")
        .and_then(|v| v.as_str())
        .unwrap_or("scenario");
    let question = resolved
        .get("description")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let seed = resolved
        .get("seed")
        .map(|v| v.to_string())
        .unwrap_or_default();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n\
         <meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>bonfire: {title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>{title}</h1>\n",
        title = escape(name)
    );
    if !question.is_empty() {
        let _ = writeln!(page, "<p class=\"question\">{}</p>", escape(question));
    }
    let _ = writeln!(
        page,
        "<p class=\"meta\">bonfire {} · seed {} · {}</p>",
        crate::output::manifest::VERSION,
        escape(&seed),
        escape(facts),
    );
}

/// Verdict sentences shown; the comparison tables hold every one.
const MAX_SENTENCES: usize = 30;

/// One sentence per comparison of the primary outcomes, and what the
/// intervals mean.
fn answer(page: &mut String, answers: &Answers) {
    let sentences = crate::verdict::sentences(
        &answers.summary.rows,
        &answers.summary.keys,
        answers.outcomes,
    );
    let _ = writeln!(
        page,
        "<h2>Answer</h2>\n<p>On the primary outcomes (<code>{}</code>), at each condition's last session:</p>\n<ul class=\"answer\">",
        escape(&answers.outcomes.join(", "))
    );
    let (shown, rest) =
        crate::verdict::shown_first(&sentences, MAX_SENTENCES, "the comparisons below");
    for s in shown {
        let _ = writeln!(page, "<li>{}</li>", escape(s));
    }
    if let Some(rest) = rest {
        let _ = writeln!(page, "<li>{}</li>", escape(&rest));
    }
    let _ = writeln!(page, "</ul>");
    for note in &answers.notes {
        let _ = writeln!(page, "<p class=\"note\">{}</p>", escape(note));
    }
    let _ = writeln!(
        page,
        "<p class=\"note\">{}</p>",
        escape(crate::verdict::INTERVALS)
    );
}

/// Every reported measure at each condition's last session, for every
/// condition; the primary outcomes first.
fn key_results(page: &mut String, data: &RunData, outcomes: &[String]) {
    page.push_str("<h2>Key results at the last session</h2>\n<p>Mean over replicates, with its 95% confidence interval (t distribution, replicates as units), at each condition's last session. Primary outcomes first (<b>bold</b>).</p>\n");
    let metrics = shown_metrics(data, outcomes);
    if data.arms.len() <= 3 {
        page.push_str("<table>\n");
        results_by_measure(page, data, &metrics, outcomes);
        page.push_str("</table>\n");
    } else {
        // A table of a few measures at a time, so that each fits the page.
        for some in metrics.chunks(MEASURES_PER_TABLE) {
            page.push_str("<table>\n");
            results_by_condition(page, data, some, outcomes);
            page.push_str("</table>\n");
        }
    }
}

/// Measures side by side in one table of key results by condition.
const MEASURES_PER_TABLE: usize = 4;

/// The measures the key results show: the primary outcomes, then those
/// reported that some condition has (a run without a community network or
/// a forum has no such figures).
pub fn shown_metrics(data: &RunData, outcomes: &[String]) -> Vec<&'static Metric> {
    let primary = outcomes.iter().filter_map(|name| Metric::named(name));
    let others = METRICS
        .iter()
        .filter(|m| m.report && !outcomes.iter().any(|o| o == m.name));
    primary
        .chain(others)
        .filter(|m| {
            data.arms
                .iter()
                .any(|arm| data.at_end(arm, m.value).is_some())
        })
        .collect()
}

/// A measure's name, bold when it is a primary outcome.
fn measure_name(m: &Metric, outcomes: &[String]) -> String {
    let code = format!("<code>{}</code>", m.name);
    if outcomes.iter().any(|o| o == m.name) {
        format!("<b>{code}</b>")
    } else {
        code
    }
}

/// Few conditions: one row per measure, a mean and a CI column per condition.
fn results_by_measure(page: &mut String, data: &RunData, metrics: &[&Metric], outcomes: &[String]) {
    let _ = writeln!(
        page,
        "<tr><th>measure</th><th>unit</th>{}</tr>",
        data.arms
            .iter()
            .map(|a| format!("<th>{0}: mean</th><th>{0}: 95% CI</th>", escape(a)))
            .collect::<String>()
    );
    for m in metrics {
        let mut cells = String::new();
        for arm in &data.arms {
            match data.at_end(arm, m.value) {
                Some(e) => {
                    let (mean, ci) = show(&e, m);
                    let _ = write!(
                        cells,
                        "<td class=\"num\">{mean}</td><td class=\"num\">{ci}</td>"
                    );
                }
                None => cells.push_str("<td class=\"num\">n/a</td><td class=\"num\">n/a</td>"),
            }
        }
        let _ = writeln!(
            page,
            "<tr><td>{} {}</td><td>{}</td>{cells}</tr>",
            measure_name(m, outcomes),
            escape(m.label),
            m.unit
        );
    }
}

/// Many conditions (a sweep): one row per condition, a cell per measure.
fn results_by_condition(
    page: &mut String,
    data: &RunData,
    metrics: &[&Metric],
    outcomes: &[String],
) {
    let _ = writeln!(
        page,
        "<tr><th>condition</th>{}</tr>",
        metrics
            .iter()
            .map(|m| {
                let label = escape(m.label);
                format!(
                    "<th title=\"{label}\">{} ({})</th>",
                    measure_name(m, outcomes),
                    m.unit
                )
            })
            .collect::<String>()
    );
    for arm in &data.arms {
        let mut cells = String::new();
        for m in metrics {
            match data.at_end(arm, m.value) {
                Some(e) => {
                    let (mean, ci) = show(&e, m);
                    let _ = write!(
                        cells,
                        "<td class=\"num\">{mean}<br/><small>{ci}</small></td>"
                    );
                }
                None => cells.push_str("<td class=\"num\">n/a</td>"),
            }
        }
        let _ = writeln!(page, "<tr><td>{}</td>{cells}</tr>", escape(arm));
    }
}

/// Every comparison of summary.csv: the primary outcomes' in a table, every
/// other measure's below it, folded.
fn comparison_tables(page: &mut String, answers: &Answers) {
    let rows: Vec<&SummaryRow> = answers
        .summary
        .rows
        .iter()
        .filter(|r| r.difference.is_some())
        .collect();
    if rows.is_empty() {
        return;
    }
    let is_primary = |r: &&&SummaryRow| answers.outcomes.contains(&r.metric);
    page.push_str("<h2>Comparisons at the last session</h2>\n<p>Each condition against the one it is compared with (<code>reference</code>), paired by replicate. Difference: this condition minus the reference, in the measure's unit. d: the difference over the pooled standard deviation of members' scores (Cohen's d), for loneliness, hope and self-stigma, positive when this condition is better off. From <code>summary.csv</code>.</p>\n");
    let mut primary: Vec<&&SummaryRow> = Vec::new();
    for outcome in answers.outcomes {
        primary.extend(rows.iter().filter(|r| &r.metric == outcome));
    }
    comparison_table(page, &primary, answers.summary);
    let others: Vec<&&SummaryRow> = rows
        .iter()
        .filter(|r| !is_primary(r))
        .filter(|r| Metric::named(&r.metric).is_some_and(|m| m.report))
        .collect();
    if !others.is_empty() {
        let _ = writeln!(
            page,
            "<details>\n<summary>Every other measure ({} comparisons)</summary>",
            others.len()
        );
        comparison_table(page, &others, answers.summary);
        page.push_str("</details>\n");
    }
}

fn comparison_table(page: &mut String, rows: &[&&SummaryRow], summary: &Swept<SummaryRow>) {
    page.push_str("<table>\n<tr><th>measure</th><th>condition</th><th>reference</th><th>difference</th><th>95% CI</th><th>d</th><th>95% CI</th></tr>\n");
    let keys = &summary.keys;
    let reference_name = |r: &SummaryRow| {
        let swept = reference_swept(r, &summary.rows);
        let arm = r.reference_arm.as_deref().unwrap_or("");
        crate::verdict::condition_name(keys, &swept, arm, true)
    };
    for r in rows {
        // As the sentences state it: a share's difference in percentage
        // points.
        let (factor, unit, usual) =
            Metric::named(&r.metric).map_or((1.0, "", 3), crate::verdict::scale);
        let scaled = |x: Option<f64>| x.map(|x| x * factor);
        let (mut difference, difference_ci) = rounded(
            scaled(r.difference),
            scaled(r.difference_ci_low),
            scaled(r.difference_ci_high),
            usual,
        );
        if !difference.is_empty() {
            difference.push_str(unit);
        }
        let (d, d_ci) = match r.effect_size {
            Some(_) => rounded(
                r.effect_size,
                r.effect_size_ci_low,
                r.effect_size_ci_high,
                2,
            ),
            None => ("n/a".into(), "n/a".into()),
        };
        let _ = writeln!(
            page,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&r.metric),
            escape(&crate::verdict::condition_name(
                keys, &r.swept, &r.arm, true
            )),
            escape(&reference_name(r)),
            escape(&difference),
            escape(&difference_ci),
            escape(&d),
            escape(&d_ci)
        );
    }
    page.push_str("</table>\n");
}

/// The swept values of a row's reference point (its own point's unless a
/// sweep compares points).
fn reference_swept(r: &SummaryRow, rows: &[SummaryRow]) -> Vec<String> {
    match r.reference_point {
        Some(p) if p != r.point => rows
            .iter()
            .find(|o| o.point == p)
            .map_or_else(Vec::new, |o| o.swept.to_vec()),
        _ => r.swept.to_vec(),
    }
}

/// A sensitivity analysis's sentence per outcome and a table of its
/// indices.
fn sensitivity_findings(page: &mut String, rows: &[crate::sensitivity::results::IndexRow]) {
    use crate::sensitivity::results;
    page.push_str("<h2>Which factors matter</h2>\n<p>Per outcome, the factors whose influence is clearly above the noise level. Every design point ran on the same random numbers, so differences between points are the factors' doing, except for a factor that changes the number of places (group size, groups), which changes who draws which numbers (its note says so); the noise share is the part of an outcome's variance that replicate noise could explain.</p>\n<ul class=\"answer\">\n");
    for sentence in results::findings(rows) {
        let _ = writeln!(page, "<li>{}</li>", escape(&sentence));
    }
    page.push_str("</ul>\n<details>\n<summary>Every index with its interval</summary>\n<table>\n<tr><th>outcome</th><th>factor</th><th>index</th><th>estimate</th><th>95% interval</th></tr>\n");
    for r in rows {
        let (value, ci) = rounded(r.estimate, r.ci_low, r.ci_high, 3);
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{value}</td><td>{ci}</td></tr>",
            escape(&r.outcome),
            escape(&r.factor),
            escape(&r.index)
        );
    }
    page.push_str("</table>\n</details>\n");
    for caveat in results::bounds_caveats(rows) {
        let _ = writeln!(page, "<p class=\"note\">{}.</p>", escape(&caveat));
    }
    page.push_str("<p class=\"note\">All indices with the noise share: <code>sensitivity.csv</code>; each point's factor values: <code>design.csv</code>; its outcomes: <code>points.csv</code>.</p>\n");
}

/// Every chart as an inline SVG figure with its title as caption: an
/// image to a screen reader, named by its caption (not a heap of tick
/// labels).
fn chart_figures(page: &mut String, charts: &[InlineChart], over_time: bool) {
    if over_time {
        page.push_str("<h2>Charts</h2>\n<p>Lines are means over replicates; shaded bands are 95% confidence intervals of each condition on its own. Bands that overlap do not mean that conditions do not differ: the answer above compares them paired by replicate, on common random numbers, which is more precise.</p>\n");
    } else {
        page.push_str("<h2>Charts</h2>\n");
    }
    for c in charts {
        let id = format!("chart-{}", escape(&c.name));
        let svg = c.svg.replacen(
            "<svg ",
            &format!("<svg role=\"img\" aria-labelledby=\"{id}\" "),
            1,
        );
        let _ = writeln!(
            page,
            "<figure>\n{svg}\n<figcaption id=\"{id}\"><b>{}.</b> {}</figcaption>\n</figure>",
            escape(&c.title),
            escape(&c.caption),
        );
    }
}

/// The tables whose keys name scenario keys that vary between runs.
const VARYING_TABLES: [&str; 3] = ["sweep", "sensitivity.factors", "calibration.parameters"];

/// Every key of the resolved scenario: first those whose value differs from
/// the default or that an experiment's table varies (and the experiment's
/// tables themselves), with the default beside them; then the rest, folded.
fn parameters(page: &mut String, resolved: &toml::Table) {
    let mut rows = Vec::new();
    flatten("", resolved, &mut rows);
    let defaults = toml::Table::try_from(crate::scenario::Parameters::default())
        .expect("the defaults serialise");
    let mut default_rows = Vec::new();
    flatten("", &defaults, &mut default_rows);
    let default_of = |key: &str| {
        default_rows
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    // A key an experiment's table varies is not at its default, whatever
    // the base value says: its runs take the sweep's values, the design's,
    // the particles' or the arms'.
    let arm_keys: Vec<&String> = resolved
        .get("arm")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_table)
        .flat_map(|arm| arm.keys())
        .filter(|k| !["name", "attends"].contains(&k.as_str()))
        .collect();
    let varied_by = |key: &str| {
        if arm_keys.iter().any(|k| *k == key) {
            return Some("[[arm]]".to_string());
        }
        VARYING_TABLES
            .iter()
            .find(|table| {
                rows.iter().any(|(k, _)| {
                    let varied = k
                        .strip_prefix(*table)
                        .and_then(|rest| rest.strip_prefix('.'));
                    // The sweep's own settings (`together`, `replicates`)
                    // vary nothing.
                    let own = **table == "sweep"
                        && varied.is_some_and(|v| crate::experiment::SWEEP_SETTINGS.contains(&v));
                    !own && varied
                        .and_then(|rest| rest.strip_prefix(key))
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
                })
            })
            .map(|table| format!("[{table}]"))
    };
    let (set, rest): (Vec<_>, Vec<_>) = rows
        .iter()
        .partition(|(k, v)| default_of(k) != Some(v.as_str()) || varied_by(k).is_some());
    page.push_str("<h2>Parameters</h2>\n<p>The keys of <code>scenario.resolved.toml</code> (running that file reproduces this run). First those this scenario sets to something other than the default, with the default beside them.</p>\n<table>\n<tr><th>key</th><th>value</th><th>default</th></tr>\n");
    for (k, v) in &set {
        let value = match varied_by(k) {
            Some(table) => format!("{v}, varied by {table}"),
            None => v.clone(),
        };
        let _ = writeln!(
            page,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            escape(k),
            escape(&value),
            escape(default_of(k).unwrap_or("(an experiment's table: no scenario default)"))
        );
    }
    let _ = writeln!(
        page,
        "</table>\n<details>\n<summary>The {} keys at their defaults</summary>\n<table>\n<tr><th>key</th><th>value</th></tr>",
        rest.len()
    );
    for (k, v) in &rest {
        let _ = writeln!(
            page,
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            escape(k),
            escape(v)
        );
    }
    page.push_str("</table>\n</details>\n");
}

/// What a calibration's page says beyond its charts: its files, read back.
pub struct Calibration<'a> {
    pub parameters: &'a [crate::calibration::outputs::ParameterRow],
    pub fit: &'a [crate::calibration::outputs::FitRow],
    pub generations: &'a [crate::calibration::outputs::GenerationRow],
}

/// A calibration's page: how it ended and what it found, the posterior of
/// each parameter and the fit to each target as tables, the charts, the
/// generations, and the scenario's keys.
pub fn calibration_html(
    resolved: &toml::Table,
    charts: &[InlineChart],
    found: &Calibration,
) -> String {
    use crate::calibration::outputs::{converged, ending, findings, short};
    use crate::calibration::spec::{CalibrationSpec, tolerance_floor};
    let setting = resolved
        .get("calibration")
        .and_then(|c| c.as_table())
        .and_then(|t| CalibrationSpec::parse(t).ok())
        .unwrap_or_else(|| CalibrationSpec::parse(&toml::Table::new()).expect("the defaults"));
    let replicates = resolved
        .get("replicates")
        .map_or("1".into(), |v| v.to_string());
    let mut page = String::new();
    let facts = format!(
        "calibration of {} parameter(s) to {} target(s), {replicates} replicate(s) per particle, on common random numbers",
        found.parameters.len(),
        found.fit.len()
    );
    title_block(&mut page, resolved, &facts);
    let floor = tolerance_floor(found.fit.len());
    let end = ending(
        found.generations,
        floor,
        setting.min_acceptance,
        setting.generations,
    );
    let _ = writeln!(
        page,
        "<h2>What the calibration found</h2>\n<p>Approximate Bayesian computation (adaptive population Monte Carlo): {}.</p>\n<ul class=\"answer\">",
        escape(&end)
    );
    let converged = converged(found.generations, floor, setting.min_acceptance);
    for sentence in findings(found.parameters, found.fit, converged) {
        let _ = writeln!(page, "<li>{}</li>", escape(&sentence));
    }
    page.push_str("</ul>\n<h2>Posterior</h2>\n<table>\n<tr><th>parameter</th><th>median</th><th>95% credible interval</th><th>prior</th></tr>\n");
    for p in found.parameters {
        let _ = writeln!(
            page,
            "<tr><td><code>{}</code></td><td>{}</td><td>{} to {}</td><td>{}</td></tr>",
            escape(&p.parameter),
            escape(&short(&p.median)),
            escape(&short(&p.low)),
            escape(&short(&p.high)),
            escape(&p.prior)
        );
    }
    page.push_str("</table>\n<h2>Fit to each target</h2>\n<table>\n<tr><th>target</th><th>observed ± its standard error (<code>sd</code>)</th><th>simulated (posterior mean)</th><th>95% band</th><th>z</th></tr>\n");
    for f in found.fit {
        let num = |v: Option<f64>| v.map_or("-".to_string(), |x| short(&x.to_string()));
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{} ± {}</td><td>{}</td><td>{} to {}</td><td>{}</td></tr>",
            escape(&f.target),
            short(&f.observed.to_string()),
            short(&f.sd.to_string()),
            num(f.simulated),
            num(f.simulated_low),
            num(f.simulated_high),
            f.z.map_or("-".into(), |z| format!("{z:+.2}"))
        );
    }
    page.push_str("</table>\n");
    chart_figures(&mut page, charts, false);
    page.push_str("<details>\n<summary>Generations</summary>\n<table>\n<tr><th>generation</th><th>particles simulated</th><th>tolerance ε</th><th>acceptance</th><th>mean distance kept</th></tr>\n");
    for g in found.generations {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{:.3}</td><td>{}</td><td>{:.3}</td></tr>",
            g.generation,
            g.simulations,
            g.epsilon,
            g.acceptance
                .map_or("-".into(), |a| format!("{:.0}%", 100.0 * a)),
            g.mean_distance
        );
    }
    page.push_str("</table>\n</details>\n<p class=\"note\">The posterior sample: <code>posterior.csv</code>; per parameter: <code>parameters.csv</code>; per target: <code>fit.csv</code>; per generation: <code>generations.csv</code> and <code>generation-NNN/particles.csv</code>; the scenario with the posterior medians: <code>scenario.fitted.toml</code>.</p>\n");
    parameters(&mut page, resolved);
    page.push_str("</body>\n</html>\n");
    scrolling_tables(&page)
}
