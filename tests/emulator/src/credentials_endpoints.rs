//! The credential sources of the AWS default chain, served on the same listener so that a
//! client's chain can be pointed here: IMDSv2, the container (ECS/EKS) endpoint and STS.
//!
//! - IMDSv2: `PUT /latest/api/token` (header `X-aws-ec2-metadata-token-ttl-seconds`, 1..=21600)
//!   returns a token; `GET /latest/meta-data/iam/security-credentials/` (and
//!   `security-credentials-extended/`) with `X-aws-ec2-metadata-token` returns the role name, and
//!   `.../<role>` the credentials JSON. `GET /latest/meta-data/placement/region` returns the region.
//! - Container: `GET /v2/credentials/<any id>` with `Authorization: <container token>`.
//! - The SSO portal: `GET /federation/credentials?role_name=R&account_id=A` with header
//!   `x-amz-sso_bearer_token` (the access token an SSO login cached; [`DEFAULT_SSO_ACCESS_TOKEN`])
//!   returns role credentials (`GetRoleCredentials`), as `portal.sso.<region>.amazonaws.com` does.
//! - STS (query protocol, `POST /` form body or `GET /?Action=`): `AssumeRoleWithWebIdentity`
//!   (unsigned, checks the web identity token), `AssumeRole` and `GetCallerIdentity` (SigV4,
//!   service `sts`), answering in the `https://sts.amazonaws.com/doc/2011-06-15/` XML namespace.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::catalog::ACCOUNT_ID;
use crate::clock;
use crate::errors::ApiError;
use crate::identity::{CredentialStore, IMDS_ROLE_NAME, IssuedCredentials};
use crate::reply::{Reply, request_id};

/// Lifetime of credentials from IMDS and the container endpoint.
const INSTANCE_CREDENTIAL_LIFETIME: Duration = Duration::from_secs(6 * 3600);
/// The XML namespace of every STS response.
const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// IMDSv2 session tokens and their expiry.
#[derive(Debug, Default)]
pub struct ImdsSessions {
    tokens: Mutex<HashMap<String, SystemTime>>,
}

fn plain(status: u16, text: impl Into<String>) -> Reply {
    Reply::bytes(status, "text/plain", text.into())
}

fn instance_role_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:role/{IMDS_ROLE_NAME}")
}

/// Answers an IMDS request (`/latest/...`); `method` and headers as received.
pub fn imds(sessions: &ImdsSessions, store: &CredentialStore, region: &str, method: &str, path: &str, header: &dyn Fn(&str) -> Option<String>) -> Reply {
    // IMDS refuses anything that went through a proxy.
    if header("x-forwarded-for").is_some() {
        return plain(403, "Forbidden");
    }
    let mut tokens = sessions.tokens.lock().unwrap_or_else(|p| p.into_inner());
    let now = SystemTime::now();
    if path == "/latest/api/token" {
        if method != "PUT" {
            return plain(405, "Method Not Allowed");
        }
        let ttl = header("x-aws-ec2-metadata-token-ttl-seconds").and_then(|v| v.trim().parse::<u64>().ok());
        let Some(ttl) = ttl.filter(|t| (1..=21_600).contains(t)) else {
            return plain(400, "Bad Request");
        };
        let token = format!("AQAEA{}", crate::reply::request_id().replace('-', ""));
        tokens.insert(token.clone(), now + Duration::from_secs(ttl));
        return plain(200, token).header("x-aws-ec2-metadata-token-ttl-seconds", ttl.to_string());
    }
    if method != "GET" {
        return plain(405, "Method Not Allowed");
    }
    let valid = header("x-aws-ec2-metadata-token").and_then(|t| tokens.get(&t).copied()).is_some_and(|expiry| expiry > now);
    if !valid {
        return plain(401, "Unauthorized");
    }
    drop(tokens);
    let (extended, rest) = if let Some(rest) = path.strip_prefix("/latest/meta-data/iam/security-credentials-extended/") {
        (true, rest)
    } else if let Some(rest) = path.strip_prefix("/latest/meta-data/iam/security-credentials/") {
        (false, rest)
    } else if path == "/latest/meta-data/placement/region" {
        return plain(200, region);
    } else {
        return plain(404, "Not Found");
    };
    match rest {
        "" => plain(200, IMDS_ROLE_NAME),
        role if role == IMDS_ROLE_NAME => {
            let issued = store.issue(&instance_role_arn(), INSTANCE_CREDENTIAL_LIFETIME);
            let mut body = json!({
                "Code": "Success",
                "LastUpdated": clock::format_iso8601(now),
                "Type": "AWS-HMAC",
                "AccessKeyId": issued.access_key_id,
                "SecretAccessKey": issued.secret_access_key,
                "Token": issued.session_token,
                "Expiration": clock::format_iso8601(issued.expiration),
            });
            if extended {
                body["AccountId"] = ACCOUNT_ID.into();
            }
            Reply::json(200, &body)
        }
        _ => plain(404, "Not Found"),
    }
}

