//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use bonfire::Scenario;
use bonfire::scenario::keys;

/// The `bonfire` binary built with the tests.
pub fn bonfire() -> Command {
    Command::cargo_bin("bonfire").unwrap()
}

/// `bonfire run SCENARIO --quiet [extra...] --out OUT`, which must succeed.
pub fn run_ok(scenario: &Path, out: &Path, extra: &[&str]) {
    bonfire()
        .arg("run")
        .arg(scenario)
        .arg("--quiet")
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

/// Writes `text` as `experiment.toml` in `dir`.
pub fn write_scenario(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("experiment.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Every row of one of a run's CSV files.
pub fn read_rows<T: serde::de::DeserializeOwned>(path: &Path) -> Vec<T> {
    csv::Reader::from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .deserialize()
        .map(|row| row.unwrap())
        .collect()
}

/// A scenario from TOML text (panics on an invalid one: test input).
pub fn scenario(text: &str) -> Scenario {
    Scenario::builder()
        .text(text)
        .build()
        .expect("test scenario is valid")
}

/// `head`, then the `overrides` tables, with every other mechanism of the
/// registry ([`keys::switches`]) switched off: what is left are the rules a
/// test turns on. An override is a whole table (`[mechanisms.NAME]` and its
/// keys) that takes the mechanism's place. A mechanism added to the
/// registry is off here without any change to this file.
pub fn all_off_text(head: &str, overrides: &[&str]) -> String {
    let mut text = String::from(head);
    for table in overrides {
        text.push('\n');
        text.push_str(table);
        text.push('\n');
    }
    for key in keys::switches() {
        let table = key
            .strip_suffix(".enabled")
            .expect("a switch is mechanisms.NAME.enabled");
        let header = format!("[{table}]");
        if !text.contains(&header) {
            text.push_str(&format!("\n{header}\nenabled = false\n"));
        }
    }
    text
}

/// The scenario of [`all_off_text`].
pub fn all_off_except(head: &str, overrides: &[&str]) -> Scenario {
    scenario(&all_off_text(head, overrides))
}

#[test]
fn all_off_switches_off_every_registered_mechanism_but_the_overrides() {
    let s = all_off_except("", &["[mechanisms.dropout]\nenabled = true"]);
    let table = toml::Table::try_from(s.parameters()).unwrap();
    for key in keys::switches() {
        let on = keys::lookup(&table, key).unwrap().as_bool().unwrap();
        assert_eq!(on, key == "mechanisms.dropout.enabled", "{key}");
    }
}

/// `bonfire COMMAND SCENARIO --no-charts --threads 1 --out OUT`, sent
/// Ctrl-C once its first run is sealed ([`interrupted`]): its exit code
/// and standard error. Its second run is never sealed (its sealer waits
/// for good), so the Ctrl-C lands before the run's files are whole on any
/// host's timing.
#[cfg(unix)]
pub fn interrupted_after_a_run(
    command: &str,
    scenario: &Path,
    out: &Path,
) -> (Option<i32>, String) {
    let args = [
        command.as_ref(),
        scenario.as_os_str(),
        "--no-charts".as_ref(),
        "--threads".as_ref(),
        "1".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    let hold = [(bonfire::output::parts::HOLD_SEAL_VAR, "1")];
    interrupted(&args, &hold, &out.join("parts/run-0000000.sealed.csv"), 60)
}

/// Starts `bonfire ARGS` with the variables `env`, sends it Ctrl-C
/// (SIGINT) once `ready` exists (or after `wait_s` seconds), and returns
/// its exit code and standard error.
#[cfg(unix)]
pub fn interrupted(
    args: &[&std::ffi::OsStr],
    env: &[(&str, &str)],
    ready: &Path,
    wait_s: u64,
) -> (Option<i32>, String) {
    use std::os::unix::process::CommandExt;
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("bonfire"));
    command
        .args(args)
        .envs(env.iter().copied())
        .stderr(std::process::Stdio::piped());
    // Tests run in the background of a script inherit Ctrl-C ignored, and
    // bonfire rightly leaves it ignored then; the child starts as from a
    // terminal instead.
    // SAFETY: only signal(2), async-signal-safe, between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let child = command.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(wait_s);
    while !ready.is_file() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

/// Copies a folder and everything in it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}
