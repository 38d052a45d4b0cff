use super::known_models::{KNOWN_MODELS, candidate_keys, check_table, lookup, strip_version, table_key};
use super::*;
use crate::config::ConfigSource;
use crate::control_plane::fake::{FakeControlPlane, model, system_profile};
use crate::control_plane::{InferenceProfileRecord, SourceKind};
use crate::runtime::ErrorClass;

fn settings(filter: &[&str]) -> DiscoverySettings {
    DiscoverySettings {
        enabled: Some(true),
        region: None,
        provider_filter: filter.iter().map(|entry| (*entry).to_string()).collect(),
        refresh_interval: 3600,
        default_context_window: 32_000,
        default_max_tokens: 4_096,
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_string()).collect()
}

fn ids(models: &[ModelInfo]) -> Vec<&str> {
    models.iter().map(|model| model.id.as_str()).collect()
}

#[test]
fn version_suffixes() {
    let cases = [
        ("anthropic.claude-sonnet-4-6-20251001-v1:0", "anthropic.claude-sonnet-4-6"),
        ("anthropic.claude-3-haiku-20240307-v1:0:200k", "anthropic.claude-3-haiku"),
        ("anthropic.claude-opus-4-1-20250805-v1:0", "anthropic.claude-opus-4-1"),
        ("anthropic.claude-opus-4-1", "anthropic.claude-opus-4-1"),
        ("anthropic.claude-sonnet-4-6:0", "anthropic.claude-sonnet-4-6"),
        ("mistral.mistral-large-2407-v1:0", "mistral.mistral-large-2407"),
        ("mistral.mistral-7b-instruct-v0:2", "mistral.mistral-7b-instruct"),
        ("openai.gpt-oss-120b-1:0", "openai.gpt-oss-120b"),
        ("cohere.command-light-text-v14", "cohere.command-light-text"),
        ("deepseek.r1-v1:0", "deepseek.r1"),
        ("deepseek.v3.2", "deepseek.v3.2"),
        ("Amazon.Nova-Pro-V1:0", "amazon.nova-pro"),
        ("", ""),
    ];
    for (id, expected) in cases {
        assert_eq!(strip_version(id), expected, "{id}");
    }
}

#[test]
fn table_keys() {
    let cases = [
        ("us.anthropic.claude-sonnet-4-6-20251001-v1:0", "anthropic.claude-sonnet-4-6", true),
        ("global.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-haiku-4-5", true),
        ("us-gov.openai.gpt-oss-20b-1:0", "openai.gpt-oss-20b", true),
        ("xy.meta.llama3-3-70b-instruct-v1:0", "meta.llama3-3-70b-instruct", true),
        ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0", "amazon.nova-lite", true),
        ("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0", "amazon.nova-pro", true),
        ("deepseek.v3.2", "deepseek.v3.2", false),
        ("acme.unknown-v1:0", "acme.unknown", false),
    ];
    for (id, key, known) in cases {
        assert_eq!(table_key(id), key, "{id}");
        assert_eq!(lookup(id).is_some(), known, "{id}");
    }
    assert_eq!(candidate_keys("us.deepseek.v3.2"), strings(&["us.deepseek.v3.2", "deepseek.v3.2"]));
    assert_eq!(candidate_keys("anthropic.claude-3-5-haiku-20241022-v1:0"), strings(&["anthropic.claude-3-5-haiku"]));
}

#[test]
fn the_table_holds_its_invariants_and_covers_the_providers() {
    assert_eq!(check_table(), Ok(()));
    let expect = [
        ("anthropic.claude-3-7-sonnet-20250219-v1:0", 200_000, 64_000, true),
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", 200_000, 8_192, false),
        ("anthropic.claude-opus-4-1-20250805-v1:0", 200_000, 32_000, true),
        ("meta.llama4-maverick-17b-instruct-v1:0", 1_000_000, 8_192, false),
        ("mistral.pixtral-large-2502-v1:0", 128_000, 8_192, false),
        ("amazon.nova-premier-v1:0", 1_000_000, 10_000, false),
        ("cohere.command-r-plus-v1:0", 128_000, 4_096, false),
        ("deepseek.r1-v1:0", 128_000, 32_768, true),
        ("openai.gpt-oss-20b-1:0", 128_000, 16_384, true),
    ];
    for (id, context, max, reasoning) in expect {
        let known = lookup(id).map(|model| (model.context_window, model.max_tokens, model.reasoning));
        assert_eq!(known, Some((context, max, reasoning)), "{id}");
    }
    for provider in ["anthropic", "meta", "mistral", "amazon", "cohere", "deepseek", "openai"] {
        assert!(KNOWN_MODELS.iter().any(|model| model.key.starts_with(&format!("{provider}."))), "{provider}");
    }
}

