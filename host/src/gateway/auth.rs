//! Optional client authentication: the key as `Authorization: Bearer <key>` (OpenAI clients)
//! or `x-api-key: <key>` (Anthropic clients), on every route, compared in constant time.

use sha2::{Digest, Sha256};

/// The key clients must present. Its `Debug` never shows it.
#[derive(Clone)]
pub struct ClientKey {
    /// SHA-256 of the key: comparing digests keeps the comparison's time independent of where
    /// (and whether the lengths) the presented key differs.
    digest: [u8; 32],
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientKey(****)")
    }
}

impl ClientKey {
    /// A key; `None` when it is blank.
    pub fn new(key: &str) -> Option<Self> {
        let key = key.trim();
        (!key.is_empty()).then(|| Self { digest: Sha256::digest(key.as_bytes()).into() })
    }

    /// The key's name in the access log: `key-` and 12 hex digits of its SHA-256, never the
    /// key ([`crate::telemetry::access_log::client_key_id`]).
    pub fn id(&self) -> String {
        crate::telemetry::access_log::client_key_id_of_digest(&self.digest)
    }

    /// Whether an `Authorization` header value carries this key.
    pub fn accepts(&self, authorization: Option<&[u8]>) -> bool {
        let Some(value) = authorization else { return false };
        let Some(presented) = strip_bearer(value) else { return false };
        self.matches(presented)
    }

    /// Whether a request's headers carry this key: `Authorization: Bearer` or `x-api-key`
    /// (either one suffices, as clients send one or the other).
    pub fn accepts_headers(&self, headers: &http::HeaderMap) -> bool {
        let bearer = self.accepts(headers.get(http::header::AUTHORIZATION).map(|v| v.as_bytes()));
        let api_key = headers.get(API_KEY_HEADER).is_some_and(|value| self.matches(value.as_bytes().trim_ascii()));
        bearer | api_key
    }

    fn matches(&self, presented: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        digest.iter().zip(&self.digest).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

/// Anthropic's client-key header.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The token of `Bearer <token>` (scheme case-insensitive, surrounding spaces ignored).
pub(super) fn strip_bearer(value: &[u8]) -> Option<&[u8]> {
    let value = value.trim_ascii();
    let (scheme, token) = value.split_at_checked(6)?;
    (scheme.eq_ignore_ascii_case(b"bearer") && token.first().is_some_and(|b| *b == b' ')).then(|| token.trim_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_key_passes() {
        let key = ClientKey::new("s3cret").expect("key");
        assert!(key.accepts(Some(b"Bearer s3cret")));
        assert!(key.accepts(Some(b"bearer  s3cret ")));
        for wrong in [&b"Bearer s3cre"[..], b"Bearer s3cret2", b"Basic s3cret", b"Bearers3cret", b"", b"Bearer "] {
            assert!(!key.accepts(Some(wrong)), "{}", String::from_utf8_lossy(wrong));
        }
        assert!(!key.accepts(None));
        assert!(ClientKey::new("  ").is_none());
        assert_eq!(format!("{key:?}"), "ClientKey(****)");
    }

    #[test]
    fn either_header_carries_the_key() {
        let key = ClientKey::new("s3cret").expect("key");
        let cases: [(&[(&str, &str)], bool); 7] = [
            (&[("authorization", "Bearer s3cret")], true),
            (&[("x-api-key", "s3cret")], true),
            (&[("x-api-key", " s3cret ")], true),
            (&[("x-api-key", "wrong"), ("authorization", "Bearer s3cret")], true),
            (&[("x-api-key", "s3cret"), ("authorization", "Bearer wrong")], true),
            (&[("x-api-key", "Bearer s3cret")], false),
            (&[], false),
        ];
        for (headers, accepted) in cases {
            let mut map = http::HeaderMap::new();
            for (name, value) in headers {
                map.insert(*name, http::HeaderValue::from_str(value).unwrap());
            }
            assert_eq!(key.accepts_headers(&map), accepted, "{headers:?}");
        }
    }
}
