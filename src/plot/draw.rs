//! Drawing a [`ChartSpec`] with plotters, to PNG and SVG alike.
//!
//! The legend sits in a column of its own to the right of the panels, never
//! over the data. Panels of a run with more than a few conditions are drawn
//! as small multiples ([`Plan`]) on shared axes. A y axis shows at least a
//! quarter of its quantity's scale and says so when it does not start at
//! the scale's floor. Text is rendered with the DejaVu Sans font kept in
//! the repository (`src/plot/fonts/`), registered once, so no system font
//! library is needed.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::{ComposedElement, DashedPathElement};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::BackendCoord;

use super::charts::{ChartSpec, Heatmap, Line, Panel};
use super::data::RunData;
use super::layout::{Colour, GREY_COLOURS, PALETTE_COLOURS, Plan};
use super::layout::{LINE_HEIGHT, Naming, longest_standing, naming, standing_name};
pub use super::png_text::TextSize;
use super::png_text::{FONT, text_width};
use crate::stats::Estimate;
use crate::verdict::{fixed, wrap};

const FONT_FAMILY: &str = "sans-serif";

/// The bundled font at `size`.
pub fn font(size: TextSize) -> FontDesc<'static> {
    (FONT_FAMILY, size as u32 as f64).into_font()
}

/// Registers the bundled font with plotters, once per process.
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT)
            .map_err(|_| ())
            .expect("the bundled font is a valid TrueType file");
    });
}

/// Chart width, and the legend column's share of it, in pixels.
const WIDTH: u32 = 1240;
const LEGEND_WIDTH: u32 = 260;
/// The title's band, and a panel's height: a whole chart of one facet,
/// a row of small multiples, a panel across sweep points, a heatmap row.
const TITLE_HEIGHT: u32 = 50;
const SINGLE_HEIGHT: u32 = 670;
const FACET_ROW_HEIGHT: u32 = 230;
const UNFACETED_HEIGHT: u32 = 300;
const HEATMAP_ROW_HEIGHT: u32 = 300;
/// The band above a panel's small multiples that names its quantity.
const PANEL_HEADER_HEIGHT: u32 = 30;

/// Palette colours (Okabe–Ito, colour-blind safe, without yellow, which
/// is hard to see on white); a panel never holds more than five.
const PALETTE: [RGBColor; PALETTE_COLOURS] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(213, 94, 0),
    RGBColor(86, 180, 233),
];

/// The control grey, then darker and lighter ones for further conditions
/// that never attend.
const GREYS: [RGBColor; GREY_COLOURS] = [
    RGBColor(128, 128, 128),
    RGBColor(60, 60, 60),
    RGBColor(185, 185, 185),
    RGBColor(30, 30, 30),
];

fn rgb(c: Colour) -> RGBColor {
    match c {
        Colour::Palette(k) => PALETTE[k % PALETTE.len()],
        Colour::Grey(k) => GREYS[k % GREYS.len()],
    }
}

/// The shapes that tell conditions apart without their colour (a chart
/// printed in grey): each key of the legend has its own, in the legend's
/// order, marked along its lines and on its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
    TriangleDown,
}

/// Shapes in the legend's order: filled, then the same hollow.
const SHAPES: [Shape; 5] = [
    Shape::Circle,
    Shape::Square,
    Shape::Triangle,
    Shape::Diamond,
    Shape::TriangleDown,
];

/// A condition's marker: its shape, and whether it is hollow (keys after
/// the fifth).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Marker {
    shape: Shape,
    hollow: bool,
}

impl Marker {
    /// The marker of legend key `k`.
    fn of_key(k: usize) -> Marker {
        Marker {
            shape: SHAPES[k % SHAPES.len()],
            hollow: (k / SHAPES.len()) % 2 == 1,
        }
    }

    /// The marker of the condition whose colour is `colour` in `plan`.
    fn of(plan: &Plan, colour: Colour) -> Marker {
        Marker::of_key(
            plan.keys
                .iter()
                .position(|k| k.colour == colour)
                .unwrap_or(0),
        )
    }

    /// The outline around (0, 0), in pixels, `r` its half width.
    fn outline(self, r: i32) -> Vec<(i32, i32)> {
        match self.shape {
            Shape::Circle => (0..16)
                .map(|i| {
                    let a = f64::from(i) * std::f64::consts::TAU / 16.0;
                    let r = f64::from(r);
                    ((r * a.cos()).round() as i32, (r * a.sin()).round() as i32)
                })
                .collect(),
            Shape::Square => vec![
                (-r + 1, -r + 1),
                (r - 1, -r + 1),
                (r - 1, r - 1),
                (-r + 1, r - 1),
            ],
            Shape::Triangle => vec![(0, -r - 1), (r + 1, r - 1), (-r - 1, r - 1)],
            Shape::Diamond => vec![(0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)],
            Shape::TriangleDown => vec![(0, r + 1), (r + 1, -r + 1), (-r - 1, -r + 1)],
        }
    }