/// Answers the container credentials endpoint, checking its authorization token.
pub fn container(store: &CredentialStore, expected_token: &str, authorization: Option<&str>) -> Reply {
    if authorization.map(str::trim) != Some(expected_token) {
        return Reply::json(
            401,
            &json!({ "code": "AccessDenied", "message": "Unauthorized: the Authorization header does not match the container credentials token." }),
        );
    }
    let role_arn = format!("arn:aws:iam::{ACCOUNT_ID}:role/emulator-task-role");
    let issued = store.issue(&role_arn, INSTANCE_CREDENTIAL_LIFETIME);
    Reply::json(
        200,
        &json!({
            "RoleArn": role_arn,
            "AccessKeyId": issued.access_key_id,
            "SecretAccessKey": issued.secret_access_key,
            "Token": issued.session_token,
            "Expiration": clock::format_iso8601(issued.expiration),
            "AccountId": ACCOUNT_ID,
        }),
    )
}

/// The access token the SSO portal accepts (what `aws sso login` would have cached).
pub const DEFAULT_SSO_ACCESS_TOKEN: &str = "sso-access-token-for-emulator-tests";
/// Lifetime of SSO role credentials.
const SSO_CREDENTIAL_LIFETIME: Duration = Duration::from_secs(3600);

/// Answers `GetRoleCredentials` (`GET /federation/credentials`) of the SSO portal.
pub fn sso_role_credentials(store: &CredentialStore, access_token: Option<&str>, query: &[(String, String)]) -> Reply {
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let error = |status: u16, kind: &str, message: &str| Reply::json(status, &json!({ "message": message })).header("x-amzn-errortype", kind);
    if access_token.map(str::trim) != Some(DEFAULT_SSO_ACCESS_TOKEN) {
        return error(401, "UnauthorizedException", "Session token not found or invalid");
    }
    let (Some(role_name), Some(account_id)) = (param("role_name"), param("account_id")) else {
        return error(400, "InvalidRequestException", "role_name and account_id are required");
    };
    let issued = store.issue(&format!("arn:aws:iam::{account_id}:role/{role_name}"), SSO_CREDENTIAL_LIFETIME);
    let expiration_ms = issued.expiration.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    Reply::json(
        200,
        &json!({ "roleCredentials": {
            "accessKeyId": issued.access_key_id,
            "secretAccessKey": issued.secret_access_key,
            "sessionToken": issued.session_token,
            "expiration": expiration_ms,
        } }),
    )
}

/// Parses an `application/x-www-form-urlencoded` body (`+` is a space).
pub fn parse_form(body: &str) -> Vec<(String, String)> {
    crate::sigv4::parse_pairs(body, true)
}

/// Escapes text for an XML element.
fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// An STS error in the query protocol's XML form.
pub fn sts_error(error: &ApiError) -> Reply {
    let kind = if error.status >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse xmlns=\"{STS_NAMESPACE}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        xml_escape(&error.code),
        xml_escape(&error.message),
        request_id()
    );
    Reply::bytes(error.status, "text/xml", body)
}

fn sts_success(action: &str, result: &str) -> Reply {
    let body = format!(
        "<{action}Response xmlns=\"{STS_NAMESPACE}\">\n  <{action}Result>\n{result}  </{action}Result>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</{action}Response>\n",
        request_id()
    );
    Reply::bytes(200, "text/xml", body)
}

fn credentials_xml(issued: &IssuedCredentials, session_name: &str) -> String {
    let role_name = issued.role_arn.rsplit('/').next().unwrap_or("role");
    format!(
        "    <AssumedRoleUser>\n      <AssumedRoleId>AROAEMULATOREXAMPLE:{session}</AssumedRoleId>\n      <Arn>arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{session}</Arn>\n    </AssumedRoleUser>\n    <Credentials>\n      <AccessKeyId>{}</AccessKeyId>\n      <SecretAccessKey>{}</SecretAccessKey>\n      <SessionToken>{}</SessionToken>\n      <Expiration>{}</Expiration>\n    </Credentials>\n",
        issued.access_key_id,
        xml_escape(&issued.secret_access_key),
        xml_escape(&issued.session_token),
        clock::format_iso8601(issued.expiration),
        session = xml_escape(session_name),
        role = xml_escape(role_name),
    )
}

