//! SigV4 verification, written from the specification rather than with the `aws-sigv4` crate, so
//! that a signing bug in a client cannot be mirrored by the same bug here.
//!
//! Both forms are read: the `Authorization: AWS4-HMAC-SHA256 ...` header and the presigned query
//! (`X-Amz-Algorithm`, `X-Amz-Credential`, ...). The canonical request follows the rules for
//! services other than S3: the path is normalised (dot segments removed, empty segments merged)
//! and URI-encoded a second time, so `%3A` on the wire becomes `%253A` in the canonical request.

use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::clock;
use crate::errors::ApiError;

/// The only algorithm SigV4 defines.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// AWS allows this much difference between the signer's clock and its own.
pub const CLOCK_SKEW: Duration = Duration::from_secs(300);
/// The payload hash clients send when they do not sign the body.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The parts of an HTTP request that SigV4 covers, as they arrived on the wire.
#[derive(Debug, Clone)]
pub struct RequestParts {
    /// The method, e.g. `POST`.
    pub method: String,
    /// The path exactly as in the request line (still percent-encoded).
    pub raw_path: String,
    /// The query without `?`, exactly as in the request line.
    pub raw_query: String,
    /// Headers in arrival order; repeated headers appear repeatedly.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Vec<u8>,
}

impl RequestParts {
    /// Every value of a header, matched case-insensitively, in arrival order.
    pub fn header_values<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.headers.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.header_values(name).next()
    }

    /// Query parameters, percent-decoded, in arrival order.
    pub fn query_params(&self) -> Vec<(String, String)> {
        parse_query(&self.raw_query)
    }
}

/// How the canonical path is formed.
#[derive(Debug, Clone, Copy)]
pub struct CanonicalOptions {
    /// Remove `.`/`..` segments and merge repeated slashes (every service but S3).
    pub normalize_path: bool,
}

impl Default for CanonicalOptions {
    fn default() -> Self {
        CanonicalOptions { normalize_path: true }
    }
}

pub(crate) fn incomplete(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "IncompleteSignatureException", message)
}

/// The error AWS returns for a request that carries no authentication at all.
pub fn missing_authentication() -> ApiError {
    ApiError::new(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
}

/// The error for an access key id or session token AWS does not know.
pub fn unrecognized_client() -> ApiError {
    ApiError::new(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
}

/// The error for temporary credentials past their expiry.
pub fn expired_token() -> ApiError {
    ApiError::new(403, "ExpiredTokenException", "The security token included in the request is expired")
}

/// The error for a signature that does not match.
pub fn signature_mismatch() -> ApiError {
    ApiError::new(
        403,
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    )
}

mod authorization;
pub use authorization::{ParsedSignature, parse};

/// Percent-encodes every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) and, if asked, `/`.
pub fn uri_encode(input: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(input.len());
    for byte in input.bytes() {
        let keep = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') || (keep_slash && byte == b'/');
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Splits a raw query into percent-decoded pairs; a piece with no `=` has an empty value.
pub fn parse_query(raw_query: &str) -> Vec<(String, String)> {
    parse_pairs(raw_query, false)
}

/// Splits `k=v&k=v` text into percent-decoded pairs; with `plus_is_space` (form bodies) `+` is
/// a space first.
pub fn parse_pairs(raw: &str, plus_is_space: bool) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let text = if plus_is_space { s.replace('+', " ") } else { s.to_string() };
        percent_encoding::percent_decode_str(&text).decode_utf8_lossy().into_owned()
    };
    raw.split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| match piece.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(piece), String::new()),
        })
        .collect()
}

/// Removes dot segments and merges empty segments, keeping a trailing slash.
fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let trailing = (path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..")) && !segments.is_empty();
    let mut out = format!("/{}", segments.join("/"));
    if trailing {
        out.push('/');
    }
    out
}

/// The canonical URI: the wire path, normalised if asked, then URI-encoded again.
pub fn canonical_uri(raw_path: &str, options: CanonicalOptions) -> String {
    let path = if raw_path.is_empty() { "/" } else { raw_path };
    let path = if options.normalize_path { normalize_path(path) } else { path.to_string() };
    uri_encode(&path, true)
}

/// The canonical query: decoded pairs re-encoded strictly, sorted, without `X-Amz-Signature`.
pub fn canonical_query(raw_query: &str) -> String {
    canonical_query_without(raw_query, &[])
}