    /// The marker at `at` (chart or pixel coordinates), `r` its half
    /// width: filled with `colour` and edged in white, or white inside a
    /// `colour` edge.
    fn at<C, DB: DrawingBackend>(
        self,
        at: C,
        r: i32,
        colour: RGBColor,
    ) -> ComposedElement<C, DB, Polygon<BackendCoord>, PathElement<BackendCoord>> {
        let outline = self.outline(r);
        let mut closed = outline.clone();
        closed.push(outline[0]);
        let (fill, edge, width) = match self.hollow {
            false => (colour, WHITE, 1),
            true => (WHITE, colour, 2),
        };
        EmptyElement::at(at)
            + Polygon::new(outline, fill.filled())
            + PathElement::new(closed, edge.stroke_width(width))
    }
}

/// The place in the legend of the key of `colour`.
fn key_of(plan: &Plan, colour: Colour) -> usize {
    plan.keys
        .iter()
        .position(|k| k.colour == colour)
        .unwrap_or(0)
}

/// Where along a line of `n` points its markers go: about six, those of
/// the `k`-th of `keys` conditions set apart from the others' so that no
/// marker hides another.
fn marked(n: usize, k: usize, keys: usize) -> impl Iterator<Item = usize> {
    let step = (n / 6).max(1);
    let offset = k * step / keys.max(1);
    (offset..n).step_by(step)
}

/// How a chart is laid out: rows of small multiples per panel, each
/// titled in as many lines as the longest of their titles needs.
struct Grid {
    facets: usize,
    columns: usize,
    rows: usize,
    title_lines: usize,
}

fn grid(plan: &Plan) -> Grid {
    let facets = plan.facets.len();
    let columns = plan.columns.clamp(1, facets.max(1));
    let width = facet_title_width(columns);
    let title_lines = plan
        .facets
        .iter()
        .map(|f| title_lines(&f.title, width).len())
        .max()
        .unwrap_or(1);
    Grid {
        facets,
        columns,
        rows: facets.div_ceil(columns),
        title_lines,
    }
}

/// The width, in pixels, a small multiple's title may take: the cell's,
/// less its margins.
fn facet_title_width(columns: usize) -> f32 {
    ((WIDTH - LEGEND_WIDTH) as usize / columns.max(1) - 2 * CELL_MARGIN as usize) as f32
}

/// A small multiple's margin on every side, in pixels.
const CELL_MARGIN: u32 = 10;

/// `title` in lines of at most `width` pixels at the caption's size,
/// broken after its commas (a sweep point's `key=value, key=value`), each
/// line holding as many parts as fit; a part longer than a line has a
/// line of its own.
fn title_lines(title: &str, width: f32) -> Vec<String> {
    let size = TextSize::Caption as u32 as f32;
    let mut lines: Vec<String> = Vec::new();
    for part in title.split_inclusive(", ") {
        match lines.last_mut() {
            Some(line) if text_width(format!("{line}{part}").trim_end(), size) <= width => {
                line.push_str(part)
            }
            _ => lines.push(part.to_string()),
        }
    }
    lines.iter().map(|l| l.trim_end().to_string()).collect()
}

/// A panel's height in pixels.
fn panel_height(spec: &ChartSpec, panel: &Panel, g: &Grid) -> u32 {
    PANEL_HEADER_HEIGHT
        + if panel.faceted && g.facets > 1 {
            g.rows as u32
                * (FACET_ROW_HEIGHT + LINE_HEIGHT as u32 * (g.title_lines.max(1) as u32 - 1))
        } else if g.facets > 1 || !panel.faceted {
            UNFACETED_HEIGHT + standing_names_height(&spec.x_categories)
        } else {
            SINGLE_HEIGHT / spec.panels.len().max(1) as u32
        }
}

/// The height that names standing below a panel's axis take beyond a
/// line's: a panel across points whose names stand is that much taller,
/// its plot as tall as one whose names lie.
fn standing_names_height(categories: &[Vec<String>]) -> u32 {
    match naming(categories) {
        Some(Naming::Standing) => names_height(categories).saturating_sub(LINE_HEIGHT as u32),
        _ => 0,
    }
}

/// The chart's size in pixels (PNG) and user units (SVG).
pub fn size(spec: &ChartSpec, plan: &Plan) -> (u32, u32) {
    let g = grid(plan);
    let body: u32 = if !spec.heatmaps.is_empty() {
        heatmap_grid(spec).0 as u32 * HEATMAP_ROW_HEIGHT
    } else if spec.empty_note.is_some() {
        SINGLE_HEIGHT
    } else {
        spec.panels.iter().map(|p| panel_height(spec, p, &g)).sum()
    };
    (WIDTH, TITLE_HEIGHT + body.max(200))
}

