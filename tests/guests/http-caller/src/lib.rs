//! A policy that sends its own HTTP requests through `wasi:http/outgoing-handler`, for the tests
//! of the host's signed HTTP: the config text handed to `load-config` is a command.
//! - `GET <url>`: sends a GET and reports the response status and the first 2000 bytes of the
//!   body as warnings (paths `status` and `body`);
//! - `GET <url> <name>=<value> ...`: also sets those headers (`authorization=...`,
//!   `x-amz-security-token=...`: the host must refuse them);
//! - any failure is one warning (path `error`) with the error's Debug text.
//!
//! Settings are marked `http-caller`; probe and chat are not offered.

use guest_kit::{
    ApiError, ChatRequest, ChatStream, ConfigSource, Diagnostic, DiscoverRequest, Discovery, Guest, ModelReference, NoChat,
    PolicyInfo, ProbeRequest, ProbeResult, Settings, chat_unsupported, discover_unsupported, finding, info, marked_settings,
    probe_unsupported,
};
use wasi::http::outgoing_handler;
use wasi::http::types::{Fields, IncomingResponse, Method, OutgoingBody, OutgoingRequest, Scheme};
use wasi::io::streams::StreamError;

/// How much of a response body is reported.
const BODY_LIMIT: usize = 2000;

struct HttpCaller;

impl Guest for HttpCaller {
    type ChatStream = NoChat;

    fn self_check() -> Result<PolicyInfo, String> {
        Ok(info("http-caller"))
    }

    fn load_config(source: ConfigSource) -> Result<Settings, Vec<Diagnostic>> {
        let findings = match run(source.text.as_deref().unwrap_or_default()) {
            Ok((status, body)) => vec![finding("status", status.to_string()), finding("body", body)],
            Err(error) => vec![finding("error", error)],
        };
        Ok(marked_settings("http-caller", findings))
    }

    fn parse_model_reference(text: String) -> Result<ModelReference, String> {
        Err(format!("http-caller does not parse {text}"))
    }

    fn probe(_request: ProbeRequest) -> ProbeResult {
        probe_unsupported("http-caller")
    }

    fn chat(_request: ChatRequest) -> Result<ChatStream, ApiError> {
        Err(chat_unsupported("http-caller"))
    }

    fn discover(_request: DiscoverRequest) -> Result<Discovery, ApiError> {
        Ok(discover_unsupported("http-caller"))
    }
}

/// Runs one command; the status and body, or the failure in words.
fn run(command: &str) -> Result<(u16, String), String> {
    let mut words = command.split_whitespace();
    let (Some("GET"), Some(url)) = (words.next(), words.next()) else {
        return Err(format!("expected `GET <url> [name=value ...]`, found {command:?}"));
    };
    let headers = Fields::new();
    for word in words {
        let Some((name, value)) = word.split_once('=') else { return Err(format!("expected a header `name=value`, found {word:?}")) };
        headers.append(name, value.as_bytes()).map_err(|error| format!("header {name}: {error:?}"))?;
    }
    let (scheme, authority, path) = split_url(url)?;
    let request = OutgoingRequest::new(headers);
    request.set_method(&Method::Get).map_err(|()| "set-method refused".to_string())?;
    request.set_scheme(Some(&scheme)).map_err(|()| "set-scheme refused".to_string())?;
    request.set_authority(Some(authority)).map_err(|()| format!("set-authority {authority:?} refused"))?;
    request.set_path_with_query(Some(path)).map_err(|()| format!("set-path-with-query {path:?} refused"))?;
    let body = request.body().map_err(|()| "body refused".to_string())?;
    let future = outgoing_handler::handle(request, None).map_err(|error| format!("handle: {error:?}"))?;
    OutgoingBody::finish(body, None).map_err(|error| format!("finish: {error:?}"))?;
    future.subscribe().block();
    let response = match future.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(error))) => return Err(format!("response: {error:?}")),
        Some(Err(())) => return Err("the response was taken twice".to_string()),
        None => return Err("the response is not ready after blocking".to_string()),
    };
    let status = response.status();
    Ok((status, read_body(response)?))
}

/// `http://host:port/path` into its scheme, authority and path (`/` when absent).
fn split_url(url: &str) -> Result<(Scheme, &str, &str), String> {
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (Scheme::Https, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (Scheme::Http, rest)
    } else {
        return Err(format!("expected an http:// or https:// URL, found {url:?}"));
    };
    Ok(match rest.find('/') {
        Some(slash) => (scheme, &rest[..slash], &rest[slash..]),
        None => (scheme, rest, "/"),
    })
}

/// The first [`BODY_LIMIT`] bytes of the body, as text (invalid UTF-8 replaced).
fn read_body(response: IncomingResponse) -> Result<String, String> {
    let body = response.consume().map_err(|()| "consume refused".to_string())?;
    let mut bytes = Vec::new();
    {
        let stream = body.stream().map_err(|()| "body stream refused".to_string())?;
        while bytes.len() < BODY_LIMIT {
            match stream.blocking_read((BODY_LIMIT - bytes.len()) as u64) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(error) => return Err(format!("reading the body: {error:?}")),
            }
        }
    }
    bytes.truncate(BODY_LIMIT);
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

guest_kit::export_policy!(HttpCaller);
