//! The newest contract version's bindings, `openclaw:bedrock@0.3.0` (`wit/`), in one place.
//!
//! Everything outside the bindings works with the crate's own types ([`crate::types`],
//! [`crate::aws::model`], [`crate::plan`]); the conversions between those and the generated
//! ones live in the submodules, next to the `bindgen!` call. Older contract versions have a
//! module of their own ([`crate::bindings::since_v0_2`], [`crate::bindings::since_v0_1`]) that compiles the same
//! conversion and import files against its own generated types: the glue is written once, and
//! a version differs only in its `bindgen!` call and in the files of what it has or lacks.
//!
//! 0.3.0 splits a policy into parts (`identity` and any of `config`, `discovery`, `routing`,
//! `chat`), so a component is linked part by part ([`parts`]), not as the whole world.

// The conversion and import files are compiled once per contract version on purpose (the
// same glue against each version's generated types), so loading them twice is no mistake.
#![allow(clippy::duplicate_mod)]

mod convert;
mod convert_parts;
mod convert_routing;
#[path = "imports/control_plane.rs"]
mod import_control_plane;
#[path = "imports/credentials.rs"]
mod import_credentials;
#[path = "imports/environment.rs"]
mod import_environment;
#[path = "imports/log.rs"]
mod import_log;
#[path = "imports/runtime.rs"]
mod import_runtime;
#[path = "imports/types.rs"]
mod import_types;
mod parts;
pub(crate) mod since_v0_1;
pub(crate) mod since_v0_2;

wasmtime::component::bindgen!({
    path: "../wit",
    world: "bedrock-policy",
    imports: {
        // Resource handles can be stale: those calls may trap.
        "openclaw:bedrock/runtime": async | trappable,
        default: async,
    },
    exports: { default: async },
    with: {
        "openclaw:bedrock/runtime.event-stream": crate::capability::EventStreamResource,
        "openclaw:bedrock/runtime.chunk-stream": crate::capability::ChunkStreamResource,
    },
});

/// The contract version these bindings implement.
pub const CONTRACT: &str = "0.3.0";

pub(crate) use convert_parts::SettingsMissing;
use convert_parts::take_aliases;
pub(crate) use parts::{Parts, PartsPre};

pub use exports::openclaw::bedrock::chat as generated_chat;
pub use exports::openclaw::bedrock::config as generated_config;
pub use exports::openclaw::bedrock::discovery as generated_discovery;
pub use exports::openclaw::bedrock::identity as generated_identity;
pub use exports::openclaw::bedrock::routing as generated_routing;
pub use openclaw::bedrock::control_plane as generated_control_plane;
pub use openclaw::bedrock::credentials as generated_credentials;
pub use openclaw::bedrock::environment as generated_environment;
pub use openclaw::bedrock::log as generated_log;
/// The records the parts exchange: what `policy` held in older versions, under the name the
/// shared conversions use.
pub use openclaw::bedrock::policy_types as generated_policy;
pub use openclaw::bedrock::runtime as generated_runtime;
pub use openclaw::bedrock::types as generated_types;

/// `openclaw:bedrock/policy-types`: data only, nothing to implement beyond the marker trait.
impl generated_policy::Host for crate::instance_state::HostState {}
