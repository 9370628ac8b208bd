//! The disk an experiment's files need: estimated before anything runs,
//! refused where the output folder's disk has too little room, and held to
//! the files the shipped scenarios write.

use std::path::Path;

use bonfire::experiment::{Experiment, Overrides};

use crate::common::{bonfire, run_ok, write_scenario};

/// The bytes of every file under `dir`.
fn bytes_under(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            if p.is_dir() {
                bytes_under(&p)
            } else {
                p.metadata().unwrap().len()
            }
        })
        .sum()
}

/// Each file's estimate is at least what the shipped scenarios write (a
/// sweep, an open forum, a community network with exports, the panel) and
/// at most twice that (the exports three times); the charts, the report and the small files fit in
/// what is allowed for them.
#[test]
fn the_estimate_holds_what_the_shipped_scenarios_write() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let default = std::fs::read_to_string(shipped.join("default.toml")).unwrap();
    let panel = default.replace("[output]\n", "[output]\npanel_csv = true\n");
    assert_ne!(panel, default);
    let panel = write_scenario(dir.path(), &panel);
    let cases: [(&Path, &[&str]); 5] = [
        (&shipped.join("default.toml"), &[]),
        (&shipped.join("group_size.toml"), &[]),
        (&shipped.join("forum.toml"), &[]),
        (
            &shipped.join("community_contagion.toml"),
            &["--export-network", "0,52"],
        ),
        (&panel, &[]),
    ];
    for (i, (scenario, extra)) in cases.into_iter().enumerate() {
        let out = dir.path().join(format!("out-{i}"));
        run_ok(scenario, &out, extra);
        let resolved = out.join("scenario.resolved.toml");
        let experiment = Experiment::from_file(&resolved, &Overrides::default()).unwrap();
        let estimate = bonfire::disk::estimate(&experiment, None);
        let mut rest = bytes_under(&out);
        for (name, bytes) in &estimate.files {
            let path = out.join(name);
            if !path.exists() {
                continue;
            }
            let written = if path.is_dir() {
                bytes_under(&path)
            } else {
                path.metadata().unwrap().len()
            };
            rest -= written;
            let name = format!("{}: {name}", scenario.display());
            assert!(
                *bytes >= written,
                "{name}: {bytes} estimated, {written} written"
            );
            // An export counts every pair of a group's places as a tie
            // (any may be one); the export before the first session has
            // none.
            let most = if name.ends_with("network/") { 3 } else { 2 };
            assert!(
                *bytes <= most * written,
                "{name}: {bytes} estimated, {written} written"
            );
        }
        let small = "the charts, the report and the other files";
        let allowed = estimate
            .files
            .iter()
            .find(|(name, _)| *name == small)
            .unwrap()
            .1;
        assert!(
            rest <= allowed,
            "{}: {rest} in the other files",
            scenario.display()
        );
        assert!(estimate.peak > estimate.total);
    }
}

/// A run whose files the output folder's disk cannot hold is refused
/// before its folder is made, with the estimate, the room there and what
/// writes less; `--no-disk-check` runs it; `check` reports the estimate.
/// (`BONFIRE_FREE_DISK_BYTES` stands in for the disk's free bytes.)
#[test]
fn files_the_disk_cannot_hold_are_refused_before_the_run_starts() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), "replicates = 2\n[community]\ngroups = 50\n");
    let out = dir.path().join("out");
    let refused = bonfire()
        .env("BONFIRE_FREE_DISK_BYTES", "1000000")
        .args(["run", "--quiet"])
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .assert()
        .failure();
    let stderr = String::from_utf8(refused.get_output().stderr.clone()).unwrap();
    for fragment in [
        &scenario.display().to_string(),
        "this experiment's files take about",
        "(the charts, the report and the other files 8.0 MiB, groups.csv ",
        "more than the 977 KiB free on the disk of ",
        &out.display().to_string(),
        "use a larger network.metrics_every",
        "or pass --no-disk-check to run anyway",
    ] {
        assert!(
            stderr.contains(fragment),
            "{fragment:?} missing from {stderr}"
        );
    }
    assert!(!out.exists());
    let checked = bonfire()
        .env("BONFIRE_FREE_DISK_BYTES", "1000000")
        .arg("check")
        .arg(&scenario)
        .assert()
        .success();
    let stdout = String::from_utf8(checked.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("    estimated files: "), "{stdout}");
    assert!(
        stdout.contains("free on the disk of output/scenario: 977 KiB"),
        "{stdout}"
    );
    bonfire()
        .env("BONFIRE_FREE_DISK_BYTES", "1000000")
        .args(["run", "--quiet", "--no-disk-check"])
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
}