/// Lower and upper ends of an estimate's 95% interval (the mean itself with
/// a single replicate), cut to the quantity's scale `(floor, top)`, as the
/// tables and sentences cut theirs.
fn interval(e: &Estimate, (floor, top): (f64, f64)) -> (f64, f64) {
    let h = e.half_width.unwrap_or(0.0);
    ((e.mean - h).max(floor), (e.mean + h).min(top))
}

/// The y range of a panel, shared by its small multiples: the data's
/// extent, padded, but at least a quarter of the scale and within it.
/// Returns the range and whether it starts above the scale's floor.
fn y_range(panel: &Panel) -> ((f64, f64), bool) {
    let (floor, top) = panel.y_bounds;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (_, e) in panel.lines.iter().flat_map(|l| &l.points) {
        let (a, b) = interval(e, panel.y_bounds);
        lo = lo.min(a);
        hi = hi.max(b);
    }
    if !lo.is_finite() {
        return (panel.y_bounds, false);
    }
    let scale = top - floor;
    let pad = ((hi - lo) * 0.08).max(0.02 * scale);
    let (mut lo, mut hi) = ((lo - pad).max(floor), (hi + pad).min(top));
    let least = 0.25 * scale;
    // Near the floor: start there.
    if lo - floor < least {
        lo = floor;
    }
    if hi - lo < least {
        let grow = (least - (hi - lo)) / 2.0;
        lo -= grow;
        hi += grow;
        if lo < floor {
            (lo, hi) = (floor, floor + least);
        } else if hi > top {
            (lo, hi) = (top - least, top);
        }
    }
    let zoomed = lo > floor + 1e-9;
    // A line on the scale's bound stays clear of the frame.
    let margin = 0.015 * scale;
    if lo <= floor {
        lo = floor - margin;
    }
    if hi >= top {
        hi = top + margin;
    }
    ((lo, hi), zoomed)
}

/// The x range of the given panels' lines; points with error bars get a
/// margin, so that no bar sits on the frame.
fn x_range<'a>(panels: impl IntoIterator<Item = &'a Panel>) -> (f64, f64) {
    let lines: Vec<&Line> = panels.into_iter().flat_map(|p| &p.lines).collect();
    let xs = lines.iter().flat_map(|l| l.points.iter().map(|(x, _)| *x));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    if !(lo.is_finite() && hi > lo) {
        return (0.0, 1.0);
    }
    if lines.iter().any(|l| l.error_bars) {
        let pad = 0.04 * (hi - lo);
        (lo - pad, hi + pad)
    } else {
        (lo, hi)
    }
}

/// A tick label of an axis spanning `span`: as many places as its ticks
/// need, and no minus sign on zero.
fn tick(y: f64, span: f64) -> String {
    let digits = if span > 0.0 {
        ((1.0 - span.log10()).ceil().max(0.0) as usize).min(4)
    } else {
        2
    };
    fixed(y, digits)
}

pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The chart's title at the top of `root`, a few pixels below its edge
/// (plotters sets it against the edge), and the area below it.
pub fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.margin(6, 0, 0, 0).titled(title, font(TextSize::Title))
}

