//! Model discovery (BEHAVIOUR.md section 5): whether it runs, which models of the region's
//! catalog are kept, what each becomes, and their order.
//!
//! The pipeline is plain Rust over a [`ControlPlane`]: the host's catalog and credential
//! descriptions in `component`, a fake in tests.

pub use openclaw_domain::{DiscoverRequest, Discovery, ModelCost, ModelInfo, ModelKind};

mod describe;
pub mod filter;
pub mod known_models;
mod order;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::time::Duration;

pub use describe::{Defaults, geography_prefix, inputs};

use crate::config::DiscoverySettings;
use crate::control_plane::{Catalog, CatalogRequest, ControlPlane, FoundationModelRecord, VisibleSource};
use crate::region::RegionEnvironment;
use crate::runtime::ApiError;
use crate::target::settings_of;
use filter::{Access, ProviderFilter};

/// Whether discovery runs, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunDecision {
    /// Whether it runs.
    pub runs: bool,
    /// Why, in words.
    pub reason: String,
}

/// Whether discovery runs (BEHAVIOUR.md 5.1): `enabled: false` never, `enabled: true` always,
/// unset only when a credential source is visible without a network call.
pub fn decide(enabled: Option<bool>, visible: &[VisibleSource]) -> RunDecision {
    let (runs, reason) = match (enabled, visible.first()) {
        (Some(false), _) => (false, "discovery is disabled (`enabled: false`)".to_string()),
        (Some(true), _) => (true, "discovery is enabled (`enabled: true`)".to_string()),
        (None, Some(_)) => {
            let names: Vec<&str> = visible.iter().map(|source| source.description.as_str()).collect();
            (true, format!("`enabled` is not set and a credential source is visible: {}", names.join(", ")))
        }
        (None, None) => (
            false,
            "`enabled` is not set and no credential source is visible without a network call; set `models.bedrockDiscovery.enabled: true` to discover anyway"
                .to_string(),
        ),
    };
    RunDecision { runs, reason }
}

/// Loads the config, decides whether discovery runs and, when it does, lists the region's
/// catalog through `control_plane` (max age `refreshInterval`) and describes it. An invalid
/// config is a `format` error quoting its first error; a control-plane failure is returned as is.
pub fn discover(request: &DiscoverRequest, environment: &RegionEnvironment, control_plane: &dyn ControlPlane) -> Result<Discovery, ApiError> {
    let settings = settings_of(request.settings.clone(), &request.config, environment)?;
    let region = settings.region.name;
    let RunDecision { runs, reason } = decide(settings.discovery.enabled, &control_plane.visible_sources());
    if !runs {
        return Ok(Discovery { runs, reason, region, models: Vec::new(), stale: false, stale_reason: None, fetched_at: None });
    }
    let catalog_request =
        CatalogRequest { region: region.clone(), max_age: Duration::from_secs(settings.discovery.refresh_interval), refresh: request.refresh };
    let catalog = control_plane.list_catalog(&catalog_request)?;
    let models = describe_catalog(&catalog, &settings.discovery, &region);
    Ok(Discovery { runs, reason, region, models, stale: catalog.stale, stale_reason: catalog.stale_reason, fetched_at: Some(catalog.fetched_at) })
}

/// The models of `catalog` a user sees under `settings`, in display order, de-duplicated.
/// `region` is reported when the catalog does not name its own.
pub fn describe_catalog(catalog: &Catalog, settings: &DiscoverySettings, region: &str) -> Vec<ModelInfo> {
    let region = if catalog.region.trim().is_empty() { region } else { catalog.region.as_str() };
    let defaults = Defaults { context_window: settings.default_context_window, max_tokens: settings.default_max_tokens };
    let filter = ProviderFilter::new(&settings.provider_filter);
    let by_id: HashMap<String, &FoundationModelRecord> = catalog.models.iter().rev().map(|model| (model.model_id.to_lowercase(), model)).collect();
    let mut listed = Vec::with_capacity(catalog.models.len() + catalog.profiles.len());
    for model in &catalog.models {
        if filter::unusable(model).is_none() && filter::access(model) == Access::OnDemand && filter.keeps(&model.provider_name, &model.model_id) {
            listed.push(describe::foundation(model, region, defaults));
        }
    }
    let mut borrowed: HashMap<String, Option<&str>> = HashMap::new();
    for profile in catalog.profiles.iter().filter(|profile| filter::profile_active(profile)) {
        let Some(base_id) = filter::base_model_id(profile) else { continue };
        let base = by_id.get(&base_id.to_lowercase()).copied();
        if base.is_some_and(|model| filter::unusable(model).is_some()) {
            continue;
        }
        let provider = match base {
            Some(model) => model.provider_name.as_str(),
            None => borrowed
                .entry(filter::provider_prefix(base_id).to_lowercase())
                .or_insert_with_key(|prefix| provider_of_prefix(catalog, prefix))
                .unwrap_or_else(|| filter::provider_prefix(base_id)),
        };
        if filter.keeps(provider, base_id) {
            listed.push(describe::profile(profile, base_id, base, provider, region, defaults));
        }
    }
    order::order(listed)
}

/// The provider name the catalog gives models of id prefix `prefix` (for a profile whose base
/// model is not listed): the first listed model with that prefix.
fn provider_of_prefix<'a>(catalog: &'a Catalog, prefix: &str) -> Option<&'a str> {
    catalog
        .models
        .iter()
        .find(|model| !prefix.is_empty() && filter::provider_prefix(&model.model_id).eq_ignore_ascii_case(prefix))
        .map(|model| model.provider_name.as_str())
        .filter(|name| !name.trim().is_empty())
}
