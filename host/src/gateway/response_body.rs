//! The body of every gateway response: a whole body (JSON, text), or the frames of a streamed
//! one, produced as hyper polls ([`super::call::stream`]).

use bytes::Bytes;
use std::pin::Pin;
use std::task::{Context, Poll};

/// What [`Body::Events`] polls: a streamed response's frames.
pub trait SseFrames: Send {
    /// Every frame ready now, as one chunk; `None` once the stream has ended.
    fn poll_frames(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Bytes>>;
}

/// A response body: whole, or the SSE frames of a streamed response.
pub enum Body {
    /// A whole body (taken on the first poll).
    Full(Option<Bytes>),
    /// Frames produced as hyper polls.
    Events(Pin<Box<dyn SseFrames>>),
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Full(bytes) => f.debug_tuple("Full").field(&bytes.as_ref().map(Bytes::len)).finish(),
            Self::Events(_) => f.write_str("Events"),
        }
    }
}

impl Body {
    /// A whole body.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        Self::Full(Some(bytes.into()))
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            Self::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(http_body::Frame::data(b)))),
            Self::Events(frames) => frames.as_mut().poll_frames(cx).map(|frame| frame.map(|b| Ok(http_body::Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Self::Full(None))
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self {
            Self::Full(Some(bytes)) => http_body::SizeHint::with_exact(bytes.len() as u64),
            Self::Full(None) => http_body::SizeHint::with_exact(0),
            Self::Events(_) => http_body::SizeHint::default(),
        }
    }
}