/// Draws a chart onto any plotters backend of [`size`]'s size.
pub fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    data: &RunData,
    plan: &Plan,
) -> DrawResult<DB> {
    register_font();
    root.fill(&WHITE)?;
    let root = titled(&root, &spec.title)?;
    if let Some(note) = &spec.empty_note {
        root.draw(&Text::new(note.clone(), (40, 60), font(TextSize::Heading)))?;
        return root.present();
    }
    if !spec.heatmaps.is_empty() {
        draw_heatmaps(&root, spec)?;
        return root.present();
    }
    let (body, legend_area) = root.split_horizontally(WIDTH - LEGEND_WIDTH);
    draw_legend(&legend_area, spec, data, plan)?;
    let g = grid(plan);
    let heights: Vec<u32> = spec
        .panels
        .iter()
        .map(|p| panel_height(spec, p, &g))
        .collect();
    // The conditions drawn with error bars, each set apart from the others
    // by its place here, the same in every panel.
    let mut with_bars: Vec<usize> = spec
        .panels
        .iter()
        .flat_map(|p| &p.lines)
        .filter(|l| l.error_bars)
        .map(|l| l.condition)
        .collect();
    with_bars.sort_unstable();
    with_bars.dedup();
    let shared = match spec.x_categories.len() {
        0 => x_range(spec.panels.iter().filter(|p| p.x_label.is_none())),
        n => (0.0, n as f64),
    };
    let mut rest = body;
    for (k, panel) in spec.panels.iter().enumerate() {
        let (area, below) = rest.split_vertically(heights[k]);
        rest = below;
        let last = k + 1 == spec.panels.len();
        let x_desc = match &panel.x_label {
            Some(own) => Some(own.as_str()),
            None => last.then_some(spec.x_label.as_str()),
        };
        let x = match panel.x_label {
            Some(_) => x_range([panel]),
            None => shared,
        };
        // The quantity once, above its panel or small multiples.
        let (header, area) = area.split_vertically(PANEL_HEADER_HEIGHT);
        header.draw(&Text::new(y_title(panel), (10, 6), font(TextSize::Heading)))?;
        if panel.faceted && g.facets > 1 {
            let cells = area.split_evenly((g.rows, g.columns));
            for (f, facet) in plan.facets.iter().enumerate() {
                let lines: Vec<&Line> = panel
                    .lines
                    .iter()
                    .filter(|l| facet.conditions.contains(&l.condition))
                    .collect();
                let bottom = f / g.columns + 1 == g.rows || f + g.columns >= g.facets;
                let cell = Cell {
                    title: &facet.title,
                    title_lines: g.title_lines,
                    x_desc: x_desc.filter(|_| bottom),
                    x,
                    x_labels: 6,
                    categories: &spec.x_categories,
                    with_bars: &with_bars,
                };
                draw_panel(&cells[f], panel, &lines, &cell, plan)?;
            }
        } else {
            let lines: Vec<&Line> = panel.lines.iter().collect();
            let cell = Cell {
                title: "",
                title_lines: 0,
                x_desc,
                x,
                x_labels: 12,
                categories: &spec.x_categories,
                with_bars: &with_bars,
            };
            draw_panel(&area, panel, &lines, &cell, plan)?;
        }
    }
    root.present()
}

/// What one drawn panel (or small multiple) shows besides its lines.
struct Cell<'a> {
    title: &'a str,
    /// The lines the titles of the cells beside it take: one is plotters'
    /// caption, more are drawn above the plot ([`title_lines`]).
    title_lines: usize,
    x_desc: Option<&'a str>,
    x: (f64, f64),
    /// About how many x labels.
    x_labels: usize,
    /// The points' names where the x axis is not numeric
    /// ([`ChartSpec::x_categories`]).
    categories: &'a [Vec<String>],
    /// The chart's conditions drawn with error bars, in order.
    with_bars: &'a [usize],
}

