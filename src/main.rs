//! The `bonfire` binary: parse the command line, run, map errors to an exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    bonfire::heap::grow_heaps_in_large_steps();
    let cli = bonfire::cli::Cli::parse();
    match bonfire::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`bonfire run | head`) is not a failure.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            // An error goes on stderr, and a closed stderr does not hide the exit code.
            let _ = writeln!(std::io::stderr(), "error: {}", message(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, each once: bonfire's own errors already name
/// their cause in their message, so a cause whose text is already there is
/// not repeated.
fn message(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}
