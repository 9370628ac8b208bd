//! Charts and the report: they exist, are valid, follow the data, are
//! redrawn byte for byte by `bonfire plot`, and the report stands alone.

use assert_cmd::Command;
use bonfire::plot::layout::{Naming, naming};
use std::path::{Path, PathBuf};

const CHARTS: [&str; 5] = ["isolation", "cohesion", "retention", "attendance", "hope"];

fn bonfire() -> Command {
    Command::cargo_bin("bonfire").unwrap()
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid.toml")
}

fn run_into(out: &Path, extra: &[&str]) {
    bonfire()
        .arg("run")
        .arg(fixture())
        .arg("--quiet")
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn every_chart_is_a_valid_png_and_svg_of_the_expected_size() {
    let dir = tempfile::tempdir().unwrap();
    run_into(dir.path(), &[]);
    for name in CHARTS {
        let png = std::fs::read(dir.path().join(format!("charts/{name}.png"))).unwrap();
        let (width, height) = png_size(&png);
        assert_eq!(width, 1240, "{name}.png");
        assert!((700..=800).contains(&height), "{name}.png: {height}");
        let svg = std::fs::read_to_string(dir.path().join(format!("charts/{name}.svg"))).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name}.svg: {e}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg");
        // The SVG is the PNG's twin.
        assert_eq!(root.attribute("width"), Some(width.to_string().as_str()));
        assert_eq!(root.attribute("height"), Some(height.to_string().as_str()));
        // Lines were drawn, and the title names the scenario.
        assert!(
            doc.descendants()
                .filter(|n| n.has_tag_name("polyline") || n.has_tag_name("path"))
                .count()
                > 3,
            "{name}.svg has no lines"
        );
        assert!(
            svg.contains("valid:"),
            "{name}.svg title lacks the scenario name"
        );
    }
}

