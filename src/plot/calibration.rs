//! The charts of a finished calibration, drawn from its `fit.csv` and
//! `parameters.csv` rows (not yet written by `bonfire plot`).
//!
//! The fit chart has a panel per target metric and arm, stacked, with the
//! session on the x axis: each observed target as a dark dot with a
//! whisker of ±2 standard errors, and just to its right the model's
//! simulated value under the posterior, its weighted mean as a blue dot in
//! its 95% band. A band that overlaps the whisker: the calibrated model
//! reproduces that figure.
//!
//! The posterior chart has a row per free parameter, drawn within its
//! prior's range (0 its lower end, 1 its upper end): the 95% credible
//! interval as a bar, the median as a dot, and both in the parameter's own
//! units beside them. A narrow bar: the targets pin the parameter down; a
//! bar across the whole range: they do not.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::draw::{DrawResult, TextSize, font, register_font, titled};
use crate::calibration::outputs::{FitRow, ParameterRow, short};
use crate::sensitivity::results::short_name;
use crate::verdict::fixed;

const WIDTH: u32 = 1240;
const TITLE_HEIGHT: u32 = 50;
/// The fit chart's legend band, under the title.
const LEGEND_HEIGHT: u32 = 40;
/// A fit panel: its header band, then the chart with its session axis.
const PANEL_HEIGHT: u32 = 260;
const PANEL_HEADER: u32 = 30;
/// The height of a chart with nothing to draw but a note.
const EMPTY_HEIGHT: u32 = 200;

/// The posterior chart: a key band, a row per parameter, the unit axis.
const KEY_HEIGHT: u32 = 34;
const ROW_HEIGHT: u32 = 48;
const AXIS_HEIGHT: u32 = 56;
const LABEL_WIDTH: u32 = 330;
/// The column at the right with each parameter's figures.
const FIGURES_WIDTH: u32 = 330;
/// Most characters of a name or figure before it is cut short.
const MOST_CHARS: usize = 40;

/// Observations: near black. Simulations and credible intervals: the
/// Okabe–Ito blue (colour-blind safe). Prior ranges and notes: greys.
const OBSERVED: RGBColor = RGBColor(30, 30, 30);
const SIMULATED: RGBColor = RGBColor(0, 114, 178);
const PRIOR: RGBColor = RGBColor(190, 190, 190);
const NOTE: RGBColor = RGBColor(110, 110, 110);
const GRID: RGBColor = RGBColor(235, 235, 235);

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The fit chart's title and its caption in the report.
pub fn fit_title() -> (String, String) {
    (
        "How closely the calibrated model reproduces the targets".into(),
        "A panel per target metric (and arm), by session. Dark dots with whiskers: the observed values ± 2 standard errors. Blue dots, just to their right: the model's simulated value under the calibrated parameters, the posterior's weighted mean, in its 95% band. A blue band that overlaps the whisker: the model reproduces that figure; a band clear of it: the calibration misses it. A target marked \"no simulated value\" has an observation only.".into(),
    )
}

/// The posterior chart's title and its caption in the report.
pub fn posterior_title() -> (String, String) {
    (
        "What the calibration learned about each parameter".into(),
        "A row per free parameter, drawn within its prior range: the grey line runs from the prior's lower end (0) to its upper end (1), on a log scale where the prior is log-uniform. Blue bar: the posterior's 95% credible interval; dot: its median; at the right the same in the parameter's own units, and the prior as written. A narrow bar: the targets pin the parameter down (it is well identified). A bar spanning most of the grey line: the targets do not pin it down, and its value is still mostly the prior's.".into(),
    )
}

/// A text cut to at most [`MOST_CHARS`] characters, with `…` where cut.
fn clipped(text: &str) -> String {
    if text.chars().count() <= MOST_CHARS {
        text.to_string()
    } else {
        let kept: String = text.chars().take(MOST_CHARS - 1).collect();
        format!("{kept}…")
    }
}

/// A tick label of an axis spanning `span`: as many places as its ticks
/// need.
fn tick(v: f64, span: f64) -> String {
    let digits = if span > 0.0 {
        ((1.0 - span.log10()).ceil().max(0.0) as usize).min(4)
    } else {
        2
    };
    fixed(v, digits)
}

/// A target panel: one metric of one arm, its rows in the file's order.
struct Panel<'a> {
    metric: &'a str,
    arm: &'a str,
    rows: Vec<&'a FitRow>,
}

