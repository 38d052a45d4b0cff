//! Model references: how a user names the model to call (BEHAVIOUR.md section 1).

pub use openclaw_domain::{ModelReference, ReferenceKind};

use crate::quote::excerpt;
use crate::region::check_region_name;

/// The provider qualifiers this provider answers to, in their canonical spelling.
pub const QUALIFIERS: [&str; 2] = ["amazon-bedrock", "bedrock"];

/// The ARN resource types that name something Bedrock can run, with the kind each becomes and
/// whether its ARN carries an account id.
const RESOURCE_TYPES: [(&str, ReferenceKind, bool); 4] = [
    ("foundation-model", ReferenceKind::FoundationModelArn, false),
    ("inference-profile", ReferenceKind::InferenceProfileArn, true),
    ("application-inference-profile", ReferenceKind::ApplicationProfileArn, true),
    ("provisioned-model", ReferenceKind::ProvisionedModelArn, true),
];

/// Appended to every error, so that each one says what would have been accepted.
pub const ACCEPTED_FORMS: &str = "accepted forms: a Bedrock model id (`anthropic.claude-sonnet-4-6-20251001-v1:0`, \
`us.anthropic.claude-sonnet-4-6-20251001-v1:0`), the same prefixed with `amazon-bedrock/` or `bedrock/`, \
or an ARN `arn:<partition>:bedrock:<region>:<account>:<type>/<id>` of type foundation-model (no account), \
inference-profile, application-inference-profile or provisioned-model";

/// The longest reference accepted (Bedrock's own limit for a model id or ARN).
const MAX_LENGTH: usize = 2048;

/// Parses a model reference. Surrounding whitespace is ignored; anything else that is not one
/// of the accepted forms is an error naming the problem and listing [`ACCEPTED_FORMS`].
pub fn parse_model_reference(text: &str) -> Result<ModelReference, String> {
    parse_trimmed(text.trim()).map_err(|problem| format!("{problem}; {ACCEPTED_FORMS}"))
}

/// The provider a reference is qualified with when that provider is not this one
/// (`openai/gpt-5` gives `openai`); `None` for our qualifiers, ARNs and unqualified ids.
pub fn foreign_provider(text: &str) -> Option<&str> {
    let (prefix, _) = text.trim().split_once('/')?;
    let is_ours = QUALIFIERS.iter().any(|qualifier| qualifier.eq_ignore_ascii_case(prefix));
    (!is_ours && !prefix.contains(':') && !prefix.is_empty()).then_some(prefix)
}

/// A model name that is not a Bedrock reference (a config alias, an Anthropic name such as
/// `claude-sonnet-4-6`), optionally qualified (`amazon-bedrock/fast`), when `is_name` accepts
/// it: a bare reference to the name itself, which [`crate::model_names`] later expands to what
/// it stands for. `None` for anything else.
pub fn parse_model_name(text: &str, is_name: impl Fn(&str) -> bool) -> Option<ModelReference> {
    let text = text.trim();
    let (qualifier, name) = split_qualifier(text).ok()?;
    let plain = !name.is_empty() && name.len() <= MAX_LENGTH && !name.chars().any(|c| c.is_whitespace() || c == ':' || c == '/');
    (plain && is_name(name)).then(|| ModelReference {
        kind: ReferenceKind::BareId,
        target: name.to_string(),
        resource_id: name.to_string(),
        qualifier,
        partition: None,
        region: None,
        account: None,
    })
}

/// `text` without an `amazon-bedrock/` or `bedrock/` qualifier.
pub fn unqualified(text: &str) -> &str {
    match split_qualifier(text.trim()) {
        Ok((_, rest)) => rest,
        Err(_) => text,
    }
}

fn parse_trimmed(text: &str) -> Result<ModelReference, String> {
    if text.is_empty() {
        return Err("the model reference is empty".to_string());
    }
    if text.chars().any(char::is_whitespace) {
        return Err(format!("the model reference `{}` contains whitespace", shorten(text)));
    }
    if text.len() > MAX_LENGTH {
        return Err(format!("the model reference is longer than {MAX_LENGTH} characters"));
    }
    let (qualifier, unqualified) = split_qualifier(text)?;
    let mut reference = if unqualified.starts_with("arn:") { parse_arn(unqualified)? } else { parse_bare_id(unqualified)? };
    reference.qualifier = qualifier;
    Ok(reference)
}

/// Splits `amazon-bedrock/<rest>` or `bedrock/<rest>` (any case); refuses other providers.
fn split_qualifier(text: &str) -> Result<(Option<String>, &str), String> {
    let Some((prefix, rest)) = text.split_once('/') else { return Ok((None, text)) };
    if prefix.contains(':') {
        // An ARN's resource part (`...:inference-profile/<id>`), not a qualifier.
        return Ok((None, text));
    }
    let Some(qualifier) = QUALIFIERS.iter().find(|qualifier| qualifier.eq_ignore_ascii_case(prefix)) else {
        return Err(format!("`{}` names provider `{}`, not Amazon Bedrock", shorten(text), shorten(prefix)));
    };
    if rest.is_empty() {
        return Err(format!("nothing follows `{prefix}/`"));
    }
    if foreign_provider(rest).is_some() || split_qualifier(rest).is_ok_and(|(inner, _)| inner.is_some()) {
        return Err(format!("`{}` has more than one provider prefix", shorten(text)));
    }
    Ok((Some((*qualifier).to_string()), rest))
}

