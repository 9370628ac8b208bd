//! `charts/sensitivity.png` and `.svg`: the indices of a sensitivity
//! analysis, one panel per outcome.
//!
//! Each panel has a row per factor, ranked by the main index (the total
//! index ST for Sobol, μ* for Morris), drawn as a bar with its bootstrap
//! 95% interval as a whisker; the second index (first-order S1, or σ) as a
//! dot with its own whisker just below. For Sobol indices a dashed line
//! marks the outcome's noise share: an index whose interval reaches below
//! it cannot be told from Monte Carlo noise.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{DrawResult, TextSize, font, register_font, titled};
use crate::sensitivity::results::{self, IndexRow, short_name};

const WIDTH: u32 = 1240;
const TITLE_HEIGHT: u32 = 50;
/// A panel's heading, and under it the key, on a line of its own: an
/// outcome's name with its noise share runs past the plot's left edge.
const PANEL_HEADER: u32 = 54;
const ROW_HEIGHT: u32 = 34;
const AXIS_HEIGHT: u32 = 50;
const LABEL_WIDTH: u32 = 360;

const MAIN: RGBColor = RGBColor(0, 114, 178);
const SECOND: RGBColor = RGBColor(213, 94, 0);
const NOISE: RGBColor = RGBColor(110, 110, 110);

/// The chart's title and its caption in the report.
pub fn title(rows: &[IndexRow]) -> (String, String) {
    if is_sobol(rows) {
        (
            "Which factors drive each outcome (Sobol indices)".into(),
            "Bars: total index ST, the share of the outcome's variance a factor accounts for with all its interactions; dots: first-order index S1, its share alone. Whiskers: bootstrap 95% intervals. Dashed line: the noise share, the part of the variance replicate noise could explain; an interval reaching below it cannot be told from noise. Factors ranked by ST; a factor far right matters, one near 0 can be fixed anywhere in its range.".into(),
        )
    } else {
        (
            "Which factors drive each outcome (Morris elementary effects)".into(),
            "Bars: μ*, the mean absolute change of the outcome when the factor moves across its range; dots: σ, the spread of those changes (large σ beside μ*: non-linear or interacting). Whiskers: bootstrap 95% intervals. Factors ranked by μ*.".into(),
        )
    }
}

fn is_sobol(rows: &[IndexRow]) -> bool {
    rows.iter().any(|r| r.index == "ST")
}

/// The chart's size: a panel per outcome, a row per factor.
pub fn size(rows: &[IndexRow]) -> (u32, u32) {
    let outcomes = results::outcomes(rows);
    let factors = outcomes
        .first()
        .map_or(0, |o| results::ranked(rows, o).len()) as u32;
    let panel = PANEL_HEADER + factors * ROW_HEIGHT + AXIS_HEIGHT;
    (WIDTH, TITLE_HEIGHT + panel * outcomes.len() as u32)
}

/// Draws every outcome's panel.
pub fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, rows: &[IndexRow]) -> DrawResult<DB> {
    register_font();
    root.fill(&WHITE)?;
    let (chart_title, _) = title(rows);
    let root = titled(&root, &chart_title)?;
    let outcomes = results::outcomes(rows);
    let (main, second) = if is_sobol(rows) {
        ("ST", "S1")
    } else {
        ("mu_star", "sigma")
    };
    let mut rest = root;
    for outcome in &outcomes {
        let ranked = results::ranked(rows, outcome);
        let height = PANEL_HEADER + ranked.len() as u32 * ROW_HEIGHT + AXIS_HEIGHT;
        let (area, below) = rest.split_vertically(height);
        rest = below;
        let seconds: Vec<Option<&IndexRow>> = ranked
            .iter()
            .map(|r| {
                rows.iter()
                    .find(|o| o.outcome == *outcome && o.factor == r.factor && o.index == second)
            })
            .collect();
        draw_panel(&area, outcome, main, &ranked, &seconds)?;
    }
    rest.present()
}