/// The canonical query without `X-Amz-Signature` and the named parameters.
fn canonical_query_without(raw_query: &str, excluded: &[&str]) -> String {
    let mut pairs: Vec<(String, String)> = parse_query(raw_query)
        .into_iter()
        .filter(|(k, _)| k != "X-Amz-Signature" && !excluded.contains(&k.as_str()))
        .map(|(k, v)| (uri_encode(&k, false), uri_encode(&v, false)))
        .collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// The payload hash the signer used: `x-amz-content-sha256` when it says UNSIGNED-PAYLOAD,
/// otherwise the SHA-256 of the body actually received (so a lying header fails the signature).
pub fn payload_hash(request: &RequestParts) -> String {
    match request.header("x-amz-content-sha256").map(str::trim) {
        Some(UNSIGNED_PAYLOAD) => UNSIGNED_PAYLOAD.to_string(),
        _ => hex::encode(Sha256::digest(&request.body)),
    }
}

/// The canonical request for a parsed signature.
pub fn canonical_request(request: &RequestParts, signature: &ParsedSignature, options: CanonicalOptions) -> String {
    canonical_request_without(request, signature, options, &[])
}

/// The canonical request of a presigned URL whose session token was appended after signing (as
/// some signers do, and the suite's `post-sts-header-after` case shows).
pub fn canonical_request_token_appended(request: &RequestParts, signature: &ParsedSignature, options: CanonicalOptions) -> String {
    canonical_request_without(request, signature, options, &["X-Amz-Security-Token"])
}

fn canonical_request_without(request: &RequestParts, signature: &ParsedSignature, options: CanonicalOptions, excluded_query: &[&str]) -> String {
    let mut out = String::new();
    out.push_str(&request.method);
    out.push('\n');
    out.push_str(&canonical_uri(&request.raw_path, options));
    out.push('\n');
    out.push_str(&canonical_query_without(&request.raw_query, excluded_query));
    out.push('\n');
    for name in &signature.signed_headers {
        let values: Vec<String> = signed_header_values(request, name).map(|v| v.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signature.signed_headers.join(";"));
    out.push('\n');
    out.push_str(&payload_hash(request));
    out
}

/// The values a signed header had. Over HTTP/2 the host travels as the `:authority`
/// pseudo-header, which HTTP libraries do not list among the headers (the server adds it as
/// `host`): a signer that signed `:authority` (as the AWS SDK for JavaScript does over HTTP/2)
/// signed that value.
fn signed_header_values<'a>(request: &'a RequestParts, name: &'a str) -> Box<dyn Iterator<Item = &'a str> + 'a> {
    if name == ":authority" && request.header(":authority").is_none() {
        return Box::new(request.header_values("host"));
    }
    Box::new(request.header_values(name))
}

/// The string to sign over a canonical request.
pub fn string_to_sign(signature: &ParsedSignature, canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{}\n{}\n{}", signature.amz_date, signature.scope(), hex::encode(Sha256::digest(canonical_request.as_bytes())))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The signing key: HMAC chain over date, region, service and `aws4_request`.
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret_access_key}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// The hex signature the secret key gives over a canonical request.
pub fn signature_over(canonical_request: &str, signature: &ParsedSignature, secret_access_key: &str) -> String {
    let key = signing_key(secret_access_key, &signature.scope_date, &signature.region, &signature.service);
    hex::encode(hmac(&key, string_to_sign(signature, canonical_request).as_bytes()))
}

/// Checks the request time against `now` (5 minutes either way; a presigned URL until it expires).
pub fn check_time(signature: &ParsedSignature, now: SystemTime) -> Result<(), ApiError> {
    let Some(signed_at) = clock::parse_amz_date(&signature.amz_date) else {
        return Err(incomplete(format!("Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601", signature.amz_date)));
    };
    if !signature.amz_date.starts_with(&signature.scope_date) {
        return Err(ApiError::new(
            403,
            "InvalidSignatureException",
            format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
                signature.scope_date,
                &signature.amz_date[..8],
                signature.amz_date
            ),
        ));
    }
    let now_text = clock::format_amz_date(now);
    let latest = match signature.expires_seconds {
        Some(seconds) => signed_at + Duration::from_secs(seconds),
        None => signed_at + CLOCK_SKEW,
    };
    if now > latest {
        let message = if signature.presigned {
            "Request has expired".to_string()
        } else {
            format!("Signature expired: {} is now earlier than {} ({now_text} - 5 min.)", signature.amz_date, clock::format_amz_date(now - CLOCK_SKEW))
        };
        return Err(ApiError::new(403, "InvalidSignatureException", message));
    }
    if signed_at > now + CLOCK_SKEW {
        return Err(ApiError::new(
            403,
            "InvalidSignatureException",
            format!("Signature not yet current: {} is still later than {} ({now_text} + 5 min.)", signature.amz_date, clock::format_amz_date(now + CLOCK_SKEW)),
        ));
    }
    Ok(())
}

