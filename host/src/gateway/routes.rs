//! The route table: which API answers a request. One line per client API ([`APIS`]); each API
//! lists its own endpoints and the error shape its clients read, so a new API is a new folder
//! and one line here (issue 22), and nothing in the server front or the call layer changes.
//!
//! Dispatch, for every request: find the endpoint (path, then method); check the client key
//! unless the endpoint is open; answer a wrong method with 405 and an unknown path with 404, in
//! the shape of the API whose paths it is under (Anthropic's for `/v1/messages/...`).

use super::api::{Access, Api, Endpoint};
use super::call::ErrorShape;
use super::errors::HttpError;
use super::{anthropic, bedrock, embeddings, keys, models, openai, ops};
use hyper::Method;
use std::sync::LazyLock;

/// Every client API the gateway serves, one line each.
pub(super) static APIS: [&Api; 8] =
    [&openai::chat::API, &openai::responses::API, &embeddings::API, &models::API, &anthropic::API, &bedrock::API, &ops::API, &keys::admin::API];

/// Where a request goes: an endpoint by its index in [`labels`], or the error to answer and the
/// shape to answer it in.
pub(super) enum Dispatch {
    /// Serve it (after the access check) with this endpoint.
    Serve { index: usize, endpoint: &'static Endpoint, shape: ErrorShape },
    /// No endpoint takes it; `access` is the path's (a probe's wrong method needs no key), for
    /// an unknown path the client key's.
    Refuse { shape: ErrorShape, error: HttpError, access: Access },
}

/// Every endpoint in table order, numbered: the metrics keep one latency series per endpoint.
static ENDPOINTS: LazyLock<Vec<(&'static Endpoint, ErrorShape)>> =
    LazyLock::new(|| APIS.iter().flat_map(|api| api.endpoints.iter().map(|endpoint| (endpoint, api.shape))).collect());

/// The route labels metrics are kept by, in the order of [`Dispatch::Serve`]'s `index`, and
/// `other` last (for what no endpoint took).
pub(super) fn labels() -> &'static [&'static str] {
    static LABELS: LazyLock<Vec<&'static str>> = LazyLock::new(|| ENDPOINTS.iter().map(|(endpoint, _)| endpoint.label).chain(["other"]).collect());
    &LABELS
}

/// The metrics index of a request no endpoint took.
pub(super) fn other_index() -> usize {
    labels().len() - 1
}

/// Finds the endpoint for a request. `admin` says whether admin-only endpoints exist (a client
/// key is configured).
pub(super) fn dispatch(path: &str, method: &Method, admin: bool) -> Dispatch {
    let exists = |endpoint: &Endpoint| endpoint.access != Access::AdminOnly || admin;
    // The methods the path does take, for a 405's `Allow`-like message.
    let mut allowed: Option<(String, ErrorShape, Access)> = None;
    for (index, (endpoint, shape)) in ENDPOINTS.iter().enumerate() {
        if !endpoint.path.matches(path) || !exists(endpoint) {
            continue;
        }
        if endpoint.method == *method {
            return Dispatch::Serve { index, endpoint, shape: *shape };
        }
        match &mut allowed {
            None => allowed = Some((endpoint.method.to_string(), *shape, endpoint.access)),
            Some((methods, ..)) => {
                methods.push_str(", ");
                methods.push_str(endpoint.method.as_str());
            }
        }
    }
    match allowed {
        Some((methods, shape, access)) => Dispatch::Refuse { shape, error: HttpError::method_not_allowed(&methods), access },
        None => Dispatch::Refuse { shape: shape_of(path), error: HttpError::not_found(path), access: Access::ClientKey },
    }
}

/// The error shape for a path no endpoint takes: the API's whose prefix it is under, else
/// OpenAI's (the gateway's first API). Bedrock's `/model/` paths answer Bedrock-shaped.
pub(super) fn shape_of(path: &str) -> ErrorShape {
    APIS.iter().find(|api| api.prefix.is_some_and(|prefix| path.starts_with(prefix))).map_or(ErrorShape::OpenAi, |api| api.shape)
}

#[cfg(test)]
mod tests {
    use super::super::api::Path;
    use super::*;

