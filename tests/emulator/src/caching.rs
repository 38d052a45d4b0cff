//! Prompt caching: `cachePoint` blocks in `toolConfig.tools`, `system` and message `content`.
//!
//! The prompt is read in Anthropic's order (tools, system, messages); each cache point marks the
//! prefix before it. The first request with a prefix writes it (`cacheWriteInputTokens`: the
//! tokens of the last point's prefix beyond what was read); a later request whose prefix was
//! written reads it (`cacheReadInputTokens`: the tokens of the longest prefix seen before).
//! `inputTokens` is what is left, as Bedrock reports it. Prefixes are keyed by a SHA-256 of the
//! model id and the prefix's JSON, kept per emulator; more than 4 cache points are refused. There
//! is no minimum prefix length (real models skip short ones) and no expiry.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::errors::ApiError;

/// Prefixes kept before the store starts over (a client controls how many it makes).
const MAX_PREFIXES: usize = 4096;
/// Cache points a request may hold, as on Bedrock.
pub const MAX_CACHE_POINTS: usize = 4;

/// The prefixes written so far: hash to token count.
#[derive(Debug, Default)]
pub struct PromptCache {
    seen: Mutex<HashMap<[u8; 32], u64>>,
}

/// Cached tokens of one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheUsage {
    /// `cacheReadInputTokens`.
    pub read: u64,
    /// `cacheWriteInputTokens`.
    pub write: u64,
}

fn check_point(point: &Value) -> Result<(), ApiError> {
    match point.get("type").and_then(Value::as_str) {
        Some("default") => {}
        other => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{}' at 'cachePoint.type' failed to satisfy constraint: Member must satisfy enum value set: [default]",
                other.unwrap_or("null")
            )));
        }
    }
    match point.get("ttl").and_then(Value::as_str) {
        None | Some("5m" | "1h") => Ok(()),
        Some(ttl) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{ttl}' at 'cachePoint.ttl' failed to satisfy constraint: Member must satisfy enum value set: [5m, 1h]"
        ))),
    }
}

impl PromptCache {
    /// Reads and writes the prefixes of `body` for `model_id`; `tokens` counts one tool, system
    /// or content block as the input token count does.
    pub fn account(&self, body: &Value, model_id: &str, tokens: impl Fn(&Value) -> u64) -> Result<CacheUsage, ApiError> {
        let empty = Vec::new();
        let list = |value: Option<&Value>| value.and_then(Value::as_array).unwrap_or(&empty).clone();
        let mut elements = list(body.get("toolConfig").and_then(|c| c.get("tools")));
        elements.extend(list(body.get("system")));
        for message in list(body.get("messages")) {
            elements.extend(list(message.get("content")));
        }
        let mut hasher = Sha256::new();
        hasher.update(model_id.as_bytes());
        let (mut total, mut points) = (0u64, Vec::new());
        for element in &elements {
            if let Some(point) = element.get("cachePoint") {
                check_point(point)?;
                points.push((<[u8; 32]>::from(hasher.clone().finalize()), total));
                if points.len() > MAX_CACHE_POINTS {
                    return Err(ApiError::validation(format!(
                        "The model returned the following errors: A maximum of {MAX_CACHE_POINTS} blocks with cache_control may be provided. Found {}.",
                        elements.iter().filter(|e| e.get("cachePoint").is_some()).count()
                    )));
                }
                continue;
            }
            hasher.update(element.to_string().as_bytes());
            total += tokens(element);
        }
        let Some(&(last_key, last_tokens)) = points.last() else { return Ok(CacheUsage::default()) };
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let read = points.iter().filter(|(key, _)| seen.contains_key(key)).map(|(_, t)| *t).max().unwrap_or(0);
        let write = if seen.contains_key(&last_key) { 0 } else { last_tokens - read };
        if seen.len() + points.len() > MAX_PREFIXES {
            seen.clear();
        }
        for (key, prefix_tokens) in points {
            seen.insert(key, prefix_tokens);
        }
        Ok(CacheUsage { read, write })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn words(block: &Value) -> u64 {
        block.get("text").and_then(Value::as_str).map(crate::runtime::count_tokens).unwrap_or(0)
    }

    #[test]
    fn first_request_writes_later_ones_read_the_longest_seen_prefix() {
        let cache = PromptCache::default();
        let point = json!({ "cachePoint": { "type": "default" } });
        let system = json!([{ "text": "you are terse" }, point.clone()]);
        let turn = |text: &str, cached: bool| {
            let mut content = vec![json!({ "text": text })];
            if cached {
                content.push(point.clone());
            }
            json!({ "system": system.clone(), "messages": [{ "role": "user", "content": content }] })
        };
        let model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        assert_eq!(cache.account(&turn("one two", false), model, words), Ok(CacheUsage { read: 0, write: 3 }));
        assert_eq!(cache.account(&turn("one two", false), model, words), Ok(CacheUsage { read: 3, write: 0 }));
        assert_eq!(cache.account(&turn("one two", true), model, words), Ok(CacheUsage { read: 3, write: 2 }));
        assert_eq!(cache.account(&turn("one two", true), model, words), Ok(CacheUsage { read: 5, write: 0 }));
        assert_eq!(cache.account(&turn("one two", false), "amazon.nova-pro-v1:0", words), Ok(CacheUsage { read: 0, write: 3 }), "per model");
        assert_eq!(cache.account(&json!({ "messages": [] }), model, words), Ok(CacheUsage::default()));
    }

    #[test]
    fn too_many_or_malformed_points_are_refused() {
        let cache = PromptCache::default();
        let point = json!({ "cachePoint": { "type": "default" } });
        let five = json!({ "system": [{ "text": "a" }, point.clone(), point.clone(), point.clone(), point.clone(), point.clone()] });
        assert!(cache.account(&five, "m", words).unwrap_err().message.contains("A maximum of 4 blocks with cache_control may be provided. Found 5."));
        let bad = json!({ "system": [{ "cachePoint": { "type": "ephemeral" } }] });
        assert!(cache.account(&bad, "m", words).unwrap_err().message.contains("enum value set: [default]"));
        let ttl = json!({ "system": [{ "cachePoint": { "type": "default", "ttl": "2h" } }] });
        assert!(cache.account(&ttl, "m", words).unwrap_err().message.contains("[5m, 1h]"));
    }
}