/// A resume needs only what its parts do not hold yet: the room the
/// estimate asks for, less the parts written before the stop, is enough,
/// and a byte less is refused, naming only the disk and the flag (it
/// cannot change the scenario).
#[cfg(unix)]
#[test]
fn a_resume_needs_room_only_for_what_is_not_written_yet() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), "replicates = 3\n[community]\ngroups = 50\n");
    let out = dir.path().join("out");
    let (code, stderr) = crate::common::interrupted_after_a_run("run", &scenario, &out);
    assert_eq!(code, Some(130), "{stderr}");
    let experiment = Experiment::from_file(&scenario, &Overrides::default()).unwrap();
    let written = bonfire::disk::bytes_written(&out);
    assert!(written > 0);
    let needed = bonfire::disk::estimate(&experiment, None).peak - written;
    let resume = |free: u64| {
        bonfire()
            .env("BONFIRE_FREE_DISK_BYTES", free.to_string())
            .args(["run", "--quiet", "--no-charts", "--resume"])
            .arg(&out)
            .assert()
    };
    let refused = resume(needed - 1).failure();
    let stderr = String::from_utf8(refused.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("use an --out folder on a disk with more room, or pass --no-disk-check"),
        "{stderr}"
    );
    assert!(!stderr.contains("metrics_every"), "{stderr}");
    resume(needed).success();
    assert!(out.join("manifest.json").is_file());
}

/// A merge needs room for a copy of the shards' parts and network exports
/// and for the files put together from the parts, measured from the
/// shards: a byte less is refused before the output folder is made,
/// naming the shards, the room and `--no-disk-check`; exactly that is
/// enough; `--no-disk-check` merges anyway.
#[test]
fn a_merge_the_disk_cannot_hold_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(
        dir.path(),
        "replicates = 2\n[community]\ngroups = 20\n[format]\nsessions = 6\n[network]\nexport_steps = [3]\n",
    );
    let shards: Vec<_> = (0..2)
        .map(|i| {
            let out = dir.path().join(format!("shard{i}"));
            run_ok(&scenario, &out, &["--shard", &format!("{i}/2")]);
            out
        })
        .collect();
    let (parts, exports): (u64, u64) = shards
        .iter()
        .map(|s| {
            (
                bytes_under(&s.join("parts")),
                bytes_under(&s.join("network")),
            )
        })
        .fold((0, 0), |(p, e), (sp, se)| (p + sp, e + se));
    assert!(parts > 0 && exports > 0, "parts {parts}, exports {exports}");
    let needed = 2 * parts + exports;
    let merge = |free: u64, out: &Path, extra: &[&str]| {
        bonfire()
            .env("BONFIRE_FREE_DISK_BYTES", free.to_string())
            .args(["merge", "--quiet", "--no-charts"])
            .args(extra)
            .args(&shards)
            .arg("--out")
            .arg(out)
            .assert()
    };
    let out = dir.path().join("merged");
    let refused = merge(needed - 1, &out, &[]).failure();
    let stderr = String::from_utf8(refused.get_output().stderr.clone()).unwrap();
    for fragment in [
        format!("merging {}, {}", shards[0].display(), shards[1].display()),
        "while they are merged (".to_string(),
        format!("on the disk of {}", out.display()),
        "or pass --no-disk-check to merge anyway".to_string(),
    ] {
        assert!(
            stderr.contains(&fragment),
            "{fragment:?} missing from {stderr}"
        );
    }
    assert!(!out.exists(), "nothing is made before the check");
    merge(needed, &out, &[]).success();
    let anyway = dir.path().join("anyway");
    merge(1, &anyway, &["--no-disk-check"]).success();
    assert!(anyway.join("summary.csv").is_file());
}
