//! The charts: what each shows ([`chart_specs`]), as descriptions that
//! [`super::draw`] turns into PNG and SVG.
//!
//! Each line is one condition's mean over replicates with a shaded 95%
//! confidence band; a second quantity in the same panel is dashed. Where
//! and in which colour each condition is drawn comes from the run's
//! [`super::layout::Plan`]; each chart has a caption that says what to look at.

use super::data::RunData;
use crate::output::TimeseriesRow;
use crate::scenario::keys::last_part;
use crate::stats::Estimate;

/// One condition's line with its band.
#[derive(Debug, Clone)]
pub struct Line {
    /// Index into [`RunData::conditions`] (for the sweep chart, of the
    /// arm's first condition: the line runs across points).
    pub condition: usize,
    /// Index into the panel's `series`: 0 solid, others dashed.
    pub series: usize,
    /// Draw 95% CI bars at each point instead of a shaded band (for charts
    /// across sweep points).
    pub error_bars: bool,
    /// (x, estimate) in x order.
    pub points: Vec<(f64, Estimate)>,
}

/// One panel: a quantity, its axes and lines.
#[derive(Debug, Clone)]
pub struct Panel {
    /// The panel's own x axis (its label), for a panel whose x is not the
    /// chart's; `None`: the chart's x axis.
    pub x_label: Option<String>,
    pub y_label: String,
    /// The quantity's natural bounds (its scale).
    pub y_bounds: (f64, f64),
    /// What each line style stands for (solid, then dashed).
    pub series: Vec<String>,
    pub lines: Vec<Line>,
    /// Whether the panel is split into the plan's facets (small multiples);
    /// false for a panel across sweep points, whose lines are arms.
    pub faceted: bool,
}

/// A grid of one outcome over two swept keys, for one arm.
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// The outcome, and the arm.
    pub title: String,
    pub x_key: String,
    pub y_key: String,
    pub xs: Vec<String>,
    pub ys: Vec<String>,
    /// Mean over replicates at (x, y), x-major.
    pub cells: Vec<Option<f64>>,
    pub digits: usize,
    /// The colour scale's ends (shared by the arms of one outcome).
    pub range: (f64, f64),
    /// Its place in the chart's grid: the outcome's row, the arm's column.
    pub row: usize,
    pub column: usize,
}

/// A whole chart: a title, an x label, and panels stacked (or heatmaps).
#[derive(Debug, Clone)]
pub struct ChartSpec {
    /// File stem: `charts/<name>.png` and `.svg`.
    pub name: &'static str,
    pub title: String,
    /// What to look at, for the report.
    pub caption: String,
    pub x_label: String,
    pub panels: Vec<Panel>,
    /// The names of the x axis's points where they are not numbers (a
    /// sweep over text values, or over several keys at once), each a line
    /// per key: point k is drawn at k + 0.5 with its lines below it;
    /// empty: the x axis is numeric.
    pub x_categories: Vec<Vec<String>>,
    /// Drawn in place of panels when there are any.
    pub heatmaps: Vec<Heatmap>,
    /// Shown in place of the chart when there is nothing to draw.
    pub empty_note: Option<String>,
}

/// A column of `timeseries.csv`, as a chart reads it.
type Column = fn(&TimeseriesRow) -> Option<f64>;

/// The x axis of every chart over time.
const WEEK: &str = "Week since the first session";

/// The `timeseries.csv` measures a chart draws.
fn measures(chart: &str) -> &'static [&'static str] {
    match chart {
        "isolation" => &["loneliness_mean", "lonely_share", "no_casual_tie_share"],
        "cohesion" => &["cohesion_mean", "bond_density", "clustering"],
        "retention" => &["retention", "still_attending"],
        "attendance" => &["attendance_rate"],
        "sweep" => &["loneliness_mean", "cohesion_mean", "retention"],
        "hope" => &["hope_mean", "hopeful_share", "stigma_mean"],
        "community" => &["lonely_near_lonely", "lonely_near_others", "lonely_share"],
        "forum" => &[
            "posted_share",
            "posted_again_share",
            "top1_post_share",
            "top10_post_share",
        ],
        _ => &[],
    }
}

