//! Who may call: static key pairs, bearer tokens, and the temporary credentials the emulator's
//! own STS, IMDS and container endpoints issue; and the check of each request against them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use crate::catalog::ACCOUNT_ID;
use crate::errors::ApiError;
use crate::faults::AuthScheme;
use crate::sigv4::{self, CanonicalOptions, RequestParts};

/// The access key id accepted when no credentials are configured (AWS's documented example
/// shape, so it is obviously not a real key).
pub const DEFAULT_ACCESS_KEY_ID: &str = "AKIDEMULATOREXAMPLE";
/// The secret key paired with [`DEFAULT_ACCESS_KEY_ID`].
pub const DEFAULT_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEMULATORKEY";
/// The bearer token accepted when none is configured; Bedrock API keys start with `ABSK`.
pub const DEFAULT_BEARER_TOKEN: &str = "ABSKQmVkcm9ja0FQSUtleS1lbXVsYXRvcjpFWEFNUExFVE9LRU4=";
/// The web identity token STS `AssumeRoleWithWebIdentity` accepts by default.
pub const DEFAULT_WEB_IDENTITY_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.emulator-web-identity.EXAMPLE";
/// The `Authorization` value the container credentials endpoint expects by default.
pub const DEFAULT_CONTAINER_AUTHORIZATION_TOKEN: &str = "emulator-container-authorization-EXAMPLE";
/// The role name IMDS reports for the instance profile.
pub const IMDS_ROLE_NAME: &str = "emulator-instance-role";

/// A long-term key pair the emulator accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticCredentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// A session token requests must carry with this pair, if any.
    pub session_token: Option<String>,
    /// When true, requests authenticate but every Bedrock operation answers AccessDeniedException.
    pub denied: bool,
}

impl StaticCredentials {
    /// A key pair without session token.
    pub fn new(access_key_id: &str, secret_access_key: &str) -> Self {
        StaticCredentials { access_key_id: access_key_id.into(), secret_access_key: secret_access_key.into(), session_token: None, denied: false }
    }

    /// The documented test pair.
    pub fn default_pair() -> Self {
        Self::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
    }

    /// Requires this session token with the pair.
    pub fn with_session_token(mut self, token: &str) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// Makes the identity valid but without permission for Bedrock.
    pub fn denied(mut self) -> Self {
        self.denied = true;
        self
    }
}

/// Temporary credentials issued by STS, IMDS or the container endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCredentials {
    /// `ASIA...` access key id.
    pub access_key_id: String,
    /// The secret key.
    pub secret_access_key: String,
    /// The session token.
    pub session_token: String,
    /// When they stop working.
    pub expiration: SystemTime,
    /// The role they belong to.
    pub role_arn: String,
}

/// Every identity the emulator knows.
#[derive(Debug, Clone, Default)]
pub struct CredentialStore {
    statics: Vec<StaticCredentials>,
    bearer_tokens: Vec<String>,
    issued: Arc<Mutex<Vec<IssuedCredentials>>>,
}

fn random_text(len: usize, alphabet: &[u8]) -> String {
    (0..len).map(|_| alphabet[fastrand::usize(..alphabet.len())] as char).collect()
}

/// What a request proved about itself, logged whether or not it passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthInfo {
    /// The scheme used.
    pub scheme: AuthScheme,
    /// The access key id, when signed.
    pub access_key_id: Option<String>,
    /// The scope region, when signed.
    pub region: Option<String>,
    /// The scope service, when signed.
    pub service: Option<String>,
    /// Whether a session token came with it.
    pub session_token_present: bool,
    /// The caller's ARN, once authenticated.
    pub principal_arn: Option<String>,
    /// Authenticated but without permission for Bedrock.
    pub denied: bool,
}

impl AuthInfo {
    fn none() -> Self {
        AuthInfo {
            scheme: AuthScheme::None,
            access_key_id: None,
            region: None,
            service: None,
            session_token_present: false,
            principal_arn: None,
            denied: false,
        }
    }
}

impl CredentialStore {
    /// A store with these static pairs and bearer tokens (the defaults when both are empty).
    pub fn new(statics: Vec<StaticCredentials>, bearer_tokens: Vec<String>) -> Self {
        let (statics, bearer_tokens) = if statics.is_empty() && bearer_tokens.is_empty() {
            (vec![StaticCredentials::default_pair()], vec![DEFAULT_BEARER_TOKEN.to_string()])
        } else {
            (statics, bearer_tokens)
        };
        CredentialStore { statics, bearer_tokens, issued: Arc::default() }
    }

