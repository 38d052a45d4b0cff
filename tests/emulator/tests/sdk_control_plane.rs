//! The AWS SDK for Rust (`aws-sdk-bedrock`) as a client of the emulator's control plane:
//! ListFoundationModels with each filter, GetFoundationModel, ListInferenceProfiles through the
//! SDK paginator, GetInferenceProfile, and their errors.

mod common;

use aws_sdk_bedrock::types::{InferenceProfileType, InferenceType, ModelCustomization, ModelModality};
use bedrock_emulator::DEFAULT_BEARER_TOKEN;
use common::{Auth, ClientOptions, US_SONNET_45, error_code};

#[tokio::test]
async fn list_foundation_models_honours_each_filter() {
    let emulator = common::start().await;
    let client = common::control_client(&emulator).await;
    let all = client.list_foundation_models().send().await.unwrap();
    assert_eq!(all.model_summaries().len(), emulator.catalog().models.len());
    let ids = |output: aws_sdk_bedrock::operation::list_foundation_models::ListFoundationModelsOutput| -> Vec<String> {
        output.model_summaries().iter().map(|m| m.model_id().to_string()).collect()
    };
    let anthropic = ids(client.list_foundation_models().by_provider("anthropic").send().await.unwrap());
    assert!(anthropic.len() >= 10 && anthropic.iter().all(|id| id.starts_with("anthropic.")), "{anthropic:?}");
    let embeddings = ids(client.list_foundation_models().by_output_modality(ModelModality::Embedding).send().await.unwrap());
    assert_eq!(
        embeddings,
        ["amazon.titan-embed-text-v2:0", "amazon.titan-embed-image-v1", "cohere.embed-english-v3", "cohere.embed-multilingual-v3", "cohere.embed-v4:0"]
    );
    let provisioned = ids(client.list_foundation_models().by_inference_type(InferenceType::Provisioned).send().await.unwrap());
    assert_eq!(provisioned, ["anthropic.claude-3-haiku-20240307-v1:0:200k"]);
    let tunable = ids(client.list_foundation_models().by_customization_type(ModelCustomization::FineTuning).send().await.unwrap());
    assert!(tunable.contains(&"amazon.nova-pro-v1:0".to_string()));
    let summary = all.model_summaries().iter().find(|m| m.model_id() == "anthropic.claude-sonnet-4-5-20250929-v1:0").unwrap();
    let types: Vec<&str> = summary.inference_types_supported().iter().map(|t| t.as_str()).collect();
    assert_eq!(types, ["INFERENCE_PROFILE"]);
    assert_eq!(summary.model_lifecycle().unwrap().status().as_str(), "ACTIVE");
    let nova = all.model_summaries().iter().find(|m| m.model_id() == "amazon.nova-pro-v1:0").unwrap();
    assert!(nova.input_modalities().iter().any(|m| m.as_str() == "VIDEO"));
}

#[tokio::test]
async fn get_foundation_model_by_id_and_arn() {
    let emulator = common::start().await;
    let client = common::control_client(&emulator).await;
    for identifier in ["meta.llama3-3-70b-instruct-v1:0", "arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-3-70b-instruct-v1:0"] {
        let output = client.get_foundation_model().model_identifier(identifier).send().await.unwrap();
        let details = output.model_details().unwrap();
        assert_eq!((details.model_id(), details.provider_name()), ("meta.llama3-3-70b-instruct-v1:0", Some("Meta")), "{identifier}");
    }
    let error = client.get_foundation_model().model_identifier("acme.unknown-v1:0").send().await.unwrap_err();
    assert_eq!(error_code(&error), ("ValidationException".to_string(), 400));
}

#[tokio::test]
async fn list_inference_profiles_pages_through_the_sdk_paginator() {
    let emulator = common::start().await;
    let client = common::control_client(&emulator).await;
    let total = emulator.catalog().profiles.len();
    let cases: &[(Option<i32>, Option<InferenceProfileType>, usize, usize)] = &[
        (None, None, total, total.div_ceil(bedrock_emulator::control_plane::DEFAULT_PAGE_SIZE)),
        (Some(7), None, total, total.div_ceil(7)),
        (Some(1000), None, total, 1),
        (None, Some(InferenceProfileType::Application), 1, 1),
        (None, Some(InferenceProfileType::SystemDefined), total - 1, (total - 1).div_ceil(10)),
    ];
    for (max_results, type_equals, expected_items, expected_pages) in cases {
        let pages: Vec<_> = client
            .list_inference_profiles()
            .set_max_results(*max_results)
            .set_type_equals(type_equals.clone())
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .unwrap();
        let items: usize = pages.iter().map(|p| p.inference_profile_summaries().len()).sum();
        assert_eq!((items, pages.len()), (*expected_items, *expected_pages), "maxResults {max_results:?} type {type_equals:?}");
    }
    assert!(total > bedrock_emulator::control_plane::DEFAULT_PAGE_SIZE, "the built-in profiles must page");
    let prefixes: std::collections::BTreeSet<String> = client
        .list_inference_profiles()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap()
        .iter()
        .filter_map(|p| p.inference_profile_id().split_once('.').map(|(geo, _)| geo.to_string()))
        .collect();
    for geography in ["apac", "eu", "global", "us"] {
        assert!(prefixes.contains(geography), "{geography}");
    }
}

#[tokio::test]
async fn list_inference_profiles_rejects_bad_paging_input() {
    let emulator = common::start().await;
    let client = common::control_client(&emulator).await;
    let cases = [(Some(0), None), (Some(1001), None), (None, Some("bm90LWEtdG9rZW4=")), (None, Some("garbage!"))];
    for (max_results, token) in cases {
        let error = client.list_inference_profiles().set_max_results(max_results).set_next_token(token.map(str::to_string)).send().await.unwrap_err();
        assert_eq!(error_code(&error), ("ValidationException".to_string(), 400), "{max_results:?} {token:?}");
    }
}

#[tokio::test]
async fn get_inference_profile_by_id_and_arn_with_bearer_auth() {
    let emulator = common::start().await;
    let client = common::control_client_with(&emulator, Auth::BearerEnv(DEFAULT_BEARER_TOKEN.into()), ClientOptions::default()).await;
    for identifier in [US_SONNET_45, "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"] {
        let profile = client.get_inference_profile().inference_profile_identifier(identifier).send().await.unwrap();
        assert_eq!(profile.inference_profile_id(), US_SONNET_45);
        assert_eq!(profile.r#type().as_str(), "SYSTEM_DEFINED");
        assert_eq!(profile.models()[0].model_arn(), Some("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"));
        assert!(profile.created_at().is_some());
    }
    let error = client.get_inference_profile().inference_profile_identifier("us.acme.unknown").send().await.unwrap_err();
    assert_eq!(error_code(&error), ("ResourceNotFoundException".to_string(), 404));
    let log = emulator.request_log();
    assert!(log.len() == 3 && log.iter().all(|e| e.auth_scheme == bedrock_emulator::AuthScheme::Bearer), "{log:?}");
}
