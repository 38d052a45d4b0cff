//! The generated bindings of the `bedrock-policy` world, wrapped in one place.
//!
//! Everything outside this module works with the crate's own types ([`crate::types`],
//! [`crate::aws::model`]); the conversions between those and the generated ones live in the
//! submodules, next to the `bindgen!` call.

mod convert_policy;
mod convert_runtime;

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

pub use exports::openclaw::bedrock::policy as generated_policy;
pub use openclaw::bedrock::control_plane as generated_control_plane;
pub use openclaw::bedrock::credentials as generated_credentials;
pub use openclaw::bedrock::environment as generated_environment;
pub use openclaw::bedrock::log as generated_log;
pub use openclaw::bedrock::runtime as generated_runtime;
pub use openclaw::bedrock::types as generated_types;
