//! Credentials per BEHAVIOUR.md section 4: which sources are visible without a network call,
//! a cache in front of aws-config's default chain (shared by the SDK clients and the signer of
//! policy requests), and descriptions of what resolved, without a secret.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials, SharedCredentialsProvider};

use super::environment::AwsEnvironment;
use super::errors::{api_error, credentials_error};
use super::model::{ApiError, CredentialDescription, ErrorClass, SourceKind, VisibleSource};

/// The words for a bearer token source.
pub const BEARER_TOKEN_SOURCE: &str = "bearer token (AWS_BEARER_TOKEN_BEDROCK)";

/// Set only in the environment `openclaw --emulate` builds, to the bundled emulator's URL:
/// the key pair in that environment is the emulator's, and is described as such everywhere
/// (`models status`, `/readyz`, discovery's reason), never as the user's environment.
pub const EMULATOR_VARIABLE: &str = "OPENCLAW_EMULATOR";

/// The words for key variables: the user's environment, or the emulator's own pair.
fn environment_words(env: &AwsEnvironment) -> String {
    match env.get(EMULATOR_VARIABLE) {
        Some(url) => format!("the bundled emulator's own key pair (--emulate, {url})"),
        None => "environment".into(),
    }
}

/// Credentials closer than this to their expiry are resolved again.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// Profile keys that make a profile a credential source.
const PROFILE_CREDENTIAL_KEYS: &[&str] = &[
    "aws_access_key_id",
    "credential_process",
    "sso_session",
    "sso_start_url",
    "sso_account_id",
    "role_arn",
    "web_identity_token_file",
    "credential_source",
    "login_session",
];

/// aws-config's default chain behind a cache: one resolution serves every client and the
/// policy-request signer until the credentials near their expiry. Errors are not cached.
#[derive(Debug, Clone)]
pub struct CachedChain {
    chain: SharedCredentialsProvider,
    cached: Arc<tokio::sync::Mutex<Option<Credentials>>>,
}

impl CachedChain {
    /// Caches `chain`.
    pub fn new(chain: SharedCredentialsProvider) -> Self {
        CachedChain { chain, cached: Arc::default() }
    }

    /// Current credentials, resolving them when none are cached or they near their expiry.
    pub async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        // Held across the resolution on purpose: concurrent callers wait for one lookup rather
        // than each asking IMDS or STS.
        let mut cached = self.cached.lock().await;
        if let Some(credentials) = cached.as_ref()
            && credentials.expiry().is_none_or(|expiry| expiry > SystemTime::now() + REFRESH_BEFORE_EXPIRY)
        {
            return Ok(credentials.clone());
        }
        let fresh = self.chain.provide_credentials().await?;
        *cached = Some(fresh.clone());
        Ok(fresh)
    }
}

impl ProvideCredentials for CachedChain {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.credentials())
    }
}

/// Where a profile is defined.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ProfileLocation {
    /// The file holding its section, when one does.
    file: Option<PathBuf>,
    /// Whether the section has a key that makes it a credential source.
    has_credentials: bool,
}

/// The keys of section `profile` in a shared config (`[profile name]`, `[default]`) or
/// credentials (`[name]`) file's text; `None` when the section is absent.
fn section_keys(text: &str, profile: &str, is_config: bool) -> Option<Vec<String>> {
    let mut keys = None::<Vec<String>>;
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            let header = header.trim();
            let prefixed = header.strip_prefix("profile").filter(|rest| rest.starts_with(char::is_whitespace)).map(str::trim);
            let name = if is_config { prefixed.unwrap_or(header) } else { header };
            let matches = name == profile && (!is_config || header != name || name == "default");
            inside = matches;
            if matches && keys.is_none() {
                keys = Some(Vec::new());
            }
        } else if inside
            && let Some((key, _)) = line.split_once('=')
            && let Some(keys) = keys.as_mut()
        {
            keys.push(key.trim().to_ascii_lowercase());
        }
    }
    keys
}

/// Finds the profile's section, the credentials file first (as aws-config lets it win).
fn locate_profile(env: &AwsEnvironment, profile: &str) -> ProfileLocation {
    let files = [(env.credentials_file(), false), (env.config_file(), true)];
    let mut location = ProfileLocation { file: None, has_credentials: false };
    for (path, is_config) in files {
        let Some(path) = path else { continue };
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        if let Some(keys) = section_keys(&text, profile, is_config) {
            let has_credentials = keys.iter().any(|k| PROFILE_CREDENTIAL_KEYS.contains(&k.as_str()));
            if location.file.is_none() || (has_credentials && !location.has_credentials) {
                location = ProfileLocation { file: Some(path.clone()), has_credentials: has_credentials || location.has_credentials };
            }
        }
    }
    location
}

