//! One deadline per call: sending (with the SDK's retries) and every later stream event share
//! it, and whatever fails is classified the same way for every operation.

use std::future::Future;
use std::time::Duration;

use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::primitives::event_stream::EventReceiver;
use aws_smithy_types::event_stream::RawMessage;
use tokio::time::Instant;

use super::errors::{self, timeout_error};
use super::model::ApiError;

/// When a call must be over, and how to say so.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Instant,
    limit: Duration,
    /// The call's name for messages, e.g. `ConverseStream`.
    operation: &'static str,
}

impl Deadline {
    /// A deadline `limit` from now.
    pub(crate) fn after(limit: Duration, operation: &'static str) -> Self {
        Deadline { at: Instant::now() + limit, limit, operation }
    }

    fn expired(&self) -> ApiError {
        timeout_error(&format!("the {} call", self.operation), self.limit)
    }

    /// Awaits an SDK operation within the deadline and classifies its failure.
    pub(crate) async fn send<O, E>(&self, call: impl Future<Output = Result<O, SdkError<E>>>, secrets: &[String]) -> Result<O, ApiError>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match tokio::time::timeout_at(self.at, call).await {
            Err(_) => Err(self.expired()),
            Ok(Ok(output)) => Ok(output),
            Ok(Err(error)) => {
                let status = error.raw_response().map(|r| r.status().as_u16());
                let error = errors::from_sdk_error(&error, status, None, secrets);
                tracing::debug!(%error, class = error.class.as_str(), operation = self.operation, "Bedrock call failed");
                Err(error)
            }
        }
    }
}

/// An SDK event stream under a deadline. After its end or its first error it yields `None`.
pub(crate) struct DeadlineStream<T, E> {
    receiver: Option<EventReceiver<T, E>>,
    deadline: Deadline,
    secrets: Vec<String>,
    /// The canonical code of a modelled in-stream exception (its payload rarely names it).
    code_of: fn(&E) -> Option<&'static str>,
}

impl<T, E> DeadlineStream<T, E>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    /// Wraps a started stream.
    pub(crate) fn new(receiver: EventReceiver<T, E>, deadline: Deadline, secrets: &[String], code_of: fn(&E) -> Option<&'static str>) -> Self {
        DeadlineStream { receiver: Some(receiver), deadline, secrets: secrets.to_vec(), code_of }
    }

    /// Whether the stream may still yield.
    pub(crate) fn is_open(&self) -> bool {
        self.receiver.is_some()
    }

    /// The next SDK event; an error (in-stream exception, broken frame, deadline) ends it.
    pub(crate) async fn next(&mut self) -> Result<Option<T>, ApiError> {
        let Some(receiver) = self.receiver.as_mut() else { return Ok(None) };
        let received: Result<Option<T>, SdkError<E, RawMessage>> = match tokio::time::timeout_at(self.deadline.at, receiver.recv()).await {
            Ok(received) => received,
            Err(_) => {
                self.receiver = None;
                return Err(self.deadline.expired());
            }
        };
        match received {
            Ok(Some(event)) => Ok(Some(event)),
            Ok(None) => {
                self.receiver = None;
                Ok(None)
            }
            Err(error) => {
                self.receiver = None;
                let hint = error.as_service_error().and_then(self.code_of);
                let error = errors::from_sdk_error(&error, None, hint, &self.secrets);
                tracing::debug!(%error, class = error.class.as_str(), operation = self.deadline.operation, "stream ended with an error");
                Err(error)
            }
        }
    }
}