    fn issued(&self) -> std::sync::MutexGuard<'_, Vec<IssuedCredentials>> {
        self.issued.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Issues temporary credentials for a role, valid for `lifetime`.
    pub fn issue(&self, role_arn: &str, lifetime: Duration) -> IssuedCredentials {
        const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const MIXED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let credentials = IssuedCredentials {
            access_key_id: format!("ASIA{}", random_text(16, UPPER)),
            secret_access_key: random_text(40, MIXED),
            session_token: format!("IQoJb3JpZ2luX2VtdWxhdG9y{}", random_text(120, MIXED)),
            expiration: SystemTime::now() + lifetime,
            role_arn: role_arn.to_string(),
        };
        self.issued().push(credentials.clone());
        credentials
    }

    /// Moves every issued credential's expiry into the past.
    pub fn expire_issued(&self) {
        let past = SystemTime::now() - Duration::from_secs(1);
        for credentials in self.issued().iter_mut() {
            credentials.expiration = past;
        }
    }

    /// Whether a static pair or issued credential has this access key id and secret (used by
    /// STS `AssumeRole`, which needs a signed caller).
    fn secret_for(&self, access_key_id: &str, session_token: Option<&str>, now: SystemTime) -> Result<(String, String, bool), ApiError> {
        if let Some(pair) = self.statics.iter().find(|c| c.access_key_id == access_key_id) {
            if pair.session_token.is_some() && pair.session_token.as_deref() != session_token {
                return Err(sigv4::unrecognized_client());
            }
            let arn = format!("arn:aws:iam::{ACCOUNT_ID}:user/emulator-{}", pair.access_key_id.to_ascii_lowercase());
            return Ok((pair.secret_access_key.clone(), arn, pair.denied));
        }
        let issued = self.issued();
        let Some(temporary) = issued.iter().find(|c| c.access_key_id == access_key_id) else {
            return Err(sigv4::unrecognized_client());
        };
        if session_token != Some(temporary.session_token.as_str()) {
            return Err(sigv4::unrecognized_client());
        }
        if now >= temporary.expiration {
            return Err(sigv4::expired_token());
        }
        let role_name = temporary.role_arn.rsplit('/').next().unwrap_or("role");
        Ok((temporary.secret_access_key.clone(), format!("arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role_name}/emulator-session"), false))
    }

    /// Authenticates a request signed for `service` in one of `regions` (or carrying a bearer
    /// token when `allow_bearer`). The info is returned even on failure, for the request log.
    pub fn authenticate(
        &self,
        request: &RequestParts,
        regions: &[&str],
        service: &str,
        allow_bearer: bool,
        now: SystemTime,
    ) -> (AuthInfo, Result<(), ApiError>) {
        let mut info = AuthInfo::none();
        // Servers trim header values, so `Bearer ` with an empty token arrives as `Bearer`.
        let bearer = request.header("authorization").map(str::trim).and_then(|h| if h == "Bearer" { Some("") } else { h.strip_prefix("Bearer ") });
        if let Some(token) = bearer {
            info.scheme = AuthScheme::Bearer;
            let token = token.trim();
            if !allow_bearer {
                return (info, Err(sigv4::missing_authentication()));
            }
            if self.bearer_tokens.iter().any(|t| t == token) {
                info.principal_arn = Some(format!("arn:aws:iam::{ACCOUNT_ID}:user/BedrockAPIKey-emulator"));
                return (info, Ok(()));
            }
            let message = if token.starts_with("ABSK") {
                "Authentication failed: Please make sure your API Key is valid."
            } else {
                "Invalid API Key format: Must start with pre-defined prefix"
            };
            return (info, Err(ApiError::access_denied(message)));
        }
        let signature = match sigv4::parse(request) {
            Ok(Some(signature)) => signature,
            Ok(None) => return (info, Err(sigv4::missing_authentication())),
            Err(error) => {
                info.scheme = AuthScheme::Sigv4;
                return (info, Err(error));
            }
        };
        info.scheme = AuthScheme::Sigv4;
        info.access_key_id = Some(signature.access_key_id.clone());
        info.region = Some(signature.region.clone());
        info.service = Some(signature.service.clone());
        info.session_token_present = signature.session_token.is_some();
        let result = (|| {
            let (secret, arn, denied) = self.secret_for(&signature.access_key_id, signature.session_token.as_deref(), now)?;
            sigv4::check_scope(&signature, regions, service)?;
            sigv4::check_time(&signature, now)?;
            sigv4::check_signature(request, &signature, &secret, CanonicalOptions::default())?;
            Ok((arn, denied))
        })();
        match result {
            Ok((arn, denied)) => {
                info.principal_arn = Some(arn);
                info.denied = denied;
                (info, Ok(()))
            }
            Err(error) => (info, Err(error)),
        }
    }
}
