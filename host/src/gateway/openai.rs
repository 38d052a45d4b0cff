//! The OpenAI chat-completions shapes and their mapping to and from the host's types.
//!
//! Requests are read from a `serde_json::Value` field by field, so that every refusal names
//! the field (`param`) the way OpenAI does; every field has a fate ([`request`]): honoured,
//! mapped to Bedrock, or refused, unknown fields included. The conversation is in [`content`],
//! the fields that become Converse options in [`options`], answers in [`response`].

pub(super) mod chat;
mod content;
mod image;
mod model_metadata;
mod options;
mod request;
mod response;
pub mod responses;

use super::errors::HttpError;
use crate::types::Discovery;
use serde_json::{Value, json};

pub use request::{Completion, FIELDS, PromptCache, parse_completion};
pub use response::{Collected, finish_reason, redacted_block, thinking_block, usage_json};

/// `GET /v1/models`: the discovered models in the OpenAI list shape (plus the fields OpenClaw
/// clients find useful: name, context window, max tokens, input modalities, and the
/// [`model_metadata`] fields: reasoning, tools, cost, preferred API).
pub fn model_list(discovery: &Discovery) -> Value {
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

#[cfg(test)]
mod tests;
