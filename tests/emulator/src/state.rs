//! The state every connection shares.

use crate::caching::PromptCache;
use crate::catalog::Catalog;
use crate::credentials_endpoints::ImdsSessions;
use crate::faults::{FaultQueue, RequestLog};
use crate::identity::CredentialStore;

/// Everything a request handler may read or change.
#[derive(Debug)]
pub struct State {
    /// The region requests must be signed for.
    pub region: String,
    /// Models and profiles served.
    pub catalog: Catalog,
    /// Accepted credentials.
    pub credentials: CredentialStore,
    /// Pending faults.
    pub faults: FaultQueue,
    /// The request log.
    pub log: RequestLog,
    /// IMDSv2 session tokens.
    pub imds: ImdsSessions,
    /// The `Authorization` value the container endpoint expects.
    pub container_token: String,
    /// Web identity tokens STS accepts.
    pub web_identity_tokens: Vec<String>,
    /// Prompt prefixes written by cache points (see [`crate::caching`]).
    pub prompt_cache: PromptCache,
}
