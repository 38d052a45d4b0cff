//! What a client API declares to the route table ([`super::routes`]): its endpoints (path,
//! method, access, the function that serves it) and the shape of its errors. Each API's folder
//! holds one [`Api`]; the route table lists them, one line each.

use super::call::ErrorShape;
use super::{Reply, Shared};
use crate::telemetry::request::Observation;
use hyper::body::Incoming;
use hyper::{Method, Request};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

/// A client API: its endpoints and how its errors look.
pub(super) struct Api {
    /// The shape of every error its endpoints answer, and of 401/404/405 under its paths.
    pub(super) shape: ErrorShape,
    /// Paths under this prefix are the API's even when no endpoint matches (404 in its shape).
    pub(super) prefix: Option<&'static str>,
    /// Its endpoints.
    pub(super) endpoints: &'static [Endpoint],
}

/// One endpoint: a path (or a path prefix) and a method, and what serves it.
pub(super) struct Endpoint {
    /// The path it answers.
    pub(super) path: Path,
    /// The method it answers (another method gets 405 naming this one).
    pub(super) method: Method,
    /// Whether the client key is asked for.
    pub(super) access: Access,
    /// The metrics' and traces' name of the route (a prefix route's with its parameter, e.g.
    /// `/v1/responses/{id}`): low-cardinality by construction.
    pub(super) label: &'static str,
    /// Serves a request that reached it.
    pub(super) serve: Handler,
}

/// A path an endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Path {
    /// Exactly this path.
    Exact(&'static str),
    /// This prefix and a non-empty rest (the handler reads the rest from the request's URI).
    Under(&'static str),
}

impl Path {
    /// Whether `path` is this one (a prefix route's: the prefix and a non-empty rest).
    pub(super) fn matches(self, path: &str) -> bool {
        match self {
            Self::Exact(exact) => path == exact,
            Self::Under(prefix) => path.strip_prefix(prefix).is_some_and(|rest| !rest.is_empty()),
        }
    }
}

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    /// Anyone (probes: `/healthz`, `/readyz`).
    Open,
    /// Holders of the client key when one is configured; anyone otherwise.
    ClientKey,
    /// Holders of the client key; the endpoint does not exist without one.
    AdminOnly,
}

/// The future an endpoint's handler returns: the response and the model label it is counted
/// under. Boxed: one allocation per request buys a table of plain function pointers.
pub(super) type Handled<'a> = Pin<Box<dyn Future<Output = Reply> + Send + 'a>>;

/// An endpoint's handler: the gateway's shared state, the request, when it arrived, and its
/// telemetry (a streamed answer takes the observation with it and finishes it when it ends).
pub(super) type Handler = for<'a> fn(&'a Arc<Shared>, Request<Incoming>, Instant, &'a mut Observation) -> Handled<'a>;
