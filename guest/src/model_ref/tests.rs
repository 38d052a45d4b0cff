use super::*;

#[test]
fn forms_and_their_parts() {
    // (input, kind, target, resource id, qualifier, partition, region, account)
    type Row =
        (&'static str, ReferenceKind, &'static str, &'static str, Option<&'static str>, Option<&'static str>, Option<&'static str>, Option<&'static str>);
    let sonnet = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
    let profile_arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-6-20251001-v1:0";
    let rows: [Row; 5] = [
        (sonnet, ReferenceKind::BareId, sonnet, sonnet, None, None, None, None),
        (
            "Bedrock/mistral.mistral-large-2407-v1:0",
            ReferenceKind::BareId,
            "mistral.mistral-large-2407-v1:0",
            "mistral.mistral-large-2407-v1:0",
            Some("bedrock"),
            None,
            None,
            None,
        ),
        (profile_arn, ReferenceKind::InferenceProfileArn, profile_arn, sonnet, None, Some("aws"), Some("us-east-1"), Some("123456789012")),
        (
            "amazon-bedrock/arn:aws-cn:bedrock:cn-northwest-1::foundation-model/amazon.titan-text-express-v1",
            ReferenceKind::FoundationModelArn,
            "arn:aws-cn:bedrock:cn-northwest-1::foundation-model/amazon.titan-text-express-v1",
            "amazon.titan-text-express-v1",
            Some("amazon-bedrock"),
            Some("aws-cn"),
            Some("cn-northwest-1"),
            None,
        ),
        (
            "arn:aws:bedrock:ap-southeast-5:123456789012:provisioned-model/abcdefghij12",
            ReferenceKind::ProvisionedModelArn,
            "arn:aws:bedrock:ap-southeast-5:123456789012:provisioned-model/abcdefghij12",
            "abcdefghij12",
            None,
            Some("aws"),
            Some("ap-southeast-5"),
            Some("123456789012"),
        ),
    ];
    for (input, kind, target, resource_id, qualifier, partition, region, account) in rows {
        let reference = parse_model_reference(input).unwrap_or_else(|error| panic!("{input}: {error}"));
        let expected = ModelReference {
            kind,
            target: target.to_string(),
            resource_id: resource_id.to_string(),
            qualifier: qualifier.map(str::to_string),
            partition: partition.map(str::to_string),
            region: region.map(str::to_string),
            account: account.map(str::to_string),
        };
        assert_eq!(reference, expected, "{input}");
    }
}

#[test]
fn errors_are_one_line_and_list_the_accepted_forms() {
    let inputs = [
        "",
        "openai/gpt-4",
        "gpt 4",
        "arn:aws:iam::123456789012:role/x",
        "arn:aws:bedrock:us-east-1:123456789012:custom-model/x",
        "x/",
        "/x",
        "bedrock/",
        "é.x",
    ];
    for input in inputs {
        let error = parse_model_reference(input).expect_err(input);
        assert!(error.contains(ACCEPTED_FORMS) && !error.contains('\n'), "{input}: {error}");
    }
}

#[test]
fn foreign_providers() {
    let cases = [
        ("openai/gpt-5", Some("openai")),
        (" anthropic/claude-opus-4-5", Some("anthropic")),
        ("bedrock/us.x.y", None),
        ("AMAZON-BEDROCK/us.x.y", None),
        ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x.y", None),
        ("us.anthropic.claude-sonnet-4-6-20251001-v1:0", None),
        ("/x", None),
    ];
    for (input, expected) in cases {
        assert_eq!(foreign_provider(input), expected, "{input}");
    }
}
