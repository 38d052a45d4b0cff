//! The per-call state a guest instance runs with: its (empty) WASI context, its resource
//! table, its memory cap, and what the host hands over on purpose.

use crate::capability::{BedrockAccess, Capabilities};
use crate::imports::PolicyHttpHooks;
use crate::types::RegionEnvironment;
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Store data of one policy instance. Built fresh for every instance: guests never share state.
pub struct HostState {
    wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) memory: MemoryCap,
    pub(crate) environment: Arc<RegionEnvironment>,
    pub(crate) bedrock: Option<Arc<dyn BedrockAccess>>,
    pub(crate) log_budget: u32,
    http: WasiHttpCtx,
    http_hooks: PolicyHttpHooks,
}

/// Most log lines one instance may emit; the rest are dropped (a loop must not flood the log).
pub(crate) const LOG_LINES_PER_INSTANCE: u32 = 1_000;

impl HostState {
    /// State for one instance: no files, no sockets, no environment variables, no arguments,
    /// no stdio; HTTP only to Bedrock, authenticated by the host ([`PolicyHttpHooks`]).
    /// (Stderr is the exception: `stderr` keeps what the guest writes, bounded, for the log.)
    /// Rust's std imports `wasi:cli`, `wasi:io`, `wasi:clocks` and `wasi:random` even when
    /// unused, so they are linked, but empty.
    pub(crate) fn new(memory_cap: usize, capabilities: Capabilities, stderr: impl wasmtime_wasi::cli::StdoutStream + 'static) -> Self {
        let wasi = WasiCtx::builder().allow_tcp(false).allow_udp(false).allow_ip_name_lookup(false).stderr(stderr).build();
        Self {
            wasi,
            table: ResourceTable::new(),
            memory: MemoryCap::new(memory_cap),
            environment: capabilities.environment,
            http_hooks: PolicyHttpHooks::new(capabilities.bedrock.clone()),
            bedrock: capabilities.bedrock,
            log_budget: LOG_LINES_PER_INSTANCE,
            http: WasiHttpCtx::new(),
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.http_hooks }
    }
}

/// A memory (and table) cap that traps the guest when it would grow past the limit, and
/// remembers that it did so the host can say why the call failed.
pub(crate) struct MemoryCap {
    max_bytes: usize,
    pub(crate) exceeded: bool,
}

/// Most table elements one instance may hold.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl MemoryCap {
    fn new(max_bytes: usize) -> Self {
        Self { max_bytes, exceeded: false }
    }
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.exceeded = true;
            return Err(wasmtime::format_err!("policy memory cap of {} bytes exceeded", self.max_bytes));
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > MAX_TABLE_ELEMENTS {
            self.exceeded = true;
            return Err(wasmtime::format_err!("policy table cap of {MAX_TABLE_ELEMENTS} elements exceeded"));
        }
        Ok(true)
    }
}