/// Characters of Bedrock model ids and profile ids: ASCII letters, digits, `.`, `-`, `_`, `:`.
fn is_id_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_' | ':')
}

fn check_id_chars(id: &str) -> Result<(), String> {
    match id.chars().find(|&ch| !is_id_char(ch)) {
        Some(ch) => Err(format!("`{}` contains `{ch}`; a Bedrock id has only letters, digits, `.`, `-`, `_` and `:`", shorten(id))),
        None => Ok(()),
    }
}

/// A bare id is `<provider>.<model>` with an optional geography first (`us.`, `global.`):
/// dot-separated non-empty words, starting and ending with a letter or digit. An application
/// inference profile id (12 characters, no dot) is not callable bare: Bedrock needs its ARN.
fn parse_bare_id(id: &str) -> Result<ModelReference, String> {
    check_id_chars(id)?;
    if !id.contains('.') {
        let looks_like_application_profile = id.len() == 12 && id.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit());
        return Err(if looks_like_application_profile {
            format!("`{id}` looks like an application inference profile id, which Bedrock accepts only as a full ARN")
        } else {
            format!("`{}` is not a Bedrock model id, which has the form `<provider>.<model>`", shorten(id))
        });
    }
    let well_formed = id.split('.').all(|word| !word.is_empty())
        && id.starts_with(|ch: char| ch.is_ascii_alphanumeric())
        && id.ends_with(|ch: char| ch.is_ascii_alphanumeric());
    if !well_formed {
        return Err(format!("`{}` is not a Bedrock model id: it must start and end with a letter or digit and have no empty part between dots", shorten(id)));
    }
    Ok(ModelReference {
        kind: ReferenceKind::BareId,
        target: id.to_string(),
        resource_id: id.to_string(),
        qualifier: None,
        partition: None,
        region: None,
        account: None,
    })
}

/// `arn:<partition>:bedrock:<region>:<account>:<type>/<id>`.
fn parse_arn(arn: &str) -> Result<ModelReference, String> {
    let shown = shorten(arn);
    let fields: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = fields.as_slice() else {
        return Err(format!("the ARN `{shown}` is incomplete (expected `arn:<partition>:bedrock:<region>:<account>:<type>/<id>`)"));
    };
    let partition_ok = *partition == "aws"
        || partition
            .strip_prefix("aws-")
            .is_some_and(|rest| rest.split('-').all(|word| !word.is_empty() && word.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())));
    if !partition_ok {
        return Err(format!("the ARN `{shown}` has an unknown partition `{}` (expected `aws`, `aws-cn`, `aws-us-gov`, ...)", shorten(partition)));
    }
    if *service != "bedrock" {
        return Err(format!("the ARN `{shown}` belongs to service `{}`, not `bedrock`", shorten(service)));
    }
    if region.is_empty() {
        return Err(format!("the ARN `{shown}` has no region"));
    }
    check_region_name(region).map_err(|problem| format!("the ARN `{shown}` has a bad region: {problem}"))?;
    let Some((resource_type, resource_id)) = resource.split_once('/') else {
        return Err(format!("the ARN `{shown}` has no `<type>/<id>` resource"));
    };
    let Some(&(_, kind, has_account)) = RESOURCE_TYPES.iter().find(|(name, _, _)| *name == resource_type) else {
        return Err(format!("the ARN `{shown}` names a `{}`, which is not a resource type this provider calls", shorten(resource_type)));
    };
    match (has_account, account.is_empty()) {
        (false, false) => return Err(format!("the foundation-model ARN `{shown}` must have an empty account field (`...:{region}::foundation-model/<id>`)")),
        (true, true) => return Err(format!("the {resource_type} ARN `{shown}` has no account id")),
        (true, false) if !(account.len() == 12 && account.bytes().all(|byte| byte.is_ascii_digit())) => {
            return Err(format!("the ARN `{shown}` has a bad account id `{}` (expected 12 digits)", shorten(account)));
        }
        _ => {}
    }
    if resource_id.is_empty() {
        return Err(format!("the ARN `{shown}` has an empty resource id after `{resource_type}/`"));
    }
    check_id_chars(resource_id)?;
    Ok(ModelReference {
        kind,
        target: arn.to_string(),
        resource_id: resource_id.to_string(),
        qualifier: None,
        partition: Some((*partition).to_string()),
        region: Some((*region).to_string()),
        account: (!account.is_empty()).then(|| (*account).to_string()),
    })
}

/// At most 80 characters of a reference, for a message.
fn shorten(text: &str) -> String {
    excerpt(text, 80)
}

#[cfg(test)]
mod tests;
