//! Ctrl-C during a run: the progress line is ended, the user is told how to
//! finish the run, and the process exits with 130 (the shell's code for an
//! interrupt).
//!
//! The runs that finished are already sealed in `OUT/parts/`, and nothing
//! half-written counts (see [`crate::output::durable`]), so the handler
//! only has to speak and leave: it writes a message prepared beforehand and
//! calls `_exit`, the two things a signal handler may safely do. Elsewhere
//! than on Unix, Ctrl-C ends the process as it always does; `--resume`
//! finishes the run all the same.

use std::path::Path;
use std::sync::OnceLock;

/// What the handler writes: prepared before it is installed.
static MESSAGE: OnceLock<Vec<u8>> = OnceLock::new();

/// From now on, Ctrl-C (SIGINT) or SIGTERM ends the run into `dir` with a
/// message that says how to resume it. `bar_shown`: a progress line is on
/// the terminal and is cleared first.
pub fn on_interrupt_explain_resume(dir: &Path, bar_shown: bool) {
    let clear = if bar_shown { "\r\x1b[2K" } else { "" };
    let text = format!(
        "{clear}bonfire: interrupted; the runs that finished are kept in {}; `bonfire run --resume {}` finishes the rest\n",
        dir.join(crate::output::PARTS_DIR).display(),
        dir.display()
    );
    if MESSAGE.set(text.into_bytes()).is_err() {
        return; // installed already
    }
    install();
}

#[cfg(unix)]
fn install() {
    extern "C" fn handler(_signal: libc::c_int) {
        if let Some(message) = MESSAGE.get() {
            // SAFETY: write(2) and _exit(2) are async-signal-safe; the
            // message was fully written before the handler was installed.
            unsafe {
                libc::write(2, message.as_ptr().cast(), message.len());
            }
        }
        unsafe { libc::_exit(130) }
    }
    let handler: extern "C" fn(libc::c_int) = handler;
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: installing a handler that only calls async-signal-safe
        // functions; a signal the process was started to ignore (`cmd &`
        // in a script, `nohup`) stays ignored.
        unsafe {
            if libc::signal(signal, handler as libc::sighandler_t) == libc::SIG_IGN {
                libc::signal(signal, libc::SIG_IGN);
            }
        }
    }
}

#[cfg(not(unix))]
fn install() {}