/// The charts in the order the report shows them: first a sweep chart of a
/// primary outcome, then the other charts of primary outcomes, then the
/// rest, each group in its usual order.
pub fn answer_first(mut specs: Vec<ChartSpec>, outcomes: &[String]) -> Vec<ChartSpec> {
    let rank = |spec: &ChartSpec| {
        let primary = measures(spec.name)
            .iter()
            .any(|m| outcomes.iter().any(|o| o == m));
        match (primary, spec.name) {
            (true, "sweep") => 0,
            (true, _) => 1,
            _ => 2,
        }
    };
    specs.sort_by_key(rank);
    specs
}

/// Every chart of a run, in their usual order.
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

/// A panel of lines over time, split into the plan's facets; `series`
/// names its line styles.
fn panel(y_label: &str, y_bounds: (f64, f64), series: &[&str], lines: Vec<Line>) -> Panel {
    Panel {
        x_label: None,
        y_label: y_label.into(),
        y_bounds,
        series: series.iter().map(|s| s.to_string()).collect(),
        lines,
        faceted: true,
    }
}

/// A chart over weeks with one or more panels.
fn over_weeks(name: &'static str, title: String, caption: &str, panels: Vec<Panel>) -> ChartSpec {
    ChartSpec {
        name,
        title,
        caption: caption.to_string(),
        x_label: WEEK.to_string(),
        panels,
        x_categories: Vec::new(),
        heatmaps: Vec::new(),
        empty_note: None,
    }
}

/// Per condition, one line over time per `(what, column)`: the first
/// solid, the others dashed. Columns with no data draw no line; each line
/// ends at its condition's last session.
fn over_time(data: &RunData, series: &[(&str, Column)]) -> Vec<Line> {
    data.arms
        .iter()
        .enumerate()
        .flat_map(|(i, arm)| {
            series
                .iter()
                .enumerate()
                .filter_map(move |(k, &(_, column))| {
                    let points = data.over_time(arm, column);
                    (!points.is_empty()).then_some(Line {
                        condition: i,
                        series: k,
                        error_bars: false,
                        points,
                    })
                })
        })
        .collect()
}

/// The names of `series`, for a panel.
fn names<'a>(series: &[(&'a str, Column)]) -> Vec<&'a str> {
    series.iter().map(|(what, _)| *what).collect()
}

/// A panel over time of the given columns.
fn over_time_panel(
    data: &RunData,
    y_label: &str,
    y_bounds: (f64, f64),
    series: &[(&str, Column)],
) -> Panel {
    panel(y_label, y_bounds, &names(series), over_time(data, series))
}

/// Loneliness, and the shares lonely and without a casual-friend tie (the
/// tie level that moves within a year; the friend and close levels are in
/// timeseries.csv).
fn isolation_chart(data: &RunData, scenario: &str) -> ChartSpec {
    over_weeks(
        "isolation",
        format!("{scenario}: loneliness and isolation"),
        "Does loneliness fall, and does it fall more in one condition than another? The lower panel shows how many are lonely and how many have no tie of casual-friend strength yet.",
        vec![
            over_time_panel(
                data,
                "Loneliness (UCLA-3, 3–9)",
                (3.0, 9.0),
                &[("loneliness_mean", |r| r.loneliness_mean)],
            ),
            over_time_panel(
                data,
                "Share of everyone who arrived",
                (0.0, 1.0),
                &[
                    ("lonely_share (UCLA-3 ≥ 6)", |r| r.lonely_share),
                    ("no_casual_tie_share (under 50 h)", |r| {
                        r.no_casual_tie_share
                    }),
                ],
            ),
        ],
    )
}

/// Perceived cohesion, and the bond network's density and clustering.
fn cohesion_chart(data: &RunData, scenario: &str) -> ChartSpec {
    over_weeks(
        "cohesion",
        format!("{scenario}: cohesion and the bond network"),
        "How close members feel to their group, and how many of the possible ties within groups exist (density) and close into triangles (clustering).",
        vec![
            over_time_panel(
                data,
                "Perceived cohesion (0–10)",
                (0.0, 10.0),
                &[("cohesion_mean", |r| r.cohesion_mean)],
            ),
            over_time_panel(
                data,
                "Tie network (0–1)",
                (0.0, 1.0),
                &[
                    ("bond_density", |r| r.bond_density),
                    ("clustering", |r| r.clustering),
                ],
            ),
        ],
    )
}

