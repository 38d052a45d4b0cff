//! The environment the AWS capability reads: a snapshot of variables with blank ones removed,
//! handed to aws-config instead of the live process environment (so blank variables count as
//! unset everywhere, and tests inject their own without touching the process).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Variables whose values are secrets: they are redacted from every message the capability
/// produces.
const SECRET_VARIABLES: &[&str] = &["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "AWS_CONTAINER_AUTHORIZATION_TOKEN"];

/// Variables that name something (a profile): surrounding whitespace is never part of the name,
/// so it is trimmed on entry, and the SDK sees the same name the host describes.
const NAME_VARIABLES: &[&str] = &["AWS_PROFILE"];

/// A snapshot of environment variables. Blank or whitespace-only values are dropped on entry.
/// Its `Debug` shows variable names only, never values.
#[derive(Clone, Default)]
pub struct AwsEnvironment {
    vars: BTreeMap<String, String>,
}

impl std::fmt::Debug for AwsEnvironment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsEnvironment").field("names", &self.vars.keys().collect::<Vec<_>>()).finish()
    }
}

impl AwsEnvironment {
    /// The current process's variables (those that are valid UTF-8 and not blank).
    pub fn from_process() -> Self {
        Self::from_vars(std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))))
    }

    /// Exactly these variables (blank values dropped).
    pub fn from_vars<K: Into<String>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        let vars = vars
            .into_iter()
            .map(|(k, v)| {
                let (name, value): (String, String) = (k.into(), v.into());
                let value = if NAME_VARIABLES.contains(&name.as_str()) { value.trim().to_string() } else { value };
                (name, value)
            })
            .filter(|(_, v)| !v.trim().is_empty())
            .collect();
        AwsEnvironment { vars }
    }

    /// A variable's value, when set and not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Whether a variable is set (and not blank).
    pub fn is_set(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// Every (name, value) pair.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The values of the secret variables, for redaction.
    pub(crate) fn secrets(&self) -> Vec<String> {
        SECRET_VARIABLES.iter().filter_map(|name| self.get(name)).map(|v| v.trim().to_string()).collect()
    }

    /// The home directory, as aws-config finds it (`HOME`).
    pub fn home(&self) -> Option<PathBuf> {
        self.get("HOME").map(PathBuf::from)
    }

    /// Expands a leading `~/` with the home directory, as aws-config does for file variables.
    fn expand(&self, path: &str) -> PathBuf {
        match (path.strip_prefix("~/"), self.home()) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(path),
        }
    }

    /// The openclaw state directory: `OPENCLAW_STATE_DIR`, else `~/.openclaw`; `None` with
    /// neither set. Read from this snapshot (not the process) so that tests inject their own.
    pub fn state_dir(&self) -> Option<PathBuf> {
        match self.get("OPENCLAW_STATE_DIR") {
            // Taken as is, like the host's own config lookup (`crate::environment::state_dir`).
            Some(dir) => Some(PathBuf::from(dir)),
            None => self.home().map(|home| home.join(".openclaw")),
        }
    }

    /// The shared credentials file: `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`.
    pub fn credentials_file(&self) -> Option<PathBuf> {
        match self.get("AWS_SHARED_CREDENTIALS_FILE") {
            Some(path) => Some(self.expand(path)),
            None => self.home().map(|h| h.join(".aws").join("credentials")),
        }
    }

    /// The shared config file: `AWS_CONFIG_FILE` or `~/.aws/config`.
    pub fn config_file(&self) -> Option<PathBuf> {
        match self.get("AWS_CONFIG_FILE") {
            Some(path) => Some(self.expand(path)),
            None => self.home().map(|h| h.join(".aws").join("config")),
        }
    }

    /// The profile the chain uses: `AWS_PROFILE` or `default`.
    pub fn profile_name(&self) -> &str {
        self.get("AWS_PROFILE").unwrap_or("default")
    }

    /// A path for people: under the home directory it starts with `~`.
    pub fn display_path(&self, path: &Path) -> String {
        if let Some(home) = self.home()
            && let Ok(rest) = path.strip_prefix(&home)
        {
            return Path::new("~").join(rest).display().to_string();
        }
        path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_values_count_as_unset_and_debug_shows_no_value() {
        let env = AwsEnvironment::from_vars([("A", "x"), ("B", ""), ("C", "  \t"), ("AWS_SECRET_ACCESS_KEY", "topsecret")]);
        assert_eq!((env.get("A"), env.get("B"), env.get("C")), (Some("x"), None, None));
        assert!(!format!("{env:?}").contains("topsecret"));
        assert_eq!(env.secrets(), vec!["topsecret".to_string()]);
    }

    #[test]
    fn a_profile_name_is_handed_on_trimmed() {
        // (AWS_PROFILE as set, the name the host describes and the SDK is handed)
        let cases = [(" dev", Some("dev")), ("dev \t", Some("dev")), ("dev", Some("dev")), ("  ", None)];
        for (set, expected) in cases {
            let env = AwsEnvironment::from_vars([("AWS_PROFILE", set)]);
            let handed = env.pairs().find(|(name, _)| *name == "AWS_PROFILE").map(|(_, value)| value);
            assert_eq!((env.get("AWS_PROFILE"), handed), (expected, expected), "{set:?}");
            assert_eq!(env.profile_name(), expected.unwrap_or("default"), "{set:?}");
        }
    }

    #[test]
    fn files_and_display_paths() {
        let env = AwsEnvironment::from_vars([("HOME", "/home/me")]);
        assert_eq!(env.credentials_file(), Some(PathBuf::from("/home/me/.aws/credentials")));
        assert_eq!(env.display_path(Path::new("/home/me/.aws/credentials")), "~/.aws/credentials");
        assert_eq!(env.display_path(Path::new("/etc/aws")), "/etc/aws");
        let env = AwsEnvironment::from_vars([("HOME", "/home/me"), ("AWS_SHARED_CREDENTIALS_FILE", "~/x/creds"), ("AWS_PROFILE", "dev")]);
        assert_eq!(env.credentials_file(), Some(PathBuf::from("/home/me/x/creds")));
        assert_eq!(env.profile_name(), "dev");
    }

    #[test]
    fn state_dir_from_the_variable_else_home() {
        type Vars = &'static [(&'static str, &'static str)];
        let cases: &[(Vars, Option<&str>)] = &[
            (&[("HOME", "/home/me")], Some("/home/me/.openclaw")),
            (&[("HOME", "/home/me"), ("OPENCLAW_STATE_DIR", "/srv/oc")], Some("/srv/oc")),
            (&[("OPENCLAW_STATE_DIR", " ")], None),
        ];
        for (vars, expected) in cases {
            let env = AwsEnvironment::from_vars(vars.iter().copied());
            assert_eq!(env.state_dir(), expected.map(PathBuf::from), "{vars:?}");
        }
    }
}
