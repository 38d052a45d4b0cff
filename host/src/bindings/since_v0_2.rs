//! Contract `openclaw:bedrock@0.2.0` (frozen in `wit/v0.2.0/`): components built against it
//! keep loading and serve requests from their routing plan; the host hands them the config
//! text, which they read themselves (they have no separate config part).
//!
//! The imports, the `policy` export and the `routing` export of 0.2.0 are the interfaces the
//! newer versions grew from, so this module compiles the shared conversion and import files
//! (`#[path]`) against its own generated types, as [`crate::bindings::since_v0_1`] does. What differs
//! from 0.3.0 (requests carry the text, not the settings) is in `convert_text.rs` (shared with
//! 0.1.0) and `convert_plan_text.rs` (the routing requests, 0.2.0 only).

// The conversion and import files are compiled once per contract version on purpose (the
// same glue against each version's generated types), so loading them twice is no mistake.
#![allow(clippy::duplicate_mod)]

#[path = "convert.rs"]
mod convert;
mod convert_plan_text;
#[path = "convert_routing.rs"]
mod convert_routing;
#[path = "since_v0_1/convert_text.rs"]
mod convert_text;
#[path = "../imports/control_plane.rs"]
mod import_control_plane;
#[path = "../imports/credentials.rs"]
mod import_credentials;
#[path = "../imports/environment.rs"]
mod import_environment;
#[path = "../imports/log.rs"]
mod import_log;
#[path = "../imports/runtime.rs"]
mod import_runtime;
#[path = "../imports/types.rs"]
mod import_types;

wasmtime::component::bindgen!({
    path: "../wit/v0.2.0",
    world: "bedrock-policy",
    imports: {
        "openclaw:bedrock/runtime": async | trappable,
        default: async,
    },
    exports: { default: async },
    with: {
        "openclaw:bedrock/runtime.event-stream": crate::capability::EventStreamResource,
        "openclaw:bedrock/runtime.chunk-stream": crate::capability::ChunkStreamResource,
    },
});

use convert_text::take_aliases;

/// The contract version these bindings implement.
pub const CONTRACT: &str = "0.2.0";

pub use exports::openclaw::bedrock::policy as generated_policy;
pub use exports::openclaw::bedrock::routing as generated_routing;
pub use openclaw::bedrock::control_plane as generated_control_plane;
pub use openclaw::bedrock::credentials as generated_credentials;
pub use openclaw::bedrock::environment as generated_environment;
pub use openclaw::bedrock::log as generated_log;
pub use openclaw::bedrock::runtime as generated_runtime;
pub use openclaw::bedrock::types as generated_types;
