//! Model resolution at call time (BEHAVIOUR.md section 6), used by the probe and chat: a bare
//! id of a profile-only model becomes the system profile of the configured region's
//! geography, an unknown bare id is refused with the closest discovered ids, and the model's
//! known max tokens come along.
//!
//! The region's catalog comes from the host's `list-catalog` (its cache, max age
//! `refreshInterval`). Resolution never blocks a call for want of a catalog: when discovery
//! would not run (5.1: `enabled: false`, or unset with no visible credential source), when the
//! control plane fails, or when the catalog is empty, the reference is sent as given and
//! Bedrock answers; the reason is logged at debug.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::config::Settings;
use crate::control_plane::{Catalog, CatalogRequest, ControlPlane, FoundationModelRecord};
use crate::discovery::filter::{self, Access};
use crate::discovery::{ModelInfo, decide, describe_catalog, geography_prefix, known_models};
use crate::model_ref::{ModelReference, ReferenceKind};
use crate::runtime::{ApiError, ErrorClass, LogLevel, Runtime};
use crate::suggest::edit_distance;
use crate::target::{CallTarget, call_target};

/// How many of the closest discovered ids an unknown reference's error lists.
const SUGGESTIONS: usize = 3;

/// What a reference resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The model id and region to call.
    pub target: CallTarget,
    /// The model's max output tokens, when known (the discovered model's, else the
    /// known-models table's).
    pub max_tokens: Option<u32>,
    /// False when the answer is only a stopgap: the catalog should have been consulted but
    /// could not be had (the control plane failed), so the same reference may resolve
    /// differently once it can.
    pub settled: bool,
}

/// The configured region's catalog prepared for many lookups: the models a user sees, and
/// every model and profile id, by lower-cased id.
pub struct CatalogView<'a> {
    catalog: &'a Catalog,
    discovered: Vec<ModelInfo>,
    discovered_max: HashMap<String, u32>,
    models: HashMap<String, &'a FoundationModelRecord>,
    profile_ids: HashSet<String>,
}

impl<'a> CatalogView<'a> {
    /// Describes `catalog` under `settings` once (BEHAVIOUR.md 5.3-5.5).
    pub fn new(catalog: &'a Catalog, settings: &Settings) -> Self {
        let discovered = describe_catalog(catalog, &settings.discovery, &settings.region.name);
        let mut discovered_max = HashMap::with_capacity(discovered.len());
        for model in &discovered {
            discovered_max.entry(model.id.to_ascii_lowercase()).or_insert(model.max_tokens);
        }
        let mut models = HashMap::with_capacity(catalog.models.len());
        for model in &catalog.models {
            models.entry(model.model_id.to_ascii_lowercase()).or_insert(model);
        }
        let profile_ids = catalog.profiles.iter().map(|profile| profile.id.to_ascii_lowercase()).collect();
        Self { catalog, discovered, discovered_max, models, profile_ids }
    }

    /// The models a user sees, in display order.
    pub fn discovered(&self) -> &[ModelInfo] {
        &self.discovered
    }

    /// The raw catalog.
    pub fn catalog(&self) -> &'a Catalog {
        self.catalog
    }

    fn discovered_max(&self, id: &str) -> Option<u32> {
        self.discovered_max.get(&id.to_ascii_lowercase()).copied()
    }
}

/// Resolves `reference` against the configured region's catalog. Only a bare id can fail
/// (`not-found`, naming the closest discovered ids). ARNs are called as written, in their own
/// region; an application profile ARN in the configured region is looked up in the catalog
/// for its max tokens only.
pub fn resolve(reference: &ModelReference, settings: &Settings, control_plane: &dyn ControlPlane, runtime: &dyn Runtime) -> Result<Resolved, ApiError> {
    if !consults_catalog(reference, settings) {
        return resolve_in(reference, settings, Lookup::NotNeeded, runtime);
    }
    match catalog(settings, control_plane, runtime, &reference.target) {
        CatalogAnswer::Listed(catalog) => resolve_in(reference, settings, Lookup::Catalog(&CatalogView::new(&catalog, settings)), runtime),
        CatalogAnswer::NotConsulted => resolve_in(reference, settings, Lookup::NotNeeded, runtime),
        CatalogAnswer::Failed => resolve_in(reference, settings, Lookup::Unavailable, runtime),
    }
}

/// What a resolution may look up.
#[derive(Clone, Copy)]
pub enum Lookup<'v, 'a> {
    /// The catalog, described.
    Catalog(&'v CatalogView<'a>),
    /// No catalog is needed: discovery does not run, the catalog is empty, or the reference
    /// does not consult it.
    NotNeeded,
    /// The catalog is needed but the control plane failed: the reference is sent as given.
    Unavailable,
}

/// Whether resolving `reference` consults the catalog: bare ids always, application profile
/// ARNs of the configured region for their max tokens.
pub fn consults_catalog(reference: &ModelReference, settings: &Settings) -> bool {
    match reference.kind {
        ReferenceKind::BareId => true,
        ReferenceKind::ApplicationProfileArn => reference.region.as_deref().is_none_or(|region| region == settings.region.name),
        _ => false,
    }
}