impl Panel<'_> {
    fn header(&self) -> String {
        if self.arm.is_empty() {
            self.metric.to_string()
        } else {
            format!("{} · arm {}", self.metric, self.arm)
        }
    }
}

/// The panels, in the order the rows first give each (metric, arm).
fn panels(rows: &[FitRow]) -> Vec<Panel<'_>> {
    let mut panels: Vec<Panel<'_>> = Vec::new();
    for r in rows {
        match panels
            .iter_mut()
            .find(|p| p.metric == r.metric && p.arm == r.arm)
        {
            Some(p) => p.rows.push(r),
            None => panels.push(Panel {
                metric: &r.metric,
                arm: &r.arm,
                rows: vec![r],
            }),
        }
    }
    panels
}

/// The fit chart's size: a panel per (metric, arm), stacked.
pub fn fit_size(rows: &[FitRow]) -> (u32, u32) {
    let n = panels(rows).len() as u32;
    let body = if n == 0 {
        EMPTY_HEIGHT
    } else {
        LEGEND_HEIGHT + n * PANEL_HEIGHT
    };
    (WIDTH, TITLE_HEIGHT + body)
}

/// Draws the fit chart onto a backend of [`fit_size`]'s size.
pub fn draw_fit<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    rows: &[FitRow],
) -> DrawResult<DB> {
    register_font();
    root.fill(&WHITE)?;
    let (chart_title, _) = fit_title();
    let root = titled(&root, &chart_title)?;
    let panels = panels(rows);
    if panels.is_empty() {
        root.draw(&Text::new(
            "No targets: fit.csv has no rows, so there is nothing to compare.",
            (40, 60),
            font(TextSize::Heading),
        ))?;
        return root.present();
    }
    let (legend, mut rest) = root.split_vertically(LEGEND_HEIGHT);
    let unsimulated = rows.iter().any(|r| simulated(r).is_none());
    draw_fit_legend(&legend, unsimulated)?;
    for panel in &panels {
        let (area, below) = rest.split_vertically(PANEL_HEIGHT);
        rest = below;
        draw_fit_panel(&area, panel)?;
    }
    root.present()
}

/// The fit chart's legend: what a dark whisker and a blue band stand for.
fn draw_fit_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    unsimulated: bool,
) -> DrawResult<DB> {
    let text = font(TextSize::Caption);
    let y = 18;
    // Observed: a dot on a capped whisker.
    let x = 30;
    let dark = OBSERVED.stroke_width(2);
    area.draw(&PathElement::new([(x, y - 12), (x, y + 12)], dark))?;
    for cap in [y - 12, y + 12] {
        area.draw(&PathElement::new([(x - 5, cap), (x + 5, cap)], dark))?;
    }
    area.draw(&Circle::new((x, y), 5, OBSERVED.filled()))?;
    let style = text.color(&BLACK).pos(Pos::new(HPos::Left, VPos::Center));
    area.draw(&Text::new("observed ± 2 SE", (x + 16, y), style.clone()))?;
    // Simulated: a dot in a band.
    let x = 250;
    area.draw(&Rectangle::new(
        [(x - 5, y - 12), (x + 5, y + 12)],
        SIMULATED.mix(0.3).filled(),
    ))?;
    area.draw(&Rectangle::new(
        [(x - 5, y - 12), (x + 5, y + 12)],
        SIMULATED,
    ))?;
    area.draw(&Circle::new((x, y), 5, SIMULATED.filled()))?;
    area.draw(&Text::new(
        "simulated: posterior mean and 95% band",
        (x + 16, y),
        style.clone(),
    ))?;
    if unsimulated {
        area.draw(&Text::new(
            "“no simulated value”: the target has an observation only",
            (640, y),
            style.color(&NOTE),
        ))?;
    }
    Ok(())
}

/// A row's simulated mean and band, where it has a finite mean.
fn simulated(r: &FitRow) -> Option<(f64, Option<(f64, f64)>)> {
    let mean = r.simulated.filter(|m| m.is_finite())?;
    let band = match (r.simulated_low, r.simulated_high) {
        (Some(lo), Some(hi)) if lo.is_finite() && hi.is_finite() => Some((lo.min(hi), lo.max(hi))),
        _ => None,
    };
    Some((mean, band))
}

