//! The shared config and credentials files as the AWS SDK reads them (BEHAVIOUR.md 4: "the
//! profile files are read by the AWS SDK's own parser"). Each file goes through aws-config's own
//! `profile::load`, the function its default chain calls, so what the host says a profile
//! holds is what the chain will find: `[profile x]` in the config file but `[x]` in the
//! credentials file, `[profile default]` replacing `[default]`, comments, continuation lines
//! and sub-properties, `[sso-session x]` sections, and the lines that make the parser refuse
//! the whole file.
//!
//! The files are parsed one at a time (the chain merges them) because descriptions name the
//! file a profile is in; the merge only unites keys, so a profile is a credential source in
//! the merge exactly when it is in one of the files.

use std::future::Future;
use std::path::Path;
use std::task::{Context, Poll, Waker};

use aws_config::profile::{Profile, ProfileFileLoadError, ProfileSet};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::{Env, Fs};

use crate::files::{FileError, ReadSpec, off_runtime, read_regular};

/// Keys any one of which makes the SDK's profile provider stop at a profile (with credentials
/// or an error) instead of passing on to the next provider of the chain. From aws-config 1.13,
/// `profile/credentials/repr.rs`: `role_arn_from_profile`, `base_provider` (named source, web
/// identity, `sso_from_profile`, login session, process) and `static_creds_from_profile` (any
/// of the three static keys; a lone secret is an error there, not a pass).
const CREDENTIAL_KEYS: &[&str] = &[
    "role_arn",
    "credential_source",
    "web_identity_token_file",
    "sso_account_id",
    "sso_region",
    "sso_role_name",
    "sso_start_url",
    "sso_session",
    "login_session",
    "credential_process",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
];

/// The largest shared file read (real ones are a few kilobytes).
const SHARED_FILE: ReadSpec = ReadSpec { limit: 1 << 20, what: "an AWS shared config or credentials file", follow_symlink: true };

/// Which of the two shared files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FileKind {
    /// `~/.aws/config` (`AWS_CONFIG_FILE`): sections are `[profile x]`, `[default]`,
    /// `[sso-session x]`, `[services x]`.
    Config,
    /// `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`): sections are `[x]`.
    Credentials,
}

/// One shared file as the SDK sees it.
#[derive(Debug)]
pub(super) enum SharedFile {
    /// Its profiles and SSO sessions. A missing, unreadable or non-UTF-8 file is empty, as
    /// the SDK makes it (it logs and goes on).
    Parsed(ProfileSet),
    /// The SDK's parser refuses it (the chain's profile provider then fails whatever profile
    /// is selected), or the host cannot tell what it holds: why, in one line.
    Unusable(String),
}

/// What a shared file says of one profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Section {
    /// The file has no section for it (or only ones the SDK ignores).
    Absent,
    /// A section the chain uses.
    Present {
        /// Whether the chain stops at this profile (see [`CREDENTIAL_KEYS`]).
        has_credentials: bool,
        /// What is wrong with it that the chain will refuse, in one line.
        problem: Option<String>,
    },
    /// The whole file is unusable: why.
    Unusable(String),
}

/// Reads a shared file (bounded, a regular file, off the async workers) and parses it.
pub(super) fn read(path: &Path, kind: FileKind) -> SharedFile {
    match off_runtime(|| read_regular(path, SHARED_FILE)) {
        // As the SDK: text that is not UTF-8 counts as an empty file.
        Ok(bytes) => parse(std::str::from_utf8(&bytes).unwrap_or_default(), kind),
        // The SDK would read these (or block on a FIFO): say so rather than guess.
        Err(error @ (FileError::NotRegular { .. } | FileError::TooLarge { .. })) => SharedFile::Unusable(error.reason()),
        // As the SDK: a missing or unreadable file is an empty one.
        Err(FileError::Io { .. }) => parse("", kind),
    }
}