#[test]
fn provider_filters() {
    let cases: [(&[&str], &str, &str, bool); 11] = [
        (&[], "Anything", "acme.model", true),
        (&["anthropic"], "Anthropic", "anthropic.claude-v2", true),
        (&["Anthropic"], "Anthropic", "anthropic.claude-v2", true),
        (&["mistral"], "Mistral AI", "mistral.mistral-large-2407-v1:0", true),
        (&["Mistral AI"], "Mistral AI", "mistral.mistral-large-2407-v1:0", true),
        (&["  mistral ai  "], "Mistral AI", "mistral.mistral-large-2407-v1:0", true),
        (&["mistral", "MISTRAL", " mistral "], "Mistral AI", "mistral.mixtral-8x7b-instruct-v0:1", true),
        (&["mistral"], "Meta", "meta.llama3-8b-instruct-v1:0", false),
        (&["Mistral"], "Mistral AI", "unprefixed", false),
        (&["ai"], "Mistral AI", "mistral.x", false),
        (&["meta", "amazon"], "Amazon", "amazon.nova-pro-v1:0", true),
    ];
    for (entries, provider, id, kept) in cases {
        let filter = filter::ProviderFilter::new(&strings(entries));
        assert_eq!(filter.keeps(provider, id), kept, "{entries:?} {provider} {id}");
    }
    assert_eq!(filter::ProviderFilter::new(&strings(&["mistral", " Mistral", "MISTRAL "])).entries(), &["mistral".to_string()]);
}

#[test]
fn foundation_checks() {
    let base = || model("acme.m-v1:0", "M", "Acme");
    let with = |change: fn(&mut FoundationModelRecord)| {
        let mut record = base();
        change(&mut record);
        record
    };
    let cases: Vec<(FoundationModelRecord, Option<&str>, filter::Access)> = vec![
        (base(), None, filter::Access::OnDemand),
        (with(|m| m.lifecycle_status = Some("LEGACY".into())), Some("not ACTIVE"), filter::Access::OnDemand),
        (with(|m| m.lifecycle_status = None), Some("not ACTIVE"), filter::Access::OnDemand),
        (with(|m| m.lifecycle_status = Some("active".into())), None, filter::Access::OnDemand),
        (with(|m| m.output_modalities = strings(&["EMBEDDING"])), Some("no TEXT output"), filter::Access::OnDemand),
        (with(|m| m.response_streaming_supported = None), Some("no response streaming"), filter::Access::OnDemand),
        (with(|m| m.response_streaming_supported = Some(false)), Some("no response streaming"), filter::Access::OnDemand),
        (with(|m| m.inference_types_supported = strings(&["PROVISIONED"])), None, filter::Access::Other),
        (with(|m| m.inference_types_supported = strings(&["INFERENCE_PROFILE"])), None, filter::Access::ProfileOnly),
        (with(|m| m.inference_types_supported = strings(&["INFERENCE_PROFILE", "ON_DEMAND"])), None, filter::Access::OnDemand),
        (with(|m| m.inference_types_supported = Vec::new()), None, filter::Access::OnDemand),
        (with(|m| m.inference_types_supported = strings(&["BATCH_NEW"])), None, filter::Access::Other),
    ];
    for (record, unusable, access) in cases {
        assert_eq!((filter::unusable(&record), filter::access(&record)), (unusable, access), "{record:?}");
    }
}