/// A row's observed whisker: observed ± 2 standard errors (none where the
/// error is missing, negative or not finite).
fn whisker(r: &FitRow) -> Option<(f64, f64)> {
    (r.observed.is_finite() && r.sd.is_finite() && r.sd > 0.0)
        .then_some((r.observed - 2.0 * r.sd, r.observed + 2.0 * r.sd))
}

/// A panel's x range and the offset of its simulated values from the
/// observed ones, in sessions: about a hundredth of the range, less where
/// sessions are closer, so that neighbours never touch.
fn x_layout(rows: &[&FitRow]) -> (f64, f64, f64) {
    let mut sessions: Vec<f64> = rows.iter().map(|r| f64::from(r.session)).collect();
    sessions.sort_by(f64::total_cmp);
    sessions.dedup();
    let (lo, hi) = match (sessions.first(), sessions.last()) {
        (Some(&lo), Some(&hi)) => (lo, hi),
        _ => (0.0, 1.0),
    };
    let span = (hi - lo).max(2.0);
    let gap = sessions
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(f64::INFINITY, f64::min);
    let offset = (0.011 * span).min(0.25 * gap);
    let pad = (0.04 * span).max(3.0 * offset);
    if hi > lo {
        (lo - pad, hi + pad, offset)
    } else {
        (lo - 1.0, hi + 1.0, offset)
    }
}

/// A panel's y range: every observation's whisker and every simulated
/// band, with a margin.
fn y_range(rows: &[&FitRow]) -> (f64, f64) {
    let mut values: Vec<f64> = Vec::new();
    for r in rows {
        values.push(r.observed);
        if let Some((lo, hi)) = whisker(r) {
            values.extend([lo, hi]);
        }
        if let Some((mean, band)) = simulated(r) {
            values.push(mean);
            if let Some((lo, hi)) = band {
                values.extend([lo, hi]);
            }
        }
    }
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        0.1 * (hi - lo)
    } else {
        0.1 * lo.abs().max(1.0)
    };
    (lo - pad, hi + pad)
}

fn draw_fit_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
) -> DrawResult<DB> {
    let (header, body) = area.split_vertically(PANEL_HEADER);
    header.draw(&Text::new(panel.header(), (10, 6), font(TextSize::Heading)))?;
    let (x0, x1, offset) = x_layout(&panel.rows);
    let (y0, y1) = y_range(&panel.rows);
    let mut chart = ChartBuilder::on(&body)
        .margin_left(10)
        .margin_right(30)
        .margin_top(6)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    // Sessions are whole numbers: a label at each whole tick only.
    let x_format = |x: &f64| {
        let whole = x.round();
        if (x - whole).abs() < 1e-6 && whole >= 0.0 {
            format!("{}", whole as i64)
        } else {
            String::new()
        }
    };
    let y_format = |y: &f64| tick(*y, y1 - y0);
    // No more ticks than whole sessions in range, so that a short range
    // gets whole-session ticks rather than unlabelled fractional ones.
    let x_labels = ((x1 - x0).floor() as usize + 1).clamp(3, 14);
    chart
        .configure_mesh()
        .x_labels(x_labels)
        .y_labels(6)
        .max_light_lines(0)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .x_desc("session")
        .label_style(font(TextSize::Label))
        .axis_desc_style(font(TextSize::Label))
        .bold_line_style(GRID)
        .draw()?;
    let middle = 0.5 * (x0 + x1);
    for r in &panel.rows {
        let x = f64::from(r.session);
        draw_observed(&mut chart, r, x - offset)?;
        match simulated(r) {
            Some((mean, band)) => draw_simulated(&mut chart, mean, band, x + offset, offset)?,
            None if r.observed.is_finite() => {
                // The note on the side with more room.
                let (at, h) = if x <= middle {
                    (x + 2.0 * offset, HPos::Left)
                } else {
                    (x - 3.0 * offset, HPos::Right)
                };
                chart.draw_series(std::iter::once(Text::new(
                    "no simulated value",
                    (at, r.observed),
                    font(TextSize::Label)
                        .color(&NOTE)
                        .pos(Pos::new(h, VPos::Center)),
                )))?;
            }
            None => {}
        }
    }
    Ok(())
}