/// Who of those who joined is still there, over weeks (timeseries.csv:
/// retention, graduates counted as retained; still attending, graduates
/// counted as gone), then survival against dropout and cumulative
/// graduation by sessions since joining (members.csv).
fn retention_chart(data: &RunData, scenario: &str) -> ChartSpec {
    let shares = over_time_panel(
        data,
        "Share of those who joined",
        (0.0, 1.0),
        &[
            ("retention (not dropped out)", |r| r.retention),
            (
                "still_attending (graduates and ended groups count as gone)",
                |r| r.still_attending,
            ),
        ],
    );
    let curves: Vec<Line> = data
        .arms
        .iter()
        .enumerate()
        .filter_map(|(i, arm)| Some((i, data.retention_curves(arm)?)))
        .flat_map(|(i, curves)| {
            [(0, curves.not_dropped_out), (1, curves.graduated)]
                .into_iter()
                .map(move |(series, points)| Line {
                    condition: i,
                    series,
                    error_bars: false,
                    points,
                })
        })
        .collect();
    let mut panels = Vec::new();
    if !shares.lines.is_empty() {
        panels.push(Panel {
            x_label: Some(WEEK.to_string()),
            ..shares
        });
    }
    if !curves.is_empty() {
        panels.push(panel(
            "Share of members who joined",
            (0.0, 1.0),
            &[
                "not dropped out (Kaplan–Meier)",
                "graduated (cumulative incidence)",
            ],
            curves,
        ));
    }
    let empty_note = panels.is_empty().then(|| {
        "No members.csv in this run (output.members_csv = false): no survival curve.".to_string()
    });
    ChartSpec {
        name: "retention",
        title: format!("{scenario}: retention — dropout and graduation apart"),
        caption: "Who stays: the share of those who joined who have not dropped out, over weeks; below, by sessions since each member joined, the chance of not having dropped out and of having graduated. Each curve ends at its condition's last session.".into(),
        x_label: "Sessions since joining".into(),
        panels,
        x_categories: Vec::new(),
        heatmaps: Vec::new(),
        empty_note,
    }
}

/// The share of current members attending.
fn attendance_chart(data: &RunData, scenario: &str) -> ChartSpec {
    over_weeks(
        "attendance",
        format!("{scenario}: attendance"),
        "The share of current members who came to each session.",
        vec![over_time_panel(
            data,
            "Share of current members attending",
            (0.0, 1.0),
            &[("attendance_rate", |r| r.attendance_rate)],
        )],
    )
}

/// The outcomes the sweep chart shows: (label, scale, digits, column).
const SWEEP_OUTCOMES: [(&str, (f64, f64), usize, Column); 3] = [
    ("Loneliness (UCLA-3)", (3.0, 9.0), 2, |r| r.loneliness_mean),
    ("Perceived cohesion (0–10)", (0.0, 10.0), 2, |r| {
        r.cohesion_mean
    }),
    ("Retention (share)", (0.0, 1.0), 3, |r| r.retention),
];

/// The last session's key figures across the points of a sweep: over two
/// keys crossed, a heatmap per outcome and arm; over one numeric key, or
/// keys walked together whose first is numeric, lines with error bars
/// against that key; over any other sweep (text values, three or more
/// keys crossed), each point's mean and interval above its name. `None`
/// for a run of one point.
fn sweep_chart(data: &RunData, scenario: &str) -> Option<ChartSpec> {
    if data.point_values.len() < 2 || data.sweep_keys.is_empty() {
        return None;
    }
    if data.sweep_keys.len() == 2 && !data.walked_together() {
        return Some(sweep_heatmaps(data, scenario));
    }
    let axis = SweepAxis::of(data);
    let title = format!("{scenario}: the last session, by {}", axis.title_keys);
    if super::layout::naming(&axis.categories).is_none() {
        let points = axis.categories.len();
        return Some(ChartSpec {
            name: "sweep",
            title,
            caption: format!(
                "The sweep's {points} points, named by their values, are too many to name along one axis, even standing."
            ),
            x_label: axis.label,
            panels: Vec::new(),
            x_categories: Vec::new(),
            heatmaps: Vec::new(),
            empty_note: Some(format!(
                "{points} points named by their values do not fit along the axis: summary.csv has every point's figures."
            )),
        });
    }
    let panels = SWEEP_OUTCOMES
        .iter()
        .map(|&(label, bounds, _, column)| Panel {
            faceted: false,
            ..panel(label, bounds, &[], across_sweep(data, &axis.xs, column))
        })
        .collect();
    Some(ChartSpec {
        name: "sweep",
        title,
        caption: format!(
            "How the outcomes at the last session change with {}: the mean over replicates with its 95% interval at each point.",
            axis.key
        ),
        x_label: axis.label,
        panels,
        x_categories: axis.categories,
        heatmaps: Vec::new(),
        empty_note: None,
    })
}

