//! Request bodies read under bounds: a size limit checked before buffering (the declared
//! length, then every frame), a deadline for the whole body, and a memory budget shared by every
//! body being read, so that slow clients cannot hold much memory or any slot for long.

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

mod encoding;

/// The bounds every request body is read under, handed to handlers in the request's
/// extensions by [`super::Gateway::serve`].
#[derive(Debug, Clone)]
pub(super) struct BodyLimits {
    /// The whole body must arrive within this.
    pub deadline: Duration,
    /// Bytes of bodies that may be buffered at once, across requests.
    pub budget: Arc<Semaphore>,
    /// Conversions that may run on the blocking pool at once.
    pub conversions: Arc<Semaphore>,
    /// The connection's client, when the request came through `Gateway::serve`: a body still
    /// incomplete once the client shut its side is cut short, not waited for.
    pub peer: Option<Arc<super::half_close::Peer>>,
}

impl BodyLimits {
    /// Limits with a deadline and a budget of `memory` bytes (at least one largest body).
    pub(super) fn new(deadline: Duration, memory: usize, max_body: usize) -> Self {
        let permits = memory.max(max_body).min(Semaphore::MAX_PERMITS);
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let conversions = Arc::new(Semaphore::new(cores.saturating_sub(1).max(1)));
        Self { deadline, budget: Arc::new(Semaphore::new(permits)), conversions, peer: None }
    }

    /// These limits for a request on the connection of `peer`.
    pub(super) fn on_connection(&self, peer: &Arc<super::half_close::Peer>) -> Self {
        Self { peer: Some(Arc::clone(peer)), ..self.clone() }
    }
}

/// Why a body was not read.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum BodyError {
    /// Larger than the limit (declared or sent).
    TooLarge,
    /// Not all there before the deadline.
    Timeout(Duration),
    /// The memory budget for bodies is spent: other bodies are being read.
    Busy,
    /// The connection failed mid-body.
    Unreadable,
    /// The client shut its side before the whole body arrived.
    CutShort,
}

impl BodyError {
    /// The response: 413, 408, 503 or 400.
    pub(super) fn into_http(self, max: usize) -> super::HttpError {
        use super::HttpError;
        match self {
            Self::TooLarge => HttpError::new(413, "invalid_request_error", format!("the body is larger than {max} bytes")).with_code("request_too_large"),
            Self::Timeout(deadline) => HttpError::new(408, "invalid_request_error", format!("the request body did not arrive within {} s", deadline.as_secs()))
                .with_code("request_timeout"),
            Self::Busy => HttpError::busy(),
            Self::Unreadable => HttpError::new(400, "invalid_request_error", "the request body could not be read"),
            Self::CutShort => HttpError::new(400, "invalid_request_error", "the client shut its side of the connection before the whole body arrived"),
        }
    }
}

/// A body read whole, with its share of the budget (released on drop).
pub(super) struct ReadBody {
    pub bytes: Bytes,
    _reserved: Option<OwnedSemaphorePermit>,
}

/// Bodies up to this size, sent without a content coding, are parsed and converted on the
/// async worker that read them: that costs microseconds. Larger or encoded ones go to the
/// blocking pool, one conversion slot per spare core, so no request's conversion can keep the
/// async workers (and `/healthz`) waiting.
const INLINE_CONVERSION: usize = 64 << 10;