/// [`resolve`] with the catalog already at hand (or known to be absent): the plan resolves
/// every reference it lists this way, from one [`CatalogView`].
pub fn resolve_in(reference: &ModelReference, settings: &Settings, lookup: Lookup<'_, '_>, runtime: &dyn Runtime) -> Result<Resolved, ApiError> {
    let target = call_target(reference, &settings.region.name);
    let table_max = |id: &str| known_models::lookup(id).map(|model| model.max_tokens);
    let view = match lookup {
        Lookup::Catalog(view) if consults_catalog(reference, settings) => view,
        Lookup::Unavailable if consults_catalog(reference, settings) => {
            return Ok(Resolved { max_tokens: table_max(&reference.resource_id), target, settled: false });
        }
        _ => return Ok(Resolved { max_tokens: table_max(&reference.resource_id), target, settled: true }),
    };
    if reference.kind != ReferenceKind::BareId {
        return Ok(Resolved { max_tokens: view.discovered_max(&target.model_id).or_else(|| table_max(&reference.resource_id)), target, settled: true });
    }
    let id = reference.resource_id.as_str();
    let mut target = target;
    match view.models.get(&id.to_ascii_lowercase()) {
        Some(model) if filter::access(model) == Access::ProfileOnly => match profile_for(view.catalog, id, &target.region) {
            Some(profile_id) => {
                runtime.log(
                    LogLevel::Debug,
                    "a profile-only model resolved to its profile",
                    &[("model", id), ("profile", &profile_id), ("region", &target.region)],
                );
                target.model_id = profile_id;
            }
            None => runtime.log(LogLevel::Debug, "a profile-only model has no profile here; sent as given", &[("model", id), ("region", &target.region)]),
        },
        Some(_) => {}
        None if view.profile_ids.contains(&id.to_ascii_lowercase()) => {}
        None => return Err(unknown(id, &settings.region.name, &view.discovered)),
    }
    let max_tokens = view.discovered_max(&target.model_id).or_else(|| table_max(&target.model_id));
    Ok(Resolved { target, max_tokens, settled: true })
}

/// What the control plane gave for resolution.
pub enum CatalogAnswer {
    /// A catalog with something in it.
    Listed(Catalog),
    /// Discovery does not run, or the catalog is empty: nothing to consult.
    NotConsulted,
    /// The control plane failed.
    Failed,
}

/// The configured region's catalog, or why there is none (logged at debug): discovery would
/// not run, the control plane fails, or the catalog lists nothing.
pub fn catalog(settings: &Settings, control_plane: &dyn ControlPlane, runtime: &dyn Runtime, model: &str) -> CatalogAnswer {
    let region = settings.region.name.as_str();
    let decision = decide(settings.discovery.enabled, &control_plane.visible_sources());
    if !decision.runs {
        runtime.log(LogLevel::Debug, "the catalog is not consulted; the model is sent as given", &[("model", model), ("why", &decision.reason)]);
        return CatalogAnswer::NotConsulted;
    }
    let request = CatalogRequest { region: region.to_string(), max_age: Duration::from_secs(settings.discovery.refresh_interval), refresh: false };
    match control_plane.list_catalog(&request) {
        Ok(catalog) if catalog.models.is_empty() && catalog.profiles.is_empty() => {
            runtime.log(LogLevel::Debug, "the catalog is empty; the model is sent as given", &[("model", model), ("region", region)]);
            CatalogAnswer::NotConsulted
        }
        Ok(catalog) => CatalogAnswer::Listed(catalog),
        Err(error) => {
            runtime.log(
                LogLevel::Debug,
                "the catalog could not be had; the model is sent as given",
                &[("model", model), ("region", region), ("error", &error.message)],
            );
            CatalogAnswer::Failed
        }
    }
}

/// The system profile a profile-only model `base_id` is called through from `region`, chosen
/// from the catalog's ACTIVE system profiles whose base model it is: the geography profile
/// (not `global.`) that routes to a model in `region` (its model ARNs name the region), else
/// the `global.` profile, else the only geography profile there is. Profile ARNs and
/// geographies are read from the data, never from a list of prefixes.
pub fn profile_for(catalog: &Catalog, base_id: &str, region: &str) -> Option<String> {
    let candidates: Vec<_> = catalog
        .profiles
        .iter()
        .filter(|profile| filter::profile_active(profile) && !filter::is_application(profile))
        .filter(|profile| filter::base_model_id(profile).is_some_and(|base| base.eq_ignore_ascii_case(base_id)))
        .collect();
    let is_global = |id: &str| geography_prefix(id, base_id).eq_ignore_ascii_case("global");
    let geographic: Vec<_> = candidates.iter().filter(|profile| !is_global(&profile.id)).collect();
    let covering = geographic.iter().find(|profile| profile.model_arns.iter().any(|arn| filter::arn_region(arn) == Some(region)));
    let global = candidates.iter().find(|profile| is_global(&profile.id));
    let only = if geographic.len() == 1 { geographic.first() } else { None };
    covering.or(global.as_ref()).or(only).map(|profile| profile.id.clone())
}

/// The error for a bare id the catalog does not know, naming the closest discovered ids.
fn unknown(id: &str, region: &str, discovered: &[ModelInfo]) -> ApiError {
    let wanted = id.to_lowercase();
    let mut ranked: Vec<(usize, usize, &str)> =
        discovered.iter().enumerate().map(|(index, model)| (edit_distance(&wanted, &model.id.to_lowercase()), index, model.id.as_str())).collect();
    ranked.sort_unstable();
    let closest: Vec<String> = ranked.iter().take(SUGGESTIONS).map(|(_, _, id)| format!("`{id}`")).collect();
    let hint = if closest.is_empty() { String::from("; no model is discovered there") } else { format!("; closest: {}", closest.join(", ")) };
    ApiError::policy(
        ErrorClass::NotFound,
        format!("`{id}` is not a model or inference profile offered in {region}{hint} (`openclaw-bedrock models list` shows them all)"),
    )
}

#[cfg(test)]
mod tests;
