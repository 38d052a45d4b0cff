//! What each Claude model on Bedrock takes of an Anthropic body, as data: the betas it accepts
//! and the top-level fields Bedrock refuses for it. A beta or field the table drops is logged
//! and named in the response's `openclaw-dropped` header; everything else passes unchanged
//! (the client vendor's gateway contract: never fail a request over what it does not know).
//!
//! Sources: the Bedrock user guide's list of betas for Claude, and what users report Bedrock
//! refuses (../shared/notes/claude-native-facts.md, "Betas and fields Bedrock takes"). The first
//! row whose prefix matches the foundation model id applies.

/// Betas Bedrock documents for Claude.
pub const DOCUMENTED_BETAS: &[&str] = &[
    "computer-use-2024-10-22",
    "computer-use-2025-01-24",
    "token-efficient-tools-2025-02-19",
    "interleaved-thinking-2025-05-14",
    "output-128k-2025-02-19",
    "context-1m-2025-08-07",
    "context-management-2025-06-27",
    "effort-2025-11-24",
    "tool-search-tool-2025-10-19",
    "tool-examples-2025-10-29",
];

/// Betas Claude Opus 4.7 refuses of the documented ones: interleaved thinking is its only kind
/// (the beta is refused), and it has no 2024 computer-use tool.
const ADAPTIVE_ONLY_REFUSED: &[&str] = &["computer-use-2024-10-22", "interleaved-thinking-2025-05-14"];

/// Top-level Anthropic fields that are first-party features Bedrock refuses (`<field>: Extra
/// inputs are not permitted`): dropped, so the rest of the request is served.
const FIRST_PARTY_FIELDS: &[&str] =
    &["mcp_servers", "container", "tags", "service_tier", "inference_geo", "speed", "diagnostics", "user_profile_id", "workspace_id"];

/// One model family's row.
#[derive(Debug, Clone, Copy)]
pub struct ModelRow {
    /// Foundation model ids it covers, by prefix.
    pub prefix: &'static str,
    /// Betas passed on, but those in `refused`; any other is dropped.
    pub betas: &'static [&'static str],
    /// Betas of `betas` this model refuses.
    pub refused: &'static [&'static str],
    /// Top-level fields dropped.
    pub dropped_fields: &'static [&'static str],
}

/// The table, most specific rows first; the last row covers every other Claude.
pub const TABLE: &[ModelRow] = &[
    ModelRow { prefix: "anthropic.claude-opus-4-7", betas: DOCUMENTED_BETAS, refused: ADAPTIVE_ONLY_REFUSED, dropped_fields: FIRST_PARTY_FIELDS },
    ModelRow { prefix: "anthropic.claude", betas: DOCUMENTED_BETAS, refused: &[], dropped_fields: FIRST_PARTY_FIELDS },
];

impl ModelRow {
    /// Whether the model takes `beta`.
    pub fn takes(&self, beta: &str) -> bool {
        self.betas.contains(&beta) && !self.refused.contains(&beta)
    }
}

/// The row for a foundation model id (`None`: not a Claude model: no native body).
pub fn row(model: &str) -> Option<&'static ModelRow> {
    TABLE.iter().find(|row| model.starts_with(row.prefix))
}
