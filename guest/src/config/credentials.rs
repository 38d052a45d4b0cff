//! Credentials never come from the config: keys that look like one are refused, naming the key
//! and never its value.

use crate::diagnostics::{Diagnostics, child_path, index_path};
use crate::json5::{Position, Value, ValueKind};
use crate::suggest::normalize_key;

/// Credential-looking key names, folded by [`normalize_key`] (lowercase, no `_` or `-`), so that
/// `accessKeyId`, `access_key_id` and `AWS_ACCESS_KEY_ID` all match. `profile` is not here: it
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

/// Where credentials come from instead, said in every credential error.
const CREDENTIAL_SOURCES: &str = "credentials are never read from the config file; they come from \
AWS_BEARER_TOKEN_BEDROCK, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN), \
AWS_PROFILE and ~/.aws/credentials, or the instance role: remove this key";

/// Whether `key` names a credential (case, `_` and `-` ignored).
pub fn is_credential_key(key: &str) -> bool {
    CREDENTIAL_KEYS.contains(&normalize_key(key).as_str())
}

/// Records the credential error for `key` at `path` (the key's position: the value is never shown).
pub(crate) fn report_credential(key: &str, path: &str, key_position: Position, diagnostics: &mut Diagnostics) {
    diagnostics.error(path, key_position, format!("`{key}` looks like a credential: {CREDENTIAL_SOURCES}"));
}

/// Reports every credential-looking key at any depth inside `value` (at `path`).
pub(crate) fn scan_for_credentials(value: &Value, path: &str, diagnostics: &mut Diagnostics) {
    match &value.kind {
        ValueKind::Object(members) => {
            for member in members {
                let member_path = child_path(path, &member.key);
                if is_credential_key(&member.key) {
                    report_credential(&member.key, &member_path, member.key_position, diagnostics);
                } else {
                    scan_for_credentials(&member.value, &member_path, diagnostics);
                }
            }
        }
        ValueKind::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                scan_for_credentials(item, &index_path(path, index), diagnostics);
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
        ];
        for (key, expected) in cases {
            assert_eq!(is_credential_key(key), expected, "{key}");
        }
    }

    #[test]
    fn the_list_is_folded_and_sorted() {
        for name in CREDENTIAL_KEYS {
            assert_eq!(normalize_key(name), name);
        }
        assert!(CREDENTIAL_KEYS.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
