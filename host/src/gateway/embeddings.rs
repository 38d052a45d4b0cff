//! `POST /v1/embeddings`: OpenAI's embeddings API on Bedrock's embedding models, called through
//! InvokeModel with each family's own body ([`family`]); and the embedding models that
//! `GET /v1/models` adds to the policy's (text-only) list.
//!
//! - The model resolves as chat's does: the serving plan's route, else the policy's `resolve`.
//!   A model the gateway has no body for is a 400 naming `model`.
//! - Titan takes one text per call, so a list becomes one call per text; Cohere takes up to 96
//!   per call. The calls run at most [`CONCURRENT_CALLS`] at a time, all within the request
//!   time limit; the first failure fails the request (no partial list).
//! - A route's fallback chain is not followed: another model's vectors live in another space,
//!   and a client mixing them would get wrong similarities without a word.

mod family;
mod request;

use super::api::{Access, Api, Endpoint, Path};
use super::call::{self, ErrorShape};
use super::errors::HttpError;
use super::response_body::Body;
use super::{Reply, Shared};
use crate::aws::model::{CatalogRequest, FoundationModelRecord, InvokeRequest, Usage};
use crate::telemetry::request::{Observation, Operation};
use crate::types::Discovery;
use base64::Engine as _;
use family::{Family, SUPPORTED};
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use request::{EmbeddingsRequest, Encoding};
use serde::Serialize;
use serde_json::{Value, json};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Most InvokeModel calls of one request in flight at once: enough to hide latency, few enough
/// that one client's long list does not take every connection to Bedrock.
pub const CONCURRENT_CALLS: usize = 8;

/// Longest `GET /v1/models` waits for the catalog the embedding models are taken from.
const CATALOG_WAIT: Duration = Duration::from_secs(5);

/// Embeddings: one endpoint, errors in OpenAI's shape.
pub(super) static API: Api = Api {
    shape: ErrorShape::OpenAi,
    prefix: None,
    endpoints: &[Endpoint {
        path: Path::Exact("/v1/embeddings"),
        method: Method::POST,
        access: Access::ClientKey,
        label: "/v1/embeddings",
        serve: |shared, request, _, observation| Box::pin(embeddings(shared, request, observation)),
    }],
};

/// Handles one embeddings request; the model label for metrics comes back with the response.
async fn embeddings(shared: &Arc<Shared>, request: Request<Incoming>, observation: &mut Observation) -> Reply {
    call::serve(
        shared,
        request,
        observation,
        ErrorShape::OpenAi,
        |body| request::parse(&body),
        async |parsed, observation| answer(shared, parsed, observation).await,
    )
    .await
}

impl call::Asked for EmbeddingsRequest {
    const OPERATION: Operation = Operation::Embeddings;

    fn asked_model(&self) -> &str {
        &self.model
    }
}

/// A 0.1.0 policy cannot route embeddings: its contract has no `resolve`.
fn needs_plan() -> HttpError {
    let message = "the serving policy (contract 0.1.0) has no `resolve` to route embeddings with; run a policy of contract 0.2.0 or later";
    HttpError::new(501, "invalid_request_error", message).with_code("unsupported_by_policy")
}