/// Checks the scope's region and service against what this endpoint expects.
pub fn check_scope(signature: &ParsedSignature, regions: &[&str], service: &str) -> Result<(), ApiError> {
    if signature.service != service {
        return Err(ApiError::new(403, "InvalidSignatureException", format!("Credential should be scoped to correct service: '{service}'. ")));
    }
    if !regions.contains(&signature.region.as_str()) {
        return Err(ApiError::new(403, "InvalidSignatureException", format!("Credential should be scoped to a valid region, not '{}'. ", signature.region)));
    }
    Ok(())
}

/// Compares the signature with the one the secret gives, in constant time.
/// A presigned URL's session token may have been appended after signing; both forms are tried.
pub fn check_signature(request: &RequestParts, signature: &ParsedSignature, secret_access_key: &str, options: CanonicalOptions) -> Result<(), ApiError> {
    let given = signature.signature.as_bytes();
    let matches = |canonical: String| {
        let expected = signature_over(&canonical, signature, secret_access_key);
        expected.len() == given.len() && expected.bytes().zip(given).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    };
    let token_in_query = signature.presigned && request.query_params().iter().any(|(k, _)| k == "X-Amz-Security-Token");
    if matches(canonical_request(request, signature, options)) || (token_in_query && matches(canonical_request_token_appended(request, signature, options))) {
        Ok(())
    } else {
        Err(signature_mismatch())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_http2_request_signed_over_authority_verifies() {
        // The AWS SDK for JavaScript over HTTP/2 drops `host` and signs `:authority`; the
        // server hands the authority on as `host`.
        let parts = |headers: &[(&str, &str)]| RequestParts {
            method: "GET".into(),
            raw_path: "/foundation-models".into(),
            raw_query: String::new(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            body: Vec::new(),
        };
        let signature = ParsedSignature {
            access_key_id: "AKIDEXAMPLE".into(),
            scope_date: "20150830".into(),
            region: "us-east-1".into(),
            service: "bedrock".into(),
            signed_headers: vec![":authority".into(), "x-amz-date".into()],
            signature: String::new(),
            amz_date: "20150830T123600Z".into(),
            presigned: false,
            session_token: None,
            expires_seconds: None,
        };
        let over_authority = parts(&[(":authority", "bedrock-runtime.us-east-1.amazonaws.com"), ("x-amz-date", "20150830T123600Z")]);
        let as_host = parts(&[("x-amz-date", "20150830T123600Z"), ("host", "bedrock-runtime.us-east-1.amazonaws.com")]);
        let canonical = canonical_request(&as_host, &signature, CanonicalOptions::default());
        assert!(canonical.contains("\n:authority:bedrock-runtime.us-east-1.amazonaws.com\n"), "{canonical}");
        assert_eq!(canonical, canonical_request(&over_authority, &signature, CanonicalOptions::default()));
    }

    #[test]
    fn canonical_uri_normalises_and_double_encodes() {
        let cases = [
            ("/", "/"),
            ("//example//", "/example/"),
            ("/example/..", "/"),
            ("/./", "/"),
            ("/a/./b/../c", "/a/c"),
            (
                "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Fx/converse",
                "/model/arn%253Aaws%253Abedrock%253Aus-east-1%253A%253Afoundation-model%252Fx/converse",
            ),
            ("/example space/", "/example%20space/"),
        ];
        for (raw, expected) in cases {
            assert_eq!(canonical_uri(raw, CanonicalOptions::default()), expected, "{raw}");
        }
    }

    #[test]
    fn canonical_query_sorts_and_encodes() {
        let cases =
            [("", ""), ("b=2&a=1", "a=1&b=2"), ("a=2&a=1", "a=1&a=2"), ("k=a%20b&X-Amz-Signature=ff", "k=a%20b"), ("k=%2F%3A", "k=%2F%3A"), ("flag", "flag=")];
        for (raw, expected) in cases {
            assert_eq!(canonical_query(raw), expected, "{raw}");
        }
    }
}
