//! Giving freed heap back to the system when the gateway is idle.
//!
//! glibc's allocator keeps pages freed in the middle of its heap mapped: what compiling a
//! policy or a burst of requests allocated and freed stays resident. Measured on the release
//! binary at start (BENCHMARKS.md, idle RSS): 12 MiB of heap, of which `malloc_trim` returns
//! 7.5 MiB. The gateway asks for it once the process goes quiet after activity (a request, a
//! swap, a new plan), from the file watcher's poll, so a request never waits for it.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether anything allocated since the heap was last trimmed.
#[derive(Debug)]
pub struct HeapTrim {
    active: AtomicBool,
}

impl Default for HeapTrim {
    /// Starting up (compiling or loading the policy, the first plan) counts as activity.
    fn default() -> Self {
        Self { active: AtomicBool::new(true) }
    }
}

impl HeapTrim {
    /// Notes activity (cheap: one relaxed store).
    pub fn active(&self) {
        self.active.store(true, Ordering::Relaxed);
    }

    /// Trims the heap when there was activity since the last trim and `idle` says nothing is
    /// in flight now; returns whether it trimmed.
    pub fn trim_if_idle(&self, idle: bool) -> bool {
        if !idle || !self.active.swap(false, Ordering::Relaxed) {
            return false;
        }
        release_free_heap();
        true
    }
}

/// Returns the allocator's free pages to the system (glibc on Linux; elsewhere nothing to do).
fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only releases memory the allocator holds free; it takes the
    // allocator's own locks and touches no memory the program owns.
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_once_per_quiet_spell_after_activity() {
        let heap = HeapTrim::default();
        // (activity before the poll, idle at the poll, trims)
        let polls = [(false, false, false), (false, true, true), (false, true, false), (true, false, false), (false, true, true), (true, true, true)];
        for (step, (activity, idle, trims)) in polls.into_iter().enumerate() {
            if activity {
                heap.active();
            }
            assert_eq!(heap.trim_if_idle(idle), trims, "poll {step}");
        }
    }
}