/// A request's body as JSON, converted by `convert`, for every JSON route: the Content-Type must
/// be JSON (415), a Content-Encoding one the gateway decodes (415, [`encoding`]), the body at
/// most `max` bytes sent and decoded (413) within the bounds `Gateway::serve` hands every request
/// (a request from elsewhere gets its own), and valid JSON (400 `invalid_json`).
///
/// A client that leaves while its conversion waits for a slot never gets converted; one that
/// leaves mid-conversion costs at most the conversion's bound (`request_bounds.rs`).
pub(super) async fn read_converted<T, F>(request: hyper::Request<hyper::body::Incoming>, max: usize, convert: F) -> Result<T, super::HttpError>
where
    T: Send + 'static,
    F: FnOnce(serde_json::Value) -> Result<T, super::HttpError> + Send + 'static,
{
    use super::HttpError;
    let headers = request.headers();
    if let Some(content_type) = headers.get(hyper::header::CONTENT_TYPE) {
        let media = content_type.to_str().unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if media != "application/json" {
            return Err(
                HttpError::new(415, "invalid_request_error", "the body must be JSON (Content-Type: application/json)").with_code("unsupported_media_type")
            );
        }
    }
    let codings = encoding::codings(headers.get(hyper::header::CONTENT_ENCODING).map(|v| v.as_bytes())).map_err(encoding_error)?;
    let declared = headers.get(hyper::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let limits = request.extensions().get::<BodyLimits>().cloned().unwrap_or_else(|| BodyLimits::new(Duration::from_secs(60), max, max));
    let body = read(request.into_body(), declared, max, &limits).await.map_err(|e| e.into_http(max))?;
    // A virtual key's prompt bound is the body's decoded length (gateway/keys.rs).
    let keyed = super::keys::current();
    super::keys::note_body(keyed.as_deref(), body.bytes.len());
    if codings.is_empty() && body.bytes.len() <= INLINE_CONVERSION {
        return convert(parse_json(&body.bytes)?);
    }
    let slot = Arc::clone(&limits.conversions).acquire_owned().await.map_err(|_| HttpError::busy())?;
    // Set when this future is dropped (the client left): a conversion not yet begun is skipped.
    let abandoned = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let _abandon_on_drop = AbandonOnDrop(Arc::clone(&abandoned));
    let budget = Arc::clone(&limits.budget);
    let job = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        if abandoned.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(HttpError::new(499, "invalid_request_error", "the client left before its request was converted"));
        }
        let sent = body.bytes.len();
        let decoded = encoding::decode(body.bytes.clone(), &codings, max).map_err(encoding_error)?;
        super::keys::note_body(keyed.as_deref(), decoded.len());
        // The decoded bytes beyond what was sent take their share of the body budget too.
        let _decoded_share = match u32::try_from(decoded.len().saturating_sub(sent)) {
            Ok(0) => None,
            Ok(extra) => Some(budget.try_acquire_many_owned(extra).map_err(|_| HttpError::busy())?),
            Err(_) => return Err(BodyError::TooLarge.into_http(max)),
        };
        drop(body);
        convert(parse_json(&decoded)?)
    });
    job.await.map_err(|error| HttpError::new(500, "api_error", format!("the request's conversion failed: {error}")))?
}

fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, super::HttpError> {
    serde_json::from_slice(bytes)
        .map_err(|error| super::HttpError::new(400, "invalid_request_error", format!("the body is not valid JSON: {error}")).with_code("invalid_json"))
}

fn encoding_error(error: encoding::EncodingError) -> super::HttpError {
    use encoding::EncodingError;
    let status = match error {
        EncodingError::Unsupported(_) | EncodingError::TooManyLayers(_) => 415,
        EncodingError::TooLarge { .. } => 413,
        EncodingError::Corrupt { .. } => 400,
    };
    let code = match status {
        415 => "unsupported_media_type",
        413 => "request_too_large",
        _ => "invalid_encoding",
    };
    super::HttpError::new(status, "invalid_request_error", error.to_string()).with_code(code)
}

/// Marks a conversion abandoned when the request's future is dropped.
struct AbandonOnDrop(Arc<std::sync::atomic::AtomicBool>);

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Reads a body of at most `max` bytes (`declared` is its Content-Length, if any) within the
/// deadline and the shared budget.
pub(super) async fn read<B>(body: B, declared: Option<u64>, max: usize, limits: &BodyLimits) -> Result<ReadBody, BodyError>
where
    B: http_body::Body<Data = Bytes> + Unpin + Send + 'static,
{
    if let Some(length) = declared.filter(|length| *length > max as u64) {
        // Refused before reading; the rest of the body is read and thrown away (bounded) while
        // the 413 goes out, so the client finishes sending and reads the answer: closing with
        // its bytes unread would reset the connection and could lose the 413 on the way.
        tokio::spawn(discard(body, length.min(DISCARD_MAX), DISCARD_DEADLINE));
        return Err(BodyError::TooLarge);
    }
    let deadline = limits.deadline;
    match tokio::time::timeout(deadline, collect(body, declared, max, limits)).await {
        Ok(result) => result,
        Err(_) => Err(BodyError::Timeout(deadline)),
    }
}

/// Most bytes of a refused body read and thrown away, and for how long, before the connection
/// is closed anyway.
const DISCARD_MAX: u64 = 16 << 20;
const DISCARD_DEADLINE: Duration = Duration::from_secs(2);

/// Reads and drops up to `limit` bytes of `body` within `deadline`; nothing is kept.
async fn discard<B>(mut body: B, limit: u64, deadline: Duration)
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    let _ = tokio::time::timeout(deadline, async move {
        let mut seen: u64 = 0;
        while seen < limit {
            match body.frame().await {
                Some(Ok(frame)) => seen += frame.data_ref().map_or(0, |data| data.len() as u64),
                Some(Err(_)) | None => break,
            }
        }
    })
    .await;
}

