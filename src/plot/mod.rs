//! Charts and the report, drawn from a run's files.
//!
//! [`render`] reads `timeseries.csv`, `members.csv` (if written) and
//! `scenario.resolved.toml` from an output folder and writes `charts/*.png`,
//! `charts/*.svg` and `report.html` into it, each whole or not at all.
//! `bonfire run` calls it after its files are in place and `bonfire plot`
//! calls it on an earlier run, so both draw the same bytes.

pub mod calibration;
pub mod charts;
pub mod data;
pub mod draw;
pub mod layout;
pub mod png_text;
pub mod report;
pub mod sensitivity;

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::experiment::{Experiment, Overrides};
use crate::output::rows::{SummaryRow, Swept};
use crate::output::write_atomically;
use charts::ChartSpec;
use data::RunData;
use layout::Plan;
use png_text::PngBackend;

fn plot_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Plot {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// The chart as an SVG document.
pub fn svg(spec: &ChartSpec, data: &RunData, plan: &Plan) -> std::result::Result<String, String> {
    let mut text = String::new();
    {
        let size = draw::size(spec, plan);
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        draw::draw(root, spec, data, plan).map_err(|e| e.to_string())?;
    }
    Ok(text)
}

/// `[question] outcomes` as `scenario.resolved.toml` writes them (the
/// default where it does not).
fn written_outcomes(resolved: &toml::Table) -> Vec<String> {
    let written = resolved
        .get("question")
        .and_then(|q| q.get("outcomes"))
        .and_then(|o| o.as_array());
    match written {
        Some(list) => list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        None => crate::scenario::Question::default().outcomes,
    }
}

/// Draws every chart and the report into `dir`; returns the files written.
pub fn render(dir: &Path) -> Result<Vec<PathBuf>> {
    crate::output::manifest::check_file_lengths(dir)?;
    if dir.join("fit.csv").is_file() {
        return render_calibration(dir);
    }
    let data = RunData::load(dir)?;
    if data.rows.is_empty() {
        return Err(plot_error(
            &dir.join("timeseries.csv"),
            "no rows: nothing to draw (the charts and report.html are left as they were)",
        ));
    }
    let resolved_path = dir.join("scenario.resolved.toml");
    let resolved_text = std::fs::read_to_string(&resolved_path).map_err(|_| Error::NotARun {
        path: dir.to_path_buf(),
        missing: "scenario.resolved.toml",
    })?;
    let resolved: toml::Table =
        toml::from_str(&resolved_text).map_err(|e| plot_error(&resolved_path, e.message()))?;
    let name = resolved
        .get("name")
        .and_then(|v| v.as_str())
        .unwrap_or("scenario")
        .to_string();

    let chart_dir = chart_folder(dir)?;
    // The experiment, for its primary outcomes and arms; a folder whose
    // input files (a cohort, an edge list) have since moved is still drawn,
    // from the resolved keys and the data alone.
    let experiment = Experiment::from_file(&resolved_path, &Overrides::default()).ok();
    let outcomes = match &experiment {
        Some(e) => e.base.question.outcomes.clone(),
        None => written_outcomes(&resolved),
    };
    let outcomes = &outcomes;
    let mut written = Vec::new();
    let mut inline = Vec::new();
    let indices_path = dir.join("sensitivity.csv");
    let indices = if indices_path.is_file() {
        crate::sensitivity::results::read(&indices_path)?
    } else {
        Vec::new()
    };
    // A sensitivity analysis is drawn as its indices: its design's
    // hundreds of points are no conditions to compare over time.
    let specs = if indices.is_empty() {
        charts::answer_first(charts::chart_specs(&data, &name), outcomes)
    } else {
        inline.push(sensitivity_chart(&chart_dir, &indices, &mut written)?);
        Vec::new()
    };
    let plan = Plan::of(&data);
    for spec in specs {
        let svg_path = chart_dir.join(format!("{}.svg", spec.name));
        let text = svg(&spec, &data, &plan).map_err(|e| plot_error(&svg_path, e))?;
        write_atomically(&svg_path, text.as_bytes())?;
        written.push(svg_path);

        written.push(write_png(
            &chart_dir,
            spec.name,
            draw::size(&spec, &plan),
            |root| draw::draw(root, &spec, &data, &plan).map_err(|e| e.to_string()),
        )?);

        let body = text
            .find("<svg")
            .map_or(text.as_str(), |start| &text[start..]);
        inline.push(report::InlineChart {
            name: spec.name.to_string(),
            title: spec.title.clone(),
            caption: spec.caption.clone(),
            svg: body.to_string(),
        });
    }
    let report_path = dir.join("report.html");
    let summary_path = dir.join("summary.csv");
    let summary = if summary_path.is_file() {
        SummaryRow::read(&summary_path)?
    } else {
        Swept::default()
    };
    let answers = report::Answers {
        summary: &summary,
        outcomes,
        arms: &experiment
            .as_ref()
            .map_or_else(|| data.sessions_described(), |e| e.arms_described()),
        sensitivity: &indices,
        notes: experiment
            .as_ref()
            .map_or_else(Vec::new, |e| e.comparison_notes(&summary.rows)),
    };
    let page = report::html(&data, &resolved, &inline, &answers);
    write_atomically(&report_path, page.as_bytes())?;
    written.push(report_path);
    Ok(written)
}

/// Draws `charts/sensitivity.svg` and `.png`; returns the chart for the
/// report.
fn sensitivity_chart(
    chart_dir: &Path,
    indices: &[crate::sensitivity::results::IndexRow],
    written: &mut Vec<PathBuf>,
) -> Result<report::InlineChart> {
    inline_chart(
        chart_dir,
        "sensitivity",
        sensitivity::size(indices),
        sensitivity::title(indices),
        |root| sensitivity::draw(root, indices).map_err(|e| e.to_string()),
        |root| sensitivity::draw(root, indices).map_err(|e| e.to_string()),
        written,
    )
}

/// The whole drawing area of a backend.
type Area<DB> = DrawingArea<DB, plotters::coord::Shift>;

/// Draws `charts/NAME.svg` and `.png` (the same drawing on two backends);
/// returns the chart for the report.
fn inline_chart(
    chart_dir: &Path,
    name: &str,
    size: (u32, u32),
    (title, caption): (String, String),
    svg_drawing: impl FnOnce(Area<SVGBackend<'_>>) -> std::result::Result<(), String>,
    png_drawing: impl FnOnce(Area<PngBackend<'_>>) -> std::result::Result<(), String>,
    written: &mut Vec<PathBuf>,
) -> Result<report::InlineChart> {
    let svg_path = chart_dir.join(format!("{name}.svg"));
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
        svg_drawing(root).map_err(|e| plot_error(&svg_path, e))?;
    }
    write_atomically(&svg_path, text.as_bytes())?;
    written.push(svg_path);
    written.push(write_png(chart_dir, name, size, png_drawing)?);
    let body = text
        .find("<svg")
        .map_or(text.as_str(), |start| &text[start..]);
    Ok(report::InlineChart {
        name: name.to_string(),
        title,
        caption,
        svg: body.to_string(),
    })
}

/// Draws a calibration's fit and posterior charts and its report into
/// `dir`; returns the files written.
fn render_calibration(dir: &Path) -> Result<Vec<PathBuf>> {
    use crate::calibration::outputs;
    let resolved_path = dir.join("scenario.resolved.toml");
    let text = std::fs::read_to_string(&resolved_path).map_err(|_| Error::NotARun {
        path: dir.to_path_buf(),
        missing: "scenario.resolved.toml",
    })?;
    let resolved: toml::Table =
        toml::from_str(&text).map_err(|e| plot_error(&resolved_path, e.message()))?;
    let fit = outputs::read_fit(&dir.join("fit.csv"))?;
    let parameters = outputs::read_parameters(&dir.join("parameters.csv"))?;
    let generations = outputs::read_generations(&dir.join("generations.csv"))?;
    let chart_dir = chart_folder(dir)?;
    let mut written = Vec::new();
    let charts = vec![
        inline_chart(
            &chart_dir,
            "calibration_fit",
            calibration::fit_size(&fit),
            calibration::fit_title(),
            |root| calibration::draw_fit(root, &fit).map_err(|e| e.to_string()),
            |root| calibration::draw_fit(root, &fit).map_err(|e| e.to_string()),
            &mut written,
        )?,
        inline_chart(
            &chart_dir,
            "calibration_posterior",
            calibration::posterior_size(&parameters),
            calibration::posterior_title(),
            |root| calibration::draw_posterior(root, &parameters).map_err(|e| e.to_string()),
            |root| calibration::draw_posterior(root, &parameters).map_err(|e| e.to_string()),
            &mut written,
        )?,
    ];
    let found = report::Calibration {
        parameters: &parameters,
        fit: &fit,
        generations: &generations,
    };
    let page = report::calibration_html(&resolved, &charts, &found);
    let report_path = dir.join("report.html");
    write_atomically(&report_path, page.as_bytes())?;
    written.push(report_path);
    Ok(written)
}

/// `charts/` in `dir`, created when missing, without the files a stop
/// while drawing left under a temporary name (the caller holds the
/// folder's lock).
fn chart_folder(dir: &Path) -> Result<PathBuf> {
    let chart_dir = dir.join("charts");
    std::fs::create_dir_all(&chart_dir).map_err(|source| Error::Io {
        action: "create",
        path: chart_dir.clone(),
        source,
    })?;
    crate::output::durable::remove_partials(&chart_dir)?;
    Ok(chart_dir)
}

/// Draws `charts/NAME.png` in memory, encodes it and writes it whole
/// ([`write_atomically`]); returns its path. The bitmap backend's own
/// file target is not used: it writes through a buffer it never flushes,
/// so a disk that fills at the image's last bytes went unreported and a
/// cut-short image took the chart's name.
fn write_png(
    chart_dir: &Path,
    name: &str,
    (width, height): (u32, u32),
    draw: impl FnOnce(
        DrawingArea<PngBackend<'_>, plotters::coord::Shift>,
    ) -> std::result::Result<(), String>,
) -> Result<PathBuf> {
    use image::ImageEncoder;
    let png_path = chart_dir.join(format!("{name}.png"));
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    let bitmap = BitMapBackend::with_buffer(&mut pixels, (width, height));
    draw(PngBackend::new(bitmap).into_drawing_area()).map_err(|e| plot_error(&png_path, e))?;
    let mut encoded = Vec::new();
    image::codecs::png::PngEncoder::new(&mut encoded)
        .write_image(&pixels, width, height, image::ColorType::Rgb8)
        .map_err(|e| plot_error(&png_path, e))?;
    write_atomically(&png_path, &encoded)?;
    Ok(png_path)
}
