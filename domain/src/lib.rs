//! The domain types of the `openclaw:bedrock` contract (`wit/`), defined once in plain Rust
//! and shared by both sides of it: the default policy (`guest/`, a wasm component) and the
//! host (`host/`). Each side converts between these and its generated bindings in one file
//! (`guest/src/component/convert.rs`, `host/src/bindings/convert.rs`), with exhaustive
//! matches, so a variant added to the WIT fails the build on both sides until it is handled.
//!
//! One module per WIT interface, named after it. The crate has no dependency; with the `serde`
//! feature (the host's) every type serializes with snake_case fields and snake_case enum
//! values, the JSON that `openclaw-bedrock config show --json` prints and the conformance corpus
//! compares against.

#![forbid(unsafe_code)]

pub mod control_plane;
pub mod credentials;
pub mod environment;
pub mod policy;
pub mod routing;
pub mod runtime;
pub mod types;

pub use control_plane::{Catalog, CatalogRequest};
pub use credentials::{CredentialDescription, SourceKind, VisibleSource};
pub use environment::RegionEnvironment;
pub use policy::{
    ChatRequest, ConfigOutcome, ConfigSource, DEFAULT_REGION, Diagnostic, DiscoverRequest, Discovery, DiscoverySettings, ModelAlias, ModelReference,
    PolicyInfo, ProbeRequest, ProbeResult, ProbeStatus, ReferenceKind, RegionSource, ResolvedRegion, SettingSource, Settings, Severity, invalid_config,
    resolve_region,
};
pub use routing::{FallbackStep, PlanRequest, Resolution, ResolveRequest, Route, RoutingPlan};
pub use runtime::{
    ContentBlock, ConverseOptions, ConverseRequest, ConverseResponse, DocumentSource, InferenceConfig, InvokeRequest, InvokeResponse, Message, OutputSchema,
    ReasoningEffort, ReasoningRequest, Role, ServiceTier, StreamEvent, ToolChoice, ToolSpec, Usage,
};
pub use types::{ApiError, ErrorClass, FoundationModelRecord, InferenceProfileRecord, ModelCost, ModelInfo, ModelKind};

/// `From` both ways between two field-less enums with the same variant names: the bindings'
/// enum and the domain's. Both matches are exhaustive, so a variant added on either side and
/// not listed here fails the build.
#[macro_export]
macro_rules! same_variants {
    ($a:ty, $b:ty, [$($variant:ident),+ $(,)?]) => {
        impl From<$a> for $b {
            fn from(value: $a) -> Self {
                match value { $(<$a>::$variant => Self::$variant),+ }
            }
        }
        impl From<$b> for $a {
            fn from(value: $b) -> Self {
                match value { $(<$b>::$variant => Self::$variant),+ }
            }
        }
    };
}
