//! The openclaw Bedrock provider host.
//!
//! Policy (config, region, discovery, model resolution, fallback) lives in a sandboxed
//! WebAssembly component; this crate owns every capability the policy may use (credentials,
//! sockets, files, time) and runs the component under a deadline and a memory cap.
//!
//! - [`runtime`]: the engine, component loading with a compile cache, per-call instances,
//!   hot swap ([`runtime::PolicyHost`]).
//! - [`plan`]: the routing plan a policy computes and the gateway serves requests from.
//! - [`types`]: the host's own types for what a policy decides.
//! - [`environment`]: what the host hands a policy of its environment, and where the config is.
//! - [`capability`]: what an instance is handed beyond its sandbox (Bedrock access).
//! - [`aws`]: Bedrock access through the AWS SDK: credentials, clients, calls, errors.
//! - [`gateway`]: the OpenAI-compatible HTTP gateway (`openclaw-bedrock gateway`).
//! - [`files`]: reading config, policy and cache files as bounded regular files.
//! - [`conformance`]: the config-behaviour corpus runner (`openclaw-bedrock policy test`).
//! - [`telemetry`]: request ids, the access log and OTLP traces, for the gateway's request path.

mod bindings;
mod imports;
mod instance_state;

pub mod aws;
pub mod capability;
pub mod conformance;
pub mod control;
pub mod environment;
pub mod files;
pub mod gateway;
pub mod heap;
pub mod keys;
pub mod plan;
pub mod sandbox;
pub mod state;
pub mod telemetry;
pub mod types;
