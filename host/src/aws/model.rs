//! The AWS capability's types: the contract's runtime, credentials and control-plane domain
//! types (`openclaw-domain`, shared with the policy), so the import glue converts them one to
//! one.

pub use openclaw_domain::{
    ApiError, Catalog, CatalogRequest, ContentBlock, ConverseOptions, ConverseRequest, ConverseResponse, CredentialDescription, DocumentSource, ErrorClass,
    FoundationModelRecord, InferenceConfig, InferenceProfileRecord, InvokeRequest, InvokeResponse, Message, OutputSchema, ReasoningEffort, ReasoningRequest,
    Role, ServiceTier, SourceKind, StreamEvent, ToolChoice, ToolSpec, Usage, VisibleSource,
};
