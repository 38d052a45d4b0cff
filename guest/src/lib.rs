//! The default Bedrock provider policy of OpenClaw: config loading and validation, region
//! resolution, model references, model discovery and resolution at call time, the routing plan
//! the host serves requests from, the probe and chat (with its fallback decision).
//!
//! The policy is plain Rust, tested natively; `component` is the thin wit-bindgen glue that
//! exports it as a `bedrock-policy` component when built for `wasm32-wasip2`, and implements
//! [`runtime::Runtime`] and [`control_plane::ControlPlane`] over the host's imports.

pub mod chat;
pub mod config;
pub mod control_plane;
pub mod diagnostics;
pub mod discovery;
pub mod json5;
pub mod model_names;
pub mod model_ref;
pub mod probe;
pub mod quote;
pub mod region;
pub mod resolve;
pub mod routing;
pub mod runtime;
pub mod self_check;
pub mod suggest;
pub mod target;

// wit-bindgen's generated export glue is `unsafe` by nature; the policy's own code is not.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod component;

pub use chat::{ChatRequest, ChatStream, start_chat};
pub use config::{ConfigSource, DiscoverySettings, SettingSource, Settings, load_config};
pub use control_plane::{Catalog, CatalogRequest, ControlPlane, FoundationModelRecord, InferenceProfileRecord, SourceKind, VisibleSource};
pub use diagnostics::{Diagnostic, Severity};
pub use discovery::{DiscoverRequest, Discovery, ModelCost, ModelInfo, ModelKind, discover};
pub use model_ref::{ModelReference, ReferenceKind, parse_model_reference};
pub use probe::{ProbeRequest, ProbeResult, ProbeStatus, probe};
pub use region::{RegionEnvironment, RegionSource, ResolvedRegion};
pub use routing::{FallbackStep, Resolution, Route, RoutingPlan, plan, resolve_one};
pub use runtime::{ApiError, ErrorClass, Runtime};
pub use self_check::{PolicyInfo, self_check};
