//! Every shipped scenario answers its question: the terminal summary opens
//! with the question and a sentence per comparison of each primary outcome,
//! and every condition and primary outcome appears in the terminal tables,
//! summary.csv and the report's tables, with no empty cell.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bonfire::output::Metric;
use bonfire::output::rows::{RunRow, SummaryRow};

use crate::common::bonfire;

fn shipped() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        // A sensitivity analysis answers with indices (tests/sensitivity.rs),
        // a calibration with its posterior (tests/calibrate.rs).
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            !text.contains("\n[sensitivity]") && !text.contains("\n[calibration]")
        })
        .collect();
    files.sort();
    files
}

/// The scenario's description and primary outcomes, as the run resolved them.
fn question(out: &Path) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(out.join("scenario.resolved.toml")).unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    let description = table["description"].as_str().unwrap().to_string();
    let outcomes = table["question"]["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    (description, outcomes)
}

/// The cells of the report's tables between the heading `heading` and the
/// next, each table's rows in turn.
fn tables_after(html: &str, heading: &str) -> Vec<Vec<Vec<String>>> {
    let doc = roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .unwrap();
    let h2 = doc
        .descendants()
        .find(|n| n.has_tag_name("h2") && n.text() == Some(heading))
        .unwrap_or_else(|| panic!("no heading {heading}"));
    h2.next_siblings()
        .skip(1)
        .take_while(|n| !n.has_tag_name("h2"))
        // A table alone, or in the box that scrolls it on a narrow screen.
        .filter_map(|n| match n.has_tag_name("table") {
            true => Some(n),
            false => n.children().find(|c| c.has_tag_name("table")),
        })
        .map(|table| {
            table
                .children()
                .filter(|n| n.has_tag_name("tr"))
                .map(|tr| {
                    tr.children()
                        .filter(|c| c.has_tag_name("td") || c.has_tag_name("th"))
                        .map(|c| {
                            c.descendants()
                                .filter(|d| d.is_text())
                                .filter_map(|d| d.text())
                                .collect::<String>()
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

fn check(scenario: &Path, dir: &Path) {
    let name = scenario.file_stem().unwrap().to_string_lossy().to_string();
    let out = dir.join(&name);
    let output = bonfire()
        .arg("run")
        .arg(scenario)
        .args(["--replicates", "2", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{name}: {output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let (description, outcomes) = question(&out);
    let summary = SummaryRow::read(&out.join("summary.csv")).unwrap().rows;
    let runs = RunRow::read(&out.join("runs.csv")).unwrap().rows;
    let conditions: BTreeSet<(usize, String)> =
        summary.iter().map(|r| (r.point, r.arm.clone())).collect();
    // Every arm of runs.csv is a condition of summary.csv.
    for r in &runs {
        assert!(
            conditions.contains(&(r.point, r.arm.clone())),
            "{name}: arm {} missing from summary.csv",
            r.arm
        );
    }

    // The terminal summary opens with the question, then the answer.
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("bonfire: scenario"),
        "{name}: {stdout}"
    );
    assert_eq!(
        lines[2],
        format!("question: {description}"),
        "{name}: {stdout}"
    );
    assert_eq!(lines[3], format!("answer ({}):", outcomes.join(", ")));
    let sentences: Vec<&str> = lines[4..]
        .iter()
        .take_while(|l| l.starts_with("  - ") || l.starts_with("  … "))
        .copied()
        .collect();
    for outcome in &outcomes {
        let metric = Metric::named(outcome).unwrap();
        // The label, to its scale where a sentence adds one:
        // "loneliness (ucla-3" of "loneliness (ucla-3, 3–9)".
        let label = metric.label.to_lowercase();
        let noun = label.strip_suffix(')').unwrap_or(&label);
        let about = |s: &str| {
            let s = s.to_lowercase();
            // A share of people in a state is named as a share ("share
            // with no casual-friend tie", "share lonely").
            let befores = [": ", "difference in "];
            let shares = ["", "share ", "share with "];
            befores
                .iter()
                .flat_map(|b| shares.map(|s| format!("{b}{s}")))
                .any(|before| {
                    let named = format!("{before}{noun}");
                    s.match_indices(&named).any(|(i, _)| {
                        matches!(s[i + named.len()..].chars().next(), Some(' ' | ',' | ')'))
                    })
                })
        };
        let compared = summary
            .iter()
            .filter(|r| &r.metric == outcome && r.difference.is_some())
            .count();
        let stated = sentences.iter().filter(|s| about(s)).count();
        // One sentence per comparison (or per condition where nothing is
        // compared), unless the list is cut short.
        let expected = if compared > 0 {
            compared
        } else {
            conditions.len()
        };
        let cut = sentences.iter().any(|s| s.starts_with("  … "));
        assert!(
            stated == expected || (cut && stated <= expected),
            "{name}: {outcome}: {stated} sentences for {expected} comparisons:\n{stdout}"
        );
        assert!(stated > 0, "{name}: nothing said on {outcome}:\n{stdout}");
        // Every condition has the outcome in summary.csv.
        for (point, arm) in &conditions {
            let has = summary
                .iter()
                .any(|r| r.point == *point && &r.arm == arm && &r.metric == outcome);
            let attends =
                !arm.starts_with("control") && runs.iter().any(|r| &r.arm == arm && r.attends);
            assert!(
                has || !attends,
                "{name}: {arm} has no {outcome} in summary.csv"
            );
        }
        // The terminal's primary table has the outcome's column.
        let primary_header = stdout
            .lines()
            .skip_while(|l| l.trim() != "primary outcomes")
            .nth(1)
            .unwrap_or_else(|| panic!("{name}: no primary table:\n{stdout}"));
        assert!(
            primary_header.contains(outcome.as_str()),
            "{name}: {primary_header}"
        );
    }

    // Open groups compared with closed ones: the answer says that time in
    // the programme is part of each difference, in the terminal and the
    // report alike; no other shipped scenario mixes the two.
    let note = "Open groups take newcomers all through the programme";
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    let mixes = name == "open_vs_closed";
    assert_eq!(stdout.contains(note), mixes, "{name}: {stdout}");
    assert_eq!(report.contains(note), mixes, "{name}");
    // Open groups that leave people on their waiting lists: the answer
    // says what share has never had a seat, as summary.csv has it, and
    // which figures count them, in the terminal and the report alike.
    // Only open_vs_closed's open arm has anyone waiting at the end; closed
    // groups have no waiting list, so no such figure at all.
    let note = "had still never had a seat";
    let waiting: Vec<&SummaryRow> = summary
        .iter()
        .filter(|r| r.metric == "waiting_share" && r.mean > 0.0)
        .collect();
    let leaves_waiting = name == "open_vs_closed";
    assert_eq!(!waiting.is_empty(), leaves_waiting, "{name}: {waiting:?}");
    assert_eq!(stdout.contains(note), leaves_waiting, "{name}: {stdout}");
    assert_eq!(report.contains(note), leaves_waiting, "{name}");
    for r in &waiting {
        let flat = stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        let said = flat
            .split(&format!("% in {} (", r.arm))
            .next()
            .and_then(|before| before.rsplit(' ').next())
            .and_then(|figure| figure.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("{name}: no share waiting for {}: {flat}", r.arm));
        assert!(
            (said - r.mean * 100.0).abs() <= 0.05,
            "{name}: {said} against {r:?}"
        );
    }
    if leaves_waiting {
        let open: Vec<&str> = summary
            .iter()
            .filter(|r| r.metric == "waiting_share")
            .map(|r| r.arm.as_str())
            .collect();
        assert_eq!(open, ["open"], "{name}: closed groups have no waiting list");
    }
    // Conditions meeting at different intervals: the answer says that the
    // number of meetings is part of each difference; only
    // weekly_vs_biweekly compares intervals.
    let note = "Some conditions compared above meet more often than others";
    let mixes = name == "weekly_vs_biweekly";
    assert_eq!(stdout.contains(note), mixes, "{name}: {stdout}");
    assert_eq!(report.contains(note), mixes, "{name}");
    // Keys the arms set are listed as varied, not among the defaults; the
    // sweep's own settings vary nothing.
    if name == "weekly_vs_biweekly" {
        assert!(report.contains("varied by [[arm]]"), "{name}");
    }
    if name == "group_size" {
        assert!(report.contains("varied by [sweep]"), "{name}");
    }
    let replicates_row = report
        .split("<td><code>replicates</code></td>")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .unwrap_or_else(|| panic!("{name}: the report lists replicates"));
    assert!(
        !replicates_row.contains("varied by"),
        "{name}: {replicates_row}"
    );

    // The report: the answer first, then key results for every condition,
    // with no empty cell; a primary outcome's cell is a number wherever
    // summary.csv has one.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let answer = html.find("<h2>Answer</h2>").expect("an answer");
    let key_results = html.find("<h2>Key results").expect("key results");
    assert!(answer < key_results, "{name}: the answer comes first");
    let tables = tables_after(&html, "Key results at the last session");
    assert!(!tables.is_empty(), "{name}: no key results");
    for row in tables.iter().flatten() {
        for cell in row {
            assert!(!cell.trim().is_empty(), "{name}: an empty cell in {row:?}");
        }
    }
    let table: Vec<Vec<String>> = tables.iter().flatten().cloned().collect();
    let by_measure = tables.len() == 1 && table[0][0] == "measure";
    for (point, arm) in &conditions {
        let _ = point;
        assert!(
            table.iter().flatten().any(|c| c.contains(arm.as_str())),
            "{name}: condition {arm} not in the report's key results"
        );
    }
    for outcome in &outcomes {
        let in_table = table.iter().flatten().any(|c| c.contains(outcome.as_str()));
        assert!(
            in_table,
            "{name}: {outcome} not in the report's key results"
        );
        if by_measure {
            let row = table
                .iter()
                .find(|r| r[0].contains(outcome.as_str()))
                .unwrap();
            let reported = row[2..].iter().step_by(2).filter(|c| *c != "n/a").count();
            let in_summary = summary.iter().filter(|r| &r.metric == outcome).count();
            assert_eq!(reported, in_summary, "{name}: {outcome}: {row:?}");
        }
    }
}

#[test]
fn every_shipped_scenario_answers_its_question_in_the_summary_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let files = shipped();
    assert!(files.len() >= 16);
    for file in &files {
        check(file, dir.path());
    }
}

/// An open arm nobody ever joins has no figures of everyone who arrived:
/// its cells are empty, not 0 (a loneliness below the scale's 3), and no
/// comparison is made with it.
#[test]
fn an_arm_nobody_joins_has_no_figures_and_no_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("nobody.toml");
    std::fs::write(
        &scenario,
        "name = \"nobody\"\nseed = 4\nreplicates = 3\n\
         [community]\ngroups = 6\ncontrol_members = 40\n\
         [format]\nmembership = \"open\"\nsessions = 4\n\
         [open]\ninitial_members = 0\narrivals_per_session = 0\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = bonfire()
        .arg("run")
        .arg(&scenario)
        .args(["--no-charts", "--out"])
        .arg(&out)
        .assert()
        .success();
    let output = run.get_output();
    let said = String::from_utf8([&output.stdout[..], &output.stderr[..]].concat()).unwrap();
    assert!(said.contains("control: loneliness"), "{said}");
    assert!(!said.contains("group against control"), "{said}");
    let mut reader = csv::Reader::from_path(out.join("timeseries.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut group_rows = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let empty = |name: &str| record[column(name)].is_empty();
        let figures = [
            "loneliness_mean",
            "lonely_share",
            "hope_mean",
            "stigma_mean",
        ];
        if &record[column("arm")] == "group" {
            group_rows += 1;
            assert!(figures.iter().all(|f| empty(f)), "{record:?}");
        } else {
            assert!(figures.iter().all(|f| !empty(f)), "{record:?}");
        }
    }
    assert_eq!(group_rows, 3 * 5);
    let summary: Vec<SummaryRow> = csv::Reader::from_path(out.join("summary.csv"))
        .unwrap()
        .deserialize()
        .map(Result::unwrap)
        .collect();
    assert!(summary.iter().all(|r| r.arm != "group"), "{summary:?}");
}
