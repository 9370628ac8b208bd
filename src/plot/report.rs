//! `report.html`: one self-contained page a researcher can attach to an email.
//!
//! The page holds the scenario's name and question, the key results at the
//! last session with 95% confidence intervals, every chart as inline SVG,
//! and every parameter from `scenario.resolved.toml`. It loads nothing from
//! outside itself and needs no script. The markup is well-formed XML
//! (XHTML-style), which the tests check.

use std::fmt::Write;

use super::data::RunData;
use crate::output::rows::{METRICS, Metric, SummaryRow, Swept};
use crate::output::xml::escape;
use crate::stats::Estimate;

/// A chart ready for the page.
pub struct InlineChart {
    pub title: String,
    /// The SVG document, without its XML declaration.
    pub svg: String,
}

/// One arm against the reference, as summary.csv gives it.
pub struct Comparison {
    pub condition: String,
    pub reference: String,
    pub difference: String,
    pub difference_ci: String,
    pub effect_size: String,
    pub effect_size_ci: String,
}

/// The loneliness comparisons of summary.csv (none without the file).
pub fn comparisons(summary_csv: &std::path::Path) -> Vec<Comparison> {
    let Ok(Swept { keys, rows }) = SummaryRow::read(summary_csv) else {
        return Vec::new();
    };
    // Each figure to the places its interval supports (never a point).
    let places = |lo: Option<f64>, hi: Option<f64>| match (lo, hi) {
        (Some(lo), Some(hi)) => crate::stats::digits_for((hi - lo) / 2.0, 3),
        _ => 3,
    };
    let rounded =
        |v: Option<f64>, digits: usize| v.map_or(String::new(), |v| format!("{v:.digits$}"));
    let pair = |lo: Option<f64>, hi: Option<f64>| match (lo, hi) {
        (Some(lo), Some(hi)) => {
            let digits = places(Some(lo), Some(hi));
            format!("{lo:.digits$} to {hi:.digits$}")
        }
        _ => String::new(),
    };
    rows.into_iter()
        .filter(|r| r.metric == "loneliness_mean" && r.difference.is_some())
        .map(|r| {
            let point: Vec<String> = keys
                .iter()
                .zip(&r.swept)
                .map(|(k, v)| format!("{}={v}", k.rsplit('.').next().unwrap_or(k)))
                .collect();
            Comparison {
                condition: if point.is_empty() {
                    r.arm
                } else {
                    format!("{}: {}", point.join(", "), r.arm)
                },
                reference: r.reference_arm.unwrap_or_default(),
                difference: rounded(
                    r.difference,
                    places(r.difference_ci_low, r.difference_ci_high),
                ),
                difference_ci: pair(r.difference_ci_low, r.difference_ci_high),
                effect_size: rounded(
                    r.effect_size,
                    places(r.effect_size_ci_low, r.effect_size_ci_high),
                ),
                effect_size_ci: pair(r.effect_size_ci_low, r.effect_size_ci_high),
            }
        })
        .collect()
}

