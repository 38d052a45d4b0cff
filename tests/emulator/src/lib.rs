//! An Amazon Bedrock emulator on loopback, for tests: a library for in-process use and the
//! `bedrock-emulator` binary.
//!
//! It verifies SigV4 with its own code (the AWS crates are only its tests' oracles), frames event
//! streams itself, and answers as Bedrock does, errors included. Everything listens on one port.
//!
//! ```no_run
//! # async fn demo() -> Result<(), bedrock_emulator::EmulatorError> {
//! use bedrock_emulator::{Emulator, Fault, FaultRule};
//! let emulator = Emulator::builder().region("us-east-1").start().await?;
//! emulator.faults().push(FaultRule::new(Fault::HttpError { error_type: "ThrottlingException".into(), status: None, message: None }).operation("Converse"));
//! let endpoint = emulator.endpoint(); // point the SDK's endpoint_url here
//! # let _ = endpoint; emulator.shutdown().await; Ok(()) }
//! ```
//!
//! # Binary
//! `bedrock-emulator [--listen ADDR] [--region R] [--catalog FILE] [--profiles FILE]
//! [--access-key ID --secret-key KEY [--session-token T]]... [--bearer-token T]...
//! [--container-token T] [--web-identity-token T]... [--tls --cert-out FILE]`.
//! The first stdout line is exactly `listening on http://HOST:PORT` (`https://` with `--tls`).
//! With no credentials given it accepts [`DEFAULT_ACCESS_KEY_ID`] / [`DEFAULT_SECRET_ACCESS_KEY`]
//! and [`DEFAULT_BEARER_TOKEN`].
//!
//! # Built-in catalog
//! `Catalog::builtin(region)`: 38 foundation models (Anthropic, Meta, Mistral AI, Amazon,
//! Cohere, DeepSeek, OpenAI), in ListFoundationModels's JSON shape (`modelArn`, `modelId`,
//! `modelName`, `providerName`, `inputModalities`, `outputModalities`,
//! `responseStreamingSupported`, `customizationsSupported`, `inferenceTypesSupported`,
//! `modelLifecycle.status`). It includes LEGACY models, a PROVISIONED-only one
//! (`anthropic.claude-3-haiku-20240307-v1:0:200k`), INFERENCE_PROFILE-only ones (Claude 4.x,
//! Llama 3.3, DeepSeek-R1, Nova Premier, ...), embedding models (Titan, Cohere Embed v3 and v4;
//! their bodies are checked by [`embeddings`]), a text model that cannot stream
//! (`cohere.command-light-text-v14`), image input (Claude, Llama 3.2, Pixtral) and video input
//! (Nova). 34 inference profiles in ListInferenceProfiles's shape:
//! SYSTEM_DEFINED `us.` (19), `eu.` (7), `apac.` (4), `global.` (3) and one APPLICATION profile
//! (`k3m9x2pq7v4z`). ListInferenceProfiles pages at [`control_plane::DEFAULT_PAGE_SIZE`] (10).
//! Output-token limits per model come from [`catalog::max_output_tokens`].
//!
//! # Replies
//! Deterministic: `Echo:` followed by the last user message's words; a token is a word. See
//! [`runtime`]. With a `toolConfig`, a last user message saying `call <tool>` gets a `toolUse`
//! block (stop reason `tool_use`), and tool results get a text reply; see [`tools`].
//! `toolConfig.toolChoice` forces calls ([`tools`]); `additionalModelRequestFields` reasoning
//! (Anthropic `thinking`, gpt-oss `reasoning_effort`, Nova 2 `reasoningConfig`) adds a
//! `reasoningContent` block, signed for Anthropic and checked when sent back ([`reasoning`]);
//! `outputConfig.textFormat` makes the text a minimal instance of the schema ([`schema`]);
//! `cachePoint` blocks give `cacheReadInputTokens` / `cacheWriteInputTokens` ([`caching`]);
//! `document` blocks and `requestMetadata` are checked as Bedrock checks them ([`documents`]).
//!
//! # Fault injection
//! [`RunningEmulator::faults`] in process, or over HTTP (see [`control_api`]):
//! `POST /__emulator/faults` with `{"operation": "ConverseStream", "model": "...", "count": 1,
//! "fault": {"kind": ...}}` where kind is one of `http_error` (`type`, optional `status`,
//! `message`), `delay_headers` (`ms`), `delay_events` (`ms`), `exception_after` (`events`,
//! `type` such as `throttlingException`, optional `message`), `truncate_after` (`events`),
//! `corrupt_crc` (`event`), `connection_reset`, `hang`, `hold` and `hold_after` (`events`; both
//! wait for `POST /__emulator/release` or [`FaultQueue::release_held`]; [`FaultQueue::wait_held`]
//! is the notice that a request arrived). `GET /__emulator/requests` returns the request log
//! (operation, model, auth scheme, access key id, signed region and service, status, and the
//! body of Bedrock operations; never a header, so never a signature or token; STS bodies are not
//! kept); [`faults::RequestLog::wait_for`] waits for an entry; `POST /__emulator/reset` clears
//! faults and log.
//!
//! # Credential endpoints
//! IMDSv2 under `/latest/`, container credentials at `/v2/credentials/<id>`, the SSO portal at
//! `/federation/credentials` (token [`credentials_endpoints::DEFAULT_SSO_ACCESS_TOKEN`]), STS at `/`; see
//! [`credentials_endpoints`].

#![forbid(unsafe_code)]

pub mod anthropic_native;
pub mod caching;
pub mod catalog;
pub mod clock;
pub mod control_api;
pub mod control_plane;
pub mod converse;
pub mod credentials_endpoints;
pub mod documents;
pub mod embeddings;
pub mod emulator;
pub mod errors;
pub mod eventstream;
pub mod faults;
pub mod identity;
pub mod invoke_bodies;
pub mod reasoning;
pub mod reply;
pub mod routes;
pub mod runtime;
pub mod schema;
pub mod server;
pub mod sigv4;
pub mod state;
pub mod tiers;
pub mod tools;

pub use catalog::Catalog;
pub use emulator::{Emulator, EmulatorBuilder, RunningEmulator, TlsOptions};
pub use errors::{ApiError, EmulatorError};
pub use faults::{AuthScheme, Fault, FaultQueue, FaultRule, RequestLogEntry, StreamEnds};
pub use identity::{
    DEFAULT_ACCESS_KEY_ID, DEFAULT_BEARER_TOKEN, DEFAULT_CONTAINER_AUTHORIZATION_TOKEN, DEFAULT_SECRET_ACCESS_KEY, DEFAULT_WEB_IDENTITY_TOKEN, IMDS_ROLE_NAME,
    IssuedCredentials, StaticCredentials,
};
