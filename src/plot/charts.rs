//! The charts: what each shows ([`chart_specs`]) and how a chart is drawn
//! ([`draw`]) with plotters, to PNG and SVG from the same description.
//!
//! Each line is the mean over replicates with a shaded 95% confidence band;
//! each arm has its own colour; a second quantity in the same panel is
//! dashed. Text is rendered with the DejaVu Sans font kept in the repository
//! (`src/plot/fonts/`), registered once, so no system font library is needed.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::data::RunData;
use crate::output::TimeseriesRow;
use crate::stats::Estimate;

/// DejaVu Sans (Bitstream Vera licence, see `fonts/LICENSE-DejaVu.txt`).
const FONT: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
const FONT_FAMILY: &str = "sans-serif";

/// Chart size in pixels (PNG) and user units (SVG).
pub const SIZE: (u32, u32) = (1000, 720);

/// Registers the bundled font with plotters, once per process.
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT)
            .map_err(|_| ())
            .expect("the bundled font is a valid TrueType file");
    });
}

/// One line with its band.
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    /// Index into the arm palette.
    pub colour: usize,
    pub dashed: bool,
    /// Draw 95% CI bars at each point instead of a shaded band (for charts
    /// across sweep points).
    pub error_bars: bool,
    /// (x, estimate) in x order.
    pub points: Vec<(f64, Estimate)>,
}

/// One panel: axes and lines.
#[derive(Debug, Clone)]
pub struct Panel {
    /// The panel's own x axis (its label), for a panel whose x is not the
    /// chart's; `None`: the chart's x axis, labelled under the last panel.
    pub x_label: Option<String>,
    pub y_label: String,
    /// The quantity's natural bounds; the axis zooms to the data within them.
    pub y_bounds: (f64, f64),
    pub lines: Vec<Line>,
}

/// A whole chart: a title, an x label and one or more panels stacked.
#[derive(Debug, Clone)]
pub struct ChartSpec {
    /// File stem: `charts/<name>.png` and `.svg`.
    pub name: &'static str,
    pub title: String,
    pub x_label: String,
    pub panels: Vec<Panel>,
    /// Shown in place of the chart when there is nothing to draw.
    pub empty_note: Option<String>,
}

/// Condition colours (Okabe–Ito, colour-blind safe).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

fn line(label: String, colour: usize, dashed: bool, points: Vec<(f64, Estimate)>) -> Option<Line> {
    (!points.is_empty()).then_some(Line {
        label,
        colour,
        dashed,
        error_bars: false,
        points,
    })
}

/// A column of `timeseries.csv`, as a chart reads it.
type Column = fn(&TimeseriesRow) -> Option<f64>;

/// The x axis of every chart over time.
const WEEK: &str = "Week since the first session";

/// Every chart of a run, in the order the report shows them.
pub fn chart_specs(data: &RunData, scenario: &str) -> Vec<ChartSpec> {
    let mut specs = vec![
        isolation_chart(data, scenario),
        cohesion_chart(data, scenario),
        retention_chart(data, scenario),
        attendance_chart(data, scenario),
    ];
    specs.extend(sweep_chart(data, scenario));
    specs.push(hope_chart(data, scenario));
    specs.extend(community_chart(data, scenario));
    specs.extend(forum_chart(data, scenario));
    specs
}

fn panel(y_label: &str, y_bounds: (f64, f64), lines: Vec<Line>) -> Panel {
    Panel {
        x_label: None,
        y_label: y_label.into(),
        y_bounds,
        lines,
    }
}

/// A chart over weeks with one or more panels.
fn over_weeks(name: &'static str, title: String, panels: Vec<Panel>) -> ChartSpec {
    ChartSpec {
        name,
        title,
        x_label: WEEK.to_string(),
        panels,
        empty_note: None,
    }
}

/// Per arm, one line over time per `(what, column)`, labelled "arm: what":
/// the first solid, the others dashed. Columns with no data draw no line.
fn over_time(data: &RunData, series: &[(&str, Column)]) -> Vec<Line> {
    data.arms
        .iter()
        .enumerate()
        .flat_map(|(i, arm)| {
            series
                .iter()
                .enumerate()
                .filter_map(move |(k, &(what, column))| {
                    line(
                        format!("{arm}: {what}"),
                        i,
                        k > 0,
                        data.over_time(arm, column),
                    )
                })
        })
        .collect()
}

