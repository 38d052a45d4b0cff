//! The Bedrock API key (a bearer token), from `AWS_BEARER_TOKEN_BEDROCK` or from the file
//! `AWS_BEARER_TOKEN_BEDROCK_FILE` names. A short-term key lives at most 12 hours
//! (../shared/notes/bedrock-api-facts.md, "Bedrock API keys"), so a process that read it once
//! would fail when it expires: the file is read again whenever it changes (its modification
//! time or length), checked on each call (one `stat`), so whatever rotates the key (a sidecar,
//! a cron job, a mounted secret) is followed without a restart.
//!
//! The token is a secret: it never appears in a message, a log line or a `Debug` output; errors
//! name the file only.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use aws_credential_types::Token;
use aws_credential_types::provider::error::TokenError;
use aws_credential_types::provider::future;
use aws_credential_types::provider::token::ProvideToken;

use super::model::{ApiError, ErrorClass};

/// The variable naming the token file.
pub(crate) const TOKEN_FILE_VARIABLE: &str = "AWS_BEARER_TOKEN_BEDROCK_FILE";

/// The largest token file read (a Bedrock API key is a few hundred bytes to a few KiB).
const MAX_TOKEN_FILE_BYTES: u64 = 64 * 1024;

/// Where the bearer token comes from.
pub(crate) enum BearerToken {
    /// Given once, in the environment.
    Fixed(String),
    /// Read from a file, again whenever the file changes.
    File(Arc<TokenFile>),
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Fixed(_) => f.write_str("BearerToken::Fixed(****)"),
            Self::File(file) => f.debug_tuple("BearerToken::File").field(&file.path).finish(),
        }
    }
}

/// A token file and what was last read from it.
pub(crate) struct TokenFile {
    path: PathBuf,
    read: Mutex<Option<Read>>,
}

/// One reading of the token file: the file's stamp when read, and the token.
struct Read {
    stamp: (Option<SystemTime>, u64),
    token: String,
}

fn auth_error(message: String) -> ApiError {
    ApiError { class: ErrorClass::Auth, code: None, message, http_status: None, retryable: false }
}

impl BearerToken {
    /// The token now: the fixed one, or the file's current content.
    pub(crate) fn current(&self) -> Result<String, ApiError> {
        match self {
            Self::Fixed(token) => Ok(token.clone()),
            Self::File(file) => file.current(),
        }
    }

    /// What names the token's source without the token: a digest prefix of a fixed token, the
    /// file's path for a file (its content changes; the caller stays the same).
    pub(crate) fn identity(&self) -> String {
        use sha2::{Digest, Sha256};
        match self {
            Self::Fixed(token) => format!("bearer:{}", &hex::encode(Sha256::digest(token.as_bytes()))[..16]),
            Self::File(file) => format!("bearer-file:{}", &hex::encode(Sha256::digest(file.path.to_string_lossy().as_bytes()))[..16]),
        }
    }
}

impl TokenFile {
    /// A token file at `path` (not read yet).
    pub(crate) fn new(path: &Path) -> Self {
        Self { path: path.to_path_buf(), read: Mutex::new(None) }
    }

    fn current(&self) -> Result<String, ApiError> {
        let shown = self.path.display();
        let metadata = std::fs::metadata(&self.path).map_err(|e| auth_error(format!("the bearer token file {shown} cannot be read: {e}")))?;
        if !metadata.is_file() {
            return Err(auth_error(format!("the bearer token file {shown} is not a file")));
        }
        let stamp = (metadata.modified().ok(), metadata.len());
        let mut read = self.read.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(read) = read.as_ref().filter(|read| read.stamp == stamp) {
            return Ok(read.token.clone());
        }
        if metadata.len() > MAX_TOKEN_FILE_BYTES {
            return Err(auth_error(format!("the bearer token file {shown} is larger than {MAX_TOKEN_FILE_BYTES} bytes")));
        }
        let content = std::fs::read(&self.path).map_err(|e| auth_error(format!("the bearer token file {shown} cannot be read: {e}")))?;
        let token = std::str::from_utf8(&content).map(str::trim).unwrap_or("");
        // A header value: visible ASCII only (the token goes into `Authorization`).
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(auth_error(format!("the bearer token file {shown} holds no token (one line of visible ASCII expected)")));
        }
        let token = token.to_string();
        tracing::debug!(file = %shown, "bearer token read");
        *read = Some(Read { stamp, token: token.clone() });
        Ok(token)
    }
}

impl std::fmt::Debug for TokenFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenFile").field("path", &self.path).finish_non_exhaustive()
    }
}

/// The token file as the SDK's token provider: asked on each call ([`TokenFile::current`]).
#[derive(Debug)]
pub(crate) struct FileTokenProvider(pub Arc<TokenFile>);

impl ProvideToken for FileTokenProvider {
    fn provide_token<'a>(&'a self) -> future::ProvideToken<'a>
    where
        Self: 'a,
    {
        future::ProvideToken::ready(self.0.current().map(|token| Token::new(token, None)).map_err(|error| TokenError::not_loaded(error.message)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_file_is_read_again_when_it_changes() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("token");
        let file = TokenFile::new(&path);
        assert!(file.current().is_err_and(|e| e.message.contains("cannot be read") && e.message.contains("token")));
        std::fs::write(&path, "first-token\n").expect("write");
        assert_eq!(file.current().map_err(|e| e.message), Ok("first-token".to_string()));
        // A different length changes the stamp even within one tick of the clock.
        std::fs::write(&path, "the-second-token").expect("write");
        assert_eq!(file.current().map_err(|e| e.message), Ok("the-second-token".to_string()));
        for (content, expected) in [("", "holds no token"), ("two words", "holds no token")] {
            std::fs::write(&path, content).expect("write");
            let error = file.current().expect_err("refused");
            assert!(error.message.contains(expected) && !error.message.contains("two"), "{}", error.message);
        }
        std::fs::write(&path, vec![b'a'; (MAX_TOKEN_FILE_BYTES + 1) as usize]).expect("write");
        assert!(file.current().is_err_and(|e| e.message.contains("larger than")));
    }

    #[test]
    fn debug_and_identity_never_show_the_token() {
        let fixed = BearerToken::Fixed("s3cr3t-token".into());
        assert!(!format!("{fixed:?}").contains("s3cr3t") && !fixed.identity().contains("s3cr3t"));
        assert!(fixed.identity().starts_with("bearer:"));
        let file = BearerToken::File(Arc::new(TokenFile::new(Path::new("/run/secrets/bedrock"))));
        assert!(file.identity().starts_with("bearer-file:"));
    }
}