#[test]
fn charts_change_when_the_data_change() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    run_into(&a, &[]);
    run_into(&b, &["--seed", "99"]);
    for name in CHARTS {
        let file = format!("charts/{name}.png");
        assert_ne!(
            std::fs::read(a.join(&file)).unwrap(),
            std::fs::read(b.join(&file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn plot_redraws_exactly_what_run_drew() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_into(&out, &[]);
    let mut files: Vec<String> = CHARTS
        .iter()
        .flat_map(|n| [format!("charts/{n}.png"), format!("charts/{n}.svg")])
        .collect();
    files.push("report.html".into());
    let before: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(out.join(f)).unwrap())
        .collect();
    std::fs::remove_dir_all(out.join("charts")).unwrap();
    std::fs::remove_file(out.join("report.html")).unwrap();
    bonfire().arg("plot").arg(&out).assert().success();
    for (f, bytes) in files.iter().zip(before) {
        assert!(
            std::fs::read(out.join(f)).unwrap() == bytes,
            "{f} differs after bonfire plot"
        );
    }
}

#[test]
fn plot_refuses_a_folder_without_a_run() {
    let dir = tempfile::tempdir().unwrap();
    bonfire()
        .arg("plot")
        .arg(dir.path())
        .assert()
        .failure()
        .stderr(predicates::str::contains("does not hold a bonfire run"));
}

#[test]
fn no_charts_skips_them_and_plot_draws_them_later() {
    let dir = tempfile::tempdir().unwrap();
    run_into(dir.path(), &["--no-charts"]);
    assert!(!dir.path().join("charts").exists() && !dir.path().join("report.html").exists());
    bonfire().arg("plot").arg(dir.path()).assert().success();
    assert!(dir.path().join("report.html").is_file());
}

#[test]
fn the_report_is_well_formed_and_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    run_into(dir.path(), &[]);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("report.html is well-formed");

    // Nothing outside the file: no scripts, no links, no sources, no remote URLs.
    for n in doc.descendants().filter(|n| n.is_element()) {
        let tag = n.tag_name().name();
        assert!(
            !matches!(
                tag,
                "script" | "link" | "img" | "iframe" | "object" | "embed"
            ),
            "<{tag}>"
        );
        for a in n.attributes() {
            assert!(
                !matches!(a.name(), "src" | "href" | "xlink:href" | "srcset"),
                "{}={}",
                a.name(),
                a.value()
            );
            assert!(
                !a.value().contains("url(") || a.value().contains("url(#"),
                "{}",
                a.value()
            );
        }
    }
    let without_namespaces = html
        .replace("http://www.w3.org/2000/svg", "")
        .replace("http://www.w3.org/1999/xhtml", "");
    assert!(!without_namespaces.contains("http://") && !without_namespaces.contains("https://"));
    assert!(!html.contains("@import"));

    // What it must hold.
    assert!(html.contains("<h1>valid</h1>"));
    assert_eq!(
        doc.descendants().filter(|n| n.has_tag_name("svg")).count(),
        CHARTS.len()
    );
    for key in [
        "community.groups",
        "mechanisms.dropout.base_hazard",
        "format.sessions",
    ] {
        assert!(
            html.contains(&format!("<code>{key}</code>")),
            "parameter {key} missing"
        );
    }
    assert!(html.contains("Key results at the last session"));
    assert!(html.contains("95% CI"));

    // Each chart is one image to a screen reader, named by its caption;
    // the page keeps a phone's width, its tables scrolling on their own.
    for svg in doc.descendants().filter(|n| n.has_tag_name("svg")) {
        assert_eq!(svg.attribute("role"), Some("img"));
        let named_by = svg.attribute("aria-labelledby").expect("a name");
        let caption = doc
            .descendants()
            .find(|n| n.attribute("id") == Some(named_by))
            .expect("the caption it names");
        assert!(caption.has_tag_name("figcaption"), "{named_by}");
    }
    assert!(html.contains("name=\"viewport\" content=\"width=device-width"));
    for table in doc.descendants().filter(|n| n.has_tag_name("table")) {
        let parent = table.parent_element().unwrap();
        assert_eq!(
            parent.attribute("class"),
            Some("wide"),
            "a table outside its box"
        );
    }

    // A share's difference is in percentage points, as the sentences say
    // it: one cell so for every comparison of a share in summary.csv.
    let mut summary = csv::Reader::from_path(dir.path().join("summary.csv")).unwrap();
    let header = summary.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (metric, difference) = (column("metric"), column("difference"));
    let shares_compared = summary
        .records()
        .map(|r| r.unwrap())
        .filter(|r| !r[difference].is_empty())
        .filter(|r| {
            bonfire::output::Metric::named(&r[metric])
                .unwrap()
                .is_share()
        })
        .count();
    assert!(shares_compared > 0);
    assert_eq!(
        html.matches(" percentage points</td>").count(),
        shares_compared
    );
}

#[test]
fn progress_never_reaches_stdout_or_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // stderr is a pipe here, not a terminal: no bar at all.
    let assert = bonfire()
        .arg("run")
        .arg(fixture())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let output = assert.get_output();
    assert!(
        output.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(
        !stdout.contains("sessions (") && !stdout.contains('\r'),
        "{stdout}"
    );
    for f in ["timeseries.csv", "members.csv", "report.html"] {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(!text.contains('\r') && !text.contains("left)"), "{f}");
    }
    // --quiet prints nothing at all.
    let quiet = bonfire()
        .arg("run")
        .arg(fixture())
        .arg("--quiet")
        .arg("--force")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    assert!(quiet.get_output().stdout.is_empty());
}

/// A run folder is redrawn from its own files even when an input it was
/// run from (a baseline cohort) has since moved.
#[test]
fn plot_redraws_a_folder_whose_input_files_have_moved() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for f in ["baseline_cohort.toml", "baseline_example.csv"] {
        std::fs::copy(scenarios.join(f), dir.path().join(f)).unwrap();
    }
    let out = dir.path().join("out");
    bonfire()
        .args(["run", "--quiet", "--replicates", "2", "--out"])
        .arg(&out)
        .arg(dir.path().join("baseline_cohort.toml"))
        .assert()
        .success();
    std::fs::remove_file(dir.path().join("baseline_example.csv")).unwrap();
    bonfire().arg("plot").arg(&out).assert().success();
    let after = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(after.contains("<h2>Answer</h2>") && after.contains("loneliness_mean"));
}

