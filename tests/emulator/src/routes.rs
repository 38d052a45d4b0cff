//! Which endpoint a request is for, how it must authenticate, and which handler answers it.
//!
//! Paths: `/__emulator/...` control API; `/latest/...` IMDS; `/v2/credentials/...` container
//! credentials; `GET /federation/credentials` the SSO portal; `/` with an `Action` STS; `GET /foundation-models[/{id}]` and
//! `GET /inference-profiles[/{id}]` the control plane; `POST /model/{id}/{converse,
//! converse-stream, invoke, invoke-with-response-stream, count-tokens}` the runtime.

use std::time::{Instant, SystemTime};

use crate::credentials_endpoints::{self, StsCall};
use crate::errors::ApiError;
use crate::identity::AuthInfo;
use crate::reply::Reply;
use crate::sigv4::RequestParts;
use crate::state::State;
use crate::{control_plane, converse, runtime};

/// The endpoint a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    /// `/__emulator/...`.
    Control,
    /// `/latest/...`.
    Imds,
    /// `/v2/credentials/...`.
    Container,
    /// `GET /federation/credentials`: the SSO portal's GetRoleCredentials.
    SsoPortal,
    /// STS query protocol.
    Sts,
    /// `GET /foundation-models`.
    ListFoundationModels,
    /// `GET /foundation-models/{id}`.
    GetFoundationModel,
    /// `GET /inference-profiles`.
    ListInferenceProfiles,
    /// `GET /inference-profiles/{id}`.
    GetInferenceProfile,
    /// `POST /model/{id}/converse`.
    Converse,
    /// `POST /model/{id}/converse-stream`.
    ConverseStream,
    /// `POST /model/{id}/invoke`.
    InvokeModel,
    /// `POST /model/{id}/invoke-with-response-stream`.
    InvokeModelWithResponseStream,
    /// `POST /model/{id}/count-tokens`.
    CountTokens,
    /// Anything else.
    NotFound,
}

