use super::*;
use crate::config::{ConfigSource, load_config};
use crate::control_plane::fake::{FakeControlPlane, model, system_profile};
use crate::control_plane::{Catalog, SourceKind};
use crate::runtime::fake::FakeRuntime;

const SONNET: &str = "anthropic.claude-sonnet-4-6-20251001-v1:0";
const US: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
const GLOBAL: &str = "global.anthropic.claude-sonnet-4-6-20251001-v1:0";
const MISTRAL: &str = "mistral.mistral-large-2407-v1:0";

/// Sonnet 4.6 is profile-only with a US and a global profile; Mistral Large is on demand.
fn catalog(stale: bool) -> Catalog {
    let mut sonnet = model(SONNET, "Claude Sonnet 4.6", "Anthropic");
    sonnet.inference_types_supported = vec!["INFERENCE_PROFILE".into()];
    Catalog {
        models: vec![sonnet, model(MISTRAL, "Mistral Large (24.07)", "Mistral AI")],
        profiles: vec![
            system_profile(GLOBAL, "Global Claude Sonnet 4.6", SONNET, &["us-east-1"]),
            system_profile(US, "US Claude Sonnet 4.6", SONNET, &["us-east-1", "us-west-2"]),
        ],
        fetched_at: 1_700_000_000,
        stale,
        stale_reason: stale.then(|| "ThrottlingException: slow down".to_string()),
        ..Catalog::default()
    }
}

/// A plan from the config text alone, as contracts 0.1.0 and 0.2.0 ask for it.
fn plan_of(
    source: &ConfigSource,
    refresh: bool,
    environment: &RegionEnvironment,
    plane: &dyn ControlPlane,
    runtime: &dyn Runtime,
) -> Result<RoutingPlan, ApiError> {
    plan(&PlanRequest { config: source.clone(), settings: None, discovery: None, refresh }, environment, plane, runtime)
}

/// A resolution from the config text alone, as contract 0.2.0 asks for it.
fn resolve_of(
    source: &ConfigSource,
    model: Option<&str>,
    environment: &RegionEnvironment,
    plane: &dyn ControlPlane,
    runtime: &dyn Runtime,
) -> Result<Resolution, ApiError> {
    resolve_one(&ResolveRequest { config: source.clone(), settings: None, model: model.map(str::to_string) }, environment, plane, runtime)
}

fn config(text: &str) -> ConfigSource {
    ConfigSource { origin: "openclaw.json".into(), text: Some(text.to_string()) }
}

fn environment() -> RegionEnvironment {
    RegionEnvironment { aws_region: Some("us-east-1".into()), ..RegionEnvironment::default() }
}

fn global_step(region: &str) -> FallbackStep {
    FallbackStep {
        on: vec![ErrorClass::RateLimit, ErrorClass::Overloaded],
        target: GLOBAL.into(),
        region: region.into(),
        report_original_on: vec![ErrorClass::NotFound, ErrorClass::Format],
    }
}

fn route_of_plan<'p>(plan: &'p RoutingPlan, reference: &str) -> Option<&'p Route> {
    plan.routes.get(reference)
}