async fn answer(shared: &Arc<Shared>, request: EmbeddingsRequest, observation: &mut Observation) -> Result<Response<Body>, HttpError> {
    let (_permit, route) = call::admit_and_route(shared, &request.model, observation, needs_plan).await?;
    // The routed id tells the family; an application profile's ARN does not, the client's name may.
    let Some(family) = Family::of(&route.target).or_else(|| Family::of(&request.model)) else {
        let shown: String = request.model.chars().take(200).collect();
        return Err(HttpError::invalid("model", format!("`{shown}` is not an embedding model this gateway can call; supported: {SUPPORTED}")));
    };
    let dimensions = check_dimensions(family, &request)?;
    check_lengths(family, &request)?;
    let bedrock = call::bedrock(shared)?;
    observation.calling(&route.target, &route.region, None);
    let timeout = shared.request_timeout;
    let calls = request.inputs.chunks(family.texts_per_call()).map(|texts| {
        let invoke = InvokeRequest {
            model_id: route.target.clone(),
            region: route.region.clone(),
            body: family.body(texts, dimensions, request.input_type),
            content_type: "application/json".into(),
            accept: "application/json".into(),
            timeout,
            // Guardrails check generated text; an embedding has none.
            guardrail: None,
        };
        let (bedrock, sent) = (Arc::clone(&bedrock), texts.len());
        async move {
            let (response, header_tokens) = bedrock.invoke_model_counted(invoke).await.map_err(|error| HttpError::from_api(&error))?;
            let answer = family.read(&response.body).map_err(unreadable)?;
            if answer.vectors.len() != sent || answer.vectors.iter().any(|vector| vector.len() != dimensions as usize) {
                return Err(unreadable(format!("{} vectors of {dimensions} numbers were expected", sent)));
            }
            Ok((answer.vectors, answer.input_tokens.or(header_tokens)))
        }
    });
    let answers = tokio::time::timeout(timeout, run_bounded(calls.collect(), CONCURRENT_CALLS))
        .await
        .map_err(|_| HttpError::new(504, "timeout_error", format!("the embeddings took longer than {} s", timeout.as_secs())).with_code("timeout"))??;
    observation.answered(&route.target, &route.region);
    let tokens: u64 = answers.iter().filter_map(|(_, tokens)| *tokens).sum();
    let vectors: Vec<Vec<f32>> = answers.into_iter().flat_map(|(vectors, _)| vectors).collect();
    let input_tokens = u32::try_from(tokens).unwrap_or(u32::MAX);
    call::account_usage(shared, observation, &Usage { input_tokens, output_tokens: 0, total_tokens: input_tokens, ..Usage::default() });
    Ok(respond(&request.model, request.encoding, vectors, tokens))
}

/// `dimensions` as the family takes it (its default when absent).
fn check_dimensions(family: Family, request: &EmbeddingsRequest) -> Result<u32, HttpError> {
    let Some(wanted) = request.dimensions else { return Ok(family.default_dimensions()) };
    if family.dimensions().contains(&wanted) {
        return Ok(wanted);
    }
    let accepted: Vec<String> = family.dimensions().iter().map(u32::to_string).collect();
    Err(HttpError::invalid("dimensions", format!("`{}` takes `dimensions` {}; not {wanted}", request.model, accepted.join(", "))))
}

/// Each text within the family's character limit, if it has one.
fn check_lengths(family: Family, request: &EmbeddingsRequest) -> Result<(), HttpError> {
    let Some(limit) = family.max_chars() else { return Ok(()) };
    for (index, text) in request.inputs.iter().enumerate() {
        let length = text.chars().count();
        if length > limit {
            let param = request.input_param(index);
            return Err(HttpError::invalid(param.clone(), format!("`{param}` has {length} characters; `{}` takes at most {limit} per text", request.model)));
        }
    }
    Ok(())
}

/// A Bedrock answer the gateway could not read: a 502, the upstream's fault.
fn unreadable(why: String) -> HttpError {
    HttpError::new(502, "upstream_error", format!("Bedrock's embedding answer could not be read: {why}")).with_code("invalid_upstream_response")
}

