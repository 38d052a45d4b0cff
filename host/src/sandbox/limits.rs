//! The sandbox's limits and the engine built from them.

use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Limits every policy instance runs under. The defaults suit the CLI and the gateway alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most linear memory one instance may use. Default 64 MiB.
    pub memory_bytes: usize,
    /// Longest one guest call may run (wall clock, checked at epoch ticks). Default 2 s.
    pub call_deadline: Duration,
    /// How often the epoch advances; the deadline's resolution. Default 10 ms.
    pub epoch_tick: Duration,
    /// Most instances alive at once (pooling allocator slots). Default 1000.
    pub max_instances: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self { memory_bytes: 64 << 20, call_deadline: Duration::from_secs(2), epoch_tick: Duration::from_millis(10), max_instances: 1000 }
    }
}

/// A deadline in epoch ticks of `tick`, at least one.
pub(crate) fn deadline_ticks(deadline: Duration, tick: Duration) -> u64 {
    let tick = tick.as_nanos().max(1);
    u64::try_from(deadline.as_nanos().div_ceil(tick)).unwrap_or(u64::MAX).max(1)
}

/// Wasm pages are 64 KiB; memory sizes are whole pages.
const WASM_PAGE: usize = 64 << 10;

/// Linear memory kept resident in a warm pooling slot (the policy's stack and early heap).
const KEEP_RESIDENT_BYTES: usize = 1 << 20;
/// Table memory kept resident in a warm pooling slot.
const KEEP_RESIDENT_TABLE_BYTES: usize = 64 << 10;

/// The engine: component model, async calls, epoch interruption, and the pooling allocator
/// sized from `limits`. Memories reserve only the cap (with explicit bounds checks) rather than
/// 4 GiB each, so a thousand slots stay a modest address-space reservation.
pub(crate) fn build_engine(limits: &Limits) -> wasmtime::Result<Engine> {
    let memory_bytes = limits.memory_bytes.max(WASM_PAGE).next_multiple_of(WASM_PAGE);
    let mut pooling = PoolingAllocationConfig::new();
    pooling
        .total_component_instances(limits.max_instances)
        // Rust components carry a few core instances (the program, its adapter, shims).
        .total_core_instances(limits.max_instances.saturating_mul(4))
        .total_memories(limits.max_instances.saturating_mul(2))
        .total_tables(limits.max_instances.saturating_mul(4))
        .total_stacks(limits.max_instances)
        .max_memories_per_component(4)
        .max_tables_per_component(8)
        .max_memory_size(memory_bytes)
        .max_unused_warm_slots(limits.max_instances.min(100))
        // The miss path (resolve) and plans run in fresh instances: keep the first pages of a
        // reused slot resident and zero them with memset instead of madvise, so the next
        // instance in that slot takes no page faults there. Only slots actually used hold it.
        .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
        .table_keep_resident(KEEP_RESIDENT_TABLE_BYTES);

    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .memory_reservation(memory_bytes as u64)
        .memory_reservation_for_growth(0)
        .memory_guard_size(WASM_PAGE as u64)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    Engine::new(&config)
}
