//! What the host offers a policy beyond its sandbox: Bedrock access (credentials and calls).
//!
//! The WIT imports call through [`BedrockAccess`], a trait object held by each instance, so
//! a host without AWS access (config commands), the real AWS SDK client ([`crate::aws`]) and
//! test doubles all plug in the same way.

use openclaw_domain::{
    ApiError, Catalog, CatalogRequest, ConverseRequest, ConverseResponse, CredentialDescription, InvokeRequest, InvokeResponse, StreamEvent, VisibleSource,
};
use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Events of a ConverseStream response, in order.
pub trait EventStream: Send {
    /// The next event; `None` after the last. An error ends the stream.
    fn next(&mut self) -> BoxFuture<'_, Result<Option<StreamEvent>, ApiError>>;
}

/// Chunks of an InvokeModelWithResponseStream response, in order.
pub trait ChunkStream: Send {
    /// The next chunk's bytes; `None` after the last. An error ends the stream.
    fn next(&mut self) -> BoxFuture<'_, Result<Option<Vec<u8>>, ApiError>>;
}

/// Bedrock access on behalf of a policy. Implementations hold the secrets; nothing they
/// return carries one.
pub trait BedrockAccess: Send + Sync {
    /// Credential sources visible without a network call.
    fn visible_sources(&self) -> Vec<VisibleSource>;
    /// Resolves the credentials and describes them.
    fn resolve_credentials(&self) -> BoxFuture<'_, Result<CredentialDescription, ApiError>>;
    /// Converse.
    fn converse(&self, request: ConverseRequest) -> BoxFuture<'_, Result<ConverseResponse, ApiError>>;
    /// ConverseStream.
    fn converse_stream(&self, request: ConverseRequest) -> BoxFuture<'_, Result<Box<dyn EventStream>, ApiError>>;
    /// CountTokens for a Converse-shaped input: the input tokens `request` would use.
    fn count_tokens(&self, request: ConverseRequest) -> BoxFuture<'_, Result<u32, ApiError>>;
    /// CountTokens for an InvokeModel body: the input tokens it would use, on a foundation
    /// model id.
    fn count_tokens_invoke(&self, request: InvokeRequest) -> BoxFuture<'_, Result<u32, ApiError>>;
    /// InvokeModel.
    fn invoke_model(&self, request: InvokeRequest) -> BoxFuture<'_, Result<InvokeResponse, ApiError>>;
    /// InvokeModel, with the input tokens Bedrock counted from its
    /// `X-Amzn-Bedrock-Input-Token-Count` header: the only place Cohere's embedding models
    /// report usage. The default reads no headers (`None`).
    fn invoke_model_counted(&self, request: InvokeRequest) -> BoxFuture<'_, Result<(InvokeResponse, Option<u64>), ApiError>> {
        Box::pin(async move { self.invoke_model(request).await.map(|response| (response, None)) })
    }
    /// InvokeModelWithResponseStream.
    fn invoke_model_with_response_stream(&self, request: InvokeRequest) -> BoxFuture<'_, Result<Box<dyn ChunkStream>, ApiError>>;
    /// The region's control-plane catalog: cached when fresh enough, else fetched.
    fn list_catalog(&self, request: CatalogRequest) -> BoxFuture<'_, Result<Catalog, ApiError>>;
    /// Whether a policy's own HTTP request may go to this destination (a Bedrock endpoint of
    /// the configured partition, or the configured endpoint override).
    fn is_bedrock_endpoint(&self, scheme: &str, authority: &str) -> bool;
    /// Authenticates a policy's own HTTP request at send time (SigV4 or bearer).
    fn authenticate<'a>(&'a self, request: &'a mut http::Request<bytes::Bytes>) -> BoxFuture<'a, Result<(), ApiError>>;
}

/// A converse stream held in an instance's resource table.
pub struct EventStreamResource(pub Box<dyn EventStream>);

/// An invoke stream held in an instance's resource table.
pub struct ChunkStreamResource(pub Box<dyn ChunkStream>);

/// What one instance is handed: its region environment and, when the host has it, Bedrock
/// access. The default hands over nothing.
#[derive(Clone, Default)]
pub struct Capabilities {
    /// The region settings the policy sees.
    pub environment: std::sync::Arc<crate::types::RegionEnvironment>,
    /// Bedrock access; `None` for hosts that only evaluate configs.
    pub bedrock: Option<std::sync::Arc<dyn BedrockAccess>>,
}

impl std::fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capabilities").field("environment", &self.environment).field("bedrock", &self.bedrock.is_some()).finish()
    }
}