/// Runs `calls` with at most `limit` in flight; their outputs in order, or the first failure
/// (the calls still running are then dropped).
async fn run_bounded<T: Send + 'static>(calls: Vec<impl Future<Output = Result<T, HttpError>> + Send + 'static>, limit: usize) -> Result<Vec<T>, HttpError> {
    let mut outputs: Vec<Option<T>> = std::iter::repeat_with(|| None).take(calls.len()).collect();
    let mut pending = calls.into_iter().enumerate();
    let mut running = tokio::task::JoinSet::new();
    for (index, call) in pending.by_ref().take(limit.max(1)) {
        running.spawn(async move { (index, call.await) });
    }
    while let Some(joined) = running.join_next().await {
        let (index, output) = joined.map_err(|_| HttpError::new(500, "server_error", "an embedding call was lost").with_code("internal"))?;
        outputs[index] = Some(output?);
        if let Some((index, call)) = pending.next() {
            running.spawn(async move { (index, call.await) });
        }
    }
    Ok(outputs.into_iter().flatten().collect())
}

/// OpenAI's embeddings response. `f32`s are written in their shortest form, so a float answer
/// parses back to exactly the numbers a base64 answer carries.
#[derive(Serialize)]
struct EmbeddingList<'a> {
    object: &'static str,
    data: Vec<Item>,
    model: &'a str,
    usage: UsageOut,
}