/// `plot` of a time series without rows draws nothing and says why.
#[test]
fn plot_refuses_an_empty_time_series_and_keeps_the_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_into(&out, &[]);
    let chart = std::fs::read(out.join("charts/isolation.png")).unwrap();
    let series = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header = series.lines().next().unwrap();
    std::fs::write(out.join("timeseries.csv"), format!("{header}\n")).unwrap();
    let refused = |why: &str| {
        bonfire()
            .arg("plot")
            .arg(&out)
            .assert()
            .failure()
            .stderr(predicates::str::contains(why));
        assert_eq!(
            std::fs::read(out.join("charts/isolation.png")).unwrap(),
            chart
        );
    };
    // Its length is not the one the manifest records.
    refused("timeseries.csv is");
    // Under the manifest of an earlier version, which records none.
    let manifest = out.join("manifest.json");
    let mut older: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    older.as_object_mut().unwrap().remove("file_bytes");
    std::fs::write(&manifest, older.to_string()).unwrap();
    refused("no rows");
}

/// The sweep chart of `sweep` (a `[sweep]` table's lines) over the test
/// scenario, run into `dir`.
fn sweep_chart_of(dir: &Path, sweep: &str) -> bonfire::plot::charts::ChartSpec {
    let scenario = dir.join("sizes.toml");
    let text = std::fs::read_to_string(fixture()).unwrap();
    std::fs::write(&scenario, format!("{text}\n[sweep]\n{sweep}\n")).unwrap();
    let out = dir.join("out");
    bonfire()
        .args(["run", "--quiet", "--no-charts", "--force", "--out"])
        .arg(&out)
        .arg(&scenario)
        .assert()
        .success();
    let data = bonfire::plot::data::RunData::load(&out).unwrap();
    let specs = bonfire::plot::charts::chart_specs(&data, "sizes");
    specs.into_iter().find(|s| s.name == "sweep").unwrap()
}

/// Asserts that the sweep chart has a line in each of its three panels at
/// least, each through `xs` in this order.
fn lines_run_through(sweep: &bonfire::plot::charts::ChartSpec, xs: &[f64]) {
    let mut lines = 0;
    for line in sweep.panels.iter().flat_map(|p| &p.lines) {
        let through: Vec<f64> = line.points.iter().map(|p| p.0).collect();
        assert_eq!(through, xs);
        lines += 1;
    }
    assert!(lines >= 3, "{lines} lines");
}

/// A sweep written out of order is drawn from left to right: each line of
/// the sweep chart runs through its points in the order of their values,
/// and each heatmap of a two-key sweep lists them so.
#[test]
fn a_sweep_written_out_of_order_is_drawn_in_the_order_of_its_values() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = sweep_chart_of(dir.path(), "community.group_size = [8, 4, 6]");
    lines_run_through(&sweep, &[4.0, 6.0, 8.0]);

    let two_keys = "community.group_size = [8, 4, 6]\nformat.sessions = [4, 3]";
    let sweep = sweep_chart_of(dir.path(), two_keys);
    assert!(!sweep.heatmaps.is_empty());
    for map in &sweep.heatmaps {
        assert_eq!(map.xs, ["4", "6", "8"]);
        assert_eq!(map.ys, ["3", "4"]);
    }
}

/// Lists walked together (`[sweep] together = true`) are drawn as lines
/// against the first list, with the others named on the x axis, not as a
/// heatmap whose cells off the diagonal are empty.
#[test]
fn lists_walked_together_are_drawn_as_lines_against_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let together =
        "together = true\ncommunity.group_size = [8, 4, 6]\ncommunity.groups = [3, 6, 4]";
    let sweep = sweep_chart_of(dir.path(), together);
    assert!(sweep.heatmaps.is_empty(), "a heatmap of a diagonal");
    assert_eq!(
        sweep.x_label,
        "community.group_size (groups walked beside it)"
    );
    lines_run_through(&sweep, &[4.0, 6.0, 8.0]);
}

