//! The wit-bindgen glue: converts between the WIT types and the policy's own, and delegates.
//! No decision is taken here.

use crate::{config, diagnostics, model_ref, region, self_check};

wit_bindgen::generate!({
    path: "../wit",
    world: "bedrock-policy",
});

use exports::openclaw::bedrock::policy as wit;
use openclaw::bedrock::{environment, log};

struct DefaultPolicy;

impl wit::Guest for DefaultPolicy {
    fn self_check() -> Result<wit::PolicyInfo, String> {
        self_check::self_check().map(|info| wit::PolicyInfo { name: info.name, version: info.version, contract: info.contract })
    }

    fn load_config(source: wit::ConfigSource) -> Result<wit::Settings, Vec<wit::Diagnostic>> {
        let environment = region_environment();
        let source = config::ConfigSource { origin: source.origin, text: source.text };
        let result = config::load_config(&source, &environment);
        let outcome = match &result {
            Ok(settings) => format!("ok, {} warning(s)", settings.warnings.len()),
            Err(diagnostics) => format!("invalid, {} diagnostic(s)", diagnostics.len()),
        };
        log::emit(log::Level::Debug, "config loaded", &[("origin".to_string(), source.origin), ("outcome".to_string(), outcome)]);
        result.map(settings_to_wit).map_err(|diagnostics| diagnostics.into_iter().map(diagnostic_to_wit).collect())
    }

    fn parse_model_reference(text: String) -> Result<wit::ModelReference, String> {
        model_ref::parse_model_reference(&text).map(reference_to_wit)
    }
}

export!(DefaultPolicy);

fn region_environment() -> region::RegionEnvironment {
    let environment::RegionEnvironment { aws_region, aws_default_region, profile, profile_region } = environment::get_region_environment();
    region::RegionEnvironment { aws_region, aws_default_region, profile, profile_region }
}

fn settings_to_wit(settings: config::Settings) -> wit::Settings {
    let discovery = settings.discovery;
    wit::Settings {
        default_model: settings.default_model,
        default_model_reference: settings.default_model_reference.map(reference_to_wit),
        discovery: wit::DiscoverySettings {
            enabled: discovery.enabled,
            region: discovery.region,
            provider_filter: discovery.provider_filter,
            refresh_interval: discovery.refresh_interval,
            default_context_window: discovery.default_context_window,
            default_max_tokens: discovery.default_max_tokens,
        },
        region: wit::ResolvedRegion {
            name: settings.region.name,
            source: match settings.region.source {
                region::RegionSource::Config => wit::RegionSource::Config,
                region::RegionSource::AwsRegion => wit::RegionSource::AwsRegion,
                region::RegionSource::AwsDefaultRegion => wit::RegionSource::AwsDefaultRegion,
                region::RegionSource::Profile => wit::RegionSource::Profile,
                region::RegionSource::Default => wit::RegionSource::Default,
            },
        },
        sources: settings.sources.into_iter().map(|source| wit::SettingSource { setting: source.setting, path: source.path }).collect(),
        warnings: settings.warnings.into_iter().map(diagnostic_to_wit).collect(),
    }
}

fn diagnostic_to_wit(diagnostic: diagnostics::Diagnostic) -> wit::Diagnostic {
    wit::Diagnostic {
        severity: match diagnostic.severity {
            diagnostics::Severity::Error => wit::Severity::Error,
            diagnostics::Severity::Warning => wit::Severity::Warning,
        },
        path: diagnostic.path,
        line: diagnostic.line,
        column: diagnostic.column,
        message: diagnostic.message,
    }
}

fn reference_to_wit(reference: model_ref::ModelReference) -> wit::ModelReference {
    wit::ModelReference {
        kind: match reference.kind {
            model_ref::ReferenceKind::BareId => wit::ReferenceKind::BareId,
            model_ref::ReferenceKind::FoundationModelArn => wit::ReferenceKind::FoundationModelArn,
            model_ref::ReferenceKind::InferenceProfileArn => wit::ReferenceKind::InferenceProfileArn,
            model_ref::ReferenceKind::ApplicationProfileArn => wit::ReferenceKind::ApplicationProfileArn,
            model_ref::ReferenceKind::ProvisionedModelArn => wit::ReferenceKind::ProvisionedModelArn,
        },
        target: reference.target,
        resource_id: reference.resource_id,
        qualifier: reference.qualifier,
        partition: reference.partition,
        region: reference.region,
        account: reference.account,
    }
}
