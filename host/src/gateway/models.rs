//! `GET /v1/models`: the models the serving policy discovered, in OpenAI's list shape, with
//! the embedding models of the region's catalog beside them.

use super::api::{Access, Api, Endpoint, Path};
use super::call::ErrorShape;
use super::embeddings::with_embedding_models;
use super::errors::{HttpError, guest_failure_kind};
use super::openai::model_metadata;
use super::response_body::Body;
use super::{Shared, json_response};
use crate::plan::PlanError;
use crate::types::Discovery;
use hyper::{Method, Response};
use serde_json::{Value, json};

/// The model list: one endpoint, errors in OpenAI's shape.
pub(super) static API: Api = Api {
    shape: ErrorShape::OpenAi,
    prefix: None,
    endpoints: &[Endpoint {
        path: Path::Exact("/v1/models"),
        method: Method::GET,
        access: Access::ClientKey,
        label: "/v1/models",
        serve: |shared, request, _, observation| {
            Box::pin(async move {
                match list(shared, request.uri().query()).await {
                    Ok(response) => (response, String::new()),
                    Err(error) => ErrorShape::OpenAi.reject(observation, error),
                }
            })
        },
    }],
};

/// `GET /v1/models[?refresh=true]`: the discovered models in the OpenAI list shape, from the
/// routing plan (a refresh plans again, coalesced with any refresh in progress). A policy
/// without a plan in service (0.1.0, a failed plan, the catalog cache off) runs its
/// `discover` in a fresh instance.
async fn list(shared: &Shared, query: Option<&str>) -> Result<Response<Body>, HttpError> {
    let refresh = query.is_some_and(|q| q.split('&').any(|pair| pair == "refresh=true" || pair == "refresh=1"));
    let failed = |error: crate::sandbox::PolicyError| {
        if let Some(kind) = guest_failure_kind(&error) {
            shared.metrics.guest_failure(kind);
        }
        HttpError::from_policy(&error)
    };
    let Ok(_permit) = shared.permits.try_acquire() else {
        return Err(HttpError::busy());
    };
    let mut serving = shared.control.serving();
    if refresh && serving.plan().is_some_and(|plan| plan.serves_requests()) {
        match shared.control.refresh().await {
            Ok(refreshed) => serving = refreshed,
            Err(PlanError::Policy(error)) => return Err(failed(error)),
            Err(PlanError::Refused(error)) => return Err(HttpError::from_api(&error)),
        }
    }
    if let Some(plan) = serving.plan().filter(|plan| plan.serves_requests()) {
        let list = with_embedding_models(shared, &plan.discovery, model_list(&plan.discovery)).await;
        return Ok(json_response(200, &list));
    }
    let mut instance = shared.control.instance(&serving).await.map_err(failed)?;
    match instance.discover(serving.config(), refresh).await {
        Ok(Ok(discovery)) => Ok(json_response(200, &with_embedding_models(shared, &discovery, model_list(&discovery)).await)),
        Ok(Err(error)) => Err(HttpError::from_api(&error)),
        Err(error) => Err(failed(error)),
    }
}

/// `GET /v1/models`: the discovered models in the OpenAI list shape (plus the fields OpenClaw
/// clients find useful: name, context window, max tokens, input modalities, and the
/// [`model_metadata`](super::openai::model_metadata) fields: reasoning, tools, cost, preferred API).
fn model_list(discovery: &Discovery) -> Value {
    let created = discovery.fetched_at.unwrap_or(0);
    let data: Vec<Value> = discovery
        .models
        .iter()
        .map(|model| {
            let mut entry = json!({
                "id": model.id,
                "object": "model",
                "created": created,
                "owned_by": model.provider,
                "name": model.name,
                "context_window": model.context_window,
                "max_tokens": model.max_tokens,
                "input": model.input,
                "region": model.region,
            });
            for (field, value) in model_metadata::fields(model) {
                entry[field] = value;
            }
            entry
        })
        .collect();
    json!({ "object": "list", "data": data })
}