/// Parses a shared file's text with the SDK's parser.
pub(super) fn parse(text: &str, kind: FileKind) -> SharedFile {
    let kind = match kind {
        FileKind::Config => EnvConfigFileKind::Config,
        FileKind::Credentials => EnvConfigFileKind::Credentials,
    };
    let files = EnvConfigFiles::builder().with_contents(kind, text).build();
    let loaded = ready(aws_config::profile::load(&Fs::from_slice(&[]), &Env::from_slice(&[]), &files, None));
    match loaded {
        Some(Ok(set)) => SharedFile::Parsed(set),
        Some(Err(ProfileFileLoadError::ParseError { 0: error, .. })) => SharedFile::Unusable(parse_error_line(&error.to_string())),
        Some(Err(error)) => SharedFile::Unusable(error.to_string()),
        None => SharedFile::Unusable("the AWS SDK's profile parser did not finish".into()),
    }
}

/// The parser's `error parsing <path> on line 3:\n  Expected an '=' sign defining a property`
/// (the path is empty for text handed over in memory) as `line 3: Expected ...`.
fn parse_error_line(text: &str) -> String {
    let detail = text.split_once(" on line ").map_or(text, |(_, rest)| rest);
    format!("line {}", detail.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Runs a future that never waits to completion on this thread. The SDK's loader is async for
/// the files it reads itself; over contents handed to it in memory it awaits nothing, so one
/// poll finishes it (`None` would mean that changed).
fn ready<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

impl SharedFile {
    /// What this file says of `profile`. `sessions` is the config file, whose `[sso-session]`
    /// sections a profile's `sso_session` names (the SDK reads them from there only).
    pub(super) fn section(&self, profile: &str, sessions: Option<&ProfileSet>) -> Section {
        match self {
            SharedFile::Unusable(reason) => Section::Unusable(reason.clone()),
            SharedFile::Parsed(set) => match set.get_profile(profile) {
                None => Section::Absent,
                Some(found) => Section::Present { has_credentials: has_credentials(found), problem: sso_problem(found, sessions) },
            },
        }
    }

    /// The parsed profiles, when the file parsed.
    pub(super) fn profiles(&self) -> Option<&ProfileSet> {
        match self {
            SharedFile::Parsed(set) => Some(set),
            SharedFile::Unusable(_) => None,
        }
    }
}

fn has_credentials(profile: &Profile) -> bool {
    CREDENTIAL_KEYS.iter().any(|key| profile.get(key).is_some())
}

/// A profile's `sso_session` that names no `[sso-session]` section: the SDK refuses the
/// profile (`MissingSsoSession`).
fn sso_problem(profile: &Profile, sessions: Option<&ProfileSet>) -> Option<String> {
    let name = profile.get("sso_session")?;
    let defined = sessions.is_some_and(|sessions| sessions.sso_session(name).is_some());
    (!defined).then(|| format!("sso_session \"{name}\" has no [sso-session {name}] section in the config file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the SDK's parser makes of a file for one profile: `None` when the file has no
    /// section for it, else whether it is a credential source; `Err` with the start of the
    /// reason when the whole file is refused. Cases marked "old reader" are ones the
    /// hand-written section reader this replaced got wrong.
    #[test]
    fn sections_as_the_sdk_reads_them() {
        use FileKind::{Config, Credentials};
        type Case = (&'static str, FileKind, &'static str, &'static str, Result<Option<bool>, &'static str>);
        let cases: &[Case] = &[
            ("credentials: plain", Credentials, "[default]\naws_access_key_id = A\n[dev]\naws_access_key_id=B\n", "dev", Ok(Some(true))),
            ("credentials: absent", Credentials, "[default]\naws_access_key_id = A\n", "ops", Ok(None)),
            ("config: default without prefix", Config, "[default]\nregion = us-east-1\n", "default", Ok(Some(false))),
            ("config: prefixed profile", Config, "[profile ops]\ncredential_process = /bin/x\n", "ops", Ok(Some(true))),
            ("config: a profile needs the prefix", Config, "[other]\nrole_arn = r\n", "other", Ok(None)),
            ("credentials: the prefix is refused there", Credentials, "[profile dev]\naws_access_key_id = A\n", "dev", Ok(None)),
            ("comments and an inline comment", Config, "# [profile dev]\n; x = y\n[profile dev] # work\nregion = x # west\n", "dev", Ok(Some(false))),
            ("sso-session is not a profile", Config, "[sso-session dev]\nsso_start_url = https://x\nsso_region = us-east-1\n", "dev", Ok(None)),
            ("key case does not matter", Credentials, "[dev]\nAWS_Access_Key_ID = A\n", "dev", Ok(Some(true))),
            ("sections of one name merge", Credentials, "[dev]\nregion = x\n[dev]\naws_session_token = T\n", "dev", Ok(Some(true))),
            // old reader: an indented line continues the value above, it is no key of its own.
            ("old reader: continuation line", Credentials, "[dev]\nregion = us-east-1\n  aws_access_key_id = A\n", "dev", Ok(Some(false))),
            ("old reader: sub-property", Config, "[profile dev]\ns3 =\n  role_arn = r\n", "dev", Ok(Some(false))),
            // old reader: `[profile default]` replaces `[default]` in the config file.
            ("old reader: [profile default] wins", Config, "[default]\naws_access_key_id = A\n[profile default]\nregion = x\n", "default", Ok(Some(false))),
            // old reader: a name with a space is no valid profile name.
            ("old reader: invalid profile name", Config, "[profile my dev]\naws_access_key_id = A\n", "my dev", Ok(None)),
            // old reader: the chain stops at a lone secret or session token (and fails there).
            ("old reader: a lone secret key", Credentials, "[dev]\naws_secret_access_key = S\n", "dev", Ok(Some(true))),
            ("old reader: an SSO role name", Config, "[profile dev]\nsso_role_name = R\n", "dev", Ok(Some(true))),
            // old reader: these files make the SDK refuse every profile.
            ("old reader: unclosed header", Credentials, "[dev\naws_access_key_id = A\n", "dev", Err("line 1: Profile definition must end with ']'")),
            ("old reader: key before any section", Config, "region = x\n[default]\n", "default", Err("line 1: Expected a profile definition")),
            ("old reader: line without =", Credentials, "[dev]\naws_access_key_id A\n", "dev", Err("line 2: Expected an '=' sign defining a property")),
            ("old reader: indented comment", Credentials, "[dev]\n  # note\n", "dev", Err("line 2: Expected a property definition, found continuation")),
        ];
        for (name, kind, text, profile, expected) in cases {
            let got = match parse(text, *kind).section(profile, None) {
                Section::Absent => Ok(None),
                Section::Present { has_credentials, .. } => Ok(Some(has_credentials)),
                Section::Unusable(reason) => Err(reason),
            };
            match (&got, expected) {
                (Err(reason), Err(start)) => assert!(reason.starts_with(start) && !reason.contains('\n'), "{name}: {reason}"),
                (got, expected) => assert_eq!(got.as_ref().map_err(String::as_str), expected.as_ref().map_err(|e| *e), "{name}"),
            }
        }
    }

    #[test]
    fn an_sso_session_must_name_a_section_of_the_config_file() {
        let config = "[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n[profile other]\nsso_session = gone\n[sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://x\n";
        let file = parse(config, FileKind::Config);
        let sessions = file.profiles();
        assert_eq!(file.section("dev", sessions), Section::Present { has_credentials: true, problem: None });
        assert_eq!(
            file.section("other", sessions),
            Section::Present { has_credentials: true, problem: Some("sso_session \"gone\" has no [sso-session gone] section in the config file".into()) }
        );
        // A `[sso-session]` section in the credentials file is ignored by the SDK.
        let credentials = parse("[sso-session gone]\nsso_region = us-east-1\n", FileKind::Credentials);
        assert!(matches!(credentials.profiles().map(|set| set.sso_session("gone").is_none()), Some(true)));
    }
}