#[test]
fn input_modalities() {
    let cases: [(&[&str], &str, &[&str]); 6] = [
        (&["TEXT"], "acme.unknown", &["text"]),
        (&["TEXT", "IMAGE"], "anthropic.claude-sonnet-4-6-20251001-v1:0", &["text", "image", "document"]),
        (&["VIDEO", "IMAGE", "TEXT"], "amazon.nova-pro-v1:0", &["text", "image", "document", "video"]),
        (&["TEXT"], "amazon.nova-micro-v1:0", &["text"]),
        (&["TEXT", "DOCUMENT", "SPEECH", "EMBEDDING"], "acme.unknown", &["text", "document"]),
        (&["image"], "anthropic.claude-3-haiku-20240307-v1:0", &["image"]),
    ];
    for (declared, id, expected) in cases {
        assert_eq!(inputs(&strings(declared), lookup(id)), strings(expected), "{declared:?} {id}");
    }
}

#[test]
fn geographies_come_from_the_data() {
    let cases = [
        ("us.anthropic.claude-v2", "anthropic.claude-v2", "US Anthropic Claude", "us", "US"),
        ("global.anthropic.claude-v2", "anthropic.claude-v2", "Global Anthropic Claude", "global", "Global"),
        ("us-gov.anthropic.claude-v2", "anthropic.claude-v2", "GovCloud Claude", "us-gov", "US-GOV"),
        ("xy.deepseek.v3.2", "deepseek.v3.2", "", "xy", "XY"),
        ("XY.acme.m", "acme.m", "xy acme", "XY", "xy"),
        ("jp.acme.m", "other.base", "JP thing", "jp", "JP"),
        ("acme.m", "other.base", "", "", ""),
    ];
    for (id, base, name, prefix, word) in cases {
        assert_eq!(geography_prefix(id, base), prefix, "{id}");
        let profile = InferenceProfileRecord { id: id.into(), name: name.into(), ..InferenceProfileRecord::default() };
        assert_eq!(describe::geography_word(&profile, base), word, "{id}");
    }
}

/// A small catalog exercising every rule at once.
fn catalog() -> Catalog {
    let mut profile_only = model("anthropic.claude-sonnet-4-6-20251001-v1:0", "Claude Sonnet 4.6", "Anthropic");
    profile_only.inference_types_supported = strings(&["INFERENCE_PROFILE"]);
    profile_only.input_modalities = strings(&["TEXT", "IMAGE"]);
    let mut legacy = model("anthropic.claude-3-5-sonnet-20241022-v2:0", "Claude 3.5 Sonnet v2", "Anthropic");
    legacy.lifecycle_status = Some("LEGACY".into());
    let regions = ["us-east-1", "us-west-2"];
    let mut application = system_profile("k3m9", "team-chat", "anthropic.claude-sonnet-4-6-20251001-v1:0", &["us-east-1"]);
    application.profile_type = "APPLICATION".into();
    application.arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3m9".into();
    let mut inactive = system_profile("eu.mistral.mistral-large-2407-v1:0", "EU Mistral Large", "mistral.mistral-large-2407-v1:0", &["eu-west-1"]);
    inactive.status = "INACTIVE".into();
    Catalog {
        region: "us-east-1".into(),
        models: vec![
            profile_only,
            legacy,
            model("mistral.mistral-large-2407-v1:0", "Mistral Large (24.07)", "Mistral AI"),
            model("acme.mystery-v1:0", "Mystery", "Acme"),
            model("Acme.Mystery-v1:0", "Mystery again", "Acme"),
        ],
        profiles: vec![
            system_profile(
                "us.anthropic.claude-sonnet-4-6-20251001-v1:0",
                "US Anthropic Claude Sonnet 4.6",
                "anthropic.claude-sonnet-4-6-20251001-v1:0",
                &regions,
            ),
            system_profile(
                "global.anthropic.claude-sonnet-4-6-20251001-v1:0",
                "Global Anthropic Claude Sonnet 4.6",
                "anthropic.claude-sonnet-4-6-20251001-v1:0",
                &["us-east-1"],
            ),
            system_profile(
                "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
                "US Anthropic Claude 3.5 Sonnet v2",
                "anthropic.claude-3-5-sonnet-20241022-v2:0",
                &regions,
            ),
            system_profile("xy.anthropic.claude-opus-9-v1:0", "", "anthropic.claude-opus-9-v1:0", &regions),
            application,
            inactive,
        ],
        ..Catalog::default()
    }
}

