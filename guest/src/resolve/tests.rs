use super::*;
use crate::config::{ConfigSource, load_config};
use crate::control_plane::fake::{FakeControlPlane, model, system_profile};
use crate::control_plane::{InferenceProfileRecord, SourceKind};
use crate::model_ref::parse_model_reference;
use crate::region::RegionEnvironment;
use crate::runtime::fake::FakeRuntime;

const SONNET: &str = "anthropic.claude-sonnet-4-6-20251001-v1:0";
const US: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
const EU: &str = "eu.anthropic.claude-sonnet-4-6-20251001-v1:0";
const GLOBAL: &str = "global.anthropic.claude-sonnet-4-6-20251001-v1:0";
const ACME: &str = "acme.solo-v1:0";

fn profile(id: &str, regions: &[&str]) -> InferenceProfileRecord {
    let base = id.split_once('.').map_or(id, |(_, base)| base);
    system_profile(id, id, base, regions)
}

/// Sonnet 4.6 is profile-only with US, EU and global profiles; `acme.solo` is profile-only with
/// one profile of a geography never seen before; Mistral Large is on demand.
fn catalog() -> Catalog {
    let mut sonnet = model(SONNET, "Claude Sonnet 4.6", "Anthropic");
    sonnet.inference_types_supported = vec!["INFERENCE_PROFILE".into()];
    let mut solo = model(ACME, "Solo", "Acme");
    solo.inference_types_supported = vec!["INFERENCE_PROFILE".into()];
    let mut inactive = profile("apac.anthropic.claude-sonnet-4-6-20251001-v1:0", &["ap-northeast-1"]);
    inactive.status = "INACTIVE".into();
    Catalog {
        region: "us-east-1".into(),
        models: vec![sonnet, solo, model("mistral.mistral-large-2407-v1:0", "Mistral Large (24.07)", "Mistral AI")],
        profiles: vec![
            profile(GLOBAL, &["us-east-1"]),
            profile(US, &["us-east-1", "us-east-2", "us-west-2"]),
            profile(EU, &["eu-central-1", "eu-west-1", "eu-west-3"]),
            inactive,
            profile("zz.acme.solo-v1:0", &["zz-north-1"]),
        ],
        ..Catalog::default()
    }
}

#[test]
fn profiles_for_profile_only_models() {
    let cases = [
        (SONNET, "us-east-1", Some(US)),
        (SONNET, "us-west-2", Some(US)),
        (SONNET, "eu-west-3", Some(EU)),
        (SONNET, "ap-northeast-1", Some(GLOBAL)),
        (SONNET, "xx-new-1", Some(GLOBAL)),
        (ACME, "us-east-1", Some("zz.acme.solo-v1:0")),
        ("mistral.mistral-large-2407-v1:0", "us-east-1", None),
    ];
    for (base, region, expected) in cases {
        assert_eq!(profile_for(&catalog(), base, region).as_deref(), expected, "{base} in {region}");
    }
    let mut two_geographies = catalog();
    two_geographies.profiles.push(profile("yy.acme.solo-v1:0", &["yy-south-1"]));
    assert_eq!(profile_for(&two_geographies, ACME, "us-east-1"), None);
}

fn settings(config: &str, region: &str) -> Settings {
    let environment = RegionEnvironment { aws_region: Some(region.into()), ..RegionEnvironment::default() };
    load_config(&ConfigSource { origin: "openclaw.json".into(), text: Some(config.into()) }, &environment).expect("valid config")
}

/// A resolution case: reference, region, then the target and max tokens, or a fragment of the
/// error, and whether the catalog was asked for.
type Case<'a> = (&'a str, &'a str, Result<(&'a str, Option<u32>), &'a str>, bool);

