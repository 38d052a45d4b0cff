//! A streamed chat response, driven by the connection itself: each time hyper polls the
//! response body, the body polls the event source (Bedrock's stream on a route, or a 0.1.0
//! policy's `chat-stream`) and encodes every event that is ready into one SSE write.
//!
//! No task and no channel sit between Bedrock and the client: events that arrive together
//! (one TCP read of the upstream event stream usually holds several) leave in one write, and
//! nothing crosses threads per event. When the client leaves, hyper drops the body, which
//! drops the source at once: the Bedrock call ends and the request slot is released.
//!
//! The request's telemetry ([`Observation`]) rides with the body and is finished when the
//! body is dropped: after its last frame, or when the client left.

use super::Relayed;
use crate::aws::model::{ApiError, StreamEvent};
use crate::gateway::errors::HttpError;
use crate::gateway::keys::Lease;
use crate::gateway::response_body::{Body, SseFrames};
use crate::gateway::{Shared, error_class};
use crate::plan::call::{Delivery, RoutedStream};
use crate::telemetry::request::{CLIENT_CLOSED, Observation};
use bytes::Bytes;
use hyper::Response;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::sync::OwnedSemaphorePermit;

/// Most bytes of SSE frames gathered into one write; past it the rest waits for the next poll.
const MAX_WRITE: usize = 64 * 1024;
/// Silence after which an encoder that keeps streams alive sends its keep-alive frame (Anthropic's
/// `ping`: Bedrock sends none, and a proxy between may close a quiet connection).
const KEEPALIVE_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

/// Turns a stream's events into an API's SSE frames (each API's folder has its own: OpenAI's
/// chunks, Anthropic's Messages events).
pub trait Encoder: Send + 'static {
    /// The frames for one event, if it has any.
    fn event(&mut self, event: StreamEvent) -> Option<Bytes>;
    /// The closing frames.
    fn done(&mut self) -> Bytes;
    /// A failure after streaming began (the stream then ends).
    fn error(&mut self, error: &HttpError) -> Bytes;
    /// One InvokeModel stream chunk relayed, with what it tells the accounting. Only an API whose
    /// upstream builder asks for InvokeModel receives chunks; the others end the stream with an
    /// error saying so.
    fn relay_chunk(&mut self, chunk: Vec<u8>) -> Result<Relayed, HttpError> {
        let _ = chunk;
        Err(HttpError::new(500, "api_error", "this API never calls InvokeModel"))
    }
    /// The frame that keeps a quiet stream open, if the API has one.
    fn keepalive(&mut self) -> Option<Bytes> {
        None
    }
}

/// Where a streamed response's events come from.
pub trait EventSource: Send + 'static {
    /// The next event; `None` after the last.
    fn next(&mut self) -> impl Future<Output = Result<Option<Delivery>, HttpError>> + Send;
}

/// Bedrock's stream on a route, run by the host.
pub(in crate::gateway) struct Routed(pub(in crate::gateway) RoutedStream);

impl EventSource for Routed {
    async fn next(&mut self) -> Result<Option<Delivery>, HttpError> {
        self.0.next().await.map_err(|error: ApiError| HttpError::from_api(&error))
    }
}

/// The source's pending `next`, owning the source while it runs.
type NextEvent<S> = Pin<Box<dyn Future<Output = (S, Result<Option<Delivery>, HttpError>)> + Send>>;

enum State<S> {
    /// Between events.
    Idle(S),
    /// Waiting for the next event.
    Waiting(NextEvent<S>),
    /// The source ended: the key's spend is being written before the closing frames.
    Settling(Pin<Box<dyn Future<Output = ()> + Send>>),
    /// The last frame has been produced.
    Done,
}

/// What a stream holds until it ends or the client leaves: its request slot and its virtual
/// key's lease (settled to the stream's usage before its last frame, so that the spend is on
/// disk when the client has the whole answer).
pub struct Held {
    /// The request slot.
    pub permit: OwnedSemaphorePermit,
    /// The key's lease, for a keyed request.
    pub lease: Option<Lease>,
}

/// The SSE body of one streamed response.
pub struct EventFrames<S, E> {
    shared: Arc<Shared>,
    /// Held until the response ends or the client leaves.
    _permit: OwnedSemaphorePermit,
    lease: Option<Lease>,
    encoder: E,
    started: Instant,
    first_token_seen: bool,
    /// Frames encoded but not yet handed to hyper.
    buffer: Vec<u8>,
    state: State<S>,
    observation: Observation,
    /// When a quiet stream gets its keep-alive frame (reset by every frame).
    keepalive: Pin<Box<tokio::time::Sleep>>,
}

impl<S: EventSource, E: Encoder> EventFrames<S, E> {
    /// The response for a stream whose `first` event has arrived (so the 200 is committed),
    /// the rest to come from `source`; `observation` is finished when the response ends.
    pub fn respond(
        shared: &Arc<Shared>,
        held: Held,
        encoder: E,
        first: Option<Delivery>,
        started: Instant,
        source: S,
        observation: Observation,
    ) -> Response<Body> {
        shared.metrics.stream_open(1);
        let mut frames = Self {
            shared: Arc::clone(shared),
            _permit: held.permit,
            lease: held.lease.map(|mut lease| {
                lease.streaming();
                lease
            }),
            encoder,
            started,
            first_token_seen: false,
            buffer: Vec::new(),
            state: State::Idle(source),
            observation,
            keepalive: Box::pin(tokio::time::sleep(KEEPALIVE_AFTER)),
        };
        frames.push(first);
        let mut response = Response::new(Body::Events(Box::pin(frames)));
        let headers = response.headers_mut();
        headers.insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/event-stream"));
        headers.insert(hyper::header::CACHE_CONTROL, hyper::header::HeaderValue::from_static("no-cache"));
        response
    }

