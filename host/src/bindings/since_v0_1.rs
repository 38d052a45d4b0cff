//! Contract `openclaw:bedrock@0.1.0` (frozen in `wit/v0.1.0/`): components built against it
//! keep loading and run on the per-request path (their `chat` serves every request; they have
//! no `routing` export).
//!
//! The imports and the policy export of 0.1.0 are the interfaces the newer versions grew from,
//! so this module compiles the shared conversion and import files (`#[path]`) against its own
//! generated types, as Zed's extension host keeps a `since_vX` module per version. Its requests
//! carry the config text (`convert_text.rs`, shared with 0.2.0).

// The conversion and import files are compiled once per contract version on purpose (the
// same glue against each version's generated types), so loading them twice is no mistake.
#![allow(clippy::duplicate_mod)]

#[path = "convert.rs"]
mod convert;
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
    path: "../wit/v0.1.0",
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
pub const CONTRACT: &str = "0.1.0";

pub use exports::openclaw::bedrock::policy as generated_policy;
pub use openclaw::bedrock::control_plane as generated_control_plane;
pub use openclaw::bedrock::credentials as generated_credentials;
pub use openclaw::bedrock::environment as generated_environment;
pub use openclaw::bedrock::log as generated_log;
pub use openclaw::bedrock::runtime as generated_runtime;
pub use openclaw::bedrock::types as generated_types;