/// The x axis of a sweep chart drawn as points: where each sweep point
/// lies, and the words for the axis, the title and the caption.
struct SweepAxis {
    /// Each point's x, by the point's index.
    xs: Vec<f64>,
    /// The points' names in x order, a line per key, where the axis is
    /// not numeric.
    categories: Vec<Vec<String>>,
    label: String,
    title_keys: String,
    key: String,
}

impl SweepAxis {
    fn of(data: &RunData) -> SweepAxis {
        // The title and the axis name the other keys by their last part, so
        // that a walk of several long keys still fits the chart's width.
        let keys: Vec<&str> = data.sweep_keys.iter().map(|k| last_part(k)).collect();
        let (others, walked) = (keys[1..].join(", "), data.walked_together());
        if let Some((first, xs)) = data.numeric_sweep() {
            let (key, label, title_keys) = if others.is_empty() {
                (first.to_string(), first.to_string(), first.to_string())
            } else {
                (
                    format!("{first}, with {others} walked beside it"),
                    format!("{first} ({others} walked beside it)"),
                    format!("{} and {others}", keys[0]),
                )
            };
            let categories = Vec::new();
            return SweepAxis {
                xs,
                categories,
                label,
                title_keys,
                key,
            };
        }
        // Points named by their values, in the order the sweep runs them.
        let categories = data.point_values.clone();
        let xs = (0..data.point_values.len())
            .map(|p| p as f64 + 0.5)
            .collect();
        let (label, key) = match keys.len() {
            1 => (data.sweep_keys[0].clone(), data.sweep_keys[0].clone()),
            _ if walked => {
                let keys = keys.join(", ");
                (format!("{keys} (walked together)"), keys)
            }
            _ => {
                let keys = keys.join(", ");
                (format!("{keys} (every combination)"), keys)
            }
        };
        let title_keys = match keys.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => data.sweep_keys[0].clone(),
        };
        SweepAxis {
            xs,
            categories,
            label,
            title_keys,
            key,
        }
    }
}

/// Per arm as written, one column at the last session across sweep points,
/// with error bars, in the colour of the arm's first condition.
fn across_sweep(data: &RunData, xs: &[f64], column: Column) -> Vec<Line> {
    data.base_arms
        .iter()
        .filter_map(|arm| {
            let condition = data.conditions.iter().position(|c| &c.label == arm)?;
            let points = data.across_sweep(xs, arm, column);
            (!points.is_empty()).then_some(Line {
                condition,
                series: 0,
                error_bars: true,
                points,
            })
        })
        .collect()
}