/// A panel's quantity, and where its axis does not start at the scale's
/// floor, the scale.
fn y_title(panel: &Panel) -> String {
    let ((lo, _), zoomed) = y_range(panel);
    if zoomed {
        let (floor, top) = panel.y_bounds;
        format!(
            "{} — axis from {lo:.2} (scale {floor}–{top})",
            panel.y_label
        )
    } else {
        panel.y_label.clone()
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    lines: &[&Line],
    cell: &Cell,
    plan: &Plan,
) -> DrawResult<DB> {
    let ((y_lo, y_hi), _) = y_range(panel);
    // Named points have a line of their name per key below the axis.
    let named = !cell.categories.is_empty();
    let area = &title_above(area, cell)?;
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(CELL_MARGIN)
        .x_label_area_size(
            8 + names_height(cell.categories) + if cell.x_desc.is_some() { 20 } else { 0 },
        )
        .y_label_area_size(50);
    if !cell.title.is_empty() && cell.title_lines <= 1 {
        builder.caption(cell.title, font(TextSize::Caption));
    }
    let mut chart = builder.build_cartesian_2d(cell.x.0..cell.x.1, y_lo..y_hi)?;
    let y_format = |y: &f64| tick(*y, y_hi - y_lo);
    // An x axis two or more wide (weeks, a swept count) is labelled at
    // whole numbers at most, each without decimals (`6`, not `6.0`);
    // a narrower one (a swept rate) as the y axis is.
    let x_span = cell.x.1 - cell.x.0;
    let whole = x_span >= 2.0;
    // Named points are named below (`name_points`), not by ticks.
    let x_labels = if named {
        cell.categories.len() + 1
    } else if whole {
        cell.x_labels.min(x_span as usize + 1)
    } else {
        cell.x_labels
    };
    let x_format = |x: &f64| {
        if named {
            String::new()
        } else if whole {
            fixed(*x, 0)
        } else {
            tick(*x, x_span)
        }
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(x_labels)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .label_style(font(TextSize::Label))
        .axis_desc_style(font(TextSize::Caption))
        .light_line_style(RGBColor(235, 235, 235));
    if let Some(d) = cell.x_desc {
        mesh.x_desc(d);
    }
    if named {
        mesh.x_max_light_lines(0);
    }
    mesh.draw()?;
    if named {
        name_points(area, &chart, cell.categories, y_lo)?;
    }
    draw_lines(&mut chart, lines, cell, panel.y_bounds, plan)
}

/// A small multiple's title in lines ([`title_lines`]) above its plot,
/// where the titles of its row take more than one, and the area below
/// them; else the whole area, for plotters' caption (or none).
fn title_above<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cell: &Cell,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    if cell.title.is_empty() || cell.title_lines <= 1 {
        return Ok(area.clone());
    }
    let (width, _) = area.dim_in_pixel();
    let height = CELL_MARGIN + (LINE_HEIGHT * cell.title_lines) as u32;
    let (band, below) = area.split_vertically(height);
    let style = TextStyle::from(font(TextSize::Caption)).pos(Pos::new(HPos::Center, VPos::Top));
    let lines = title_lines(cell.title, width as f32 - 2.0 * CELL_MARGIN as f32);
    for (k, line) in lines.into_iter().enumerate() {
        let at = (
            (width / 2) as i32,
            (CELL_MARGIN as usize + LINE_HEIGHT * k) as i32,
        );
        band.draw(&Text::new(line, at, style.clone()))?;
    }
    Ok(below)
}

/// `lines` on `chart`, a panel or small multiple (`cell`): each a line
/// with its band, or points with error bars, the intervals cut to the
/// quantity's scale (`bounds`: a share's interval ends at 1).
fn draw_lines<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    lines: &[&Line],
    cell: &Cell,
    bounds: (f64, f64),
    plan: &Plan,
) -> DrawResult<DB> {
    let named = !cell.categories.is_empty();
    // Points with error bars of several lines (arms at the same sweep
    // point) are set a little apart, so that no bar hides another.
    let bars = cell.with_bars.len() as f64;
    let apart = if named {
        (0.5 / bars).min(0.15)
    } else {
        0.012 * (cell.x.1 - cell.x.0)
    };
    // Every band first, then every line: a band drawn over an earlier
    // line would tint it, and hide it where the two run close.
    for l in lines.iter().filter(|l| !l.error_bars) {
        let colour = rgb(plan.colours[l.condition]);
        let ends: Vec<(f64, (f64, f64))> = l
            .points
            .iter()
            .map(|(x, e)| (*x, interval(e, bounds)))
            .collect();
        let upper = ends.iter().map(|&(x, (_, hi))| (x, hi));
        let band: Vec<(f64, f64)> = upper
            .chain(ends.iter().rev().map(|&(x, (lo, _))| (x, lo)))
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(
            band,
            colour.mix(0.22).filled(),
        )))?;
        // The band's edges, thin, so that it shows where the band's tint
        // prints as light as the grid.
        for edge in [
            ends.iter().map(|&(x, (_, hi))| (x, hi)).collect::<Vec<_>>(),
            ends.iter().map(|&(x, (lo, _))| (x, lo)).collect(),
        ] {
            chart.draw_series(LineSeries::new(edge, colour.mix(0.55).stroke_width(1)))?;
        }
    }
    for l in lines {
        let colour = rgb(plan.colours[l.condition]);
        let mut shift = 0.0;
        if l.error_bars {
            shift = bar_shift(cell.with_bars, l.condition) * apart;
            chart.draw_series(l.points.iter().map(|(x, e)| {
                let (lo, hi) = interval(e, bounds);
                ErrorBar::new_vertical(x + shift, lo, e.mean, hi, colour.stroke_width(2), 12)
            }))?;
            let marker = Marker::of(plan, plan.colours[l.condition]);
            chart.draw_series(
                l.points
                    .iter()
                    .map(|(x, e)| marker.at((x + shift, e.mean), 6, colour)),
            )?;
        }
        // Points with names of their own are not joined: no line runs
        // between categories.
        if named {
            continue;
        }
        let points: Vec<(f64, f64)> = l.points.iter().map(|(x, e)| (x + shift, e.mean)).collect();
        let style = colour.stroke_width(if l.error_bars { 2 } else { 3 });
        let marks: Vec<(f64, f64)> = match l.error_bars {
            true => Vec::new(),
            false => {
                let k = key_of(plan, plan.colours[l.condition]);
                let each = marked(points.len(), k, plan.keys.len());
                each.map(|i| points[i]).collect()
            }
        };
        if l.series > 0 {
            chart.draw_series(DashedLineSeries::new(points, 10, 6, style))?;
        } else {
            chart.draw_series(LineSeries::new(points, style))?;
        }
        let marker = Marker::of(plan, plan.colours[l.condition]);
        chart.draw_series(marks.into_iter().map(|at| marker.at(at, 6, colour)))?;
    }
    Ok(())
}