/// Loneliness, and the shares lonely and without a casual-friend tie (the
/// tie level that moves within a year; the friend and close levels are in
/// timeseries.csv).
fn isolation_chart(data: &RunData, scenario: &str) -> ChartSpec {
    over_weeks(
        "isolation",
        format!("{scenario}: loneliness and isolation"),
        vec![
            panel(
                "Loneliness (UCLA-3, 3–9)",
                (3.0, 9.0),
                over_time(data, &[("loneliness_mean", |r| Some(r.loneliness_mean))]),
            ),
            panel(
                "Share of members",
                (0.0, 1.0),
                over_time(
                    data,
                    &[
                        ("lonely_share (UCLA-3 ≥ 6)", |r| Some(r.lonely_share)),
                        ("no_casual_tie_share (< 50 h)", |r| {
                            Some(r.no_casual_tie_share)
                        }),
                    ],
                ),
            ),
        ],
    )
}

/// Perceived cohesion, and the bond network's density and clustering.
fn cohesion_chart(data: &RunData, scenario: &str) -> ChartSpec {
    over_weeks(
        "cohesion",
        format!("{scenario}: cohesion and the bond network"),
        vec![
            panel(
                "Perceived cohesion (0–10)",
                (0.0, 10.0),
                over_time(data, &[("cohesion_mean", |r| r.cohesion_mean)]),
            ),
            panel(
                "Tie network (0–1)",
                (0.0, 1.0),
                over_time(
                    data,
                    &[
                        ("bond_density", |r| r.bond_density),
                        ("clustering", |r| r.clustering),
                    ],
                ),
            ),
        ],
    )
}

/// Who of those who joined is still there, over weeks (timeseries.csv:
/// retention, graduates counted as retained; still attending, graduates
/// counted as gone), then survival against dropout and cumulative
/// graduation by sessions since joining (members.csv).
fn retention_chart(data: &RunData, scenario: &str) -> ChartSpec {
    let shares = over_time(
        data,
        &[
            ("retention (not dropped out)", |r| r.retention),
            ("still_attending (graduation counts as leaving)", |r| {
                r.still_attending
            }),
        ],
    );
    let curves: Vec<Line> = data
        .arms
        .iter()
        .enumerate()
        .filter_map(|(i, arm)| Some((i, arm, data.retention_curves(arm)?)))
        .flat_map(|(i, arm, curves)| {
            [
                line(
                    format!("{arm}: not dropped out (Kaplan–Meier)"),
                    i,
                    false,
                    curves.not_dropped_out,
                ),
                line(
                    format!("{arm}: graduated (cumulative incidence)"),
                    i,
                    true,
                    curves.graduated,
                ),
            ]
        })
        .flatten()
        .collect();
    let mut panels = Vec::new();
    if !shares.is_empty() {
        panels.push(Panel {
            x_label: Some(WEEK.to_string()),
            ..panel("Share of those who joined", (0.0, 1.0), shares)
        });
    }
    if !curves.is_empty() {
        panels.push(panel("Share of members who joined", (0.0, 1.0), curves));
    }
    let empty_note = panels.is_empty().then(|| {
        "No members.csv in this run (output.members_csv = false): no survival curve.".to_string()
    });
    ChartSpec {
        name: "retention",
        title: format!("{scenario}: retention — dropout and graduation apart"),
        x_label: "Sessions since joining".into(),
        panels,
        empty_note,
    }
}

/// The share of current members attending.
fn attendance_chart(data: &RunData, scenario: &str) -> ChartSpec {
    over_weeks(
        "attendance",
        format!("{scenario}: attendance"),
        vec![panel(
            "Share of current members attending",
            (0.0, 1.0),
            over_time(data, &[("attendance_rate", |r| r.attendance_rate)]),
        )],
    )
}

/// The last session's key figures across the points of a sweep over one
/// numeric key; `None` for any other run.
fn sweep_chart(data: &RunData, scenario: &str) -> Option<ChartSpec> {
    let (key, xs) = data.numeric_sweep()?;
    let across = |column: Column, what: &str| across_sweep(data, &xs, column, what);
    Some(ChartSpec {
        name: "sweep",
        title: format!("{scenario}: the last session, by {key}"),
        x_label: key.to_string(),
        panels: vec![
            panel(
                "Loneliness (UCLA-3)",
                (3.0, 9.0),
                across(|r| Some(r.loneliness_mean), "loneliness_mean"),
            ),
            panel(
                "Perceived cohesion (0–10)",
                (0.0, 10.0),
                across(|r| r.cohesion_mean, "cohesion_mean"),
            ),
            panel(
                "Retention (share)",
                (0.0, 1.0),
                across(|r| r.retention, "retention (not dropped out)"),
            ),
        ],
        empty_note: None,
    })
}

