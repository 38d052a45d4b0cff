//! The hyper accept loop, TLS, routing, and turning replies (with their faults) into responses.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited, combinators::UnsyncBoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, watch};
use tokio_rustls::TlsAcceptor;

use crate::errors::ApiError;
use crate::faults::{Fault, FaultTarget, RequestLogEntry};
use crate::reply::{Reply, ReplyBody, request_id};
use crate::routes::{self, RouteKind};
use crate::sigv4::RequestParts;
use crate::state::State;

/// Bedrock's request size limit; larger bodies are refused before routing.
const MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

/// The response body: whole, or frames fed by a writer task.
pub type ResponseBody = UnsyncBoxBody<Bytes, io::Error>;

/// A body fed from a channel, so a task can pace, corrupt or cut an event stream.
struct ChannelBody {
    frames: mpsc::Receiver<Result<Bytes, io::Error>>,
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        self.frames.poll_recv(cx).map(|next| next.map(|item| item.map(Frame::data)))
    }
}

/// Accepts connections until `shutdown` turns true.
pub async fn accept_loop(listener: TcpListener, state: Arc<State>, tls: Option<TlsAcceptor>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        match accepted {
            Ok((tcp, _)) => {
                // Event frames go out one by one: without TCP_NODELAY, Nagle's algorithm and the
                // client's delayed ACK hold the second frame ~40 ms, which Bedrock does not do.
                let _ = tcp.set_nodelay(true);
                let (state, tls, shutdown) = (state.clone(), tls.clone(), shutdown.clone());
                tokio::spawn(async move {
                    if let Err(error) = serve_connection(tcp, state, tls, shutdown).await {
                        tracing::debug!(%error, "connection ended with an error");
                    }
                });
            }
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn serve_connection(tcp: TcpStream, state: Arc<State>, tls: Option<TlsAcceptor>, shutdown: watch::Receiver<bool>) -> io::Result<()> {
    // Keep a duplicate of the socket so a `connection_reset` fault can set SO_LINGER=0 and close
    // it with an RST while hyper still owns the stream.
    let std_stream = tcp.into_std()?;
    let socket = std_stream.try_clone()?;
    let tcp = TcpStream::from_std(std_stream)?;
    let reset = Arc::new(Notify::new());
    match tls {
        Some(acceptor) => {
            let stream = acceptor.accept(tcp).await?;
            drive(TokioIo::new(stream), state, reset, shutdown, &socket).await
        }
        None => drive(TokioIo::new(tcp), state, reset, shutdown, &socket).await,
    }
    Ok(())
}

async fn drive<IO>(io: IO, state: Arc<State>, reset: Arc<Notify>, mut shutdown: watch::Receiver<bool>, socket: &std::net::TcpStream)
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service_reset = reset.clone();
    let service = hyper::service::service_fn(move |request| {
        let (state, reset) = (state.clone(), service_reset.clone());
        async move { Ok::<_, Infallible>(handle(state, reset, request).await) }
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection(io, service);
    tokio::select! {
        result = connection => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection closed");
            }
        }
        _ = reset.notified() => {
            if let Err(error) = socket2::SockRef::from(socket).set_linger(Some(Duration::ZERO)) {
                tracing::warn!(%error, "cannot arm the connection reset");
            }
        }
        _ = shutdown.changed() => {}
    }
}

async fn handle(state: Arc<State>, reset: Arc<Notify>, request: Request<Incoming>) -> Response<ResponseBody> {
    let started = Instant::now();
    let (head, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => {
            let too_large = error.downcast_ref::<http_body_util::LengthLimitError>().is_some();
            let api_error = if too_large {
                ApiError::new(413, "ValidationException", "Input is too long for requested model.")
            } else {
                ApiError::validation("The request body could not be read.")
            };
            return into_response(Reply::from(api_error), None);
        }
    };
    let mut headers: Vec<(String, String)> =
        head.headers.iter().map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
    if !headers.iter().any(|(k, _)| k == "host")
        && let Some(authority) = head.uri.authority()
    {
        headers.push(("host".into(), authority.to_string()));
    }
    let parts = RequestParts {
        method: head.method.as_str().to_string(),
        raw_path: head.uri.path().to_string(),
        raw_query: head.uri.query().unwrap_or("").to_string(),
        headers,
        body: body.to_vec(),
    };
    let route = routes::route(&parts);
    if let RouteKind::Control = route.kind {
        return into_response(crate::control_api::handle(&state, &parts), None);
    }
    let mut entry = RequestLogEntry {
        method: parts.method.clone(),
        path: parts.raw_path.clone(),
        operation: route.operation.clone(),
        model_id: route.model.clone(),
        auth_scheme: crate::faults::AuthScheme::None,
        access_key_id: None,
        signed_region: None,
        signed_service: None,
        session_token_present: false,
        status: 0,
        fault: None,
        body: logged_body(route.kind, &parts.body),
        guardrail: crate::guardrails::named_in_headers(&parts.headers),
    };
    let outcome = routes::authorize(&state, &route, &parts, SystemTime::now());
    if let Some(info) = &outcome.info {
        entry.auth_scheme = info.scheme;
        entry.access_key_id = info.access_key_id.clone();
        entry.signed_region = info.region.clone();
        entry.signed_service = info.service.clone();
        entry.session_token_present = info.session_token_present;
    }
    if let Err(error) = outcome.result {
        let reply = routes::error_reply(&route, error);
        entry.status = reply.status;
        state.log.record(entry);
        return into_response(reply, None);
    }
    let resolved = route.model.as_deref().and_then(|m| state.catalog.resolve(m).ok()).map(|t| t.model_id);
    let mut models: Vec<&str> = route.model.iter().map(String::as_str).collect();
    models.extend(resolved.as_deref());
    let fault = state.faults.take(FaultTarget { operation: &route.operation, models: &models, streaming: route.streaming });
    entry.fault = fault.as_ref().map(|f| f.kind_name().to_string());
    let reply = match &fault {
        Some(Fault::ConnectionReset) => {
            state.log.record(entry);
            reset.notify_one();
            return std::future::pending().await;
        }
        Some(Fault::Hang) => {
            state.log.record(entry);
            return std::future::pending().await;
        }
        Some(Fault::Hold) => {
            state.faults.hold().await;
            routes::dispatch(&state, &route, &parts, outcome.principal.as_deref(), started)
        }
        Some(Fault::DelayHeaders { ms }) => {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
            routes::dispatch(&state, &route, &parts, outcome.principal.as_deref(), started)
        }
        Some(fault @ Fault::HttpError { .. }) => routes::error_reply(&route, fault.api_error().unwrap_or_else(|| ApiError::from_type(""))),
        _ => routes::dispatch(&state, &route, &parts, outcome.principal.as_deref(), started),
    };
    entry.status = reply.status;
    state.log.record(entry);
    let stream_fault = fault.filter(Fault::stream_only);
    into_response_with(reply, stream_fault, Some(&state))
}

/// The body the log keeps: Bedrock operations' only. STS and the credential endpoints are left
/// out because their bodies can carry a web identity token.
fn logged_body(kind: RouteKind, body: &[u8]) -> Option<String> {
    match kind {
        RouteKind::Sts | RouteKind::Imds | RouteKind::Container | RouteKind::SsoPortal | RouteKind::Control => None,
        _ => Some(String::from_utf8_lossy(body).into_owned()),
    }
}

fn into_response(reply: Reply, fault: Option<Fault>) -> Response<ResponseBody> {
    into_response_with(reply, fault, None)
}

fn into_response_with(reply: Reply, fault: Option<Fault>, state: Option<&Arc<State>>) -> Response<ResponseBody> {
    let mut builder = Response::builder().status(reply.status).header("x-amzn-RequestId", request_id());
    for (name, value) in &reply.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let body: ResponseBody = match reply.body {
        ReplyBody::Full(bytes) => Full::new(bytes).map_err(|never| match never {}).boxed_unsync(),
        ReplyBody::Events(frames) => {
            let (sender, receiver) = mpsc::channel(4);
            tokio::spawn(write_events(frames, fault, sender, state.cloned()));
            ChannelBody { frames: receiver }.boxed_unsync()
        }
    };
    builder.body(body).unwrap_or_else(|error| {
        tracing::error!(%error, "could not build a response");
        let mut response = Response::new(Full::new(Bytes::new()).map_err(|never| match never {}).boxed_unsync());
        *response.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        response
    })
}

/// Sends the frames of an event stream, applying a stream fault.
async fn write_events(frames: Vec<Bytes>, fault: Option<Fault>, sender: mpsc::Sender<Result<Bytes, io::Error>>, state: Option<Arc<State>>) {
    for (index, frame) in frames.iter().enumerate() {
        let mut frame = frame.clone();
        match &fault {
            Some(Fault::HoldAfter { events }) if *events == index => {
                if let Some(state) = &state {
                    state.faults.hold().await;
                }
            }
            Some(Fault::DelayEvents { ms }) if index > 0 => tokio::time::sleep(Duration::from_millis(*ms)).await,
            Some(Fault::ExceptionAfter { events, exception_type, message }) if *events == index => {
                let message = message.clone().unwrap_or_else(|| format!("Injected {exception_type}."));
                let _ = sender.send(Ok(crate::eventstream::exception_frame(exception_type, &message))).await;
                return;
            }
            Some(Fault::TruncateAfter { events }) if *events == index => {
                let _ = sender.send(Ok(frame.slice(..frame.len() / 2))).await;
                abort_after_flush(&sender).await;
                return;
            }
            Some(Fault::CorruptCrc { event }) if *event == index => {
                let mut bytes = frame.to_vec();
                if let Some(last) = bytes.last_mut() {
                    *last ^= 0xFF;
                }
                frame = Bytes::from(bytes);
            }
            _ => {}
        }
        if sender.send(Ok(frame)).await.is_err() {
            // The client went away mid-stream: count it so tests can see the upstream call end.
            if let Some(state) = &state {
                state.log.stream_ended(true);
            }
            return;
        }
    }
    if let Some(state) = &state {
        state.log.stream_ended(false);
    }
    match &fault {
        Some(Fault::ExceptionAfter { exception_type, message, .. }) => {
            let message = message.clone().unwrap_or_else(|| format!("Injected {exception_type}."));
            let _ = sender.send(Ok(crate::eventstream::exception_frame(exception_type, &message))).await;
        }
        Some(Fault::TruncateAfter { .. }) => abort_after_flush(&sender).await,
        _ => {}
    }
}

/// Ends the body with an error, which makes hyper drop the connection mid-body. The pause first
/// lets hyper flush what was already sent, so the client sees the whole frames and the cut.
async fn abort_after_flush(sender: &mpsc::Sender<Result<Bytes, io::Error>>) {
    tokio::time::sleep(Duration::from_millis(50)).await;
    let _ = sender.send(Err(io::Error::new(io::ErrorKind::ConnectionAborted, "stream truncated by an injected fault"))).await;
}
