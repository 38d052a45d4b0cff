//! `openclaw:bedrock/runtime`: Bedrock runtime calls made by the host on the policy's behalf.
//! Streams live in the instance's resource table and die with it.

use super::generated_runtime::{ConverseRequest, ConverseResponse, Host, HostChunkStream, HostEventStream, InvokeRequest, InvokeResponse, StreamEvent};
use super::generated_types::ApiError;
use crate::capability::{BedrockAccess, ChunkStreamResource, EventStreamResource};
use crate::imports::no_bedrock_access;
use crate::instance_state::HostState;
use std::sync::Arc;
use wasmtime::component::Resource;

/// The instance's Bedrock access, or the error a policy gets without one.
fn bedrock(state: &HostState) -> Result<Arc<dyn BedrockAccess>, ApiError> {
    state.bedrock.clone().ok_or_else(|| no_bedrock_access().into())
}

impl Host for HostState {
    async fn converse(&mut self, request: ConverseRequest) -> wasmtime::Result<Result<ConverseResponse, ApiError>> {
        let bedrock = match bedrock(self) {
            Ok(bedrock) => bedrock,
            Err(error) => return Ok(Err(error)),
        };
        Ok(bedrock.converse(request.into()).await.map(Into::into).map_err(Into::into))
    }

    async fn converse_stream(&mut self, request: ConverseRequest) -> wasmtime::Result<Result<Resource<EventStreamResource>, ApiError>> {
        let bedrock = match bedrock(self) {
            Ok(bedrock) => bedrock,
            Err(error) => return Ok(Err(error)),
        };
        match bedrock.converse_stream(request.into()).await {
            Ok(stream) => Ok(Ok(self.table.push(EventStreamResource(stream))?)),
            Err(error) => Ok(Err(error.into())),
        }
    }

    async fn invoke_model(&mut self, request: InvokeRequest) -> wasmtime::Result<Result<InvokeResponse, ApiError>> {
        let bedrock = match bedrock(self) {
            Ok(bedrock) => bedrock,
            Err(error) => return Ok(Err(error)),
        };
        Ok(bedrock.invoke_model(request.into()).await.map(Into::into).map_err(Into::into))
    }

    async fn invoke_model_with_response_stream(&mut self, request: InvokeRequest) -> wasmtime::Result<Result<Resource<ChunkStreamResource>, ApiError>> {
        let bedrock = match bedrock(self) {
            Ok(bedrock) => bedrock,
            Err(error) => return Ok(Err(error)),
        };
        match bedrock.invoke_model_with_response_stream(request.into()).await {
            Ok(stream) => Ok(Ok(self.table.push(ChunkStreamResource(stream))?)),
            Err(error) => Ok(Err(error.into())),
        }
    }
}

impl HostEventStream for HostState {
    async fn next(&mut self, stream: Resource<EventStreamResource>) -> wasmtime::Result<Result<Option<StreamEvent>, ApiError>> {
        let stream = self.table.get_mut(&stream)?;
        // Events the contract has no form for (reasoning signatures, encrypted reasoning) are
        // passed over: the policy did not ask for them and could not read them.
        loop {
            match stream.0.next().await {
                Ok(Some(event)) => match event.try_into() {
                    Ok(event) => return Ok(Ok(Some(event))),
                    Err(super::convert::NotInContract) => continue,
                },
                Ok(None) => return Ok(Ok(None)),
                Err(error) => return Ok(Err(error.into())),
            }
        }
    }

    async fn drop(&mut self, stream: Resource<EventStreamResource>) -> wasmtime::Result<()> {
        self.table.delete(stream)?;
        Ok(())
    }
}

impl HostChunkStream for HostState {
    async fn next(&mut self, stream: Resource<ChunkStreamResource>) -> wasmtime::Result<Result<Option<Vec<u8>>, ApiError>> {
        let stream = self.table.get_mut(&stream)?;
        Ok(stream.0.next().await.map_err(Into::into))
    }

    async fn drop(&mut self, stream: Resource<ChunkStreamResource>) -> wasmtime::Result<()> {
        self.table.delete(stream)?;
        Ok(())
    }
}