#[test]
fn a_catalog_is_kept_described_and_ordered() {
    let models = describe_catalog(&catalog(), &settings(&[]), "us-east-1");
    let expected = [
        "global.anthropic.claude-sonnet-4-6-20251001-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3m9",
        "us.anthropic.claude-sonnet-4-6-20251001-v1:0",
        "xy.anthropic.claude-opus-9-v1:0",
        "mistral.mistral-large-2407-v1:0",
        "acme.mystery-v1:0",
    ];
    assert_eq!(ids(&models), expected);
    let us = &models[2];
    assert_eq!(
        (us.name.as_str(), us.provider.as_str(), us.base_model_id.as_str(), us.kind),
        ("US Anthropic Claude Sonnet 4.6", "Anthropic", "anthropic.claude-sonnet-4-6-20251001-v1:0", ModelKind::SystemProfile)
    );
    assert_eq!(
        (us.input.clone(), us.reasoning, us.context_window, us.max_tokens, us.region.as_str()),
        (strings(&["text", "image", "document"]), true, 200_000, 64_000, "us-east-1")
    );
    let application = &models[1];
    assert_eq!((application.name.as_str(), application.kind, application.max_tokens), ("team-chat", ModelKind::ApplicationProfile, 64_000));
    let unknown_base = &models[3];
    assert_eq!(
        (unknown_base.name.as_str(), unknown_base.provider.as_str(), unknown_base.context_window, unknown_base.max_tokens),
        ("XY anthropic.claude-opus-9-v1:0", "Anthropic", 32_000, 4_096)
    );
    let mystery = &models[5];
    assert_eq!(
        (mystery.name.as_str(), mystery.reasoning, mystery.cost, mystery.input.clone()),
        ("Mystery", false, ModelCost { input: 0.0, output: 0.0, cache_read: 0.0, cache_write: 0.0 }, strings(&["text"]))
    );
}

#[test]
fn filters_apply_to_profiles_through_their_base_model() {
    let cases: [(&[&str], &[&str]); 4] = [
        (&["mistral"], &["mistral.mistral-large-2407-v1:0"]),
        (&["Acme"], &["acme.mystery-v1:0"]),
        (
            &["anthropic"],
            &[
                "global.anthropic.claude-sonnet-4-6-20251001-v1:0",
                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3m9",
                "us.anthropic.claude-sonnet-4-6-20251001-v1:0",
                "xy.anthropic.claude-opus-9-v1:0",
            ],
        ),
        (&["nobody"], &[]),
    ];
    for (filter, expected) in cases {
        assert_eq!(ids(&describe_catalog(&catalog(), &settings(filter), "us-east-1")), expected, "{filter:?}");
    }
}

#[test]
fn run_decisions() {
    let visible = |kinds: &[SourceKind]| FakeControlPlane::serving(Catalog::default()).with_visible(kinds).visible_sources();
    let cases = [
        (Some(false), visible(&[SourceKind::Environment]), false, "disabled"),
        (Some(true), visible(&[]), true, "enabled"),
        (None, visible(&[SourceKind::Profile, SourceKind::Container]), true, "visible: profile, container"),
        (None, visible(&[]), false, "no credential source is visible"),
    ];
    for (enabled, sources, runs, reason) in cases {
        let decision = decide(enabled, &sources);
        assert_eq!(decision.runs, runs, "{enabled:?}");
        assert!(decision.reason.contains(reason), "{}", decision.reason);
    }
}

