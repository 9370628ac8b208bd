//! Asking the processor to start loading memory a later step will read.
//! The engine runs a thread's batches one after another, and each group's
//! members, pairs and tie summary lie in allocations of their own, a few
//! cache lines each: too short for the processor to see a stream in them,
//! so without a hint the first read of each waits on memory. A hint
//! changes no value (elsewhere than x86-64 it does nothing).
//!
//! Each line is asked for into the second-level cache: into the first
//! (32 KiB), the next batch's lines pushed out the running batch's, and
//! the run was no faster; asked for every other line only, it was no
//! faster either (docs/performance.md, "Asking for the next batch's
//! memory").

/// Bytes of a cache line.
const LINE: usize = 64;

/// Hints that every cache line of `items` be loaded.
#[inline(always)]
pub fn slice<T>(items: &[T]) {
    let start = items.as_ptr() as usize;
    let end = start + std::mem::size_of_val(items);
    let mut at = start & !(LINE - 1);
    while at < end {
        line(at as *const i8);
        at += LINE;
    }
}

#[inline(always)]
fn line(at: *const i8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing and cannot fault, whatever the
    // address; SSE is part of x86-64.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(at)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}