/// A two-key sweep: for each outcome (rows) and arm (columns), the last
/// session's mean at every pair of values.
fn sweep_heatmaps(data: &RunData, scenario: &str) -> ChartSpec {
    let (x_key, y_key) = (&data.sweep_keys[0], &data.sweep_keys[1]);
    // Each key's values in their order where all are numbers (however
    // the sweep lists them), else as first met.
    let distinct = |k: usize| {
        let mut out: Vec<String> = Vec::new();
        for v in &data.point_values {
            if !out.contains(&v[k]) {
                out.push(v[k].clone());
            }
        }
        let numbers: Option<Vec<f64>> = out.iter().map(|v| v.parse().ok()).collect();
        if let Some(numbers) = numbers {
            let mut by_value: Vec<(f64, String)> = numbers.into_iter().zip(out).collect();
            by_value.sort_by(|a, b| a.0.total_cmp(&b.0));
            out = by_value.into_iter().map(|(_, v)| v).collect();
        }
        out
    };
    let (xs, ys) = (distinct(0), distinct(1));
    let mut heatmaps = Vec::new();
    for (row, &(label, _, digits, column)) in SWEEP_OUTCOMES.iter().enumerate() {
        let mut of_outcome = Vec::new();
        for (at, arm) in data.base_arms.iter().enumerate() {
            let mut cells = vec![None; xs.len() * ys.len()];
            for (point, values) in data.point_values.iter().enumerate() {
                let x = xs.iter().position(|v| v == &values[0]).expect("listed");
                let y = ys.iter().position(|v| v == &values[1]).expect("listed");
                cells[x * ys.len() + y] = data.at_point_end(point, arm, column).map(|e| e.mean);
            }
            if cells.iter().any(Option::is_some) {
                of_outcome.push((at, arm.clone(), cells));
            }
        }
        let values = of_outcome.iter().flat_map(|(_, _, c)| c.iter().flatten());
        let range = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
        heatmaps.extend(of_outcome.into_iter().map(|(at, arm, cells)| Heatmap {
            title: format!("{label}: {arm}"),
            x_key: last_part(x_key).to_string(),
            y_key: last_part(y_key).to_string(),
            xs: xs.clone(),
            ys: ys.clone(),
            cells,
            digits,
            range,
            row,
            column: at,
        }));
    }
    ChartSpec {
        name: "sweep",
        title: format!(
            "{scenario}: the last session, by {} and {}",
            last_part(x_key),
            last_part(y_key)
        ),
        caption: "Each outcome at the last session (rows) for each arm (columns) at every pair of swept values: the mean over replicates, written in the cell; lighter cells are higher, darker lower (one shading per outcome, shared by its arms; the key beside the row gives the means of its darkest and lightest cells). Arms whose members never attend have no cohesion or retention. summary.csv has the intervals.".into(),
        x_label: last_part(x_key).to_string(),
        panels: Vec::new(),
        x_categories: Vec::new(),
        heatmaps,
        empty_note: None,
    }
}

/// Hope and self-stigma.
fn hope_chart(data: &RunData, scenario: &str) -> ChartSpec {
    over_weeks(
        "hope",
        format!("{scenario}: hope and self-stigma"),
        "Hope, and the share who are hopeful (hope at or above the threshold, or improved), over weeks; below, self-stigma, which gates disclosure.",
        vec![
            over_time_panel(
                data,
                "Hope (0–1)",
                (0.0, 1.0),
                &[
                    ("hope_mean", |r| r.hope_mean),
                    ("hopeful_share", |r| r.hopeful_share),
                ],
            ),
            over_time_panel(
                data,
                "Self-stigma (0–1)",
                (0.0, 1.0),
                &[("stigma_mean", |r| r.stigma_mean)],
            ),
        ],
    )
}

/// With a community network: how much loneliness clusters (of lonely
/// people's community ties, the share to a lonely person, less the same
/// share for everyone else's; 0 when it does not), and the lonely share.
fn community_chart(data: &RunData, scenario: &str) -> Option<ChartSpec> {
    let clustering = over_time_panel(
        data,
        "Lonely near lonely − others",
        (-1.0, 1.0),
        &[("loneliness clustering", |r| {
            Some(r.lonely_near_lonely? - r.lonely_near_others?)
        })],
    );
    if clustering.lines.is_empty() {
        return None;
    }
    Some(over_weeks(
        "community",
        format!("{scenario}: loneliness in the community network"),
        "Does loneliness cluster? Above zero, lonely people's community ties lead to lonely people more often than other people's ties do. Below, the share who are lonely.",
        vec![
            clustering,
            over_time_panel(
                data,
                "Lonely (UCLA-3 ≥ 6)",
                (0.0, 1.0),
                &[("lonely_share", |r| r.lonely_share)],
            ),
        ],
    ))
}

/// For forums: who has posted and who came back, and how concentrated the
/// posting is.
fn forum_chart(data: &RunData, scenario: &str) -> Option<ChartSpec> {
    let posters = over_time_panel(
        data,
        "Share of members (posted again: of posters)",
        (0.0, 1.0),
        &[
            ("posted_share", |r| r.posted_share),
            ("posted_again_share", |r| r.posted_again_share),
        ],
    );
    if posters.lines.is_empty() {
        return None;
    }
    Some(over_weeks(
        "forum",
        format!("{scenario}: who posts"),
        "How many members have posted, and how many posters came back to post again; below, how much of the posting the most active 10% and 1% of members write.",
        vec![
            posters,
            over_time_panel(
                data,
                "Share of posts written by the top posters",
                (0.0, 1.0),
                &[
                    ("top10_post_share", |r| r.top10_post_share),
                    ("top1_post_share", |r| r.top1_post_share),
                ],
            ),
        ],
    ))
}