/// The legend column: each colour drawn in the chart and what it stands
/// for, then each panel's line styles where a panel has more than one.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    data: &RunData,
    plan: &Plan,
) -> DrawResult<DB> {
    let text = font(TextSize::Label);
    let heading = font(TextSize::Caption);
    let mut y = 20;
    let used: Vec<Colour> = spec
        .panels
        .iter()
        .flat_map(|p| &p.lines)
        .map(|l| plan.colours[l.condition])
        .collect();
    let across_points = spec.panels.iter().all(|p| !p.faceted);
    area.draw(&Text::new("Conditions", (8, y), heading.clone()))?;
    y += 24;
    for key in plan.keys.iter().filter(|k| used.contains(&k.colour)) {
        // A panel across sweep points draws arms, named by their label.
        let name = match across_points {
            true => data
                .conditions
                .iter()
                .zip(&plan.colours)
                .find(|(_, c)| **c == key.colour)
                .map_or(key.name.clone(), |(c, _)| c.label.clone()),
            false => key.name.clone(),
        };
        area.draw(&PathElement::new(
            vec![(6, y + 8), (38, y + 8)],
            rgb(key.colour).stroke_width(4),
        ))?;
        area.draw(&Marker::of(plan, key.colour).at((22, y + 8), 6, rgb(key.colour)))?;
        for line in wrap(&name, 32) {
            area.draw(&Text::new(line, (44, y), text.clone()))?;
            y += 18;
        }
        y += 4;
    }
    for panel in spec.panels.iter().filter(|p| p.series.len() > 1) {
        y += 14;
        for line in wrap(&panel.y_label, 30) {
            area.draw(&Text::new(line, (8, y), heading.clone()))?;
            y += 19;
        }
        for (k, series) in panel.series.iter().enumerate() {
            let gap = if k > 0 { 5 } else { 0 };
            area.draw(&DashedPathElement::new(
                vec![(8, y + 8), (36, y + 8)],
                8,
                gap,
                BLACK.stroke_width(3),
            ))?;
            for line in wrap(series, 32) {
                area.draw(&Text::new(line, (44, y), text.clone()))?;
                y += 18;
            }
            y += 4;
        }
    }
    Ok(())
}

/// The heatmaps' grid: (rows, columns).
fn heatmap_grid(spec: &ChartSpec) -> (usize, usize) {
    let rows = spec.heatmaps.iter().map(|h| h.row + 1).max().unwrap_or(1);
    let columns = spec
        .heatmaps
        .iter()
        .map(|h| h.column + 1)
        .max()
        .unwrap_or(1);
    (rows, columns)
}

/// A point on a colour-blind-safe sequential scale (viridis, by its
/// endpoints and three stops), for t in 0–1.
fn sequential(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let k = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - k as f64;
    let mix = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
    let (a, b) = (STOPS[k], STOPS[k + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The width, in pixels, of the column of colour keys beside the
/// heatmaps, and of a key's bar.
const KEY_WIDTH: u32 = 110;
const KEY_BAR_WIDTH: i32 = 18;

fn draw_heatmaps<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
) -> DrawResult<DB> {
    let (rows, columns) = heatmap_grid(spec);
    let (maps, keys) = root.split_horizontally(WIDTH - KEY_WIDTH);
    let cells = maps.split_evenly((rows, columns));
    for h in &spec.heatmaps {
        draw_heatmap(&cells[h.row * columns + h.column], h)?;
    }
    for (row, key) in keys.split_evenly((rows, 1)).iter().enumerate() {
        if let Some(h) = spec.heatmaps.iter().find(|h| h.row == row) {
            draw_colour_key(key, h)?;
        }
    }
    Ok(())
}

/// The colour key of a row of heatmaps (one outcome, its arms sharing
/// one shading): a bar from the lowest mean (bottom, darkest) to the
/// highest (top, lightest), each end labelled with its value, so that a
/// reader sees how far apart the lightest and the darkest cells are.
fn draw_colour_key<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    h: &Heatmap,
) -> DrawResult<DB> {
    let (_, height) = area.dim_in_pixel();
    // The bar spans the cells' height: below the caption, above the axis.
    let (top, bottom) = (40, height as i32 - 56);
    let steps = (bottom - top).max(1);
    for k in 0..steps {
        let t = 1.0 - f64::from(k) / f64::from(steps - 1).max(1.0);
        let y = top + k;
        area.draw(&Rectangle::new(
            [(10, y), (10 + KEY_BAR_WIDTH, y + 1)],
            sequential(t).filled(),
        ))?;
    }
    let (lo, hi) = h.range;
    let digits = h.digits;
    let label = TextStyle::from(font(TextSize::Label));
    let ends = [(hi, top, VPos::Top), (lo, bottom, VPos::Bottom)];
    for (value, y, v_pos) in ends {
        let style = label.pos(Pos::new(HPos::Left, v_pos));
        let at = (16 + KEY_BAR_WIDTH, y);
        area.draw(&Text::new(format!("{value:.digits$}"), at, style))?;
    }
    Ok(())
}

/// How far, in steps, the error bars of `condition` are set from the
/// point's middle: by its place among the conditions drawn with bars, the
/// whole row centred.
fn bar_shift(with_bars: &[usize], condition: usize) -> f64 {
    let place = with_bars.iter().position(|&c| c == condition).unwrap_or(0);
    place as f64 - (with_bars.len() as f64 - 1.0) / 2.0
}

/// The height, in pixels, the names of points take below the axis: a
/// line's height per key lying; the longest name's length standing.
fn names_height(categories: &[Vec<String>]) -> u32 {
    let height = match naming(categories) {
        Some(Naming::Standing) => longest_standing(categories).ceil() as usize,
        _ => LINE_HEIGHT * categories.iter().map(Vec::len).max().unwrap_or(1),
    };
    height as u32
}

/// Each named point's name (`categories`) below it on `chart`'s x axis,
/// which runs along `y_lo`, in `area`, which holds the chart: its lines
/// centred below it, or standing ([`naming`]).
fn name_points<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &ChartContext<DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    categories: &[Vec<String>],
    y_lo: f64,
) -> DrawResult<DB> {
    let (left, top) = area.get_base_pixel();
    let label = TextStyle::from(font(TextSize::Label));
    let lying = label.pos(Pos::new(HPos::Center, VPos::Top));
    let standing = label
        .pos(Pos::new(HPos::Right, VPos::Center))
        .transform(FontTransform::Rotate270);
    let naming = naming(categories);
    for (k, lines) in categories.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(k as f64 + 0.5, y_lo));
        let (x, y) = (x - left, y - top + 8);
        if naming == Some(Naming::Standing) {
            area.draw(&Text::new(standing_name(lines), (x, y), standing.clone()))?;
            continue;
        }
        for (row, line) in lines.iter().enumerate() {
            let at = (x, y + (LINE_HEIGHT * row) as i32);
            area.draw(&Text::new(line.clone(), at, lying.clone()))?;
        }
    }
    Ok(())
}