/// The STS parameters of one request, and which action it is.
pub struct StsCall {
    /// The `Action` parameter.
    pub action: String,
    params: Vec<(String, String)>,
}

impl StsCall {
    /// Reads the parameters from the query and the form body.
    pub fn parse(query: &[(String, String)], body: &[u8]) -> StsCall {
        let mut params = query.to_vec();
        params.extend(parse_form(&String::from_utf8_lossy(body)));
        let action = params.iter().find(|(k, _)| k == "Action").map(|(_, v)| v.clone()).unwrap_or_default();
        StsCall { action, params }
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.param(name).filter(|v| !v.is_empty()).ok_or_else(|| {
            ApiError::new(
                400,
                "ValidationError",
                format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", lower_first(name)),
            )
        })
    }

    fn duration(&self) -> Result<Duration, ApiError> {
        match self.param("DurationSeconds") {
            None => Ok(Duration::from_secs(3600)),
            Some(text) => match text.parse::<u64>() {
                Ok(seconds) if (900..=43_200).contains(&seconds) => Ok(Duration::from_secs(seconds)),
                _ => Err(ApiError::new(
                    400,
                    "ValidationError",
                    format!(
                        "1 validation error detected: Value '{text}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
                    ),
                )),
            },
        }
    }

    fn role_arn(&self) -> Result<&str, ApiError> {
        let arn = self.required("RoleArn")?;
        let valid = arn.starts_with("arn:aws:iam::") && arn.contains(":role/");
        if valid { Ok(arn) } else { Err(ApiError::new(400, "ValidationError", format!("{arn} is invalid"))) }
    }

    /// `AssumeRoleWithWebIdentity`: needs no signature, only an accepted web identity token.
    pub fn assume_role_with_web_identity(&self, store: &CredentialStore, accepted_tokens: &[String]) -> Reply {
        let result = (|| {
            let role_arn = self.role_arn()?;
            let session_name = self.required("RoleSessionName")?;
            let token = self.required("WebIdentityToken")?;
            if !accepted_tokens.iter().any(|t| t == token.trim()) {
                return Err(ApiError::new(
                    400,
                    "InvalidIdentityToken",
                    "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.",
                ));
            }
            let issued = store.issue(role_arn, self.duration()?);
            let body = format!(
                "    <SubjectFromWebIdentityToken>system:serviceaccount:default:emulator</SubjectFromWebIdentityToken>\n    <Audience>sts.amazonaws.com</Audience>\n{}    <Provider>arn:aws:iam::{ACCOUNT_ID}:oidc-provider/emulator.example</Provider>\n",
                credentials_xml(&issued, session_name)
            );
            Ok(sts_success("AssumeRoleWithWebIdentity", &body))
        })();
        result.unwrap_or_else(|e| sts_error(&e))
    }

    /// `AssumeRole`, for an already authenticated caller.
    pub fn assume_role(&self, store: &CredentialStore) -> Reply {
        let result = (|| {
            let role_arn = self.role_arn()?;
            let session_name = self.required("RoleSessionName")?;
            let issued = store.issue(role_arn, self.duration()?);
            Ok(sts_success("AssumeRole", &credentials_xml(&issued, session_name)))
        })();
        result.unwrap_or_else(|e| sts_error(&e))
    }

    /// `GetCallerIdentity`, for an authenticated caller.
    pub fn get_caller_identity(principal_arn: &str) -> Reply {
        let body = format!("    <Arn>{}</Arn>\n    <UserId>AIDAEMULATOREXAMPLE</UserId>\n    <Account>{ACCOUNT_ID}</Account>\n", xml_escape(principal_arn));
        sts_success("GetCallerIdentity", &body)
    }
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_decode_plus_and_percent() {
        assert_eq!(
            parse_form("Action=AssumeRole&RoleSessionName=a+b%2Fc&Flag"),
            vec![("Action".into(), "AssumeRole".into()), ("RoleSessionName".into(), "a b/c".into()), ("Flag".into(), String::new())]
        );
    }

    #[test]
    fn sts_errors_use_the_sts_namespace() {
        let reply = sts_error(&ApiError::new(400, "InvalidIdentityToken", "bad <token>"));
        let crate::reply::ReplyBody::Full(body) = reply.body else { panic!("full body expected") };
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""));
        assert!(text.contains("<Code>InvalidIdentityToken</Code>") && text.contains("bad &lt;token&gt;"));
    }
}
