//! Half-closed requests are answered, and a client gone for good is still noticed.
//!
//! A client may send its request and then shut its write side (`shutdown(SHUT_WR)`: `nc -N`,
//! some health checkers and proxies): RFC 9112 §9.6 lets it, and it still reads the answer.
//! TCP shows that FIN exactly as it shows a client that closed its socket and left, so the
//! read side alone cannot tell the two apart. The gateway takes the FIN as a half-close:
//!
//! - [`PeerIo`] sits under hyper and keeps a FIN that arrives while a request is in flight to
//!   itself (hyper would drop the request as incomplete); hyper sees it once the response is
//!   sent, and closes the connection.
//! - A streamed response still notices a client that left: once the FIN is seen,
//!   [`Probed`] sends SSE comment lines (`:`, which every SSE client skips) now, shortly after,
//!   then every few seconds; to a closed socket the first draws a reset and the next fails, and
//!   the stream (and its upstream call) ends there.
//! - A whole response runs to its end (bounded by the upstream timeout): HTTP/1.1 has no way to
//!   write to a client before its response's head.
//!
//! A body still incomplete when the FIN arrives is cut short at once (`body.rs`): every byte the
//! client sent is already in hand by then.

use bytes::Bytes;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// When the probes of a stream go out after the client's FIN: at once, after the first delay,
/// then every `PROBE_EVERY`.
const PROBE_SECOND: Duration = Duration::from_millis(100);
const PROBE_EVERY: Duration = Duration::from_secs(2);

/// An SSE comment: no event for the client.
const PROBE: &[u8] = b":\n\n";

/// One connection's client, as its reads show it.
#[derive(Debug, Default)]
pub(super) struct Peer {
    state: Mutex<PeerState>,
    /// Told when the FIN arrives (for a body still being read).
    fin_arrived: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct PeerState {
    /// Requests being handled, their responses included.
    in_flight: usize,
    /// The client shut its write side (or left).
    fin: bool,
    /// hyper's read, parked on a FIN kept back while a request was in flight.
    reader: Option<Waker>,
    /// A stream waiting to hear of the FIN.
    stream: Option<Waker>,
}

impl Peer {
    fn lock(&self) -> MutexGuard<'_, PeerState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A request begins (hyper handed it to the service); it ends when the guard drops, which
    /// the response's body holds until it is sent.
    pub(super) fn begin(self: &Arc<Self>) -> InFlight {
        self.lock().in_flight += 1;
        InFlight(Arc::clone(self))
    }

    /// Whether the client's FIN has arrived.
    pub(super) fn fin_seen(&self) -> bool {
        self.lock().fin
    }

    /// Returns once the client's FIN has arrived.
    pub(super) async fn fin(&self) {
        loop {
            let arrived = self.fin_arrived.notified();
            if self.fin_seen() {
                return;
            }
            arrived.await;
        }
    }

    /// Whether the client's FIN arrived; if not, `waker` is woken when it does.
    fn fin_or_register(&self, waker: &Waker) -> bool {
        let mut state = self.lock();
        if !state.fin {
            state.stream = Some(waker.clone());
        }
        state.fin
    }
}

/// A request in flight on a connection ([`Peer::begin`]).
#[derive(Debug)]
pub(super) struct InFlight(Arc<Peer>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.in_flight == 0 {
            // A FIN kept back: hyper may now see it and close.
            if let Some(reader) = state.reader.take() {
                reader.wake();
            }
        }
    }
}

/// The connection's socket as hyper reads it: a FIN is kept back while a request is in flight.
pub(super) struct PeerIo<T> {
    inner: T,
    peer: Arc<Peer>,
}

impl<T> PeerIo<T> {
    pub(super) fn new(inner: T, peer: Arc<Peer>) -> Self {
        Self { inner, peer }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for PeerIo<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let asked = buf.remaining() > 0;
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        if asked && buf.filled().len() == before {
            let mut state = self.peer.lock();
            if !state.fin {
                state.fin = true;
                if let Some(stream) = state.stream.take() {
                    stream.wake();
                }
                self.peer.fin_arrived.notify_waiters();
            }
            if state.in_flight > 0 {
                state.reader = Some(cx.waker().clone());
                return Poll::Pending;
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for PeerIo<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A response body that keeps its request in flight until sent, and that probes a client whose
/// FIN arrived during a stream.
pub(super) struct Probed<B> {
    body: B,
    /// Streams probe; whole bodies never do.
    streams: bool,
    _in_flight: InFlight,
    peer: Arc<Peer>,
    next_probe: Option<Pin<Box<tokio::time::Sleep>>>,
    probes: u32,
}

impl<B> Probed<B> {
    pub(super) fn new(body: B, streams: bool, in_flight: InFlight) -> Self {
        let peer = Arc::clone(&in_flight.0);
        Self { body, streams, _in_flight: in_flight, peer, next_probe: None, probes: 0 }
    }
}

impl<B> http_body::Body for Probed<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.body).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        if !self.streams || !self.peer.fin_or_register(cx.waker()) {
            return Poll::Pending;
        }
        let due = self.next_probe.get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::ZERO)));
        ready!(due.as_mut().poll(cx));
        self.probes += 1;
        let after = if self.probes == 1 { PROBE_SECOND } else { PROBE_EVERY };
        if let Some(due) = self.next_probe.as_mut() {
            due.as_mut().reset(tokio::time::Instant::now() + after);
        }
        Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from_static(PROBE)))))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        if self.streams { http_body::SizeHint::default() } else { self.body.size_hint() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    #[tokio::test]
    async fn a_fin_is_kept_back_while_a_request_is_in_flight() {
        let (client, server) = tokio::io::duplex(64);
        let peer = Arc::new(Peer::default());
        let mut io = PeerIo::new(server, Arc::clone(&peer));
        let (mut client_read, mut client_write) = tokio::io::split(client);
        client_write.write_all(b"GET / HTTP/1.1\r\n\r\n").await.expect("write");
        let in_flight = peer.begin();
        client_write.shutdown().await.expect("half-close");
        let mut buffer = [0u8; 64];
        let read = io.read(&mut buffer).await.expect("read");
        assert_eq!(&buffer[..read], b"GET / HTTP/1.1\r\n\r\n");
        // The FIN is kept back while the request is in flight...
        let held = tokio::time::timeout(Duration::from_millis(50), io.read(&mut buffer)).await;
        assert!(held.is_err(), "hyper saw the FIN mid-request");
        // ...and the answer still reaches the client.
        io.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.expect("answer");
        let mut answer = [0u8; 64];
        let got = client_read.read(&mut answer).await.expect("read answer");
        assert_eq!(&answer[..got], b"HTTP/1.1 200 OK\r\n\r\n");
        drop(in_flight);
        let read = tokio::time::timeout(Duration::from_secs(5), io.read(&mut buffer)).await.expect("the FIN once idle").expect("read");
        assert_eq!(read, 0);
    }

    #[tokio::test]
    async fn a_fin_with_nothing_in_flight_closes_at_once() {
        let (client, server) = tokio::io::duplex(64);
        let mut io = PeerIo::new(server, Arc::new(Peer::default()));
        drop(client);
        let mut buffer = [0u8; 8];
        assert_eq!(io.read(&mut buffer).await.expect("read"), 0);
    }
}
