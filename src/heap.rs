//! The C allocator's heap growth for a run. With glibc, each thread's
//! allocations come from its arena's heap, which the allocator enlarges
//! a little at a time (by `mprotect`, 128 KiB beyond what is asked); an
//! enlargement changes the process's memory map, and the other threads'
//! page faults wait on such changes. A community of a million members
//! (288 MiB) built on 16 threads enlarged its heaps thousands of times
//! among some 73,000 first touches of its pages: on a 16-core machine
//! the system time of building it was 1.4–1.6 s, and 0.1–0.2 s with the
//! heaps enlarged 64 MiB at a time (docs/performance.md, "Thread scaling
//! on 16 cores"). The pages of an enlargement are touched only when
//! used, so resident memory grows little (about 1 MiB at a million
//! members); what the allocator keeps above a heap's top when memory is
//! freed grows to 64 MiB. Elsewhere than Linux with glibc nothing is set.

/// Bytes by which the allocator enlarges a heap beyond what an allocation
/// needs (glibc's `M_TOP_PAD`; its own default is 128 KiB).
pub const HEAP_TOP_PAD: i32 = 64 << 20;

/// Sets [`HEAP_TOP_PAD`] where the allocator is glibc's; to be called
/// before any thread starts. Returns whether it was set.
pub fn grow_heaps_in_large_steps() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes a setting of the allocator; it is
        // called before the program starts any thread.
        unsafe { libc::mallopt(libc::M_TOP_PAD, HEAP_TOP_PAD) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn glibc_takes_the_setting() {
        assert!(super::grow_heaps_in_large_steps());
    }
}
