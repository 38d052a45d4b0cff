//! [`Bedrock`] as the capability the WIT imports call through ([`BedrockAccess`]).

use super::Bedrock;
use super::converse::ConverseEventStream;
use super::invoke::InvokeChunkStream;
use super::model::{
    ApiError, Catalog, CatalogRequest, ConverseRequest, ConverseResponse, CredentialDescription, InvokeRequest, InvokeResponse, StreamEvent, VisibleSource,
};
use crate::capability::{BedrockAccess, BoxFuture, ChunkStream, EventStream};

impl EventStream for ConverseEventStream {
    fn next(&mut self) -> BoxFuture<'_, Result<Option<StreamEvent>, ApiError>> {
        Box::pin(ConverseEventStream::next(self))
    }
}

impl ChunkStream for InvokeChunkStream {
    fn next(&mut self) -> BoxFuture<'_, Result<Option<Vec<u8>>, ApiError>> {
        Box::pin(InvokeChunkStream::next(self))
    }
}

impl BedrockAccess for Bedrock {
    fn visible_sources(&self) -> Vec<VisibleSource> {
        Bedrock::visible_sources(self)
    }

    fn resolve_credentials(&self) -> BoxFuture<'_, Result<CredentialDescription, ApiError>> {
        Box::pin(Bedrock::resolve_credentials(self))
    }

    fn converse(&self, request: ConverseRequest) -> BoxFuture<'_, Result<ConverseResponse, ApiError>> {
        Box::pin(Bedrock::converse(self, request))
    }

    fn converse_stream(&self, request: ConverseRequest) -> BoxFuture<'_, Result<Box<dyn EventStream>, ApiError>> {
        Box::pin(async move { Bedrock::converse_stream(self, request).await.map(|stream| Box::new(stream) as Box<dyn EventStream>) })
    }

    fn count_tokens(&self, request: ConverseRequest) -> BoxFuture<'_, Result<u32, ApiError>> {
        Box::pin(Bedrock::count_tokens(self, request))
    }

    fn count_tokens_invoke(&self, request: InvokeRequest) -> BoxFuture<'_, Result<u32, ApiError>> {
        Box::pin(Bedrock::count_tokens_invoke(self, request))
    }

    fn invoke_model(&self, request: InvokeRequest) -> BoxFuture<'_, Result<InvokeResponse, ApiError>> {
        Box::pin(Bedrock::invoke_model(self, request))
    }

    fn invoke_model_counted(&self, request: InvokeRequest) -> BoxFuture<'_, Result<(InvokeResponse, Option<u64>), ApiError>> {
        Box::pin(Bedrock::invoke_model_counted(self, request))
    }

    fn invoke_model_with_response_stream(&self, request: InvokeRequest) -> BoxFuture<'_, Result<Box<dyn ChunkStream>, ApiError>> {
        Box::pin(async move { Bedrock::invoke_model_with_response_stream(self, request).await.map(|stream| Box::new(stream) as Box<dyn ChunkStream>) })
    }

    fn list_catalog(&self, request: CatalogRequest) -> BoxFuture<'_, Result<Catalog, ApiError>> {
        Box::pin(Bedrock::list_catalog(self, request))
    }

    fn is_bedrock_endpoint(&self, scheme: &str, authority: &str) -> bool {
        Bedrock::is_bedrock_endpoint(self, scheme, authority)
    }

    fn authenticate<'a>(&'a self, request: &'a mut http::Request<bytes::Bytes>) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(Bedrock::authenticate(self, request))
    }
}