#[test]
fn references_resolve_against_the_catalog() {
    let app = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/k3m9";
    let foreign_app = "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/k3m9";
    let cases: Vec<Case> = vec![
        (SONNET, "us-east-1", Ok((US, Some(64_000))), true),
        (SONNET, "eu-west-1", Ok((EU, Some(64_000))), true),
        (SONNET, "ap-northeast-1", Ok((GLOBAL, Some(64_000))), true),
        ("bedrock/anthropic.claude-sonnet-4-6-20251001-v1:0", "us-east-1", Ok((US, Some(64_000))), true),
        (US, "us-east-1", Ok((US, Some(64_000))), true),
        ("EU.anthropic.claude-sonnet-4-6-20251001-v1:0", "us-east-1", Ok(("EU.anthropic.claude-sonnet-4-6-20251001-v1:0", Some(64_000))), true),
        ("mistral.mistral-large-2407-v1:0", "us-east-1", Ok(("mistral.mistral-large-2407-v1:0", Some(8_192))), true),
        (ACME, "us-east-1", Ok(("zz.acme.solo-v1:0", Some(4_096))), true),
        (
            "anthropic.claude-sonet-4-6-20251001-v1:0",
            "us-east-1",
            Err("closest: `eu.anthropic.claude-sonnet-4-6-20251001-v1:0`, `us.anthropic.claude-sonnet-4-6-20251001-v1:0`, `global.anthropic"),
            true,
        ),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-6-20251001-v1:0",
            "us-east-1",
            Ok(("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-6-20251001-v1:0", Some(64_000))),
            false,
        ),
        (app, "us-east-1", Ok((app, None)), true),
        (foreign_app, "us-east-1", Ok((foreign_app, None)), false),
    ];
    for (text, region, expected, asked) in cases {
        let plane = FakeControlPlane::serving(catalog());
        let reference = parse_model_reference(text).expect(text);
        let outcome = resolve(&reference, &settings("{}", region), &plane, &FakeRuntime::default());
        match (outcome, expected) {
            (Ok(resolved), Ok((target, max_tokens))) => {
                assert_eq!((resolved.target.model_id.as_str(), resolved.max_tokens), (target, max_tokens), "{text} in {region}")
            }
            (Err(error), Err(fragment)) => {
                assert_eq!(error.class, ErrorClass::NotFound, "{text}");
                assert!(error.message.contains(fragment), "{text}: {}", error.message);
            }
            (outcome, expected) => panic!("{text} in {region}: {outcome:?} instead of {expected:?}"),
        }
        assert_eq!(!plane.requests.borrow().is_empty(), asked, "{text} in {region}");
    }
}

#[test]
fn without_a_catalog_the_reference_is_sent_as_given() {
    let sent_as_given = |config: &str, plane: &FakeControlPlane, asked: bool| {
        let runtime = FakeRuntime::default();
        for text in [SONNET, "acme.nothing-v1:0"] {
            let reference = parse_model_reference(text).expect(text);
            let resolved = resolve(&reference, &settings(config, "us-east-1"), plane, &runtime).expect(text);
            assert_eq!(resolved.target.model_id, text, "{config}");
        }
        assert_eq!(!plane.requests.borrow().is_empty(), asked, "{config}");
        assert!(runtime.logs.borrow().iter().all(|(level, _)| *level == LogLevel::Debug), "{config}");
        assert_eq!(runtime.logs.borrow().len(), 2, "{config}");
    };
    sent_as_given("{ models: { bedrockDiscovery: { enabled: false } } }", &FakeControlPlane::serving(catalog()), false);
    sent_as_given("{}", &FakeControlPlane::serving(catalog()).with_visible(&[]), false);
    sent_as_given("{}", &FakeControlPlane::failing(ErrorClass::Auth, "AccessDeniedException"), true);
    sent_as_given("{}", &FakeControlPlane::serving(Catalog::default()), true);
    let enabled = FakeControlPlane::serving(catalog()).with_visible(&[SourceKind::Environment]);
    let reference = parse_model_reference(SONNET).expect("parses");
    let resolved = resolve(
        &reference,
        &settings("{ models: { bedrockDiscovery: { enabled: true, refreshInterval: 0 } } }", "us-east-1"),
        &enabled,
        &FakeRuntime::default(),
    );
    assert_eq!(resolved.map(|resolved| resolved.target.model_id).as_deref(), Ok(US));
    assert_eq!(enabled.requests.borrow()[0], CatalogRequest { region: "us-east-1".into(), max_age: Duration::ZERO, refresh: false });
}

#[test]
fn an_unknown_reference_names_at_most_three_ids() {
    let plane = FakeControlPlane::serving(catalog());
    let reference = parse_model_reference("meta.llama9-v1:0").expect("parses");
    let error =
        resolve(&reference, &settings("{ models: { bedrockDiscovery: { providerFilter: ['mistral'] } } }", "us-east-1"), &plane, &FakeRuntime::default())
            .expect_err("unknown");
    assert_eq!(
        error.message,
        "`meta.llama9-v1:0` is not a model or inference profile offered in us-east-1; closest: `mistral.mistral-large-2407-v1:0` (`openclaw-bedrock models list` shows them all)"
    );
    let error =
        resolve(&reference, &settings("{ models: { bedrockDiscovery: { providerFilter: ['nobody'] } } }", "us-east-1"), &plane, &FakeRuntime::default())
            .expect_err("unknown");
    assert!(error.message.contains("no model is discovered there"), "{}", error.message);
}