/// A heatmap axis's label at `v`: the name of the cell whose middle it
/// is, and nothing at the cells' edges.
fn category(names: &[String], v: f64) -> String {
    let k = v.floor() as usize;
    if (v - k as f64 - 0.5).abs() < 1e-6 {
        names.get(k).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

fn draw_heatmap<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, h: &Heatmap) -> DrawResult<DB> {
    let (nx, ny) = (h.xs.len(), h.ys.len());
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .caption(&h.title, font(TextSize::Caption))
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)?;
    let x_name = |v: &f64| category(&h.xs, *v);
    let y_name = |v: &f64| category(&h.ys, *v);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(2 * nx + 1)
        .y_labels(2 * ny + 1)
        .x_label_formatter(&x_name)
        .y_label_formatter(&y_name)
        .x_desc(h.x_key.as_str())
        .y_desc(h.y_key.as_str())
        .label_style(font(TextSize::Label))
        .axis_desc_style(font(TextSize::Label))
        .draw()?;
    let (lo, hi) = h.range;
    for x in 0..nx {
        for y in 0..ny {
            let Some(v) = h.cells[x * ny + y] else {
                continue;
            };
            let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
            let fill = sequential(t);
            let (x0, y0) = (x as f64, y as f64);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x0, y0), (x0 + 1.0, y0 + 1.0)],
                fill.filled(),
            )))?;
            let ink = if t > 0.6 { BLACK } else { WHITE };
            let digits = h.digits;
            chart.draw_series(std::iter::once(Text::new(
                format!("{v:.digits$}"),
                (x0 + 0.35, y0 + 0.55),
                font(TextSize::Caption).color(&ink),
            )))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::layout::FACET_COLUMNS;

    /// Ten conditions in a legend have ten markers (five shapes, filled
    /// and hollow), and each of up to six conditions along a line of a
    /// year's points marks points no other marks, so that no marker hides
    /// another where lines meet.
    #[test]
    fn each_condition_has_a_marker_of_its_own_at_points_of_its_own() {
        let markers: Vec<Marker> = (0..10).map(Marker::of_key).collect();
        for (i, a) in markers.iter().enumerate() {
            assert!(markers[i + 1..].iter().all(|b| a != b), "{markers:?}");
        }
        for keys in 1..=6 {
            let mut seen = std::collections::BTreeSet::new();
            for k in 0..keys {
                let points: Vec<usize> = marked(53, k, keys).collect();
                assert!((5..=9).contains(&points.len()), "{keys} {k} {points:?}");
                assert!(
                    points.iter().all(|&p| p < 53 && seen.insert(p)),
                    "{keys} {k}"
                );
            }
        }
    }

    /// Arms at one sweep point are set apart by their place among all the
    /// chart's arms drawn with bars, so an arm with no line in one panel (a
    /// waitlist's cohesion) moves no other arm there.
    #[test]
    fn each_arm_keeps_its_place_beside_the_others_in_every_panel() {
        let all = [0, 2, 5];
        assert_eq!(all.map(|c| bar_shift(&all, c)), [-1.0, 0.0, 1.0]);
        assert_eq!(bar_shift(&[4], 4), 0.0);
        assert_eq!(bar_shift(&[1, 3], 3), 0.5);
    }

    /// A small multiple's title too long for its cell is broken after
    /// its commas into lines that each fit; one that fits is one line.
    #[test]
    fn a_small_multiples_title_is_broken_after_commas_into_lines_that_fit() {
        let width = facet_title_width(FACET_COLUMNS);
        let title = "group_size=12, delivery=in_person, leadership=facilitated";
        let lines = title_lines(title, width);
        assert_eq!(
            lines,
            [
                "group_size=12, delivery=in_person,",
                "leadership=facilitated"
            ]
        );
        let caption = TextSize::Caption as u32 as f32;
        assert!(lines.iter().all(|l| text_width(l, caption) <= width));
        assert_eq!(title_lines("group_size=12", width), ["group_size=12"]);
        // Two columns leave room for the whole title on one line.
        assert_eq!(title_lines(title, facet_title_width(2)).len(), 1);
    }

    /// A row of heatmaps has a key beside it: a bar from the darkest
    /// colour (its lowest mean) at the bottom to the lightest (its highest)
    /// at the top, with the two means written beside its ends.
    #[test]
    fn a_colour_key_runs_from_the_lowest_mean_to_the_highest() {
        register_font();
        let (width, height) = (KEY_WIDTH as usize, HEATMAP_ROW_HEIGHT as usize);
        let mut pixels = vec![255u8; width * height * 3];
        let map = Heatmap {
            title: String::new(),
            x_key: String::new(),
            y_key: String::new(),
            xs: Vec::new(),
            ys: Vec::new(),
            cells: Vec::new(),
            digits: 2,
            range: (6.3, 6.35),
            row: 0,
            column: 0,
        };
        {
            let bitmap = BitMapBackend::with_buffer(&mut pixels, (width as u32, height as u32));
            let root = super::super::png_text::PngBackend::new(bitmap).into_drawing_area();
            draw_colour_key(&root, &map).unwrap();
            root.present().unwrap();
        }
        let at = |x: usize, y: usize| {
            let i = (y * width + x) * 3;
            RGBColor(pixels[i], pixels[i + 1], pixels[i + 2])
        };
        let bar = 10 + KEY_BAR_WIDTH as usize / 2;
        let (top, bottom) = (40, height - 57);
        assert_eq!(at(bar, top), sequential(1.0));
        assert_eq!(at(bar, bottom), sequential(0.0));
        assert_eq!(at(bar, top - 2), WHITE, "nothing above the bar");
        // Each end's label leaves ink beside it, and only there.
        let inked = |rows: std::ops::Range<usize>| {
            rows.flat_map(|y| (bar + 12..width).map(move |x| (x, y)))
                .any(|(x, y)| at(x, y).0 < 128)
        };
        assert!(inked(top..top + 14), "the highest mean's label");
        assert!(inked(bottom - 14..bottom), "the lowest mean's label");
        assert!(!inked(top + 40..bottom - 40), "no label between");
    }

    /// The lowest row with ink of `text` drawn alone at the top left.
    fn lowest_inked_row(text: &str, size: TextSize) -> usize {
        register_font();
        let (width, height) = (60, 60);
        let mut pixels = vec![255u8; width * height * 3];
        {
            let bitmap = BitMapBackend::with_buffer(&mut pixels, (width as u32, height as u32));
            let root = super::super::png_text::PngBackend::new(bitmap).into_drawing_area();
            root.draw(&Text::new(text, (5, 5), font(size))).unwrap();
            root.present().unwrap();
        }
        (0..height)
            .rev()
            .find(|y| {
                pixels[y * width * 3..(y + 1) * width * 3]
                    .iter()
                    .any(|&v| v < 128)
            })
            .expect("the text leaves ink")
    }

    /// A full stop sits on the line with the digits at every size of text:
    /// "1.5" does not read "1·5".
    #[test]
    fn a_full_stop_sits_on_the_line_at_every_size() {
        for size in [
            TextSize::Title,
            TextSize::Heading,
            TextSize::Caption,
            TextSize::Label,
        ] {
            assert_eq!(
                lowest_inked_row(".", size),
                lowest_inked_row("1", size),
                "{size:?}"
            );
        }
    }
}
