//! A policy's own Bedrock requests (sent through wasi-http): which destinations count as Bedrock,
//! and authenticating a request at send time with the bearer token or SigV4 (service `bedrock`).
//!
//! The body is signed by its hash (Bedrock, unlike S3, needs the payload hash in the canonical
//! request), so the caller buffers it first: policy requests are small.

use std::time::SystemTime;

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use http::HeaderValue;
use http::header::{AUTHORIZATION, HOST};
use http::uri::{Authority, Uri};

use super::Bedrock;
use super::errors::api_error;
use super::model::{ApiError, ErrorClass};

/// The SigV4 signing name of both Bedrock services (control plane and runtime).
pub const SIGNING_NAME: &str = "bedrock";

/// Headers the signer owns: stale or guest-set values are removed before signing.
const SIGNER_HEADERS: &[&str] = &["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"];

/// The AWS partition of a region (`aws`, `aws-cn`, `aws-us-gov`, or `other`).
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso") {
        "other"
    } else {
        "aws"
    }
}

/// Whether text has a region's shape: lower-case words and a number, e.g. `eu-central-1`.
fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts.last().is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The region of a standard Bedrock host (`bedrock[-runtime][-fips].<region>.amazonaws.com`,
/// `.amazonaws.com.cn` in China), when `host` is one.
pub fn standard_host_region(host: &str) -> Option<&str> {
    let rest = ["bedrock-runtime-fips.", "bedrock-runtime.", "bedrock-fips.", "bedrock."].iter().find_map(|prefix| host.strip_prefix(prefix))?;
    let (region, suffix) = rest.split_once('.')?;
    let expected_suffix = if partition(region) == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" };
    (is_region(region) && suffix == expected_suffix).then_some(region)
}

/// Scheme, lower-case host and effective port of a URL or of scheme + authority.
fn origin(scheme: &str, authority: &str) -> Option<(String, String, u16)> {
    let authority: Authority = authority.parse().ok()?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    Some((scheme, authority.host().trim_end_matches('.').to_ascii_lowercase(), authority.port_u16().unwrap_or(default_port)))
}

fn url_origin(url: &str) -> Option<(String, String, u16)> {
    let uri: Uri = url.parse().ok()?;
    origin(uri.scheme_str()?, uri.authority()?.as_str())
}

impl Bedrock {
    /// The configured endpoint overrides (control plane and runtime), as their clients use them.
    fn endpoint_overrides(&self) -> Vec<String> {
        ["Bedrock", "Bedrock Runtime"].iter().filter_map(|service| self.inner.clients.endpoint_override(service)).collect()
    }

    /// The SigV4 region for a destination: the region in a standard host name, the default
    /// region for an endpoint override; `None` when the destination is not a Bedrock endpoint.
    fn signing_region(&self, scheme: &str, authority: &str) -> Option<String> {
        let wanted = origin(scheme, authority)?;
        if self.endpoint_overrides().iter().filter_map(|url| url_origin(url)).any(|o| o == wanted) {
            return Some(self.inner.default_region.clone());
        }
        let (scheme, host, port) = wanted;
        let region = standard_host_region(&host)?;
        (scheme == "https" && port == 443 && partition(region) == partition(&self.inner.default_region)).then(|| region.to_string())
    }

    /// Whether a policy's HTTP request may go to this destination: a standard Bedrock host
    /// (control plane or runtime, FIPS included) of the configured partition over HTTPS, or a
    /// configured endpoint override (compared by scheme, host and port).
    pub fn is_bedrock_endpoint(&self, scheme: &str, authority: &str) -> bool {
        self.signing_region(scheme, authority).is_some()
    }

    /// Authenticates a policy's request to a Bedrock endpoint: `Authorization: Bearer` with
    /// `AWS_BEARER_TOKEN_BEDROCK`, otherwise SigV4 (service `bedrock`) with the resolved
    /// credentials over the body's hash. Signer headers already present are replaced, and the
    /// `host` header is set to what is signed. Refuses any other destination.
    pub async fn authenticate<B: AsRef<[u8]>>(&self, request: &mut http::Request<B>) -> Result<(), ApiError> {
        let refuse = |message: String| api_error(ErrorClass::Format, None, message, None);
        let uri = request.uri().clone();
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(refuse("refusing to authenticate a request without scheme and authority".into()));
        };
        let Some(region) = self.signing_region(scheme, authority.as_str()) else {
            return Err(refuse(format!("refusing to authenticate a request to {scheme}://{authority}: not a Bedrock endpoint")));
        };
        let headers = request.headers_mut();
        for name in SIGNER_HEADERS {
            headers.remove(*name);
        }
        // Send exactly the host that is signed (the port only when not the scheme's default).
        let default_port = if scheme.eq_ignore_ascii_case("https") { 443 } else { 80 };
        let host = if authority.port_u16().is_none_or(|p| p == default_port) { authority.host() } else { authority.as_str() };
        let host = HeaderValue::from_str(host).map_err(|_| refuse(format!("invalid host {host}")))?;
        headers.insert(HOST, host);

        if let Some(token) = &self.inner.bearer_token {
            let token = token.current()?;
            let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
                .map_err(|_| api_error(ErrorClass::Auth, None, "AWS_BEARER_TOKEN_BEDROCK is not a valid header value".into(), None))?;
            value.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, value);
            return Ok(());
        }

        let credentials = self.sigv4_credentials().await?;
        let identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&region)
            .name(SIGNING_NAME)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| api_error(ErrorClass::Unknown, None, format!("cannot sign the request: {e}"), None))?
            .into();
        let mut header_pairs = Vec::with_capacity(request.headers().len());
        for (name, value) in request.headers() {
            let value = value.to_str().map_err(|_| refuse(format!("header {name} is not visible ASCII; it cannot be signed")))?;
            header_pairs.push((name.as_str(), value));
        }
        let signable = SignableRequest::new(request.method().as_str(), uri.to_string(), header_pairs.into_iter(), SignableBody::Bytes(request.body().as_ref()))
            .map_err(|e| refuse(format!("cannot sign the request: {e}")))?;
        let (instructions, _signature) =
            sign(signable, &params).map_err(|e| api_error(ErrorClass::Unknown, None, format!("cannot sign the request: {e}"), None))?.into_parts();
        // `apply_to_request_http1x` unwraps header values; check them first so that odd
        // credentials give an error rather than a panic.
        for (name, value) in instructions.headers() {
            if HeaderValue::from_str(value).is_err() {
                return Err(api_error(ErrorClass::Auth, None, format!("the signer produced an invalid {name} header"), None));
            }
        }
        instructions.apply_to_request_http1x(request);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_hosts_and_their_regions() {
        let cases = [
            ("bedrock-runtime.us-east-1.amazonaws.com", Some("us-east-1")),
            ("bedrock.eu-central-1.amazonaws.com", Some("eu-central-1")),
            ("bedrock-runtime-fips.us-gov-west-1.amazonaws.com", Some("us-gov-west-1")),
            ("bedrock-fips.us-east-2.amazonaws.com", Some("us-east-2")),
            ("bedrock-runtime.cn-north-1.amazonaws.com.cn", Some("cn-north-1")),
            ("bedrock-runtime.cn-north-1.amazonaws.com", None),
            ("bedrock-runtime.us-east-1.amazonaws.com.cn", None),
            ("bedrock-agent.us-east-1.amazonaws.com", None),
            ("bedrock-runtime.us-east-1.amazonaws.com.evil.example", None),
            ("s3.us-east-1.amazonaws.com", None),
            ("bedrock-runtime.US-EAST-1.amazonaws.com", None),
            ("bedrock-runtime.localhost", None),
        ];
        for (host, expected) in cases {
            assert_eq!(standard_host_region(host), expected, "{host}");
        }
    }

    #[test]
    fn origins_compare_scheme_host_and_effective_port() {
        assert_eq!(origin("HTTPS", "Bedrock.us-east-1.amazonaws.com"), Some(("https".into(), "bedrock.us-east-1.amazonaws.com".into(), 443)));
        assert_eq!(url_origin("http://127.0.0.1:4566/"), Some(("http".into(), "127.0.0.1".into(), 4566)));
        assert_eq!(origin("ftp", "example.com"), None);
    }
}
