//! Credentials never come from the config: keys that look like one are refused, naming the key
//! and never its value.

use crate::diagnostics::{Diagnostics, child_path, index_path};
use crate::json5::{Position, Value, ValueKind};
use crate::suggest::normalize_key;

/// Credential-looking key names, folded by [`fold_key`] (lowercase, no `_`, `-`, spaces or
/// invisible characters), so that `accessKeyId`, `access_key_id`, `AWS_ACCESS_KEY_ID`,
/// `"SecretAccessKey "` and `secret\u{200B}AccessKey` all match. `profile` is not here: it
/// names a profile, it holds no secret (a profile object with keys inside is caught by its keys).
pub(crate) const CREDENTIAL_KEYS: [&str; 31] = [
    "accesskey",
    "accesskeyid",
    "accesstoken",
    "apikey",
    "authorization",
    "authtoken",
    "awsaccesskey",
    "awsaccesskeyid",
    "awsapikey",
    "awsbearertokenbedrock",
    "awscredentials",
    "awssecretaccesskey",
    "awssecretkey",
    "awssecuritytoken",
    "awssessiontoken",
    "bearertoken",
    "clientsecret",
    "credential",
    "credentials",
    "idtoken",
    "passwd",
    "password",
    "privatekey",
    "refreshtoken",
    "secret",
    "secretaccesskey",
    "secretkey",
    "securitytoken",
    "sessiontoken",
    "token",
    "webidentitytoken",
];

/// AWS credential names: an error anywhere in the file, not only in the provider's sections
/// (other providers' `apiKey`, `token`, ... elsewhere in an OpenClaw config are theirs). Folded
/// like [`CREDENTIAL_KEYS`].
pub(crate) const AWS_CREDENTIAL_KEYS: [&str; 10] = [
    "accesskeyid",
    "awsaccesskey",
    "awsaccesskeyid",
    "awsbearertokenbedrock",
    "awscredentials",
    "awssecretaccesskey",
    "awssecretkey",
    "awssecuritytoken",
    "awssessiontoken",
    "secretaccesskey",
];

/// Where credentials come from instead, said in every credential error.
const CREDENTIAL_SOURCES: &str = "credentials are never read from the config file; they come from \
AWS_BEARER_TOKEN_BEDROCK, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN), \
AWS_PROFILE and ~/.aws/credentials, or the instance role: remove this key";

/// Whether `key` names a credential (case, `_`, `-`, spaces and invisible characters ignored).
pub fn is_credential_key(key: &str) -> bool {
    CREDENTIAL_KEYS.contains(&fold_key(key).as_str())
}

/// Whether `key` names an AWS credential, folded as in [`is_credential_key`].
pub(crate) fn is_aws_credential_key(key: &str) -> bool {
    AWS_CREDENTIAL_KEYS.contains(&fold_key(key).as_str())
}

/// A key folded for credential matching: [`normalize_key`] after removing whitespace anywhere
/// and the characters that print as nothing (zero-width spaces and joiners, the byte-order mark,
/// soft hyphens, direction marks, variation selectors, tags), so that a near-spelling cannot
/// slip a secret past the check.
fn fold_key(key: &str) -> String {
    let visible: String = key.chars().filter(|ch| !ch.is_whitespace() && !is_invisible(*ch)).collect();
    normalize_key(&visible)
}

fn is_invisible(ch: char) -> bool {
    matches!(ch,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// Records the credential error for `key` at `path` (the key's position: the value is never shown).
pub(crate) fn report_credential(key: &str, path: &str, key_position: Position, diagnostics: &mut Diagnostics) {
    diagnostics.error(path, key_position, format!("`{key}` looks like a credential: {CREDENTIAL_SOURCES}"));
}

/// Reports every credential-looking key at any depth inside `value` (at `path`).
pub(crate) fn scan_for_credentials(value: &Value, path: &str, diagnostics: &mut Diagnostics) {
    scan(value, path, is_credential_key, diagnostics);
}

/// Reports every AWS credential name at any depth of the document (the provider's own
/// sections are checked against the wider [`CREDENTIAL_KEYS`] by the walk; the same key reported
/// twice is merged by [`super::load_config`]).
pub(crate) fn scan_for_aws_credentials(value: &Value, path: &str, diagnostics: &mut Diagnostics) {
    scan(value, path, is_aws_credential_key, diagnostics);
}

/// Reports every key at any depth inside `value` that `matches`, without descending into it.
fn scan(value: &Value, path: &str, matches: fn(&str) -> bool, diagnostics: &mut Diagnostics) {
    match &value.kind {
        ValueKind::Object(members) => {
            for member in members {
                let member_path = child_path(path, &member.key);
                if matches(&member.key) {
                    report_credential(&member.key, &member_path, member.key_position, diagnostics);
                } else {
                    scan(&member.value, &member_path, matches, diagnostics);
                }
            }
        }
        ValueKind::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                scan(item, &index_path(path, index), matches, diagnostics);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names_match_in_any_spelling() {
        let cases = [
            ("accessKeyId", true),
            ("AWS_ACCESS_KEY_ID", true),
            ("secret-access-key", true),
            ("sessionToken", true),
            ("apiKey", true),
            ("bearerToken", true),
            ("Password", true),
            ("credentials", true),
            ("token", true),
            ("profile", false),
            ("region", false),
            ("auth", false),
            ("enabled", false),
            ("tokens", false),
            ("SecretAccessKey ", true),
            (" secretAccessKey", true),
            ("secret\u{200B}Access\u{200D}Key", true),
            ("\u{FEFF}AWS_SECRET_ACCESS_KEY", true),
            ("secret access key", true),
            ("to\u{00AD}ken", true),
            ("re\u{200B}gion", false),
        ];
        for (key, expected) in cases {
            assert_eq!(is_credential_key(key), expected, "{key:?}");
        }
    }

    #[test]
    fn aws_names_are_a_narrower_list() {
        // (key, an AWS credential name)
        let cases = [
            ("AWS_SECRET_ACCESS_KEY", true),
            ("secretAccessKey", true),
            ("accessKeyId", true),
            ("aws_session_token", true),
            ("AWS_BEARER_TOKEN_BEDROCK", true),
            ("SecretAccessKey\u{2060} ", true),
            ("apiKey", false),
            ("token", false),
            ("password", false),
        ];
        for (key, expected) in cases {
            assert_eq!(is_aws_credential_key(key), expected, "{key:?}");
        }
        for name in AWS_CREDENTIAL_KEYS {
            assert!(CREDENTIAL_KEYS.contains(&name), "{name} is a credential in our sections too");
        }
        assert!(AWS_CREDENTIAL_KEYS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn the_list_is_folded_and_sorted() {
        for name in CREDENTIAL_KEYS {
            assert_eq!(normalize_key(name), name);
        }
        assert!(CREDENTIAL_KEYS.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
