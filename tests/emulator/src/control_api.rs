//! The emulator's own control API under `/__emulator/` (no authentication; loopback test use).
//!
//! | route | body | answer |
//! |---|---|---|
//! | `POST /__emulator/faults` | a [`FaultRule`] or an array of them | 201 `{"queued": n}` |
//! | `GET /__emulator/faults` | | `{"faults": [FaultRule...]}` |
//! | `DELETE /__emulator/faults` | | 204 |
//! | `GET /__emulator/requests` | | `{"requests": [RequestLogEntry...]}` |
//! | `DELETE /__emulator/requests` | | 204 |
//! | `POST /__emulator/reset` | | 204; clears faults and the log |
//! | `POST /__emulator/release` | | 204; requests held by `hold` / `hold_after` go on |
//! | `POST /__emulator/credentials` | `{"durationSeconds": n, "roleArn": "..."}` (both optional) | temporary credentials JSON |
//! | `POST /__emulator/expire-credentials` | | 204; every issued credential is now expired |
//! | `GET /__emulator/health` | | `{"status": "ok", "region": ...}` |

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use crate::catalog::ACCOUNT_ID;
use crate::clock;
use crate::errors::ApiError;
use crate::faults::FaultRule;
use crate::reply::Reply;
use crate::sigv4::RequestParts;
use crate::state::State;

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<FaultRule>),
    One(FaultRule),
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IssueRequest {
    duration_seconds: Option<u64>,
    role_arn: Option<String>,
}

fn no_content() -> Reply {
    Reply { status: 204, headers: vec![], body: crate::reply::ReplyBody::Full(bytes::Bytes::new()) }
}

fn bad_request(message: String) -> Reply {
    Reply::from(ApiError::new(400, "BadRequest", message))
}

/// Answers a control API request.
pub fn handle(state: &State, parts: &RequestParts) -> Reply {
    let route = parts.raw_path.trim_start_matches("/__emulator/").trim_end_matches('/');
    match (parts.method.as_str(), route) {
        ("POST", "faults") => match serde_json::from_slice::<OneOrMany>(&parts.body) {
            Ok(rules) => {
                let rules = match rules {
                    OneOrMany::Many(rules) => rules,
                    OneOrMany::One(rule) => vec![rule],
                };
                let queued = rules.len();
                rules.into_iter().for_each(|rule| state.faults.push(rule));
                Reply::json(201, &json!({ "queued": queued }))
            }
            Err(error) => bad_request(format!("not a fault rule: {error}")),
        },
        ("GET", "faults") => Reply::json(200, &json!({ "faults": state.faults.pending() })),
        ("DELETE", "faults") => {
            state.faults.clear();
            no_content()
        }
        ("GET", "requests") => Reply::json(200, &json!({ "requests": state.log.entries() })),
        ("DELETE", "requests") => {
            state.log.clear();
            no_content()
        }
        ("POST", "reset") => {
            state.faults.clear();
            state.log.clear();
            no_content()
        }
        ("POST", "release") => {
            state.faults.release_held();
            no_content()
        }
        ("POST", "credentials") => {
            let request =
                if parts.body.iter().all(u8::is_ascii_whitespace) { Ok(IssueRequest::default()) } else { serde_json::from_slice::<IssueRequest>(&parts.body) };
            match request {
                Ok(request) => {
                    let role = request.role_arn.unwrap_or_else(|| format!("arn:aws:iam::{ACCOUNT_ID}:role/emulator-test-role"));
                    let issued = state.credentials.issue(&role, Duration::from_secs(request.duration_seconds.unwrap_or(3600)));
                    Reply::json(
                        200,
                        &json!({
                            "AccessKeyId": issued.access_key_id,
                            "SecretAccessKey": issued.secret_access_key,
                            "SessionToken": issued.session_token,
                            "Expiration": clock::format_iso8601(issued.expiration),
                        }),
                    )
                }
                Err(error) => bad_request(format!("not a credentials request: {error}")),
            }
        }
        ("POST", "expire-credentials") => {
            state.credentials.expire_issued();
            no_content()
        }
        ("GET", "health") => Reply::json(200, &json!({ "status": "ok", "region": state.region })),
        _ => Reply::from(ApiError::not_found(format!("no control route {} /__emulator/{route}", parts.method))),
    }
}
