//! Draining before shutdown: after SIGTERM the gateway first reports itself not ready for
//! `--drain-period` seconds while it goes on serving, so a load balancer or Kubernetes takes
//! it out of rotation before it stops accepting connections.
//!
//! `/readyz` is ready when credentials resolve through the capability the gateway was handed,
//! so the capability is wrapped: once draining, its credential resolution answers "draining"
//! and everything else passes through unchanged. Chat and discovery never resolve credentials
//! through this method (the SDK clients do it themselves), so requests still served during the
//! drain are unaffected.

use openclaw_host::aws::model::{
    ApiError, Catalog, CatalogRequest, ConverseRequest, ConverseResponse, CredentialDescription, ErrorClass, InvokeRequest, InvokeResponse, VisibleSource,
};
use openclaw_host::capability::{BedrockAccess, BoxFuture, ChunkStream, EventStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A capability that reports "draining" instead of resolving credentials once told to.
pub(super) struct Drainable {
    inner: Arc<dyn BedrockAccess>,
    draining: Arc<AtomicBool>,
}

impl Drainable {
    /// Wraps `inner`; `draining` turns the readiness answer off.
    pub(super) fn new(inner: Arc<dyn BedrockAccess>, draining: Arc<AtomicBool>) -> Self {
        Self { inner, draining }
    }
}

/// The readiness reason while draining.
const DRAINING: &str = "draining: shutting down, finishing the requests in flight";

impl BedrockAccess for Drainable {
    fn visible_sources(&self) -> Vec<VisibleSource> {
        self.inner.visible_sources()
    }

    fn resolve_credentials(&self) -> BoxFuture<'_, Result<CredentialDescription, ApiError>> {
        if self.draining.load(Ordering::SeqCst) {
            let error = ApiError { class: ErrorClass::Unknown, code: None, message: DRAINING.to_string(), http_status: None, retryable: true };
            return Box::pin(async move { Err(error) });
        }
        self.inner.resolve_credentials()
    }

    fn converse(&self, request: ConverseRequest) -> BoxFuture<'_, Result<ConverseResponse, ApiError>> {
        self.inner.converse(request)
    }

    fn converse_stream(&self, request: ConverseRequest) -> BoxFuture<'_, Result<Box<dyn EventStream>, ApiError>> {
        self.inner.converse_stream(request)
    }

    fn invoke_model(&self, request: InvokeRequest) -> BoxFuture<'_, Result<InvokeResponse, ApiError>> {
        self.inner.invoke_model(request)
    }

    fn invoke_model_with_response_stream(&self, request: InvokeRequest) -> BoxFuture<'_, Result<Box<dyn ChunkStream>, ApiError>> {
        self.inner.invoke_model_with_response_stream(request)
    }

    fn list_catalog(&self, request: CatalogRequest) -> BoxFuture<'_, Result<Catalog, ApiError>> {
        self.inner.list_catalog(request)
    }

    fn is_bedrock_endpoint(&self, scheme: &str, authority: &str) -> bool {
        self.inner.is_bedrock_endpoint(scheme, authority)
    }

    fn authenticate<'a>(&'a self, request: &'a mut http::Request<bytes::Bytes>) -> BoxFuture<'a, Result<(), ApiError>> {
        self.inner.authenticate(request)
    }
}
