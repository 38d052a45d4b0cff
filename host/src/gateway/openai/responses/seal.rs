//! Reasoning a client carries between turns, sealed: Claude's signed and redacted thinking
//! blocks go out as a `reasoning` item's `encrypted_content` and come back on the next turn
//! (issue 25; docs/responses-api.md). The blocks are sealed with AES-256-GCM (aws-lc-rs, the
//! crypto rustls already uses) under the state's key, the model family bound in as associated
//! data, so a client can neither forge nor alter them, nor hand one family's reasoning to
//! another.
//!
//! ```text
//! v1.<family>.<base64url(nonce (12) | ciphertext | tag (16))>
//! ```
//!
//! The plaintext is the blocks as JSON: `[{"thinking": text, "signature": sig} | {"redacted":
//! base64}]`.

use crate::aws::model::ContentBlock;
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

/// The largest `encrypted_content` opened (reasoning blocks of a long turn fit well below).
const MAX_SEALED: usize = 4 << 20;
const TAG_LEN: usize = 16;

/// Why sealed reasoning cannot be opened: the client's to fix (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsealed(&'static str);

/// Seals and opens reasoning under one key.
pub struct Sealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

/// The reasoning family of a model, as sealed reasoning names it.
pub fn family_name(model_id: &str) -> &'static str {
    use crate::aws::reasoning::Family;
    match crate::aws::reasoning::family(model_id) {
        Family::ClaudeBudget | Family::ClaudeAdaptive | Family::ClaudeAdaptiveOnly => "anthropic",
        Family::GptOss => "gpt-oss",
        Family::Nova2 => "nova-2",
        Family::Always => "always",
        Family::None => "none",
    }
}

fn aad(family: &str) -> Vec<u8> {
    format!("openclaw-bedrock reasoning v1 {family}").into_bytes()
}

impl Sealer {
    /// A sealer with this 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        // AES-256-GCM takes exactly a 32-byte key: this cannot fail.
        let unbound = UnboundKey::new(&AES_256_GCM, key).unwrap_or_else(|_| unreachable!("a 32-byte key"));
        Self { key: LessSafeKey::new(unbound) }
    }

    /// The blocks (signed or redacted reasoning) sealed for `family`; `None` if there is
    /// nothing to seal or no randomness for a nonce.
    pub fn seal(&self, family: &str, blocks: &[ContentBlock]) -> Option<String> {
        let plain: Vec<Value> = blocks
            .iter()
            .filter_map(|block| match block {
                ContentBlock::Reasoning { text, signature: Some(signature) } => Some(json!({ "thinking": text, "signature": signature })),
                ContentBlock::RedactedReasoning(data) => Some(json!({ "redacted": STANDARD.encode(data) })),
                _ => None,
            })
            .collect();
        if plain.is_empty() {
            return None;
        }
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).ok()?;
        let mut in_out = Value::Array(plain).to_string().into_bytes();
        self.key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad(family)), &mut in_out).ok()?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&in_out);
        Some(format!("v1.{family}.{}", URL_SAFE_NO_PAD.encode(sealed)))
    }

    /// The family and blocks of sealed reasoning; an altered, truncated or foreign one fails.
    pub fn open(&self, sealed: &str) -> Result<(String, Vec<ContentBlock>), Unsealed> {
        const NOT_OURS: Unsealed = Unsealed("`encrypted_content` is not reasoning this gateway sealed (altered, truncated, or from another server)");
        if sealed.len() > MAX_SEALED {
            return Err(Unsealed("`encrypted_content` is too large"));
        }
        let mut parts = sealed.splitn(3, '.');
        let (Some("v1"), Some(family), Some(body)) = (parts.next(), parts.next(), parts.next()) else { return Err(NOT_OURS) };
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| NOT_OURS)?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return Err(NOT_OURS);
        }
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| NOT_OURS)?;
        let mut in_out = rest.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::from(aad(family)), &mut in_out).map_err(|_| NOT_OURS)?;
        let Ok(Value::Array(list)) = serde_json::from_slice::<Value>(plain) else { return Err(NOT_OURS) };
        let blocks = list
            .iter()
            .map(|block| match (block.get("thinking").and_then(Value::as_str), block.get("signature").and_then(Value::as_str), block.get("redacted")) {
                (Some(text), Some(signature), _) => Ok(ContentBlock::Reasoning { text: text.to_string(), signature: Some(signature.to_string()) }),
                (_, _, Some(Value::String(data))) => STANDARD.decode(data).map(ContentBlock::RedactedReasoning).map_err(|_| NOT_OURS),
                _ => Err(NOT_OURS),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((family.to_string(), blocks))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_reasoning_opens_only_unaltered() {
        let sealer = Sealer::new(&[7; 32]);
        let blocks = vec![ContentBlock::Reasoning { text: "hm".into(), signature: Some("sig".into()) }, ContentBlock::RedactedReasoning(vec![1, 2, 3])];
        let sealed = sealer.seal("anthropic", &blocks).expect("sealed");
        assert_eq!(sealer.open(&sealed), Ok(("anthropic".to_string(), blocks.clone())));
        let body = sealed.rsplit('.').next().expect("body");
        let mut flipped = sealed.clone().into_bytes();
        let last = flipped.len() - 3;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        let cases = [
            ("another family", sealed.replacen("anthropic", "gpt-oss", 1)),
            ("truncated", sealed[..sealed.len() - 4].to_string()),
            ("a flipped byte", String::from_utf8(flipped).expect("ascii")),
            ("another key", Sealer::new(&[8; 32]).seal("anthropic", &blocks).expect("sealed")),
            ("no version", format!("anthropic.{body}")),
            ("not base64", "v1.anthropic.!!!".to_string()),
            ("empty", String::new()),
        ];
        for (name, forged) in cases {
            assert!(sealer.open(&forged).is_err(), "{name}");
        }
        assert_eq!(sealer.seal("anthropic", &[ContentBlock::Reasoning { text: "unsigned".into(), signature: None }]), None);
    }
}