#[test]
fn discover_asks_the_control_plane_as_configured() {
    let config =
        |text: &str| DiscoverRequest { config: ConfigSource { origin: "openclaw.json".into(), text: Some(text.into()) }, settings: None, refresh: true };
    let mut stale = catalog();
    (stale.stale, stale.stale_reason, stale.fetched_at) = (true, Some("ThrottlingException".into()), 1_700_000_000);
    let plane = FakeControlPlane::serving(stale);
    let environment = RegionEnvironment { aws_region: Some("eu-west-1".into()), ..RegionEnvironment::default() };
    let found =
        discover(&config("{ models: { bedrockDiscovery: { refreshInterval: 60, providerFilter: ['mistral'] } } }"), &environment, &plane).expect("discovers");
    assert_eq!((found.runs, found.region.as_str(), ids(&found.models)), (true, "eu-west-1", vec!["mistral.mistral-large-2407-v1:0"]));
    assert_eq!((found.stale, found.stale_reason.as_deref(), found.fetched_at), (true, Some("ThrottlingException"), Some(1_700_000_000)));
    assert_eq!(found.models[0].region, "eu-west-1");
    assert_eq!(*plane.requests.borrow(), vec![CatalogRequest { region: "eu-west-1".into(), max_age: Duration::from_secs(60), refresh: true }]);

    let off = discover(&config("{ models: { bedrockDiscovery: { enabled: false } } }"), &environment, &plane).expect("decides");
    assert_eq!((off.runs, off.models.len(), off.fetched_at), (false, 0, None));
    assert_eq!(plane.requests.borrow().len(), 1);

    let invalid = discover(&config("{ models: { bedrockDiscovery: { enabled: 'yes' } } }"), &environment, &plane).expect_err("invalid");
    assert_eq!(invalid.class, ErrorClass::Format);
    assert!(invalid.message.contains("`models.bedrockDiscovery.enabled`"), "{}", invalid.message);

    let failing = FakeControlPlane::failing(ErrorClass::Auth, "AccessDeniedException");
    let refused = discover(&config("{}"), &environment, &failing).expect_err("refused");
    assert_eq!((refused.class, refused.message.as_str()), (ErrorClass::Auth, "AccessDeniedException"));
}

#[test]
fn system_profile_names() {
    let defaults = Defaults { context_window: 1, max_tokens: 1 };
    let cases = [
        ("us.anthropic.claude-v2", "US Anthropic Claude", "Claude 2", "Anthropic", "US Anthropic Claude 2"),
        ("us.deepseek.r1-v1:0", "US DeepSeek DeepSeek-R1", "DeepSeek-R1", "DeepSeek", "US DeepSeek-R1"),
        ("eu.meta.x-v1:0", "EU Meta Metadata", "Metadata Model", "Meta", "EU Meta Metadata Model"),
        ("global.mistral.m-v1:0", "Global Mistral AI M", "Mistral Large", "Mistral AI", "Global Mistral AI Mistral Large"),
        ("xy.acme.m-v1:0", "", "M", "", "XY M"),
    ];
    for (id, profile_name, model_name, provider, expected) in cases {
        let base_id = id.split_once('.').map_or(id, |(_, base)| base);
        let profile = InferenceProfileRecord { id: id.into(), name: profile_name.into(), ..InferenceProfileRecord::default() };
        let base = model(base_id, model_name, provider);
        assert_eq!(describe::profile(&profile, base_id, Some(&base), provider, "us-east-1", defaults).name, expected, "{id}");
    }
}

/// 10,000 models and 2,000 profiles (the benchmark shape): the mapping stays linear.
/// The bound is loose (debug builds); `cargo test --release` shows the real figure.
#[test]
fn mapping_scales_to_large_catalogs() {
    let providers = ["anthropic", "meta", "mistral", "amazon", "acme"];
    let mut big = Catalog { region: "us-east-1".into(), ..Catalog::default() };
    for index in 0..10_000 {
        let provider = providers[index % providers.len()];
        big.models.push(model(&format!("{provider}.model-{index}-v1:0"), &format!("Model {index}"), provider));
    }
    for index in 0..2_000 {
        let base = format!("{}.model-{index}-v1:0", providers[index % providers.len()]);
        let geography = ["us", "eu", "global", "apac"][index % 4];
        big.profiles.push(system_profile(&format!("{geography}.{base}"), "", &base, &["us-east-1"]));
    }
    let filter = settings(&["anthropic", "Meta", "acme"]);
    // Its speed is measured by `host/benches/policy.rs` (discovery mapping), not asserted here.
    let models = describe_catalog(&big, &filter, "us-east-1");
    assert_eq!(models.len(), 6_000 + 1_200);
}
