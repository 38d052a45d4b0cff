//! The OpenAI chat-completions shapes and their mapping to and from the host's types.
//!
//! Requests are read from a `serde_json::Value` field by field, so that every refusal names
//! the field (`param`) the way OpenAI does; every field has a fate ([`request`]): honoured,
//! mapped to Bedrock, or refused, unknown fields included. The conversation is in [`content`],
//! the fields that become Converse options in [`options`], answers in [`response`].

pub(super) mod chat;
mod chunks;
mod content;
mod image;
pub(super) mod model_metadata;
mod options;
mod request;
mod response;
pub mod responses;

use super::errors::HttpError;

pub use request::{Completion, FIELDS, PromptCache, parse_completion};
pub use response::{Collected, finish_reason, redacted_block, thinking_block, usage_json};

#[cfg(test)]
mod tests;
