//! The `bonfire` binary: parse the command line, run, map errors to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
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
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