async fn collect<B>(mut body: B, declared: Option<u64>, max: usize, limits: &BodyLimits) -> Result<ReadBody, BodyError>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    // A declared length reserves its bytes up front: a client cannot start what the budget
    // cannot hold. Without one, every frame reserves what it adds.
    let mut reserved: Option<OwnedSemaphorePermit> = None;
    let reserve = |bytes: usize, reserved: &mut Option<OwnedSemaphorePermit>| -> Result<(), BodyError> {
        if bytes == 0 {
            return Ok(());
        }
        let permits = u32::try_from(bytes).map_err(|_| BodyError::TooLarge)?;
        let permit = Arc::clone(&limits.budget).try_acquire_many_owned(permits).map_err(|_| BodyError::Busy)?;
        match reserved {
            Some(held) => held.merge(permit),
            None => *reserved = Some(permit),
        }
        Ok(())
    };
    let mut covered = match declared {
        Some(length) => {
            let length = usize::try_from(length).map_err(|_| BodyError::TooLarge)?;
            reserve(length, &mut reserved)?;
            length
        }
        None => 0,
    };
    let mut buffer = BytesMut::with_capacity(covered);
    while let Some(frame) = next_frame(&mut body, limits.peer.as_deref()).await? {
        let frame = frame.map_err(|_| BodyError::Unreadable)?;
        let Ok(data) = frame.into_data() else { continue };
        let total = buffer.len() + data.len();
        if total > max {
            return Err(BodyError::TooLarge);
        }
        if total > covered {
            reserve(total - covered, &mut reserved)?;
            covered = total;
        }
        buffer.extend_from_slice(&data);
    }
    Ok(ReadBody { bytes: buffer.freeze(), _reserved: reserved })
}

/// Once the client's FIN is seen, every byte it sent is in hyper's buffer (a frame of it is a poll
/// away, unless the machine is starved): a frame that does not
/// follow within this is never coming.
const AFTER_FIN: Duration = Duration::from_secs(2);

/// The body's next frame; a body that stalls after the client shut its side is cut short.
async fn next_frame<B>(body: &mut B, peer: Option<&super::half_close::Peer>) -> Result<Option<Result<http_body::Frame<Bytes>, B::Error>>, BodyError>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    let Some(peer) = peer else { return Ok(body.frame().await) };
    if !peer.fin_seen() {
        tokio::select! {
            frame = body.frame() => return Ok(frame),
            () = peer.fin() => {}
        }
    }
    tokio::time::timeout(AFTER_FIN, body.frame()).await.map_err(|_| BodyError::CutShort)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;
    use hyper::body::Frame;

    fn limits(memory: usize) -> BodyLimits {
        BodyLimits::new(Duration::from_secs(60), memory, 8)
    }

    #[tokio::test]
    async fn bodies_are_read_within_size_and_budget() {
        let body = || Full::new(Bytes::from_static(b"12345678"));
        // (declared length, size limit, budget, outcome)
        type Case = (Option<u64>, usize, usize, Result<&'static [u8], BodyError>);
        let cases: [Case; 5] = [
            (Some(8), 8, 8, Ok(b"12345678")),
            (None, 8, 8, Ok(b"12345678")),
            (Some(9), 8, 64, Err(BodyError::TooLarge)),
            (None, 7, 64, Err(BodyError::TooLarge)),
            (Some(8), 8, 0, Ok(b"12345678")),
        ];
        for (declared, max, memory, expected) in cases {
            let outcome = read(body(), declared, max, &BodyLimits::new(Duration::from_secs(60), memory, max)).await;
            assert_eq!(outcome.map(|read| read.bytes.to_vec()), expected.map(<[u8]>::to_vec), "{declared:?} {max} {memory}");
        }
    }

    #[tokio::test]
    async fn a_spent_budget_refuses_more_until_released() {
        let limits = limits(8);
        let first = read(Full::new(Bytes::from_static(b"12345678")), Some(8), 8, &limits).await.expect("fits");
        let second = read(Full::new(Bytes::from_static(b"1")), Some(1), 8, &limits).await;
        assert_eq!(second.err(), Some(BodyError::Busy));
        drop(first);
        assert!(read(Full::new(Bytes::from_static(b"1")), Some(1), 8, &limits).await.is_ok());
    }

    #[tokio::test]
    async fn a_stalled_body_times_out_and_releases_its_share() {
        // The body never completes: only the deadline can end the read.
        let limits = BodyLimits::new(Duration::from_millis(50), 8, 8);
        let outcome = read(Stalls { sent: false }, Some(8), 8, &limits).await;
        assert_eq!(outcome.err(), Some(BodyError::Timeout(Duration::from_millis(50))));
        assert_eq!(limits.budget.available_permits(), 8);
    }

    /// A body that sends one byte and then never another.
    struct Stalls {
        sent: bool,
    }

    impl http_body::Body for Stalls {
        type Data = Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            if std::mem::replace(&mut self.sent, true) {
                return std::task::Poll::Pending;
            }
            std::task::Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"1")))))
        }
    }
}