#[test]
fn a_plan_routes_every_catalog_reference_as_a_call_would() {
    let plane = FakeControlPlane::serving(catalog(false));
    let runtime = FakeRuntime::default();
    let source = config(&format!("{{ model: 'amazon-bedrock/{SONNET}' }}"));
    let plan = plan_of(&source, false, &environment(), &plane, &runtime).expect("plans");
    // (reference, target, fallback steps)
    let cases: [(&str, &str, Vec<FallbackStep>); 7] = [
        (SONNET, US, vec![global_step("us-east-1")]),
        (US, US, vec![global_step("us-east-1")]),
        (GLOBAL, GLOBAL, vec![]),
        (MISTRAL, MISTRAL, vec![]),
        (&format!("amazon-bedrock/{SONNET}"), US, vec![global_step("us-east-1")]),
        // Anthropic's names for the catalog's Claude model, resolved to the region's profile.
        ("claude-sonnet-4-6", US, vec![global_step("us-east-1")]),
        ("claude-sonnet-4-6-20251001", US, vec![global_step("us-east-1")]),
    ];
    for (reference, target, fallbacks) in cases {
        let route = route_of_plan(&plan, reference).unwrap_or_else(|| panic!("{reference} is not in the plan"));
        assert_eq!((route.target.as_str(), route.region.as_str(), &route.fallbacks), (target, "us-east-1", &fallbacks), "{reference}");
    }
    // A built-in name of a model the region's catalog lacks is not planned, and alone it is
    // refused as the id it stands for would be.
    assert!(!plan.routes.contains_key("claude-haiku-4-5"));
    let missing = resolve_of(&source, Some("claude-haiku-4-5"), &environment(), &plane, &runtime).expect_err("not in the region");
    assert!(missing.message.contains("anthropic.claude-haiku-4-5-20251001-v1:0"), "{missing:?}");
    assert_eq!(plan.default_route.as_ref().map(|route| route.target.as_str()), Some(US));
    assert_eq!(plan.discovery.models.iter().map(|model| model.id.as_str()).collect::<Vec<_>>(), [GLOBAL, US, MISTRAL]);
    assert_eq!((plan.discovery.runs, plan.discovery.fetched_at, plan.valid_for), (true, Some(1_700_000_000), Some(Duration::from_secs(3600))));
    // Resolving each listed reference alone gives the same route.
    for (reference, route) in &plan.routes {
        let alone = resolve_of(&source, Some(reference), &environment(), &plane, &runtime).expect(reference);
        assert_eq!((&alone.route, alone.remember), (route, true), "{reference}");
    }
}

#[test]
fn plan_validity_follows_the_catalog() {
    // (config, stale catalog, valid for)
    let cases = [
        ("{}", false, Some(3600)),
        ("{}", true, Some(STALE_PLAN_SECONDS)),
        ("{ models: { bedrockDiscovery: { refreshInterval: 10 } } }", true, Some(10)),
        ("{ models: { bedrockDiscovery: { refreshInterval: 0 } } }", false, Some(0)),
        ("{ models: { bedrockDiscovery: { enabled: false } } }", false, None),
    ];
    for (text, stale, valid_for) in cases {
        let plan = plan_of(&config(text), false, &environment(), &FakeControlPlane::serving(catalog(stale)), &FakeRuntime::default()).expect(text);
        assert_eq!(plan.valid_for, valid_for.map(Duration::from_secs), "{text} stale={stale}");
        assert_eq!(plan.discovery.stale, stale && plan.discovery.runs, "{text}");
    }
}

#[test]
fn without_discovery_only_the_default_model_is_planned() {
    let cases = [
        (FakeControlPlane::serving(catalog(false)), "{ model: 'acme.anything-v1:0', models: { bedrockDiscovery: { enabled: false } } }"),
        (FakeControlPlane::serving(catalog(false)).with_visible(&[]), "{ model: 'acme.anything-v1:0' }"),
    ];
    for (plane, text) in cases {
        let plan = plan_of(&config(text), false, &environment(), &plane, &FakeRuntime::default()).expect(text);
        assert!(plane.requests.borrow().is_empty(), "{text}: the catalog was listed");
        assert!(!plan.discovery.runs, "{text}");
        // The default model, and the built-in names (each sent as the table says).
        let others: Vec<&str> = plan.routes.keys().map(String::as_str).filter(|key| !key.starts_with("claude-")).collect();
        assert_eq!(others, ["acme.anything-v1:0"], "{text}");
        let named = plan.routes.get("claude-sonnet-4-5").map(|route| route.target.as_str());
        assert_eq!(named, Some("anthropic.claude-sonnet-4-5-20250929-v1:0"), "{text}");
        let route = plan.default_route.expect("a default route");
        assert_eq!((route.target.as_str(), route.max_tokens), ("acme.anything-v1:0", 4096), "{text}");
    }
}

