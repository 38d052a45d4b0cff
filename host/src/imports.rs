//! Host implementations of the WIT interfaces the policy imports, one file per interface.
//!
//! The interface files (`control_plane.rs`, `credentials.rs`, `environment.rs`, `log.rs`,
//! `runtime.rs`, `types.rs`) are written once and compiled into every contract version's
//! bindings module ([`crate::bindings`] for the newest, [`crate::bindings::since_v0_1`] for 0.1.0), where
//! `super::generated_*` names that version's generated interface. The imports of every version
//! so far are the same interfaces, so one implementation serves them all. `wasi:http` does not
//! depend on the contract version and lives here once.

mod http;

pub(crate) use http::PolicyHttpHooks;

use crate::aws::model::{ApiError, ErrorClass};

/// The error a policy gets when its host offers no Bedrock access (e.g. `openclaw-bedrock config`).
pub(crate) fn no_bedrock_access() -> ApiError {
    ApiError { class: ErrorClass::Unknown, code: None, message: "this host gives policies no Bedrock access".into(), http_status: None, retryable: false }
}
