//! Lines for people on standard output and standard error.
//!
//! `println!` and `eprintln!` panic when their pipe's reader has gone
//! (`bonfire check scenarios/*.toml | head -1`, `bonfire run X 2>&1 | head`).
//! bonfire's lines go through [`say!`] and [`say_err!`] instead: a closed
//! pipe only ends what is shown, and the program goes on and exits as it
//! would have (an error still exits with 1).

/// Prints a line on standard output, as `println!` does, but a closed pipe
/// is no failure.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
pub(crate) use say;

/// Prints a line on standard error, as `eprintln!` does, but a closed pipe
/// is no failure.
macro_rules! say_err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use say_err;