#[derive(Serialize)]
struct Item {
    object: &'static str,
    index: usize,
    embedding: Vector,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Vector {
    Float(Vec<f32>),
    Base64(String),
}

#[derive(Serialize)]
struct UsageOut {
    prompt_tokens: u64,
    total_tokens: u64,
}

fn respond(model: &str, encoding: Encoding, vectors: Vec<Vec<f32>>, tokens: u64) -> Response<Body> {
    let data = vectors
        .into_iter()
        .enumerate()
        .map(|(index, vector)| {
            let embedding = match encoding {
                Encoding::Float => Vector::Float(vector),
                Encoding::Base64 => {
                    let bytes: Vec<u8> = vector.iter().flat_map(|number| number.to_le_bytes()).collect();
                    Vector::Base64(base64::engine::general_purpose::STANDARD.encode(bytes))
                }
            };
            Item { object: "embedding", index, embedding }
        })
        .collect();
    let list = EmbeddingList { object: "list", data, model, usage: UsageOut { prompt_tokens: tokens, total_tokens: tokens } };
    // Serializing plain numbers and strings cannot fail.
    let text = serde_json::to_string(&list).unwrap_or_default();
    let mut response = Response::new(Body::full(text));
    response.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    response
}

/// The model list with each entry's `capabilities`: the policy's models `["chat"]`, then the
/// embedding models of the region's catalog this gateway can call, `["embeddings"]` with the
/// `dimensions` they take. Embedding models are listed only when discovery fetched a catalog;
/// it is read from the host's catalog cache (no call when the cache holds it).
pub async fn with_embedding_models(shared: &Shared, discovery: &Discovery, mut list: Value) -> Value {
    let Some(data) = list.get_mut("data").and_then(Value::as_array_mut) else { return list };
    for entry in data.iter_mut() {
        if let Some(entry) = entry.as_object_mut() {
            entry.insert("capabilities".into(), json!(["chat"]));
        }
    }
    let (Some(bedrock), Some(fetched_at), true) = (shared.control.bedrock(), discovery.fetched_at, discovery.runs) else { return list };
    // Old enough to take the very catalog discovery used, which the cache holds.
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let max_age = Duration::from_secs(now.saturating_sub(fetched_at) + 60);
    let request = CatalogRequest { region: discovery.region.clone(), max_age, refresh: false };
    let catalog = match tokio::time::timeout(CATALOG_WAIT, bedrock.list_catalog(request)).await {
        Ok(Ok(catalog)) => catalog,
        Ok(Err(error)) => {
            tracing::debug!(%error, "no catalog for the embedding models; listed without them");
            return list;
        }
        Err(_) => {
            tracing::debug!("the catalog took too long; models listed without the embedding models");
            return list;
        }
    };
    for model in catalog.models.iter().filter(|model| callable_embedder(model)) {
        let Some(family) = Family::of(&model.model_id) else { continue };
        if data.iter().any(|entry| entry["id"] == model.model_id.as_str()) {
            continue;
        }
        data.push(json!({
            "id": model.model_id,
            "object": "model",
            "created": fetched_at,
            "owned_by": model.provider_name,
            "name": model.model_name,
            "region": catalog.region,
            "capabilities": ["embeddings"],
            "dimensions": family.dimensions(),
        }));
    }
    list
}

/// An active embedding model that can be invoked on demand or through a profile.
fn callable_embedder(model: &FoundationModelRecord) -> bool {
    let has = |list: &[String], value: &str| list.iter().any(|item| item.eq_ignore_ascii_case(value));
    let active = model.lifecycle_status.as_deref().is_none_or(|status| status.eq_ignore_ascii_case("ACTIVE"));
    let types = &model.inference_types_supported;
    active && has(&model.output_modalities, "EMBEDDING") && (types.is_empty() || has(types, "ON_DEMAND") || has(types, "INFERENCE_PROFILE"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, outputs: &[&str], types: &[&str], status: Option<&str>) -> FoundationModelRecord {
        FoundationModelRecord {
            model_id: id.into(),
            output_modalities: outputs.iter().map(|s| s.to_string()).collect(),
            inference_types_supported: types.iter().map(|s| s.to_string()).collect(),
            lifecycle_status: status.map(str::to_string),
            ..FoundationModelRecord::default()
        }
    }

    #[test]
    fn only_active_callable_embedders_are_listed() {
        let cases = [
            (record("amazon.titan-embed-text-v2:0", &["EMBEDDING"], &["ON_DEMAND"], Some("ACTIVE")), true),
            (record("cohere.embed-v4:0", &["EMBEDDING"], &["INFERENCE_PROFILE"], None), true),
            (record("cohere.embed-english-v3", &["EMBEDDING"], &["PROVISIONED"], Some("ACTIVE")), false),
            (record("cohere.embed-english-v3", &["EMBEDDING"], &["ON_DEMAND"], Some("LEGACY")), false),
            (record("amazon.nova-pro-v1:0", &["TEXT"], &["ON_DEMAND"], Some("ACTIVE")), false),
        ];
        for (model, listed) in cases {
            assert_eq!(callable_embedder(&model), listed, "{model:?}");
        }
    }

    #[tokio::test]
    async fn calls_run_bounded_and_answer_in_order() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let calls: Vec<_> = (0..20usize)
            .map(|i| {
                let (running, most) = (Arc::clone(&running), Arc::clone(&most));
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    // Later calls finish first, so the order must come from the indexes.
                    for _ in 0..(20 - i) {
                        tokio::task::yield_now().await;
                    }
                    running.fetch_sub(1, Ordering::SeqCst);
                    if i == 99 { Err(HttpError::busy()) } else { Ok(i) }
                }
            })
            .collect();
        let outputs = run_bounded(calls, 3).await.expect("all succeed");
        assert_eq!(outputs, (0..20).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= 3, "at most 3 at once, saw {}", most.load(Ordering::SeqCst));
        let failing: Vec<_> = (0..5usize).map(|i| async move { if i == 2 { Err(HttpError::busy()) } else { Ok(i) } }).collect();
        assert_eq!(run_bounded(failing, 2).await.expect_err("one fails").status, 503);
    }

    #[test]
    fn base64_is_little_endian_f32() {
        let response = respond("m", Encoding::Base64, vec![vec![1.0, -0.5]], 3);
        let Body::Full(Some(bytes)) = response.body() else { panic!("a whole body") };
        let value: Value = serde_json::from_slice(bytes).expect("json");
        let decoded = base64::engine::general_purpose::STANDARD.decode(value["data"][0]["embedding"].as_str().expect("a string")).expect("base64");
        assert_eq!(decoded, [1.0f32.to_le_bytes(), (-0.5f32).to_le_bytes()].concat());
        assert_eq!((value["usage"]["prompt_tokens"].as_u64(), value["object"].as_str()), (Some(3), Some("list")));
    }
}
