//! The request id: the `x-request-id` a client (or a proxy in front) sent is kept, so one id
//! follows a request through every hop, and echoed on the response; a missing or unusable one
//! is replaced by a fresh id.

use std::hash::{BuildHasher as _, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};

/// The header, in the lower case HTTP/2 and hyper use.
pub const HEADER: &str = "x-request-id";
/// Longest id kept from a client; longer ones are replaced, not cut (a cut id would no longer
/// match the client's own logs).
pub const MAX_LEN: usize = 128;

/// The id for a request: the client's `x-request-id` when it is 1 to [`MAX_LEN`] visible ASCII
/// characters without quotes or backslashes (safe in a header, a JSON log line and a span
/// attribute as is), else a new one.
pub fn for_request(sent: Option<&[u8]>) -> String {
    match sent {
        Some(value) if is_usable(value) => String::from_utf8_lossy(value).into_owned(),
        _ => generate(),
    }
}

fn is_usable(value: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&value.len()) && value.iter().all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\\'))
}

/// A new id: 32 hex digits, unique in this process and unpredictable across processes.
pub fn generate() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static KEYS: std::sync::OnceLock<RandomState> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(RandomState::new);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}{:016x}", keys.hash_one(n), keys.hash_one(!n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sane_id_is_kept_anything_else_is_replaced() {
        let long = "a".repeat(MAX_LEN + 1);
        let longest = "a".repeat(MAX_LEN);
        let cases: &[(Option<&[u8]>, bool)] = &[
            (Some(b"abc-123"), true),
            (Some(b"0f8fad5b-d9cb-469f-a165-70867728950e"), true),
            (Some(longest.as_bytes()), true),
            (None, false),
            (Some(b""), false),
            (Some(b"has space"), false),
            (Some(b"quote\"d"), false),
            (Some(b"back\\slash"), false),
            (Some(b"new\nline"), false),
            (Some("caf\u{e9}".as_bytes()), false),
            (Some(long.as_bytes()), false),
        ];
        for (sent, kept) in cases {
            let id = for_request(*sent);
            assert_eq!(sent.is_some_and(|s| s == id.as_bytes()), *kept, "{sent:?} -> {id}");
            assert!(is_usable(id.as_bytes()), "{id}");
        }
    }

    #[test]
    fn generated_ids_differ() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| generate()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit())));
    }
}