/// `profile "dev" (~/.aws/credentials)`.
fn profile_words(env: &AwsEnvironment, profile: &str, file: Option<&Path>) -> String {
    match file {
        Some(file) => format!("profile \"{profile}\" ({})", env.display_path(file)),
        None => {
            let files: Vec<String> = [env.credentials_file(), env.config_file()].into_iter().flatten().map(|p| env.display_path(&p)).collect();
            format!("profile \"{profile}\" (not in {})", files.join(" or "))
        }
    }
}

/// The credential sources visible without a network call, in chain order. A profile counts when
/// `AWS_PROFILE` names it or the default profile has credential keys; the instance profile never
/// counts (finding it needs the network).
pub fn visible_sources(env: &AwsEnvironment) -> Vec<VisibleSource> {
    let mut sources = Vec::new();
    let mut push = |kind, description: String| sources.push(VisibleSource { kind, description });
    if env.is_set("AWS_BEARER_TOKEN_BEDROCK") {
        push(SourceKind::BearerToken, BEARER_TOKEN_SOURCE.into());
    }
    if env.is_set("AWS_ACCESS_KEY_ID") && env.is_set("AWS_SECRET_ACCESS_KEY") {
        push(SourceKind::Environment, environment_words(env));
    }
    let profile = env.profile_name();
    let location = locate_profile(env, profile);
    if env.is_set("AWS_PROFILE") || location.has_credentials {
        push(SourceKind::Profile, profile_words(env, profile, location.file.as_deref()));
    }
    if env.is_set("AWS_WEB_IDENTITY_TOKEN_FILE") && env.is_set("AWS_ROLE_ARN") {
        push(SourceKind::WebIdentity, "web identity".into());
    }
    if env.is_set("AWS_CONTAINER_CREDENTIALS_FULL_URI") || env.is_set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
        push(SourceKind::Container, "container".into());
    }
    sources
}

/// The access key id masked to its last 4 characters: `****WXYZ`.
pub fn mask_access_key_id(access_key_id: &str) -> String {
    let chars: Vec<char> = access_key_id.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("****{tail}")
}

/// Which kind of source produced these credentials, from the features aws-config's providers
/// record on them; the first visible non-bearer source when none is recorded.
fn source_kind(credentials: &Credentials, env: &AwsEnvironment) -> SourceKind {
    use AwsCredentialFeature as F;
    let features: &[AwsCredentialFeature] = credentials.get_property::<Vec<AwsCredentialFeature>>().map(Vec::as_slice).unwrap_or(&[]);
    let has = |wanted: &[AwsCredentialFeature]| features.iter().any(|f| wanted.contains(f));
    if has(&[
        F::CredentialsProfile,
        F::CredentialsProfileProcess,
        F::CredentialsProfileSso,
        F::CredentialsProfileSourceProfile,
        F::CredentialsProfileNamedProvider,
    ]) {
        SourceKind::Profile
    } else if has(&[F::CredentialsEnvVars]) {
        SourceKind::Environment
    } else if has(&[F::CredentialsProfileStsWebIdToken, F::CredentialsEnvVarsStsWebIdToken, F::CredentialsStsAssumeRoleWebId]) {
        SourceKind::WebIdentity
    } else if has(&[F::CredentialsHttp]) {
        SourceKind::Container
    } else if has(&[F::CredentialsImds]) {
        SourceKind::InstanceProfile
    } else {
        visible_sources(env).into_iter().map(|s| s.kind).find(|k| *k != SourceKind::BearerToken).unwrap_or(SourceKind::InstanceProfile)
    }
}

/// Describes resolved credentials: the source in words, the masked key id, the expiry.
pub fn describe(credentials: &Credentials, env: &AwsEnvironment) -> CredentialDescription {
    let kind = source_kind(credentials, env);
    let source = match kind {
        SourceKind::BearerToken => BEARER_TOKEN_SOURCE.to_string(),
        SourceKind::Environment => environment_words(env),
        SourceKind::Profile => {
            let profile = env.profile_name();
            profile_words(env, profile, locate_profile(env, profile).file.as_deref())
        }
        SourceKind::WebIdentity => "web identity".into(),
        SourceKind::Container => "container".into(),
        SourceKind::InstanceProfile => "instance profile".into(),
    };
    let expires_at = credentials.expiry().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs());
    CredentialDescription { kind, source, access_key_id: Some(mask_access_key_id(credentials.access_key_id())), expires_at }
}