fn show(e: &Estimate, digits: usize) -> (String, String) {
    let digits = crate::stats::digits_for(e.half_width.unwrap_or(0.0), digits);
    let mean = format!("{:.digits$}", e.mean);
    let ci = match e.half_width {
        Some(h) => format!("{:.digits$} to {:.digits$}", e.mean - h, e.mean + h),
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
max-width:1080px;margin:2rem auto;padding:0 1rem;color:#1d1d1f;line-height:1.45}\
h1{margin-bottom:.2rem}p.question{font-size:1.15rem;color:#333;margin-top:.2rem}\
p.meta{color:#666;font-size:.9rem}table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}\
th,td{border-bottom:1px solid #ddd;padding:.3rem .8rem;text-align:left}\
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f6}\
figure{margin:1.5rem 0}figure svg{width:100%;height:auto;border:1px solid #eee}\
figcaption{color:#555;font-size:.9rem}code{font-size:.9em}";

/// The whole page: heading, key results, comparisons, charts, parameters.
pub fn html(
    data: &RunData,
    resolved: &toml::Table,
    charts: &[InlineChart],
    comparisons: &[Comparison],
) -> String {
    let mut page = String::new();
    heading(&mut page, data, resolved);
    key_results(&mut page, data);
    comparison_table(&mut page, comparisons);
    chart_figures(&mut page, charts);
    parameters(&mut page, resolved);
    page.push_str("</body>\n</html>\n");
    page
}

/// The document head, the scenario's name and question, and a line of facts
/// about the run.
fn heading(page: &mut String, data: &RunData, resolved: &toml::Table) {
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
         <meta charset=\"utf-8\"/>\n<title>bonfire: {title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>{title}</h1>\n",
        title = escape(name)
    );
    if !question.is_empty() {
        let _ = writeln!(page, "<p class=\"question\">{}</p>", escape(question));
    }
    let _ = writeln!(
        page,
        "<p class=\"meta\">bonfire {} · seed {} · {} replicate(s) · {} sessions · report of the files in this run's folder</p>",
        env!("CARGO_PKG_VERSION"),
        escape(&seed),
        data.replicates(),
        data.last_step,
    );
}

/// Every reported measure at the last session, for every condition.
fn key_results(page: &mut String, data: &RunData) {
    page.push_str("<h2>Key results at the last session</h2>\n<p>Mean over replicates, with its 95% confidence interval (t distribution, replicates as units). Empty cells do not apply to that condition.</p>\n<table>\n");
    if data.arms.len() <= 3 {
        results_by_measure(page, data);
    } else {
        results_by_condition(page, data);
    }
    page.push_str("</table>\n");
}

/// The measures the key results show: those reported that some condition
/// has (a run without a community network or a forum has no such figures).
fn shown_metrics(data: &RunData) -> Vec<&'static Metric> {
    METRICS
        .iter()
        .filter(|m| m.report)
        .filter(|m| {
            data.arms
                .iter()
                .any(|arm| data.at_end(arm, m.value).is_some())
        })
        .collect()
}

/// Few conditions: one row per measure, a mean and a CI column per condition.
fn results_by_measure(page: &mut String, data: &RunData) {
    let _ = writeln!(
        page,
        "<tr><th>measure</th><th>unit</th>{}</tr>",
        data.arms
            .iter()
            .map(|a| format!("<th>{0}: mean</th><th>{0}: 95% CI</th>", escape(a)))
            .collect::<String>()
    );
    for m in shown_metrics(data) {
        let mut cells = String::new();
        for arm in &data.arms {
            match data.at_end(arm, m.value) {
                Some(e) => {
                    let (mean, ci) = show(&e, m.digits);
                    let _ = write!(
                        cells,
                        "<td class=\"num\">{mean}</td><td class=\"num\">{ci}</td>"
                    );
                }
                None => cells.push_str("<td></td><td></td>"),
            }
        }
        let _ = writeln!(
            page,
            "<tr><td><code>{}</code> {}</td><td>{}</td>{cells}</tr>",
            m.name,
            escape(m.label),
            m.unit
        );
    }
}

/// Many conditions (a sweep): one row per condition, a cell per measure.
fn results_by_condition(page: &mut String, data: &RunData) {
    let _ = writeln!(
        page,
        "<tr><th>condition</th>{}</tr>",
        shown_metrics(data)
            .iter()
            .map(|m| {
                let label = escape(m.label);
                format!(
                    "<th title=\"{label}\"><code>{}</code> ({})</th>",
                    m.name, m.unit
                )
            })
            .collect::<String>()
    );
    for arm in &data.arms {
        let mut cells = String::new();
        for m in shown_metrics(data) {
            match data.at_end(arm, m.value) {
                Some(e) => {
                    let (mean, ci) = show(&e, m.digits);
                    let _ = write!(
                        cells,
                        "<td class=\"num\">{mean}<br/><small>{ci}</small></td>"
                    );
                }
                None => cells.push_str("<td></td>"),
            }
        }
        let _ = writeln!(page, "<tr><td>{}</td>{cells}</tr>", escape(arm));
    }
}

/// Each arm's loneliness against the reference arm, from summary.csv; nothing
/// when there are no comparisons.
fn comparison_table(page: &mut String, comparisons: &[Comparison]) {
    if comparisons.is_empty() {
        return;
    }
    page.push_str(
        "<h3>Comparisons: loneliness at the last session</h3>\n<p>Each arm against the reference arm, paired by replicate (the arms share common random numbers). Difference: this arm minus the reference, UCLA-3 points. Effect size: the reference minus this arm over the pooled standard deviation of members' scores (Cohen's d; positive means less lonely than the reference). From <code>summary.csv</code>.</p>\n<table>\n<tr><th>condition</th><th>reference</th><th>difference</th><th>95% CI</th><th>effect size</th><th>95% CI</th></tr>\n",
    );
    for c in comparisons {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&c.condition),
            escape(&c.reference),
            escape(&c.difference),
            escape(&c.difference_ci),
            escape(&c.effect_size),
            escape(&c.effect_size_ci)
        );
    }
    page.push_str("</table>\n");
}

/// Every chart as an inline SVG figure with its title as caption.
fn chart_figures(page: &mut String, charts: &[InlineChart]) {
    page.push_str("<h2>Charts</h2>\n<p>Lines are means over replicates; shaded bands are 95% confidence intervals.</p>\n");
    for c in charts {
        let _ = writeln!(
            page,
            "<figure>\n{}\n<figcaption>{}</figcaption>\n</figure>",
            c.svg,
            escape(&c.title)
        );
    }
}

/// Every key of the resolved scenario, in file order.
fn parameters(page: &mut String, resolved: &toml::Table) {
    let mut rows = Vec::new();
    flatten("", resolved, &mut rows);
    page.push_str("<h2>Parameters</h2>\n<p>Every key of <code>scenario.resolved.toml</code>; running that file reproduces this run.</p>\n<table>\n<tr><th>key</th><th>value</th></tr>\n");
    for (k, v) in rows {
        let _ = writeln!(
            page,
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            escape(&k),
            escape(&v)
        );
    }
    page.push_str("</table>\n");
}