#[test]
fn plans_that_cannot_be_made_fail_with_the_reason() {
    let invalid = plan_of(&config("{ model: 3 }"), false, &environment(), &FakeControlPlane::serving(catalog(false)), &FakeRuntime::default());
    assert_eq!(invalid.map_err(|error| error.class), Err(ErrorClass::Format));
    let down = plan_of(&config("{}"), false, &environment(), &FakeControlPlane::failing(ErrorClass::Auth, "AccessDeniedException"), &FakeRuntime::default());
    assert_eq!(down.map_err(|error| (error.class, error.message)), Err((ErrorClass::Auth, "AccessDeniedException".to_string())));
    let plane = FakeControlPlane::serving(catalog(false)).with_visible(&[SourceKind::Environment]);
    plan_of(&config("{}"), true, &environment(), &plane, &FakeRuntime::default()).expect("plans");
    assert!(plane.requests.borrow()[0].refresh, "a refreshing plan asks the host to refresh");
}

#[test]
fn an_unknown_default_model_leaves_the_default_route_to_resolve() {
    let source = config("{ model: 'meta.llama9-v1:0' }");
    let plane = FakeControlPlane::serving(catalog(false));
    let plan = plan_of(&source, false, &environment(), &plane, &FakeRuntime::default()).expect("plans");
    assert_eq!(plan.default_route, None);
    assert!(route_of_plan(&plan, "meta.llama9-v1:0").is_none());
    let error = resolve_of(&source, None, &environment(), &plane, &FakeRuntime::default()).expect_err("unknown");
    assert_eq!(error.class, ErrorClass::NotFound);
}

/// A case of `resolutions_say_whether_they_may_be_remembered`.
type RememberCase<'a> = (&'a str, FakeControlPlane, Option<&'a str>, Result<(&'a str, bool), ErrorClass>);

#[test]
fn resolutions_say_whether_they_may_be_remembered() {
    // (config, control plane, model, Ok((target, remember)) or the error class)
    let cases: [RememberCase; 6] = [
        ("{}", FakeControlPlane::serving(catalog(false)), Some(&format!("bedrock/{MISTRAL}")), Ok((MISTRAL, true))),
        ("{}", FakeControlPlane::failing(ErrorClass::Overloaded, "down"), Some(SONNET), Ok((SONNET, false))),
        ("{ models: { bedrockDiscovery: { refreshInterval: 0 } } }", FakeControlPlane::serving(catalog(false)), Some(SONNET), Ok((US, false))),
        ("{ models: { bedrockDiscovery: { enabled: false } } }", FakeControlPlane::failing(ErrorClass::Overloaded, "down"), Some(SONNET), Ok((SONNET, true))),
        ("{}", FakeControlPlane::serving(catalog(false)), None, Err(ErrorClass::Format)),
        ("{}", FakeControlPlane::serving(catalog(false)), Some("arn:aws:bedrock:us-east-1::nonsense/x"), Err(ErrorClass::Format)),
    ];
    for (text, plane, model, expected) in cases {
        let outcome = resolve_of(&config(text), model, &environment(), &plane, &FakeRuntime::default());
        let outcome = outcome.map(|resolution| (resolution.route.target.clone(), resolution.remember)).map_err(|error| error.class);
        assert_eq!(outcome, expected.map(|(target, remember)| (target.to_string(), remember)), "{text} {model:?}");
    }
    let error = resolve_of(&config("{}"), None, &environment(), &FakeControlPlane::serving(catalog(false)), &FakeRuntime::default()).expect_err("no model");
    assert_eq!(error.message, NO_MODEL);
}