    /// Encodes one delivery (`None`: the end of the stream) into the buffer.
    fn push(&mut self, delivery: Option<Delivery>) {
        let event = match delivery {
            None => {
                match self.lease.take() {
                    Some(lease) => self.state = State::Settling(Box::pin(lease.settle())),
                    None => self.done(),
                }
                return;
            }
            Some(Delivery::Chunk(chunk)) => return self.relay(chunk),
            Some(Delivery::Event(event)) => event,
        };
        if event.is_output() {
            self.first_output();
        }
        match &event {
            StreamEvent::Metadata { usage, .. } => {
                self.shared.metrics.tokens(usage.input_tokens, usage.output_tokens);
                self.observation.usage(usage);
                if let Some(lease) = &mut self.lease {
                    lease.observe(usage);
                }
            }
            StreamEvent::MessageStop(reason) => self.observation.finish_reason(reason),
            _ => {}
        }
        if let Some(frame) = self.encoder.event(event) {
            self.buffer.extend_from_slice(&frame);
        }
    }

    /// Relays one InvokeModel chunk through the encoder, accounting what it reports.
    fn relay(&mut self, chunk: Vec<u8>) {
        match self.encoder.relay_chunk(chunk) {
            Ok(relayed) => {
                if relayed.output {
                    self.first_output();
                }
                if let Some(usage) = &relayed.usage {
                    self.shared.metrics.tokens(usage.input_tokens, usage.output_tokens);
                    self.observation.usage(usage);
                    if let Some(lease) = &mut self.lease {
                        lease.observe(usage);
                    }
                }
                if let Some(finish) = &relayed.finish {
                    self.observation.finish_reason(finish);
                }
                self.buffer.extend_from_slice(&relayed.body);
            }
            Err(error) => self.fail(&error),
        }
    }

    /// The closing frames.
    fn done(&mut self) {
        self.buffer.extend_from_slice(&self.encoder.done());
        self.state = State::Done;
    }

    fn first_output(&mut self) {
        if !self.first_token_seen {
            self.first_token_seen = true;
            self.shared.metrics.first_token(self.started.elapsed());
            self.observation.first_token(self.started.elapsed());
        }
    }

    /// A failure after streaming began: one error frame, then the end.
    fn fail(&mut self, error: &HttpError) {
        self.observation.failed(error_class(error));
        let frame = self.encoder.error(error);
        self.buffer.extend_from_slice(&frame);
        self.state = State::Done;
    }
}

impl<S: EventSource, E: Encoder> SseFrames for EventFrames<S, E> {
    fn poll_frames(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        let this = self.get_mut();
        while this.buffer.len() < MAX_WRITE {
            match std::mem::replace(&mut this.state, State::Done) {
                State::Done => break,
                State::Idle(mut source) => {
                    this.state = State::Waiting(Box::pin(async move {
                        let next = source.next().await;
                        (source, next)
                    }));
                }
                State::Waiting(mut next) => match next.as_mut().poll(cx) {
                    Poll::Pending => {
                        this.state = State::Waiting(next);
                        break;
                    }
                    Poll::Ready((source, Ok(event))) => {
                        this.state = State::Idle(source);
                        this.push(event);
                    }
                    Poll::Ready((_source, Err(error))) => this.fail(&error),
                },
                State::Settling(mut settling) => match settling.as_mut().poll(cx) {
                    Poll::Pending => {
                        this.state = State::Settling(settling);
                        break;
                    }
                    Poll::Ready(()) => this.done(),
                },
            }
        }
        if this.buffer.is_empty() && matches!(this.state, State::Waiting(_)) && this.keepalive.as_mut().poll(cx).is_ready() {
            if let Some(frame) = this.encoder.keepalive() {
                this.buffer.extend_from_slice(&frame);
            }
            this.keepalive.as_mut().reset(tokio::time::Instant::now() + KEEPALIVE_AFTER);
            // Registers the new deadline's wake-up.
            let _ = this.keepalive.as_mut().poll(cx);
        }
        if !this.buffer.is_empty() {
            this.keepalive.as_mut().reset(tokio::time::Instant::now() + KEEPALIVE_AFTER);
            return Poll::Ready(Some(Bytes::from(std::mem::take(&mut this.buffer))));
        }
        match this.state {
            State::Done => Poll::Ready(None),
            State::Idle(_) | State::Waiting(_) | State::Settling(_) => Poll::Pending,
        }
    }
}

// Nothing in the body is pinned structurally (the pending future is boxed), so moving it is
// fine whatever the source is.
impl<S, E> Unpin for EventFrames<S, E> {}

impl<S, E> Drop for EventFrames<S, E> {
    fn drop(&mut self) {
        if !matches!(self.state, State::Done) {
            tracing::debug!("client went away; the stream is dropped");
            self.observation.failed(CLIENT_CLOSED);
        }
        self.shared.metrics.stream_open(-1);
        self.observation.take().finish(200);
    }
}
