//! Host implementations of the WIT interfaces the policy imports, one file per interface.

mod control_plane;
mod credentials;
mod environment;
mod http;
mod log;
mod runtime;
mod types;

pub(crate) use http::PolicyHttpHooks;

use crate::aws::model::{ApiError, ErrorClass};

/// The error a policy gets when its host offers no Bedrock access (e.g. `openclaw config`).
fn no_bedrock_access() -> ApiError {
    ApiError {
        class: ErrorClass::Unknown,
        code: None,
        message: "this host gives policies no Bedrock access".into(),
        http_status: None,
        retryable: false,
    }
}