/// Per arm as written, one column at the last session across sweep points,
/// with error bars.
fn across_sweep(data: &RunData, xs: &[f64], column: Column, what: &str) -> Vec<Line> {
    data.base_arms
        .iter()
        .enumerate()
        .filter_map(|(i, arm)| {
            let points = data.across_sweep(xs, arm, column);
            (!points.is_empty()).then(|| Line {
                label: format!("{arm}: {what}"),
                colour: i,
                dashed: false,
                error_bars: true,
                points,
            })
        })
        .collect()
}

/// Hope and self-stigma.
fn hope_chart(data: &RunData, scenario: &str) -> ChartSpec {
    over_weeks(
        "hope",
        format!("{scenario}: hope and self-stigma"),
        vec![
            panel(
                "Hope (0–1)",
                (0.0, 1.0),
                over_time(
                    data,
                    &[
                        ("hope_mean", |r| Some(r.hope_mean)),
                        ("hopeful_share", |r| Some(r.hopeful_share)),
                    ],
                ),
            ),
            panel(
                "Self-stigma (0–1)",
                (0.0, 1.0),
                over_time(data, &[("stigma_mean", |r| Some(r.stigma_mean))]),
            ),
        ],
    )
}

/// With a community network: how much loneliness clusters (of lonely
/// people's community ties, the share to a lonely person, less the same
/// share for everyone else's; 0 when it does not), and the lonely share.
fn community_chart(data: &RunData, scenario: &str) -> Option<ChartSpec> {
    let lines = over_time(
        data,
        &[("loneliness clustering", |r| {
            Some(r.lonely_near_lonely? - r.lonely_near_others?)
        })],
    );
    if lines.is_empty() {
        return None;
    }
    Some(over_weeks(
        "community",
        format!("{scenario}: loneliness in the community network"),
        vec![
            panel("Lonely near lonely − others", (-1.0, 1.0), lines),
            panel(
                "Lonely (UCLA-3 ≥ 6)",
                (0.0, 1.0),
                over_time(data, &[("lonely_share", |r| Some(r.lonely_share))]),
            ),
        ],
    ))
}

/// For forums: who has posted and who came back, and how concentrated the
/// posting is.
fn forum_chart(data: &RunData, scenario: &str) -> Option<ChartSpec> {
    let posters = over_time(
        data,
        &[
            ("posted_share", |r| r.posted_share),
            ("posted_again_share", |r| r.posted_again_share),
        ],
    );
    if posters.is_empty() {
        return None;
    }
    Some(over_weeks(
        "forum",
        format!("{scenario}: who posts"),
        vec![
            panel(
                "Share of members (posted again: of posters)",
                (0.0, 1.0),
                posters,
            ),
            panel(
                "Share of posts written by the top posters",
                (0.0, 1.0),
                over_time(
                    data,
                    &[
                        ("top10_post_share", |r| r.top10_post_share),
                        ("top1_post_share", |r| r.top1_post_share),
                    ],
                ),
            ),
        ],
    ))
}

/// Lower and upper ends of an estimate's 95% interval (the mean itself with
/// a single replicate).
fn interval(e: &Estimate) -> (f64, f64) {
    let h = e.half_width.unwrap_or(0.0);
    (e.mean - h, e.mean + h)
}

/// The y range of a panel: the data's extent within the natural bounds,
/// padded by 8%.
fn y_range(panel: &Panel) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for l in &panel.lines {
        for (_, e) in &l.points {
            let (a, b) = interval(e);
            lo = lo.min(a);
            hi = hi.max(b);
        }
    }
    if !lo.is_finite() {
        return panel.y_bounds;
    }
    let pad = ((hi - lo) * 0.08).max(0.02 * (panel.y_bounds.1 - panel.y_bounds.0));
    (
        (lo - pad).max(panel.y_bounds.0),
        (hi + pad).min(panel.y_bounds.1),
    )
}

/// The x range of the panels given (those sharing an axis, or one with its
/// own).
fn x_range<'a>(panels: impl IntoIterator<Item = &'a Panel>) -> (f64, f64) {
    let xs = panels
        .into_iter()
        .flat_map(|p| &p.lines)
        .flat_map(|l| l.points.iter().map(|(x, _)| *x));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if lo.is_finite() && hi > lo {
        (lo, hi)
    } else {
        (0.0, 1.0)
    }
}

