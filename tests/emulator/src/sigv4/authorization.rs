//! Reading a SigV4 signature from the `Authorization` header or a presigned query string.

use super::{ALGORITHM, RequestParts, incomplete};
use crate::errors::ApiError;

/// A parsed SigV4 signature, from the header or the presigned query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSignature {
    /// True when it came from the query string (presigned URL).
    pub presigned: bool,
    /// The access key id from the credential scope.
    pub access_key_id: String,
    /// The scope date, `YYYYMMDD`.
    pub scope_date: String,
    /// The scope region.
    pub region: String,
    /// The scope service (signing name), `bedrock` for Bedrock.
    pub service: String,
    /// The lower-case signed header names, in the order given.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
    /// The request time, `YYYYMMDDTHHMMSSZ`.
    pub amz_date: String,
    /// The session token sent with the request, if any.
    pub session_token: Option<String>,
    /// `X-Amz-Expires` of a presigned request, in seconds.
    pub expires_seconds: Option<u64>,
}

impl ParsedSignature {
    /// `date/region/service/aws4_request`.
    pub fn scope(&self) -> String {
        format!("{}/{}/{}/aws4_request", self.scope_date, self.region, self.service)
    }
}

/// Reads the signature from the `Authorization` header or the presigned query.
/// `Ok(None)` means the request carries no SigV4 signature.
pub fn parse(request: &RequestParts) -> Result<Option<ParsedSignature>, ApiError> {
    if let Some(header) = request.header("authorization") {
        let Some(rest) = header.trim_start().strip_prefix(ALGORITHM) else {
            return Ok(None);
        };
        return parse_header(rest, request).map(Some);
    }
    let params = request.query_params();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    match param("X-Amz-Algorithm") {
        None => Ok(None),
        Some(algorithm) if algorithm != ALGORITHM => Err(incomplete(format!("Unsupported AWS 'algorithm': '{algorithm}'"))),
        Some(_) => {
            let missing: Vec<&str> =
                ["X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"].into_iter().filter(|name| param(name).is_none()).collect();
            if !missing.is_empty() {
                return Err(incomplete(format!("AWS query-string parameters missing: {}", missing.join(", "))));
            }
            let credential = param("X-Amz-Credential").unwrap_or_default();
            let expires = match param("X-Amz-Expires") {
                None => None,
                Some(text) => Some(text.parse::<u64>().map_err(|_| incomplete("X-Amz-Expires must be a number of seconds"))?),
            };
            build(
                true,
                &credential,
                &param("X-Amz-SignedHeaders").unwrap_or_default(),
                &param("X-Amz-Signature").unwrap_or_default(),
                param("X-Amz-Date").unwrap_or_default(),
                param("X-Amz-Security-Token"),
                expires,
            )
            .map(Some)
        }
    }
}

fn parse_header(rest: &str, request: &RequestParts) -> Result<ParsedSignature, ApiError> {
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let Some((key, value)) = part.trim().split_once('=') else {
            return Err(incomplete(format!("Authorization header requires each component to be of the form key=value: '{}'", part.trim())));
        };
        match key.trim() {
            "Credential" => credential = Some(value.trim()),
            "SignedHeaders" => signed_headers = Some(value.trim()),
            "Signature" => signature = Some(value.trim()),
            _ => {}
        }
    }
    let mut missing = Vec::new();
    for (name, value) in [("Credential", credential), ("Signature", signature), ("SignedHeaders", signed_headers)] {
        if value.is_none() {
            missing.push(format!("Authorization header requires '{name}' parameter."));
        }
    }
    let amz_date = request.header("x-amz-date").map(str::trim).map(str::to_string);
    if amz_date.is_none() {
        missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".to_string());
    }
    if !missing.is_empty() {
        return Err(incomplete(format!("{} Authorization={}", missing.join(" "), ALGORITHM)));
    }
    build(
        false,
        credential.unwrap_or_default(),
        signed_headers.unwrap_or_default(),
        signature.unwrap_or_default(),
        amz_date.unwrap_or_default(),
        request.header("x-amz-security-token").map(str::to_string),
        None,
    )
}

fn build(
    presigned: bool,
    credential: &str,
    signed_headers: &str,
    signature: &str,
    amz_date: String,
    session_token: Option<String>,
    expires_seconds: Option<u64>,
) -> Result<ParsedSignature, ApiError> {
    let fields: Vec<&str> = credential.split('/').collect();
    let [access_key_id, scope_date, region, service, terminator] = fields[..] else {
        return Err(incomplete(format!("Credential should be scoped to a valid region, not '{credential}'. ")));
    };
    if terminator != "aws4_request" {
        return Err(incomplete(format!("Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'. ")));
    }
    let signed_headers: Vec<String> = signed_headers.split(';').map(|h| h.trim().to_ascii_lowercase()).collect();
    if !signed_headers.iter().any(|h| h == "host" || h == ":authority") {
        return Err(incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."));
    }
    Ok(ParsedSignature {
        presigned,
        access_key_id: access_key_id.to_string(),
        scope_date: scope_date.to_string(),
        region: region.to_string(),
        service: service.to_string(),
        signed_headers,
        signature: signature.to_ascii_lowercase(),
        amz_date,
        session_token,
        expires_seconds,
    })
}