/// The x range: 0 to at least 1 for Sobol indices (shares of variance),
/// wide enough for every estimate and whisker.
fn x_range(ranked: &[&IndexRow], seconds: &[Option<&IndexRow>], sobol: bool) -> (f64, f64) {
    let values = ranked
        .iter()
        .copied()
        .chain(seconds.iter().flatten().copied())
        .flat_map(|r| [r.estimate, r.ci_low, r.ci_high])
        .flatten()
        .filter(|x| x.is_finite());
    let (lo, hi) = values.fold((0.0f64, if sobol { 1.0f64 } else { 0.0 }), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    let hi = if hi > lo { hi } else { lo + 1.0 };
    (lo, hi + (hi - lo) * 0.02)
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    outcome: &str,
    main: &str,
    ranked: &[&IndexRow],
    seconds: &[Option<&IndexRow>],
) -> DrawResult<DB> {
    let sobol = main == "ST";
    let noise = ranked.first().and_then(|r| r.noise_share);
    let (header, body) = area.split_vertically(PANEL_HEADER);
    let noise_words = noise.map_or(String::new(), |n| format!(" (noise share {n:.3})"));
    header.draw(&Text::new(
        format!("{outcome}{noise_words}"),
        (10, 8),
        font(TextSize::Heading),
    ))?;
    let key = if sobol {
        "bar: total index ST · dot: first-order S1 · whiskers: 95% intervals · dashed: noise share"
    } else {
        "bar: μ* · dot: σ · whiskers: 95% intervals"
    };
    header.draw(&Text::new(
        key,
        (LABEL_WIDTH as i32, 32),
        font(TextSize::Label).color(&NOISE),
    ))?;
    let n = ranked.len();
    let (x0, x1) = x_range(ranked, seconds, sobol);
    let x_desc = if sobol {
        "index (share of the outcome's variance)"
    } else {
        "effect (outcome units across the factor's range)"
    };
    let mut chart = ChartBuilder::on(&body)
        .margin_right(30)
        .x_label_area_size(AXIS_HEIGHT)
        .y_label_area_size(LABEL_WIDTH)
        .build_cartesian_2d(x0..x1, 0.0..n as f64)?;
    let names: Vec<String> = ranked
        .iter()
        .map(|r| short_name(&r.factor).to_string())
        .collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(x_desc)
        .x_labels(10)
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
        .draw()?;
    for (i, (r, second)) in ranked.iter().zip(seconds).enumerate() {
        let centre = n as f64 - i as f64 - 0.5;
        if let Some(x) = r.estimate {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, centre - 0.05), (x, centre + 0.3)],
                MAIN.mix(0.75).filled(),
            )))?;
        }
        whisker(&mut chart, r, centre + 0.125, MAIN)?;
        if let Some(s) = second {
            if let Some(x) = s.estimate {
                chart.draw_series(std::iter::once(Circle::new(
                    (x, centre - 0.25),
                    5,
                    SECOND.filled(),
                )))?;
            }
            whisker(&mut chart, s, centre - 0.25, SECOND)?;
        }
    }
    if let Some(level) = noise.filter(|_| sobol) {
        chart.draw_series(DashedLineSeries::new(
            [(level, 0.0), (level, n as f64)],
            6,
            4,
            NOISE.stroke_width(2),
        ))?;
    }
    Ok(())
}

type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A horizontal whisker from an index's interval's low to high end.
fn whisker<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    r: &IndexRow,
    y: f64,
    colour: RGBColor,
) -> DrawResult<DB> {
    if let (Some(lo), Some(hi)) = (r.ci_low, r.ci_high) {
        let style = colour.stroke_width(2);
        chart.draw_series(std::iter::once(PathElement::new([(lo, y), (hi, y)], style)))?;
        for x in [lo, hi] {
            chart.draw_series(std::iter::once(PathElement::new(
                [(x, y - 0.08), (x, y + 0.08)],
                style,
            )))?;
        }
    }
    Ok(())
}