/// A routed request.
#[derive(Debug, Clone)]
pub struct Route {
    /// The endpoint.
    pub kind: RouteKind,
    /// The operation name for the log and fault matching.
    pub operation: String,
    /// The decoded model or profile identifier from the path.
    pub model: Option<String>,
    /// Whether the answer is an event stream.
    pub streaming: bool,
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// Routes a request by method and path.
pub fn route(parts: &RequestParts) -> Route {
    let path = parts.raw_path.as_str();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = parts.method.as_str();
    let simple = |kind: RouteKind, operation: &str| Route { kind, operation: operation.into(), model: None, streaming: false };
    if path.starts_with("/__emulator/") {
        return simple(RouteKind::Control, "Control");
    }
    if path.starts_with("/latest/") {
        return simple(RouteKind::Imds, "InstanceMetadata");
    }
    if path.starts_with("/v2/credentials/") && method == "GET" {
        return simple(RouteKind::Container, "ContainerCredentials");
    }
    if path == "/federation/credentials" && method == "GET" {
        return simple(RouteKind::SsoPortal, "GetRoleCredentials");
    }
    if path == "/" {
        let call = StsCall::parse(&parts.query_params(), &parts.body);
        if !call.action.is_empty() {
            return simple(RouteKind::Sts, &call.action);
        }
    }
    let with_model =
        |kind: RouteKind, operation: &str, id: &str, streaming: bool| Route { kind, operation: operation.into(), model: Some(decode(id)), streaming };
    match (method, segments.as_slice()) {
        ("GET", ["foundation-models"]) => simple(RouteKind::ListFoundationModels, "ListFoundationModels"),
        ("GET", ["foundation-models", id]) if !id.is_empty() => with_model(RouteKind::GetFoundationModel, "GetFoundationModel", id, false),
        ("GET", ["inference-profiles"]) => simple(RouteKind::ListInferenceProfiles, "ListInferenceProfiles"),
        ("GET", ["inference-profiles", id]) if !id.is_empty() => with_model(RouteKind::GetInferenceProfile, "GetInferenceProfile", id, false),
        ("POST", ["model", id, action]) if !id.is_empty() => match *action {
            "converse" => with_model(RouteKind::Converse, "Converse", id, false),
            "converse-stream" => with_model(RouteKind::ConverseStream, "ConverseStream", id, true),
            "invoke" => with_model(RouteKind::InvokeModel, "InvokeModel", id, false),
            "invoke-with-response-stream" => with_model(RouteKind::InvokeModelWithResponseStream, "InvokeModelWithResponseStream", id, true),
            "count-tokens" => with_model(RouteKind::CountTokens, "CountTokens", id, false),
            _ => simple(RouteKind::NotFound, "Unknown"),
        },
        _ => simple(RouteKind::NotFound, "Unknown"),
    }
}

/// The result of authenticating a routed request.
pub struct AuthOutcome {
    /// What the request proved, when it carried credentials.
    pub info: Option<AuthInfo>,
    /// Whether it may proceed.
    pub result: Result<(), ApiError>,
    /// The caller's ARN once authenticated.
    pub principal: Option<String>,
}

/// The IAM action an operation needs, as AccessDeniedException names it.
fn iam_action(kind: RouteKind, operation: &str) -> &str {
    match kind {
        RouteKind::Converse => "InvokeModel",
        RouteKind::ConverseStream => "InvokeModelWithResponseStream",
        _ => operation,
    }
}

/// Authenticates as the endpoint requires: SigV4 (service `bedrock`) or a bearer token for
/// Bedrock; SigV4 (service `sts`) for AssumeRole and GetCallerIdentity; nothing for IMDS, the
/// container endpoint (which checks its own token) and AssumeRoleWithWebIdentity.
pub fn authorize(state: &State, route: &Route, parts: &RequestParts, now: SystemTime) -> AuthOutcome {
    let open = AuthOutcome { info: None, result: Ok(()), principal: None };
    let (regions, service, allow_bearer): (Vec<&str>, &str, bool) = match route.kind {
        RouteKind::Control | RouteKind::Imds | RouteKind::Container | RouteKind::SsoPortal | RouteKind::NotFound => return open,
        RouteKind::Sts if route.operation == "AssumeRoleWithWebIdentity" => return open,
        RouteKind::Sts => (vec![state.region.as_str(), "us-east-1"], "sts", false),
        _ => (vec![state.region.as_str()], "bedrock", true),
    };
    let (info, mut result) = state.credentials.authenticate(parts, &regions, service, allow_bearer, now);
    if result.is_ok() && info.denied && service == "bedrock" {
        let action = iam_action(route.kind, &route.operation);
        let resource = match &route.model {
            Some(model) => state.catalog.model(model).map(|m| m.arn.clone()).unwrap_or_else(|| model.clone()),
            None => "*".to_string(),
        };
        let user = info.principal_arn.clone().unwrap_or_default();
        result = Err(ApiError::access_denied(format!(
            "User: {user} is not authorized to perform: bedrock:{action} on resource: {resource} because no identity-based policy allows the bedrock:{action} action"
        )));
    }
    AuthOutcome { principal: info.principal_arn.clone(), info: Some(info), result }
}

/// An error in the form the endpoint speaks (XML for STS, plain text for IMDS, JSON otherwise).
pub fn error_reply(route: &Route, error: ApiError) -> Reply {
    match route.kind {
        RouteKind::Sts => credentials_endpoints::sts_error(&error),
        RouteKind::Imds => Reply::bytes(error.status, "text/plain", error.message),
        _ => Reply::from(error),
    }
}

/// Answers an authenticated request.
pub fn dispatch(state: &State, route: &Route, parts: &RequestParts, principal: Option<&str>, started: Instant) -> Reply {
    let model = route.model.as_deref().unwrap_or("");
    let query = parts.query_params();
    let result = match route.kind {
        RouteKind::Control => Ok(crate::control_api::handle(state, parts)),
        RouteKind::Imds => {
            let header = |name: &str| parts.header(name).map(str::to_string);
            Ok(credentials_endpoints::imds(&state.imds, &state.credentials, &state.region, &parts.method, &parts.raw_path, &header))
        }
        RouteKind::Container => Ok(credentials_endpoints::container(&state.credentials, &state.container_token, parts.header("authorization"))),
        RouteKind::SsoPortal => Ok(credentials_endpoints::sso_role_credentials(&state.credentials, parts.header("x-amz-sso_bearer_token"), &query)),
        RouteKind::Sts => {
            let call = StsCall::parse(&query, &parts.body);
            Ok(match call.action.as_str() {
                "AssumeRoleWithWebIdentity" => call.assume_role_with_web_identity(&state.credentials, &state.web_identity_tokens),
                "AssumeRole" => call.assume_role(&state.credentials),
                "GetCallerIdentity" => StsCall::get_caller_identity(principal.unwrap_or_default()),
                other => {
                    credentials_endpoints::sts_error(&ApiError::new(400, "InvalidAction", format!("Could not find operation {other} for version 2011-06-15")))
                }
            })
        }
        RouteKind::ListFoundationModels => control_plane::list_foundation_models(&state.catalog, &query),
        RouteKind::GetFoundationModel => control_plane::get_foundation_model(&state.catalog, model),
        RouteKind::ListInferenceProfiles => control_plane::list_inference_profiles(&state.catalog, &query),
        RouteKind::GetInferenceProfile => control_plane::get_inference_profile(&state.catalog, model),
        RouteKind::Converse | RouteKind::ConverseStream | RouteKind::InvokeModel | RouteKind::InvokeModelWithResponseStream | RouteKind::CountTokens => {
            let target = if route.kind == RouteKind::CountTokens { state.catalog.counting_target(model) } else { state.catalog.resolve(model) };
            target.and_then(|target| match route.kind {
                RouteKind::Converse => converse::converse(&state.prompt_cache, &target, &parts.body, started),
                RouteKind::ConverseStream => converse::converse_stream(&state.prompt_cache, &target, &parts.body, started),
                RouteKind::InvokeModel => runtime::invoke(&state.prompt_cache, &target, &parts.headers, &parts.body, started),
                RouteKind::InvokeModelWithResponseStream => runtime::invoke_stream(&state.prompt_cache, &target, &parts.headers, &parts.body, started),
                _ => runtime::count_tokens_operation(&target, &parts.body),
            })
        }
        RouteKind::NotFound => Err(ApiError::new(404, "UnknownOperationException", "Unknown operation")),
    };
    result.unwrap_or_else(|error| error_reply(route, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, path: &str) -> RequestParts {
        RequestParts { method: method.into(), raw_path: path.into(), raw_query: String::new(), headers: vec![], body: vec![] }
    }

    #[test]
    fn routes_bedrock_paths() {
        let cases = [
            ("GET", "/foundation-models", RouteKind::ListFoundationModels, None),
            ("GET", "/foundation-models/amazon.nova-pro-v1%3A0", RouteKind::GetFoundationModel, Some("amazon.nova-pro-v1:0")),
            ("GET", "/inference-profiles", RouteKind::ListInferenceProfiles, None),
            (
                "POST",
                "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fx/converse",
                RouteKind::Converse,
                Some("arn:aws:bedrock:us-east-1::foundation-model/x"),
            ),
            ("POST", "/model/m/converse-stream", RouteKind::ConverseStream, Some("m")),
            ("POST", "/model/m/invoke", RouteKind::InvokeModel, Some("m")),
            ("POST", "/model/m/invoke-with-response-stream", RouteKind::InvokeModelWithResponseStream, Some("m")),
            ("POST", "/model/m/count-tokens", RouteKind::CountTokens, Some("m")),
            ("POST", "/model/m/explode", RouteKind::NotFound, None),
            ("GET", "/model/m/converse", RouteKind::NotFound, None),
            ("GET", "/latest/api/token", RouteKind::Imds, None),
            ("GET", "/v2/credentials/abc", RouteKind::Container, None),
            ("GET", "/federation/credentials", RouteKind::SsoPortal, None),
            ("GET", "/__emulator/requests", RouteKind::Control, None),
            ("GET", "/", RouteKind::NotFound, None),
        ];
        for (method, path, kind, model) in cases {
            let route = route(&parts(method, path));
            assert_eq!((route.kind, route.model.as_deref()), (kind, model), "{method} {path}");
        }
    }
}