    fn outcome(path: &str, method: Method, admin: bool) -> (Option<&'static str>, u16, ErrorShape) {
        match dispatch(path, &method, admin) {
            Dispatch::Serve { endpoint, shape, .. } => (Some(endpoint.label), 200, shape),
            Dispatch::Refuse { shape, error, .. } => (None, error.status, shape),
        }
    }

    #[test]
    fn each_request_finds_its_endpoint_or_its_apis_error() {
        use ErrorShape::{Anthropic, Bedrock, OpenAi};
        let cases = [
            ("/v1/chat/completions", Method::POST, false, (Some("/v1/chat/completions"), 200, OpenAi)),
            ("/v1/chat/completions", Method::GET, false, (None, 405, OpenAi)),
            ("/v1/embeddings", Method::POST, false, (Some("/v1/embeddings"), 200, OpenAi)),
            ("/v1/embeddings", Method::PUT, false, (None, 405, OpenAi)),
            ("/v1/models", Method::GET, false, (Some("/v1/models"), 200, OpenAi)),
            ("/v1/models", Method::POST, false, (None, 405, OpenAi)),
            ("/v1/messages", Method::POST, false, (Some("/v1/messages"), 200, Anthropic)),
            ("/v1/messages", Method::GET, false, (None, 405, Anthropic)),
            ("/v1/messages/count_tokens", Method::POST, false, (Some("/v1/messages/count_tokens"), 200, Anthropic)),
            ("/v1/messages/batches", Method::POST, false, (None, 404, Anthropic)),
            ("/healthz", Method::GET, false, (Some("/healthz"), 200, OpenAi)),
            ("/readyz", Method::DELETE, false, (None, 405, OpenAi)),
            ("/metrics", Method::GET, false, (Some("/metrics"), 200, OpenAi)),
            ("/admin/policy", Method::POST, true, (Some("/admin/policy"), 200, OpenAi)),
            ("/admin/policy", Method::GET, true, (None, 405, OpenAi)),
            // Without a client key the admin endpoint does not exist.
            ("/admin/policy", Method::POST, false, (None, 404, OpenAi)),
            ("/admin/policy", Method::GET, false, (None, 404, OpenAi)),
            ("/nope", Method::GET, false, (None, 404, OpenAi)),
            ("/v1/messagesX", Method::POST, false, (None, 404, OpenAi)),
            ("/v1/responses", Method::POST, false, (Some("/v1/responses"), 200, OpenAi)),
            ("/v1/responses", Method::GET, false, (None, 405, OpenAi)),
            ("/v1/responses/resp_1", Method::GET, false, (Some("/v1/responses/{id}"), 200, OpenAi)),
            ("/v1/responses/resp_1/input_items", Method::GET, false, (Some("/v1/responses/{id}"), 200, OpenAi)),
            ("/v1/responses/resp_1", Method::DELETE, false, (Some("/v1/responses/{id} DELETE"), 200, OpenAi)),
            ("/v1/responses/resp_1/cancel", Method::POST, false, (None, 405, OpenAi)),
            ("/v1/responses/", Method::GET, false, (None, 404, OpenAi)),
            // Bedrock's own paths: not served, answered as Bedrock answers (an AWS SDK reads it).
            ("/model/amazon.nova-pro-v1:0/converse", Method::POST, false, (None, 404, Bedrock)),
            ("/model/x/invoke-with-response-stream", Method::GET, false, (None, 404, Bedrock)),
            ("/modelx", Method::POST, false, (None, 404, OpenAi)),
        ];
        for (path, method, admin, expected) in cases {
            assert_eq!(outcome(path, method.clone(), admin), expected, "{method} {path}");
        }
    }

    #[test]
    fn labels_are_unique_and_end_with_other() {
        let labels = labels();
        assert_eq!(labels.last(), Some(&"other"));
        let mut sorted = labels.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), labels.len(), "{labels:?}");
    }

    #[test]
    fn a_prefix_route_needs_a_rest() {
        assert!(Path::Under("/v1/x/").matches("/v1/x/abc"));
        assert!(!Path::Under("/v1/x/").matches("/v1/x/"));
        assert!(!Path::Under("/v1/x/").matches("/v1/y/abc"));
    }
}