#[test]
fn names_route_what_they_stand_for_in_the_plan_and_alone() {
    let plane = FakeControlPlane::serving(catalog(false));
    let runtime = FakeRuntime::default();
    let aliases = "plugins: { entries: { 'amazon-bedrock': { config: { aliases: { fast: 'mistral.mistral-large-2407-v1:0', 'claude-sonnet-4-6': 'global.anthropic.claude-sonnet-4-6-20251001-v1:0' } } } } }";
    // (config, request's model, target)
    let cases = [
        (format!("{{ {aliases} }}"), Some("fast"), MISTRAL),
        // The config's alias wins over the catalog's name.
        (format!("{{ {aliases} }}"), Some("claude-sonnet-4-6"), GLOBAL),
        (format!("{{ {aliases} }}"), Some("claude-sonnet-4-6-latest"), US),
        // A default model written as a name only the catalog knows.
        ("{ model: 'claude-sonnet-4-6' }".to_string(), None, US),
        (format!("{{ model: 'fast', {aliases} }}"), None, MISTRAL),
    ];
    for (text, model, target) in cases {
        let source = config(&text);
        let plan = plan_of(&source, false, &environment(), &plane, &runtime).expect(&text);
        let planned = match model {
            Some(model) => plan.routes.get(model).cloned(),
            None => plan.default_route.clone(),
        };
        assert_eq!(planned.as_ref().map(|route| route.target.as_str()), Some(target), "{text} {model:?} in the plan");
        let alone = resolve_of(&source, model, &environment(), &plane, &runtime).expect(&text);
        assert_eq!(Some(alone.route), planned, "{text} {model:?} alone");
    }
}

/// Contract 0.3.0: the plan takes the settings and the discovered models it is handed (another
/// policy's config or discovery part may have made them) instead of reading the config text.
#[test]
fn a_plan_from_given_settings_and_discovery_uses_them_as_they_are() {
    let plane = FakeControlPlane::serving(catalog(false));
    let runtime = FakeRuntime::default();
    // The text says nothing; the settings (as a config part made them) name the default model.
    let text = config("{}");
    let mut settings =
        load_config(&config(&format!("{{ model: '{MISTRAL}', models: {{ bedrockDiscovery: {{ enabled: true }} }} }}")), &environment()).expect("valid");
    settings.aliases.push(openclaw_domain::ModelAlias { name: "fast".into(), target: MISTRAL.into() });
    let mut listed = crate::discovery::describe_catalog(&catalog(false), &settings.discovery, "us-east-1").swap_remove(0);
    listed.name = "a model, as another discovery part names it".into();
    let given = Discovery {
        runs: true,
        reason: "a discovery part said so".into(),
        region: "us-east-1".into(),
        models: vec![listed.clone()],
        stale: false,
        stale_reason: None,
        fetched_at: Some(7),
    };
    // (settings given, discovery given, default target, `fast` routed, discovery reason)
    let cases = [
        (Some(settings.clone()), Some(given.clone()), Some(MISTRAL), true, "a discovery part said so"),
        (Some(settings.clone()), None, Some(MISTRAL), true, ""),
        (None, Some(given.clone()), None, false, "a discovery part said so"),
    ];
    for (settings, discovery, default_target, fast, reason) in cases {
        let label = format!("settings given: {}, discovery given: {}", settings.is_some(), discovery.is_some());
        let request = PlanRequest { config: text.clone(), settings, discovery: discovery.clone(), refresh: false };
        let plan = plan(&request, &environment(), &plane, &runtime).expect(&label);
        assert_eq!(plan.default_route.as_ref().map(|route| route.target.as_str()), default_target, "{label}");
        assert_eq!(plan.routes.contains_key("fast"), fast, "{label}");
        if let Some(given) = discovery {
            assert_eq!(plan.discovery, given, "{label}: the discovery is served as given");
        } else {
            assert!(plan.discovery.models.iter().any(|model| model.id == listed.id), "{label}: the policy discovered");
        }
        assert!(plan.discovery.reason.contains(reason), "{label}: {}", plan.discovery.reason);
        assert!(plan.routes.contains_key(&listed.id), "{label}: every discovered model is routed");
    }
    // Resolve takes the given settings too: `fast` resolves with them, not with the text alone.
    let request = ResolveRequest { config: text.clone(), settings: Some(settings), model: Some("fast".into()) };
    assert_eq!(resolve_one(&request, &environment(), &plane, &runtime).expect("an alias of the settings").route.target, MISTRAL);
    assert!(resolve_of(&text, Some("fast"), &environment(), &plane, &runtime).is_err(), "the text alone defines no `fast`");
}
