//! Credentials per BEHAVIOUR.md section 4: which sources are visible without a network call,
//! a cache in front of aws-config's default chain (shared by the SDK clients and the signer of
//! policy requests), and descriptions of what resolved, without a secret.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{self, ProvideCredentials, SharedCredentialsProvider};

mod profiles;

use super::environment::AwsEnvironment;
use super::errors::{api_error, credentials_error};
use super::model::{ApiError, CredentialDescription, ErrorClass, SourceKind, VisibleSource};
use profiles::{FileKind, Section};

/// The words for a bearer token source.
pub const BEARER_TOKEN_SOURCE: &str = "bearer token (AWS_BEARER_TOKEN_BEDROCK)";
/// The words for a bearer token read from a file (and again when it changes: `bearer.rs`).
pub const BEARER_TOKEN_FILE_SOURCE: &str = "bearer token file (AWS_BEARER_TOKEN_BEDROCK_FILE)";

/// The words for the bearer token source `env` has, if any (a file wins over the variable).
fn bearer_words(env: &AwsEnvironment) -> Option<&'static str> {
    if env.is_set(super::bearer::TOKEN_FILE_VARIABLE) {
        Some(BEARER_TOKEN_FILE_SOURCE)
    } else {
        env.is_set("AWS_BEARER_TOKEN_BEDROCK").then_some(BEARER_TOKEN_SOURCE)
    }
}

/// Set only in the environment `openclaw-bedrock --emulate` builds, to the bundled emulator's URL:
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

/// Where a profile is defined, as the SDK's default chain reads the shared files.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct ProfileLocation {
    /// The file holding its section (or the file that stops the SDK from reading any), when
    /// there is one.
    file: Option<PathBuf>,
    /// Whether the chain stops at this profile: it has a key that makes it a credential source,
    /// or a file is unusable (the SDK's profile provider then fails rather than passing on).
    has_credentials: bool,
    /// What the chain will refuse there, in one line.
    problem: Option<String>,
}

/// Finds the profile's section, the credentials file first (as aws-config lets it win), each
/// file read by the SDK's own parser ([`profiles`]).
fn locate_profile(env: &AwsEnvironment, profile: &str) -> ProfileLocation {
    let read = |path: Option<PathBuf>, kind| path.map(|path| (profiles::read(&path, kind), path));
    let credentials = read(env.credentials_file(), FileKind::Credentials);
    let config = read(env.config_file(), FileKind::Config);
    let sessions = config.as_ref().and_then(|(file, _)| file.profiles());
    let mut location = ProfileLocation::default();
    for (file, path) in [&credentials, &config].into_iter().flatten() {
        match file.section(profile, sessions) {
            Section::Absent => {}
            // The SDK reads both files before it looks at a profile: one it refuses stops it.
            Section::Unusable(reason) => return ProfileLocation { file: Some(path.clone()), has_credentials: true, problem: Some(reason) },
            Section::Present { has_credentials, problem } => {
                if location.file.is_none() || (has_credentials && !location.has_credentials) {
                    location.file = Some(path.clone());
                }
                location.has_credentials |= has_credentials;
                location.problem = location.problem.or(problem);
            }
        }
    }
    location
}

/// `profile "dev" (~/.aws/credentials)`, with what is wrong there when something is.
fn profile_words(env: &AwsEnvironment, profile: &str, location: &ProfileLocation) -> String {
    match (&location.file, &location.problem) {
        (Some(file), None) => format!("profile \"{profile}\" ({})", env.display_path(file)),
        (Some(file), Some(problem)) => format!("profile \"{profile}\" ({}: {problem})", env.display_path(file)),
        (None, _) => {
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
    if let Some(words) = bearer_words(env) {
        push(SourceKind::BearerToken, words.into());
    }
    if env.is_set("AWS_ACCESS_KEY_ID") && env.is_set("AWS_SECRET_ACCESS_KEY") {
        push(SourceKind::Environment, environment_words(env));
    }
    let profile = env.profile_name();
    let location = locate_profile(env, profile);
    if env.is_set("AWS_PROFILE") || location.has_credentials {
        push(SourceKind::Profile, profile_words(env, profile, &location));
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
            profile_words(env, profile, &locate_profile(env, profile))
        }
        SourceKind::WebIdentity => "web identity".into(),
        SourceKind::Container => "container".into(),
        SourceKind::InstanceProfile => "instance profile".into(),
    };
    let expires_at = credentials.expiry().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs());
    CredentialDescription { kind, source, access_key_id: Some(mask_access_key_id(credentials.access_key_id())), expires_at }
}

/// The description of the bearer token source (no key id, no expiry).
pub fn describe_bearer(env: &AwsEnvironment) -> CredentialDescription {
    let source = bearer_words(env).unwrap_or(BEARER_TOKEN_SOURCE).into();
    CredentialDescription { kind: SourceKind::BearerToken, source, access_key_id: None, expires_at: None }
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
    fn masking_keeps_the_last_four() {
        assert_eq!(mask_access_key_id("AKIDEMULATOREXAMPLE"), "****MPLE");
        assert_eq!(mask_access_key_id("AB"), "****AB");
    }
}