/// An observation: a dark dot on its ±2 SE whisker.
fn draw_observed<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    r: &FitRow,
    x: f64,
) -> DrawResult<DB> {
    if !r.observed.is_finite() {
        return Ok(());
    }
    if let Some((lo, hi)) = whisker(r) {
        // Plotters rings the bar's middle; the dot below covers the ring.
        chart.draw_series(std::iter::once(ErrorBar::new_vertical(
            x,
            lo,
            r.observed,
            hi,
            OBSERVED.stroke_width(2),
            8,
        )))?;
    }
    chart.draw_series(std::iter::once(Circle::new(
        (x, r.observed),
        5,
        OBSERVED.filled(),
    )))?;
    Ok(())
}

/// A simulated value: a blue dot in its shaded 95% band.
fn draw_simulated<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    mean: f64,
    band: Option<(f64, f64)>,
    x: f64,
    offset: f64,
) -> DrawResult<DB> {
    if let Some((lo, hi)) = band {
        let corners = [(x - 0.6 * offset, lo), (x + 0.6 * offset, hi)];
        chart.draw_series(std::iter::once(Rectangle::new(
            corners,
            SIMULATED.mix(0.3).filled(),
        )))?;
        chart.draw_series(std::iter::once(Rectangle::new(corners, SIMULATED)))?;
    }
    chart.draw_series(std::iter::once(Circle::new(
        (x, mean),
        5,
        SIMULATED.filled(),
    )))?;
    Ok(())
}

/// The posterior chart's size: a row per parameter.
pub fn posterior_size(rows: &[ParameterRow]) -> (u32, u32) {
    let body = if rows.is_empty() {
        EMPTY_HEIGHT
    } else {
        KEY_HEIGHT + rows.len() as u32 * ROW_HEIGHT + AXIS_HEIGHT
    };
    (WIDTH, TITLE_HEIGHT + body)
}

/// A unit-cube position kept on the drawn range (None where not finite).
fn unit(v: f64) -> Option<f64> {
    v.is_finite().then(|| v.clamp(0.0, 1.0))
}

/// Draws the posterior chart onto a backend of [`posterior_size`]'s size.
pub fn draw_posterior<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    rows: &[ParameterRow],
) -> DrawResult<DB> {
    register_font();
    root.fill(&WHITE)?;
    let (chart_title, _) = posterior_title();
    let root = titled(&root, &chart_title)?;
    if rows.is_empty() {
        root.draw(&Text::new(
            "No parameters: parameters.csv has no rows, so there is nothing to draw.",
            (40, 60),
            font(TextSize::Heading),
        ))?;
        return root.present();
    }
    let (key, body) = root.split_vertically(KEY_HEIGHT);
    key.draw(&Text::new(
        "grey line: the prior range · bar: 95% credible interval · dot: median",
        (LABEL_WIDTH as i32, 10),
        font(TextSize::Label).color(&NOTE),
    ))?;
    let (plot, figures) = body.split_horizontally(WIDTH - FIGURES_WIDTH);
    let n = rows.len();
    let mut chart = ChartBuilder::on(&plot)
        .margin_right(24)
        .x_label_area_size(AXIS_HEIGHT)
        .y_label_area_size(LABEL_WIDTH)
        .build_cartesian_2d(-0.03..1.03, 0.0..n as f64)?;
    let names: Vec<String> = rows
        .iter()
        .map(|r| clipped(short_name(&r.parameter)))
        .collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc("position within the prior range (0: its lower end, 1: its upper end; on a log scale for a prior marked (log))")
        .x_labels(11)
        .x_label_formatter(&|x: &f64| tick(*x, 1.0))
        .y_labels(n * 2 + 1)
        .y_label_formatter(&|y: &f64| {
            // A label at each row's centre only.
            let slot = n as f64 - y - 0.5;
            let i = slot.round();
            if (slot - i).abs() < 1e-6 && (0.0..n as f64).contains(&i) {
                names[i as usize].clone()
            } else {
                String::new()
            }
        })
        .label_style(font(TextSize::Caption))
        .axis_desc_style(font(TextSize::Caption))
        .max_light_lines(0)
        .bold_line_style(GRID)
        .draw()?;
    let top = figures.get_base_pixel().1;
    for (i, r) in rows.iter().enumerate() {
        let centre = n as f64 - i as f64 - 0.5;
        draw_parameter(&mut chart, r, centre)?;
        let y = chart.backend_coord(&(0.0, centre)).1 - top;
        draw_figures(&figures, r, y)?;
    }
    root.present()
}

