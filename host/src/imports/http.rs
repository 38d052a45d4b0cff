//! `wasi:http/outgoing-handler` for policies: only to Bedrock, authenticated by the host.
//!
//! A policy may send its own Bedrock request (an operation the typed imports do not cover).
//! The host refuses every destination that is not a Bedrock endpoint, refuses guest-set
//! `authorization` and `x-amz-*` headers, and signs the request at send time, so the guest
//! never sees a credential or an auth header.

use crate::capability::BedrockAccess;
use http_body_util::{BodyExt, Full, Limited};
use std::future::Future;
use std::sync::Arc;
use wasmtime_wasi_http::p2::bindings::http::types::ErrorCode;
use wasmtime_wasi_http::{DEFAULT_FORBIDDEN_HEADERS, Error, ForbiddenHeaderFilter, RequestOptions, WasiBody, WasiHttpHooks};

/// Largest request body a policy may send (bodies are buffered to be signed).
const MAX_REQUEST_BODY_BYTES: usize = 8 << 20;

/// The hooks of one instance: what it may reach and who signs for it.
pub(crate) struct PolicyHttpHooks {
    bedrock: Option<Arc<dyn BedrockAccess>>,
}

impl PolicyHttpHooks {
    pub(crate) fn new(bedrock: Option<Arc<dyn BedrockAccess>>) -> Self {
        Self { bedrock }
    }
}

/// Headers a policy may not set: the ones wasi-http forbids anyway, and every header that
/// carries or shapes authentication.
fn is_forbidden(name: &http::HeaderName) -> bool {
    name == http::header::AUTHORIZATION || name.as_str().starts_with("x-amz-") || DEFAULT_FORBIDDEN_HEADERS.contains(name)
}

fn denied(reason: &str) -> Error {
    tracing::warn!(target: "policy", "refused a policy's HTTP request: {reason}");
    Error::from(ErrorCode::HttpRequestDenied)
}

type ResponseFuture = Box<dyn Future<Output = Result<(), Error>> + Send>;

impl WasiHttpHooks for PolicyHttpHooks {
    fn forbidden_header_filter(&mut self) -> ForbiddenHeaderFilter {
        Arc::new(is_forbidden)
    }

    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _response_done: ResponseFuture,
    ) -> Box<dyn Future<Output = Result<(http::Response<WasiBody>, ResponseFuture), Error>> + Send> {
        let bedrock = self.bedrock.clone();
        Box::new(async move {
            let Some(bedrock) = bedrock else {
                return Err(denied("this host gives policies no Bedrock access"));
            };
            let scheme = request.uri().scheme_str().unwrap_or("https").to_string();
            let authority = request.uri().authority().map(|a| a.as_str().to_string()).unwrap_or_default();
            if !bedrock.is_bedrock_endpoint(&scheme, &authority) {
                return Err(denied(&format!("{scheme}://{authority} is not a Bedrock endpoint")));
            }
            // wasi-http already refuses forbidden headers when the guest sets them; this second
            // look guards the signature. `host` is set by wasi-http itself (and re-set on signing).
            if let Some(name) = request.headers().keys().find(|name| *name != http::header::HOST && is_forbidden(name)) {
                return Err(denied(&format!("the policy set the `{name}` header")));
            }
            let (parts, body) = request.into_parts();
            let body = match Limited::new(body, MAX_REQUEST_BODY_BYTES).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(_) => return Err(denied("the request body is unreadable or larger than 8 MiB")),
            };
            let mut buffered = http::Request::from_parts(parts, body);
            if let Err(error) = bedrock.authenticate(&mut buffered).await {
                return Err(denied(&format!("cannot authenticate it: {error}")));
            }
            let (parts, body) = buffered.into_parts();
            let signed = http::Request::from_parts(parts, Full::new(body).map_err(|never: std::convert::Infallible| match never {}).boxed_unsync());
            let (response, io) = wasmtime_wasi_http::default_send_request(signed, options).await?;
            Ok((response.map(BodyExt::boxed_unsync), Box::new(io) as ResponseFuture))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::is_forbidden;

    #[test]
    fn auth_headers_are_forbidden() {
        let cases = [
            ("authorization", true),
            ("Authorization", true),
            ("x-amz-date", true),
            ("x-amz-security-token", true),
            ("X-Amz-Content-Sha256", true),
            ("host", true),
            ("content-type", false),
            ("accept", false),
            ("x-amzn-bedrock-trace", false),
        ];
        for (name, forbidden) in cases {
            let header = http::HeaderName::from_bytes(name.as_bytes()).expect("valid header name");
            assert_eq!(is_forbidden(&header), forbidden, "{name}");
        }
    }
}