/// A sweep whose points are not numbers still has its chart: over a key
/// of words, each point's mean and interval above the word, in the order
/// the sweep lists them; over lists walked together whose first is words,
/// and over three keys crossed, above a line of each key's value.
#[test]
fn a_sweep_over_words_or_many_keys_is_drawn_as_named_points() {
    let dir = tempfile::tempdir().unwrap();
    let named = |sweep: &bonfire::plot::charts::ChartSpec, names: &[&[&str]]| {
        assert!(sweep.heatmaps.is_empty());
        assert_eq!(sweep.x_categories, names);
        let middles: Vec<f64> = (0..names.len()).map(|k| k as f64 + 0.5).collect();
        lines_run_through(sweep, &middles);
    };
    let words = r#"format.frequency = ["monthly", "weekly"]"#;
    named(
        &sweep_chart_of(dir.path(), words),
        &[&["monthly"], &["weekly"]],
    );

    let walked =
        "together = true\nformat.frequency = [\"weekly\", \"monthly\"]\nformat.sessions = [4, 2]";
    let sweep = sweep_chart_of(dir.path(), walked);
    named(&sweep, &[&["weekly", "4"], &["monthly", "2"]]);
    assert_eq!(sweep.x_label, "frequency, sessions (walked together)");

    let crossed = "community.group_size = [4, 6]\nformat.frequency = [\"weekly\", \"monthly\"]\nformat.sessions = [3, 4]";
    let sweep = sweep_chart_of(dir.path(), crossed);
    assert_eq!(sweep.x_categories.len(), 8);
    assert_eq!(sweep.x_categories[0], ["4", "weekly", "3"]);
    assert!(
        sweep
            .title
            .ends_with("by group_size, frequency and sessions")
    );
    assert!(sweep.empty_note.is_none());
    // And drawn: a PNG of the chart's size.
    bonfire()
        .arg("plot")
        .arg(dir.path().join("out"))
        .assert()
        .success();
    let png = std::fs::read(dir.path().join("out/charts/sweep.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));

    // A walk that repeats a value is still a walk, drawn as named points
    // (a line through two points at one x would say nothing).
    let repeated = "together = true\ncommunity.group_size = [4, 4, 6]\nformat.sessions = [2, 3, 4]";
    let sweep = sweep_chart_of(dir.path(), repeated);
    named(&sweep, &[&["4", "2"], &["4", "3"], &["6", "4"]]);
    assert_eq!(sweep.x_label, "group_size, sessions (walked together)");

    // Points whose names lying side by side would run together: their
    // names stand, one line each, and the chart is drawn.
    let crossing = |sizes: std::ops::RangeInclusive<u32>| {
        let sizes: Vec<String> = sizes.map(|k| k.to_string()).collect();
        format!(
            "community.group_size = [{}]\nformat.frequency = [\"weekly\", \"biweekly\", \"monthly\"]\nformat.sessions = [3, 4]",
            sizes.join(", ")
        )
    };
    let sweep = sweep_chart_of(dir.path(), &crossing(3..=9));
    assert_eq!(sweep.x_categories.len(), 42);
    assert_eq!(naming(&sweep.x_categories), Some(Naming::Standing));
    assert!(sweep.empty_note.is_none());
    assert_eq!(sweep.panels.len(), 3);
    bonfire()
        .arg("plot")
        .arg(dir.path().join("out"))
        .assert()
        .success();

    // More points than fit even standing: a note, not a chart of names
    // run together.
    let sweep = sweep_chart_of(dir.path(), &crossing(3..=11));
    assert!(sweep.panels.is_empty());
    assert!(sweep.empty_note.unwrap().starts_with("54 points"));
}

/// Names of points stand only where lying they would run together, and
/// only where standing each fits in a line's height along the axis.
#[test]
fn names_of_points_lie_where_they_fit_and_stand_where_they_do_not() {
    let names = |n: usize, name: &str| vec![vec![name.to_string()]; n];
    assert_eq!(naming(&names(10, "in_person")), Some(Naming::Lying));
    assert_eq!(naming(&names(16, "in_person")), Some(Naming::Standing));
    assert_eq!(naming(&names(48, "in_person")), Some(Naming::Standing));
    assert_eq!(naming(&names(49, "in_person")), None);
    // A name too long to stand below a panel.
    let long = "a_value_of_many_letters, another_of_many_more_letters";
    assert_eq!(naming(&names(16, long)), None);
}