/// A parameter's row: the prior's grey line, the credible interval's bar
/// and the median's dot.
fn draw_parameter<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    r: &ParameterRow,
    centre: f64,
) -> DrawResult<DB> {
    let grey = PRIOR.stroke_width(3);
    chart.draw_series(std::iter::once(PathElement::new(
        [(0.0, centre), (1.0, centre)],
        grey,
    )))?;
    for end in [0.0, 1.0] {
        chart.draw_series(std::iter::once(PathElement::new(
            [(end, centre - 0.18), (end, centre + 0.18)],
            grey,
        )))?;
    }
    if let (Some(lo), Some(hi)) = (unit(r.low_unit), unit(r.high_unit)) {
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        chart.draw_series(std::iter::once(Rectangle::new(
            [(lo, centre - 0.13), (hi, centre + 0.13)],
            SIMULATED.mix(0.85).filled(),
        )))?;
    }
    if let Some(m) = unit(r.median_unit) {
        chart.draw_series(std::iter::once(Circle::new((m, centre), 7, WHITE.filled())))?;
        chart.draw_series(std::iter::once(Circle::new(
            (m, centre),
            5,
            OBSERVED.filled(),
        )))?;
    }
    Ok(())
}

/// A parameter's figures in its own units, beside its row at pixel `y`:
/// `median [low, high]`, and the prior as written below.
fn draw_figures<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    r: &ParameterRow,
    y: i32,
) -> DrawResult<DB> {
    let figures = clipped(&format!(
        "{} [{}, {}]",
        short(&r.median),
        short(&r.low),
        short(&r.high)
    ));
    area.draw(&Text::new(
        figures,
        (4, y - 2),
        font(TextSize::Caption)
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Bottom)),
    ))?;
    area.draw(&Text::new(
        clipped(&format!("prior {}", r.prior)),
        (4, y + 3),
        font(TextSize::Label)
            .color(&NOTE)
            .pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit_row(metric: &str, arm: &str, session: u32, observed: f64, sd: f64) -> FitRow {
        let simulated = observed + 0.5 * sd;
        FitRow {
            target: if arm.is_empty() {
                format!("{metric}@{session}")
            } else {
                format!("{arm}:{metric}@{session}")
            },
            metric: metric.into(),
            step: session.to_string(),
            session,
            arm: arm.into(),
            observed,
            sd,
            simulated: Some(simulated),
            simulated_low: Some(simulated - 3.0 * sd),
            simulated_high: Some(simulated + 2.0 * sd),
            z: Some(0.5),
        }
    }

    /// Three metrics: attendance every session, retention at three, and
    /// the control arm's loneliness at the start and end, whose end has no
    /// simulated value.
    fn fit_rows() -> Vec<FitRow> {
        let mut rows: Vec<FitRow> = (1..=12)
            .map(|s| fit_row("attendance_rate", "", s, 0.8 - 0.02 * s as f64, 0.03))
            .collect();
        for (s, v) in [(4, 0.85), (12, 0.6), (26, 0.45)] {
            rows.push(fit_row("retention", "", s, v, 0.05));
        }
        rows.push(fit_row("loneliness_mean", "control", 0, 5.2, 0.3));
        let mut end = fit_row("loneliness_mean", "control", 52, 4.6, 0.25);
        end.step = "end".into();
        end.simulated = None;
        end.simulated_low = None;
        end.simulated_high = None;
        end.z = None;
        rows.push(end);
        rows
    }

    fn parameter_row(name: &str, prior: &str, units: [f64; 3], shown: [&str; 3]) -> ParameterRow {
        ParameterRow {
            parameter: name.into(),
            prior: prior.into(),
            mean: Some(0.0),
            median: shown[0].into(),
            low: shown[1].into(),
            high: shown[2].into(),
            median_unit: units[0],
            low_unit: units[1],
            high_unit: units[2],
        }
    }

    fn parameter_rows() -> Vec<ParameterRow> {
        vec![
            parameter_row(
                "mechanisms.bond_formation_rate",
                "0.005 to 0.08 (log)",
                [0.42, 0.35, 0.51],
                ["0.0165", "0.0133", "0.0205"],
            ),
            parameter_row(
                "mechanisms.dropout_hazard",
                "0 to 0.2",
                [0.5, 0.03, 0.97],
                ["0.1", "0.006", "0.194"],
            ),
            parameter_row(
                "group_size",
                "6 to 14",
                [0.75, 0.6, 1.0],
                ["12", "11", "14"],
            ),
        ]
    }

    fn fit_svg(rows: &[FitRow]) -> String {
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, fit_size(rows)).into_drawing_area();
            draw_fit(root, rows).unwrap();
        }
        text
    }

    fn posterior_svg(rows: &[ParameterRow]) -> String {
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, posterior_size(rows)).into_drawing_area();
            draw_posterior(root, rows).unwrap();
        }
        text
    }

    fn fit_png(rows: &[FitRow], path: &std::path::Path) {
        draw_fit(
            BitMapBackend::new(path, fit_size(rows)).into_drawing_area(),
            rows,
        )
        .unwrap();
        assert!(std::fs::metadata(path).unwrap().len() > 0);
    }

    fn posterior_png(rows: &[ParameterRow], path: &std::path::Path) {
        let root = BitMapBackend::new(path, posterior_size(rows)).into_drawing_area();
        draw_posterior(root, rows).unwrap();
        assert!(std::fs::metadata(path).unwrap().len() > 0);
    }

    #[test]
    fn panels_follow_the_rows_first_order() {
        let rows = fit_rows();
        let headers: Vec<String> = panels(&rows).iter().map(Panel::header).collect();
        assert_eq!(
            headers,
            [
                "attendance_rate",
                "retention",
                "loneliness_mean · arm control"
            ]
        );
        assert_eq!(
            fit_size(&rows),
            (WIDTH, TITLE_HEIGHT + LEGEND_HEIGHT + 3 * PANEL_HEIGHT)
        );
    }

    #[test]
    fn both_charts_render_to_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let (fit, parameters) = (fit_rows(), parameter_rows());
        fit_png(&fit, &dir.path().join("fit.png"));
        posterior_png(&parameters, &dir.path().join("posterior.png"));

        let svg = fit_svg(&fit);
        for text in [
            "attendance_rate",
            "retention",
            "loneliness_mean · arm control",
            "observed ± 2 SE",
            "simulated: posterior mean and 95% band",
            "no simulated value",
        ] {
            assert!(svg.contains(text), "the fit chart lacks {text:?}");
        }
        let svg = posterior_svg(&parameters);
        for text in [
            "bond_formation_rate",
            "dropout_hazard",
            "group_size",
            "0.0165 [0.0133, 0.0205]",
            "prior 0.005 to 0.08 (log)",
        ] {
            assert!(svg.contains(text), "the posterior chart lacks {text:?}");
        }
        assert!(!svg.contains("mechanisms."));
    }

    #[test]
    fn a_single_row_draws() {
        let dir = tempfile::tempdir().unwrap();
        let fit = vec![fit_row("retention", "", 12, 0.6, 0.05)];
        fit_png(&fit, &dir.path().join("fit.png"));
        assert!(fit_svg(&fit).contains("retention"));
        let parameters = parameter_rows()[..1].to_vec();
        posterior_png(&parameters, &dir.path().join("posterior.png"));
        assert!(posterior_svg(&parameters).contains("bond_formation_rate"));
    }

    #[test]
    fn no_rows_draw_a_note() {
        let dir = tempfile::tempdir().unwrap();
        fit_png(&[], &dir.path().join("fit.png"));
        posterior_png(&[], &dir.path().join("posterior.png"));
        assert!(fit_svg(&[]).contains("No targets"));
        assert!(posterior_svg(&[]).contains("No parameters"));
    }

    #[test]
    fn odd_values_do_not_panic() {
        let mut fit = vec![fit_row("m", "", 3, f64::NAN, f64::INFINITY)];
        let mut flat = fit_row("m", "", 3, 1.0, 0.0);
        flat.simulated = Some(1.0);
        flat.simulated_low = Some(f64::NAN);
        fit.push(flat);
        let mut reversed = fit_row("n", "b", 0, -2.0, -1.0);
        (reversed.simulated_low, reversed.simulated_high) = (Some(1.0), Some(-5.0));
        fit.push(reversed);
        assert!(fit_svg(&fit).contains("n · arm b"));
        let odd = parameter_row("p", "", [f64::NAN, 1.4, -0.3], ["", "", ""]);
        let svg = posterior_svg(&[odd]);
        assert!(svg.lines().any(|line| line.trim() == "p"));
    }
}
