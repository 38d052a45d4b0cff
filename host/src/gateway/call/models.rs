//! The foundation model each target of a route runs: every API's upstream request depends on
//! it (Anthropic's Messages go natively to Claude: docs/api-anthropic-messages.md; reasoning
//! and sampling follow the model's family: `aws/reasoning.rs`).
//!
//! A foundation model id is its own model; an ARN of one, the id after `foundation-model/`; a
//! system inference profile (`us.`, `global.`, ...) the id without its geography. An
//! application inference profile's ARN names no model: it is looked up in the plan's discovery
//! (which lists application profiles with their base model), else in the region's catalog
//! (the host's cache, a control-plane listing at worst, bounded in time). A target that stays
//! unresolved counts as its own model: its request takes the general form (Converse).

use crate::aws::model::CatalogRequest;
use crate::aws::model_id::foundation_model;
use crate::capability::BedrockAccess;
use crate::plan::{Route, Serving};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The longest wait for a catalog to resolve an application profile by.
const CATALOG_WAIT: Duration = Duration::from_secs(5);
/// A cached catalog this old still resolves a profile (profiles do not change model).
const CATALOG_AGE: Duration = Duration::from_secs(24 * 3600);

/// The foundation model of each target of one route that needed a lookup.
#[derive(Debug, Default)]
pub(in crate::gateway) struct TargetModels {
    looked_up: HashMap<String, String>,
}

impl TargetModels {
    /// Looks up the application profiles among `route`'s targets (none: no work at all).
    pub(in crate::gateway) async fn of(serving: &Arc<Serving>, route: &Route, bedrock: &dyn BedrockAccess) -> Self {
        let mut models = Self::default();
        let targets = std::iter::once((&route.target, &route.region)).chain(route.fallbacks.iter().map(|step| (&step.target, &step.region)));
        for (target, region) in targets {
            if foundation_model(target).is_some() || models.looked_up.contains_key(target) {
                continue;
            }
            // The catalog only when discovery does not know the profile (`or` would ask it always).
            let model = match from_discovery(serving, target) {
                Some(model) => Some(model),
                None => from_catalog(bedrock, region, target).await,
            };
            if let Some(model) = model {
                models.looked_up.insert(target.clone(), model);
            }
        }
        models
    }

    /// The foundation model `target` runs (the target itself when unresolved).
    pub(in crate::gateway) fn model_of(&self, target: &str) -> String {
        foundation_model(target).map(str::to_string).or_else(|| self.looked_up.get(target).cloned()).unwrap_or_else(|| target.to_string())
    }
}

/// The base model discovery recorded for an application profile.
fn from_discovery(serving: &Serving, target: &str) -> Option<String> {
    let plan = serving.plan()?;
    plan.discovery.models.iter().find(|model| model.id == target).map(|model| model.base_model_id.clone()).filter(|model| !model.is_empty())
}

/// The first model of an application profile in the region's catalog.
async fn from_catalog(bedrock: &dyn BedrockAccess, region: &str, target: &str) -> Option<String> {
    let request = CatalogRequest { region: region.to_string(), max_age: CATALOG_AGE, refresh: false };
    let catalog = match tokio::time::timeout(CATALOG_WAIT, bedrock.list_catalog(request)).await {
        Ok(Ok(catalog)) => catalog,
        Ok(Err(error)) => {
            tracing::debug!(%error, target, "no catalog to resolve an application profile; its requests take Converse");
            return None;
        }
        Err(_) => {
            tracing::debug!(target, "the catalog took too long; the application profile's requests take Converse");
            return None;
        }
    };
    let profile = catalog.profiles.iter().find(|profile| profile.arn == target || profile.id == target)?;
    let first = profile.model_arns.first()?;
    foundation_model(first).map(str::to_string)
}
