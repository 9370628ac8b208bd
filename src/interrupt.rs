//! Ctrl-C during a run: the progress line is ended, the user is told how to
//! finish the run, and the process exits with 130 (the shell's code for an
//! interrupt).
//!
//! The runs sealed so far are kept in `OUT/parts/` (a run is sealed on a
//! thread of its own moments after it ends; one not yet sealed is run
//! again), and nothing half-written counts (see [`crate::output::durable`]), so the handler
//! only has to speak and leave: it writes a message prepared beforehand and
//! calls `_exit`, the two things a signal handler may safely do. Once the
//! run's files are whole, the message says how to draw the charts instead
//! (`bonfire plot`), which is all an interrupt can then leave undone. Elsewhere
//! than on Unix, Ctrl-C ends the process as it always does; `--resume`
//! finishes the run all the same.

use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// What the handler writes: prepared before it is installed. While the
/// runs go, how to resume; once the run's files are whole, how to draw the
/// charts that an interrupt left undrawn.
static MESSAGE: OnceLock<Vec<u8>> = OnceLock::new();
static MESSAGE_AFTER: OnceLock<Vec<u8>> = OnceLock::new();
static FILES_WHOLE: AtomicBool = AtomicBool::new(false);

/// The run's files are whole (its manifest is in place): an interrupt from
/// now on leaves only the charts and the report to draw.
pub fn files_are_whole() {
    FILES_WHOLE.store(true, Ordering::SeqCst);
}

/// From now on, Ctrl-C (SIGINT) or SIGTERM ends the run into `dir` with a
/// message that says how to resume it: `resume`, the whole command line.
/// `bar_shown`: a progress line is on the terminal and is cleared first.
pub fn on_interrupt_explain_resume(dir: &Path, bar_shown: bool, resume: &str) {
    let clear = if bar_shown { "\r\x1b[2K" } else { "" };
    let text = format!(
        "{clear}bonfire: interrupted; the runs sealed so far are kept in {}; `{resume}` finishes the rest\n",
        dir.display(),
    );
    let after = format!(
        "bonfire: interrupted; the run's files in {} are whole; `bonfire plot {}` draws its charts and report\n",
        dir.display(),
        dir.display()
    );
    if MESSAGE.set(text.into_bytes()).is_err() || MESSAGE_AFTER.set(after.into_bytes()).is_err() {
        return; // installed already
    }
    install();
}

#[cfg(unix)]
fn install() {
    extern "C" fn handler(_signal: libc::c_int) {
        let which = if FILES_WHOLE.load(Ordering::SeqCst) {
            &MESSAGE_AFTER
        } else {
            &MESSAGE
        };
        if let Some(message) = which.get() {
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