/// The corner of the panel that the lines cross least, for the legend.
fn legend_corner(panel: &Panel, x: (f64, f64), y: (f64, f64)) -> SeriesLabelPosition {
    // Corners as (x range, y range) in shares of the axes; the legend box
    // covers roughly 45% of the width and, per line, 9% of the height.
    let height = (0.09 * panel.lines.len() as f64).min(0.9);
    let corners = [
        (
            SeriesLabelPosition::UpperRight,
            (0.55, 1.0),
            (1.0 - height, 1.0),
        ),
        (SeriesLabelPosition::LowerRight, (0.55, 1.0), (0.0, height)),
        (
            SeriesLabelPosition::UpperLeft,
            (0.0, 0.45),
            (1.0 - height, 1.0),
        ),
        (SeriesLabelPosition::LowerLeft, (0.0, 0.45), (0.0, height)),
    ];
    let crossings = |(fx, fy): ((f64, f64), (f64, f64))| {
        let mut n = 0;
        for l in &panel.lines {
            for (px, e) in &l.points {
                let u = (px - x.0) / (x.1 - x.0);
                let (lo, hi) = interval(e);
                let v_lo = (lo - y.0) / (y.1 - y.0);
                let v_hi = (hi - y.0) / (y.1 - y.0);
                if u >= fx.0 && u <= fx.1 && v_hi >= fy.0 && v_lo <= fy.1 {
                    n += 1;
                }
            }
        }
        n
    };
    corners
        .into_iter()
        .min_by_key(|&(_, fx, fy)| crossings((fx, fy)))
        .map(|(corner, _, _)| corner)
        .expect("four corners")
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws a chart onto any plotters backend.
pub fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, spec: &ChartSpec) -> DrawResult<DB> {
    register_font();
    root.fill(&WHITE)?;
    let root = root.titled(&spec.title, (FONT_FAMILY, 26).into_font())?;
    if let Some(note) = &spec.empty_note {
        root.draw(&Text::new(
            note.clone(),
            (40, 60),
            (FONT_FAMILY, 18).into_font(),
        ))?;
        return root.present();
    }
    let shared = x_range(spec.panels.iter().filter(|p| p.x_label.is_none()));
    let panels = root.split_evenly((spec.panels.len(), 1));
    for (k, (area, panel)) in panels.iter().zip(&spec.panels).enumerate() {
        let last = k + 1 == spec.panels.len();
        let x_desc = match &panel.x_label {
            Some(own) => Some(own.as_str()),
            None => last.then_some(spec.x_label.as_str()),
        };
        let (x_lo, x_hi) = match panel.x_label {
            Some(_) => x_range([panel]),
            None => shared,
        };
        let (y_lo, y_hi) = y_range(panel);
        let mut chart = ChartBuilder::on(area)
            .margin(12)
            .x_label_area_size(if x_desc.is_some() { 48 } else { 28 })
            .y_label_area_size(78)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(panel.y_label.as_str())
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style((FONT_FAMILY, 15))
            .axis_desc_style((FONT_FAMILY, 17))
            .light_line_style(RGBColor(235, 235, 235));
        if let Some(desc) = x_desc {
            mesh.x_desc(desc);
        }
        mesh.draw()?;

        for l in &panel.lines {
            let colour = PALETTE[l.colour % PALETTE.len()];
            if l.error_bars {
                chart.draw_series(l.points.iter().map(|(x, e)| {
                    let (lo, hi) = interval(e);
                    ErrorBar::new_vertical(*x, lo, e.mean, hi, colour.stroke_width(2), 12)
                }))?;
                chart.draw_series(
                    l.points
                        .iter()
                        .map(|(x, e)| Circle::new((*x, e.mean), 5, colour.filled())),
                )?;
            } else {
                let mut band: Vec<(f64, f64)> =
                    l.points.iter().map(|(x, e)| (*x, interval(e).1)).collect();
                band.extend(l.points.iter().rev().map(|(x, e)| (*x, interval(e).0)));
                chart.draw_series(std::iter::once(Polygon::new(
                    band,
                    colour.mix(0.18).filled(),
                )))?;
            }
            let points: Vec<(f64, f64)> = l.points.iter().map(|(x, e)| (*x, e.mean)).collect();
            let style = colour.stroke_width(3);
            let series = if l.dashed {
                chart.draw_series(DashedLineSeries::new(points, 10, 6, style))?
            } else {
                chart.draw_series(LineSeries::new(points, style))?
            };
            let dashed = l.dashed;
            series.label(l.label.as_str()).legend(move |(x, y)| {
                let gap = if dashed { 4 } else { 0 };
                DashedPathElement::new(vec![(x, y), (x + 24, y)], 7, gap, colour.stroke_width(3))
            });
        }
        chart
            .configure_series_labels()
            .position(legend_corner(panel, (x_lo, x_hi), (y_lo, y_hi)))
            .label_font((FONT_FAMILY, 15))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(190, 190, 190))
            .draw()?;
    }
    root.present()
}
