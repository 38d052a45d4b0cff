//! The AWS capability's types: the contract's runtime, credentials and control-plane domain
//! types (`openclaw-domain`, shared with the policy), so the import glue converts them one to
//! one.

pub use openclaw_domain::{
    ApiError, Catalog, CatalogRequest, ContentBlock, ConverseRequest, ConverseResponse, CredentialDescription, ErrorClass, FoundationModelRecord,
    InferenceConfig, InferenceProfileRecord, InvokeRequest, InvokeResponse, Message, Role, SourceKind, StreamEvent, ToolSpec, Usage, VisibleSource,
};
