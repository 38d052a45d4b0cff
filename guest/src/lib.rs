//! The default Bedrock provider policy of OpenClaw: config loading and validation, region
//! resolution and model references.
//!
//! The policy is plain Rust, tested natively; `component` is the thin wit-bindgen glue that
//! exports it as a `bedrock-policy` component when built for `wasm32-wasip2`.

pub mod config;
pub mod diagnostics;
pub mod json5;
pub mod model_ref;
pub mod region;
pub mod self_check;
pub mod suggest;

#[cfg(target_arch = "wasm32")]
mod component;

pub use config::{ConfigSource, DiscoverySettings, SettingSource, Settings, load_config};
pub use diagnostics::{Diagnostic, Severity};
pub use model_ref::{ModelReference, ReferenceKind, parse_model_reference};
pub use region::{RegionEnvironment, RegionSource, ResolvedRegion};
pub use self_check::{PolicyInfo, self_check};
