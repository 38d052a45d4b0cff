//! One line per problem: what went wrong in words, then what to do next.
//!
//! The capability's errors already say what failed without a secret or an SDK structure
//! ([`openclaw_host::aws::errors`]); this adds the next step a user can take, chosen from the
//! error's class and code, so every command ends a failure the same way.

use openclaw_host::aws::model::{ApiError, ErrorClass};

/// `MESSAGE; NEXT STEP` on one line.
pub(super) fn sentence(error: &ApiError) -> String {
    let message = error.message.trim_end_matches(['.', ' ']);
    let message = if message.is_empty() { error.code.as_deref().unwrap_or("failed") } else { message };
    match next_step(error) {
        Some(step) => format!("{message}; {step}"),
        None => message.to_string(),
    }
}

/// What to do about an error, when there is something to say.
pub(super) fn next_step(error: &ApiError) -> Option<&'static str> {
    let code = error.code.as_deref().unwrap_or("").to_ascii_lowercase();
    let message = error.message.to_ascii_lowercase();
    let step = match error.class {
        ErrorClass::Auth if message.starts_with("no aws credentials found") => {
            "set AWS_PROFILE (after `aws configure` or `aws sso login`), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_BEARER_TOKEN_BEDROCK; or try it without an account: openclaw-bedrock --emulate demo"
        }
        ErrorClass::Auth
            if message.contains("profile") && (message.contains("not defined") || message.contains("not in ") || message.contains("could not be found")) =>
        {
            "check AWS_PROFILE, or define the profile (aws configure --profile NAME)"
        }
        ErrorClass::Auth if code.starts_with("expiredtoken") || message.contains("expired") => {
            "the credentials have expired: renew them (aws sso login, or fresh session credentials) and try again"
        }
        ErrorClass::Auth if code.starts_with("accessdenied") || error.http_status == Some(403) && message.contains("access") => {
            "this identity may not call the model: allow bedrock:InvokeModelWithResponseStream (and bedrock:List* for discovery) and enable the model's access in the Bedrock console"
        }
        ErrorClass::Auth if code.starts_with("unrecognizedclient") || code.starts_with("invalidclienttokenid") => {
            "the access key is not known to AWS: check AWS_ACCESS_KEY_ID and the profile's keys"
        }
        ErrorClass::Auth if code.contains("signature") || message.contains("signature") => {
            "the secret key does not match the access key: check AWS_SECRET_ACCESS_KEY and the profile's keys"
        }
        ErrorClass::Auth if message.starts_with("credentials did not resolve") || message.contains("credentials did not resolve") => {
            "fix the credential source named above (openclaw-bedrock models status shows the sources)"
        }
        ErrorClass::Auth => "check the credentials (openclaw-bedrock models status shows where they come from)",
        ErrorClass::Network => "check the network or proxy, and AWS_ENDPOINT_URL if it is set",
        ErrorClass::Timeout => "Bedrock did not answer in time: try again, or allow more time (--probe-timeout, --timeout)",
        ErrorClass::RateLimit => "throttled: wait and try again, or ask for a higher quota",
        ErrorClass::Overloaded => "the model is busy or not ready: try again shortly",
        ErrorClass::NotFound => "check the model id (openclaw-bedrock models list) and the region",
        ErrorClass::ContextOverflow => "shorten the prompt",
        ErrorClass::Format | ErrorClass::ModelError | ErrorClass::Unknown => return None,
    };
    Some(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(class: ErrorClass, code: Option<&str>, message: &str, status: Option<u16>) -> ApiError {
        ApiError { class, code: code.map(str::to_string), message: message.to_string(), http_status: status, retryable: false }
    }

    #[test]
    fn each_problem_gets_its_next_step() {
        let cases: &[(ApiError, &str)] = &[
            (error(ErrorClass::Auth, None, "no AWS credentials found; tried ...", None), "aws configure"),
            (error(ErrorClass::Auth, None, "profile \"nope\" (not in ~/.aws/credentials or ~/.aws/config): ... not defined", None), "check AWS_PROFILE"),
            (error(ErrorClass::Auth, Some("ExpiredTokenException"), "The security token included in the request is expired", Some(403)), "have expired"),
            (error(ErrorClass::Auth, Some("AccessDeniedException"), "You don't have access to the model", Some(403)), "enable the model's access"),
            (
                error(ErrorClass::Auth, Some("UnrecognizedClientException"), "The security token included in the request is invalid.", Some(403)),
                "not known to AWS",
            ),
            (
                error(ErrorClass::Auth, Some("InvalidSignatureException"), "The request signature we calculated does not match", Some(403)),
                "secret key does not match",
            ),
            (error(ErrorClass::Network, None, "cannot connect to http://127.0.0.1:9: connection refused", None), "AWS_ENDPOINT_URL"),
            (error(ErrorClass::NotFound, Some("ResourceNotFoundException"), "Model not found", Some(404)), "openclaw-bedrock models list"),
        ];
        for (error, wanted) in cases {
            let line = sentence(error);
            assert!(line.contains(wanted), "{error:?} -> {line}");
            assert!(!line.contains('\n'), "{line}");
        }
    }

    #[test]
    fn no_step_for_what_the_user_cannot_act_on() {
        let line = sentence(&error(ErrorClass::ModelError, None, "The model returned an error.", Some(424)));
        assert_eq!(line, "The model returned an error");
    }
}
