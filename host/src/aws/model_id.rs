//! Bedrock's model identifiers, read by shape: a foundation model id
//! (`anthropic.claude-sonnet-4-6`), a system inference profile (`us.`, `global.`, ... and the
//! model id), an ARN of either, or an application inference profile's ARN, which names no
//! model (the catalog or discovery tells its model: `gateway/call/models.rs`).

/// Geography prefixes of Bedrock's system-defined (cross-region) inference profiles.
pub const GEOGRAPHIES: &[&str] = &["us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"];

/// The id without a system profile's geography prefix (`us.amazon.nova-pro-v1:0` →
/// `amazon.nova-pro-v1:0`); any other id as it is.
pub fn without_geography(id: &str) -> &str {
    match id.split_once('.') {
        Some((geography, rest)) if GEOGRAPHIES.contains(&geography) && rest.contains('.') => rest,
        _ => id,
    }
}

/// The foundation model id a target names by its shape alone; `None` for an application
/// inference profile's ARN (or any other ARN that names no model).
pub fn foundation_model(target: &str) -> Option<&str> {
    if target.starts_with("arn:") {
        return target.split_once(":foundation-model/").map(|(_, model)| model).or_else(|| {
            // A system profile's ARN ends in its id.
            target.split_once(":inference-profile/").map(|(_, id)| without_geography(id))
        });
    }
    Some(without_geography(target))
}

/// Whether a target runs Anthropic's Claude, by its id's shape (an application profile's ARN
/// names no model: not Claude until its model is looked up).
pub fn is_claude(target: &str) -> bool {
    foundation_model(target).is_some_and(|model| model.starts_with("anthropic.claude"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_their_model_by_shape() {
        let cases = [
            ("anthropic.claude-sonnet-4-5-20250929-v1:0", Some("anthropic.claude-sonnet-4-5-20250929-v1:0")),
            ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", Some("anthropic.claude-sonnet-4-5-20250929-v1:0")),
            ("global.anthropic.claude-haiku-4-5-20251001-v1:0", Some("anthropic.claude-haiku-4-5-20251001-v1:0")),
            ("us-gov.anthropic.claude-3-haiku-20240307-v1:0", Some("anthropic.claude-3-haiku-20240307-v1:0")),
            ("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0", Some("anthropic.claude-3-haiku-20240307-v1:0")),
            ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0", Some("amazon.nova-pro-v1:0")),
            ("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123", None),
            ("us.nothing", Some("us.nothing")),
        ];
        for (target, model) in cases {
            assert_eq!(foundation_model(target), model, "{target}");
            assert_eq!(is_claude(target), model.is_some_and(|m| m.starts_with("anthropic.claude")), "{target}");
        }
    }
}