/// The description of the bearer token source (no key id, no expiry).
pub fn describe_bearer() -> CredentialDescription {
    CredentialDescription { kind: SourceKind::BearerToken, source: BEARER_TOKEN_SOURCE.into(), access_key_id: None, expires_at: None }
}

/// What the chain tried, in one line, for the error when nothing resolved.
fn tried_sources(env: &AwsEnvironment) -> String {
    let files: Vec<String> = [env.credentials_file(), env.config_file()].into_iter().flatten().map(|p| env.display_path(&p)).collect();
    let imds_disabled = env.get("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    let imds = if imds_disabled { "instance profile (disabled by AWS_EC2_METADATA_DISABLED)" } else { "instance profile (IMDSv2)" };
    [
        "AWS_BEARER_TOKEN_BEDROCK".to_string(),
        "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)".to_string(),
        format!("profile \"{}\" ({})", env.profile_name(), files.join(", ")),
        "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)".to_string(),
        "container (AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)".to_string(),
        imds.to_string(),
    ]
    .join(", ")
}

/// The error for credentials that did not resolve, in words: what was tried when nothing was
/// found (the instance profile's failure included, as the last source tried), a profile named
/// by `AWS_PROFILE` that no file defines, otherwise the failing source and its reason.
pub fn resolution_error(error: &CredentialsError, env: &AwsEnvironment, secrets: &[String]) -> ApiError {
    let profile = env.profile_name();
    if env.is_set("AWS_PROFILE") && locate_profile(env, profile).file.is_none() {
        // aws-config skips a missing profile and goes on down the chain (ending at IMDS),
        // whose failure would hide the cause.
        let files: Vec<String> = [env.credentials_file(), env.config_file()].into_iter().flatten().map(|p| env.display_path(&p)).collect();
        let message = format!("profile \"{profile}\" (AWS_PROFILE) is not defined in {}", files.join(" or "));
        return api_error(ErrorClass::Auth, None, message, None);
    }
    let visible = visible_sources(env).into_iter().find(|s| s.kind != SourceKind::BearerToken);
    match (error, visible) {
        (CredentialsError::CredentialsNotLoaded(_), _) => {
            api_error(ErrorClass::Auth, None, format!("no AWS credentials found; tried {}", tried_sources(env)), None)
        }
        // Nothing visible: the source that failed is the instance profile, tried last.
        (other, None) => {
            let reason = credentials_error(other, secrets).message;
            let reason = reason.strip_prefix("credentials did not resolve: ").unwrap_or(&reason).trim_end_matches('.');
            api_error(ErrorClass::Auth, None, format!("no AWS credentials found; tried {} (which failed: {reason})", tried_sources(env)), None)
        }
        // Name the source that failed: the first one visible (the chain tries them in order).
        (other, Some(source)) => {
            let mut error = credentials_error(other, secrets);
            error.message = format!("{}: {}", source.description, error.message);
            error
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_of_both_file_kinds() {
        let credentials = "[default]\naws_access_key_id = A\n[dev]\naws_access_key_id=B\n";
        let config = "[default]\nregion = us-east-1\n[profile ops]\ncredential_process = /bin/x\n[other]\nrole_arn = r\n";
        let cases: &[(&str, &str, bool, Option<Vec<&str>>)] = &[
            (credentials, "default", false, Some(vec!["aws_access_key_id"])),
            (credentials, "dev", false, Some(vec!["aws_access_key_id"])),
            (credentials, "ops", false, None),
            (config, "default", true, Some(vec!["region"])),
            (config, "ops", true, Some(vec!["credential_process"])),
            // A config file needs the `profile ` prefix for every profile but the default.
            (config, "other", true, None),
        ];
        for (text, profile, is_config, expected) in cases {
            let expected = expected.as_ref().map(|keys| keys.iter().map(|k| k.to_string()).collect::<Vec<_>>());
            assert_eq!(section_keys(text, profile, *is_config), expected, "{profile} {is_config}");
        }
    }

    #[test]
    fn masking_keeps_the_last_four() {
        assert_eq!(mask_access_key_id("AKIDEMULATOREXAMPLE"), "****MPLE");
        assert_eq!(mask_access_key_id("AB"), "****AB");
    }
}
