//! Routing decided ahead of requests (the WIT `routing` interface): the route of one model
//! reference, the routing plan of every reference the policy knows, and the answer for a
//! reference the plan does not cover.
//!
//! A route is the whole decision chat makes at call time (BEHAVIOUR.md section 6): the target
//! and region ([`resolve`]), the max tokens when the request names none, and the fallback to
//! the `global.` profile when a geography profile is throttled or overloaded before its first
//! event. Chat runs the same route ([`crate::chat`]), so a plan-served request and a chat
//! call can never decide differently.

pub use openclaw_domain::{FallbackStep, PlanRequest, Resolution, ResolveRequest, Route, RoutingPlan};

use std::collections::HashMap;
use std::time::Duration;

use crate::config::Settings;
use crate::control_plane::{CatalogRequest, ControlPlane};
use crate::discovery::{Discovery, decide};
use crate::model_names;
use crate::model_ref::{ModelReference, parse_model_reference};
use crate::region::RegionEnvironment;
use crate::resolve::{CatalogView, Lookup, Resolved, resolve, resolve_in};
use crate::runtime::{ApiError, ErrorClass, Runtime};
use crate::target::{global_fallback, settings_of};

/// The message when neither the request nor the config names a model.
pub const NO_MODEL: &str = "no model given and no default model configured (set `model` or `agents.defaults.model.primary`)";

/// How long a plan built on a stale catalog holds before the host asks again, in seconds:
/// the control plane failed, so try again soon rather than after a whole refresh interval.
pub const STALE_PLAN_SECONDS: u64 = 30;

/// The route of a resolved reference: a reference written without its own region (not an
/// ARN) whose target is a geography profile falls back to the `global.` profile on
/// `rate-limit` or `overloaded`, and reports the original failure when Bedrock does not know
/// or accept the `global.` one (`not-found`, `format`).
pub fn route_of(reference: &ModelReference, resolved: Resolved, settings: &Settings) -> Route {
    let fallbacks = if reference.region.is_none() { global_fallback(&resolved.target.model_id) } else { None };
    let region = resolved.target.region;
    Route {
        max_tokens: resolved.max_tokens.unwrap_or(settings.discovery.default_max_tokens),
        fallbacks: fallbacks
            .into_iter()
            .map(|target| FallbackStep {
                on: vec![ErrorClass::RateLimit, ErrorClass::Overloaded],
                target,
                region: region.clone(),
                report_original_on: vec![ErrorClass::NotFound, ErrorClass::Format],
            })
            .collect(),
        target: resolved.target.model_id,
        region,
    }
}

/// The reference a request names (parsed), else the config's default model. A name (a config
/// alias, an Anthropic name: [`model_names`]) means the reference it stands for; the region's
/// catalog is fetched only for a name that only a catalog could know. Neither a model nor a
/// default is a `format` error ([`NO_MODEL`]): the client's request is incomplete, nothing on
/// Bedrock is missing; a reference that does not parse is a `format` error with the parser's
/// message.
pub fn requested_reference(model: Option<&str>, settings: &Settings, control_plane: &dyn ControlPlane) -> Result<ModelReference, ApiError> {
    let written = match model {
        Some(text) => text,
        None => {
            let reference = settings.default_model_reference.clone().ok_or_else(|| ApiError::policy(ErrorClass::Format, NO_MODEL))?;
            match settings.default_model.as_deref().filter(|text| model_names::may_need_catalog(text, &settings.aliases)) {
                Some(text) => text,
                None => return Ok(reference),
            }
        }
    };
    let catalog = if model_names::may_need_catalog(written, &settings.aliases) { catalog_for_names(settings, control_plane) } else { None };
    parse_model_reference(&model_names::expand(written, &settings.aliases, catalog.as_ref())).map_err(|message| ApiError::policy(ErrorClass::Format, message))
}

/// The region's catalog, for names only a catalog knows: when discovery runs (5.1) and the
/// host has it; otherwise none, and such a name is sent as written.
fn catalog_for_names(settings: &Settings, control_plane: &dyn ControlPlane) -> Option<crate::control_plane::Catalog> {
    if !decide(settings.discovery.enabled, &control_plane.visible_sources()).runs {
        return None;
    }
    let request = CatalogRequest { region: settings.region.name.clone(), max_age: Duration::from_secs(settings.discovery.refresh_interval), refresh: false };
    control_plane.list_catalog(&request).ok()
}

/// Resolves one reference the plan does not cover (or a request with no model). The answer
/// may be remembered unless it is a stopgap (the catalog was needed but the control plane
/// failed) or the catalog cache is off (`refreshInterval: 0`: nothing is kept).
pub fn resolve_one(
    request: &ResolveRequest,
    environment: &RegionEnvironment,
    control_plane: &dyn ControlPlane,
    runtime: &dyn Runtime,
) -> Result<Resolution, ApiError> {
    let settings = settings_of(request.settings.clone(), &request.config, environment)?;
    let reference = requested_reference(request.model.as_deref(), &settings, control_plane)?;
    let resolved = resolve(&reference, &settings, control_plane, runtime)?;
    let remember = resolved.settled && settings.discovery.refresh_interval > 0;
    Ok(Resolution { route: route_of(&reference, resolved, &settings), remember })
}

/// Computes the routing plan: the config's settings, whether discovery runs (BEHAVIOUR.md 5.1),
/// the region's catalog when it does, and a route for every id and profile of the catalog,
/// every discovered model and the default model as written, each resolved exactly as a call
/// would be. A control-plane failure with no catalog to fall back on fails the plan (the host
/// keeps the previous one); an invalid config is a `format` error.
///
/// Contract 0.3.0 hands the plan the settings and the discovered models (another policy's
/// config or discovery part may have made them): they are taken as they are, and the catalog
/// is read only to route its ids. Older contracts hand the config text only.
pub fn plan(request: &PlanRequest, environment: &RegionEnvironment, control_plane: &dyn ControlPlane, runtime: &dyn Runtime) -> Result<RoutingPlan, ApiError> {
    let settings = settings_of(request.settings.clone(), &request.config, environment)?;
    let region = settings.region.name.clone();
    let discovery = match &request.discovery {
        Some(given) => given.clone(),
        None => {
            let decision = decide(settings.discovery.enabled, &control_plane.visible_sources());
            Discovery {
                runs: decision.runs,
                reason: decision.reason,
                region: region.clone(),
                models: Vec::new(),
                stale: false,
                stale_reason: None,
                fetched_at: None,
            }
        }
    };
    let mut plan = RoutingPlan { routes: HashMap::new(), default_route: None, discovery, valid_for: None };
    if !plan.discovery.runs {
        add_default(&mut plan, &settings, None, Lookup::NotNeeded, runtime);
        add_names(&mut plan.routes, &model_names::names(&settings.aliases, None), &settings, Lookup::NotNeeded, runtime);
        return Ok(plan);
    }
    let catalog_request = CatalogRequest { region, max_age: Duration::from_secs(settings.discovery.refresh_interval), refresh: request.refresh };
    let catalog = control_plane.list_catalog(&catalog_request)?;
    plan.valid_for = Some(Duration::from_secs(match settings.discovery.refresh_interval {
        0 => 0,
        interval if catalog.stale => interval.min(STALE_PLAN_SECONDS),
        interval => interval,
    }));
    let view = CatalogView::new(&catalog, &settings);
    if request.discovery.is_none() {
        plan.discovery.stale = catalog.stale;
        plan.discovery.stale_reason.clone_from(&catalog.stale_reason);
        plan.discovery.fetched_at = Some(catalog.fetched_at);
        plan.discovery.models = view.discovered().to_vec();
    }
    let lookup = if catalog.models.is_empty() && catalog.profiles.is_empty() { Lookup::NotNeeded } else { Lookup::Catalog(&view) };
    add_default(&mut plan, &settings, Some(&catalog), lookup, runtime);
    add_names(&mut plan.routes, &model_names::names(&settings.aliases, Some(&catalog)), &settings, lookup, runtime);
    let ids = catalog.models.iter().map(|model| model.model_id.clone());
    let profiles = catalog.profiles.iter().map(|profile| profile.id.clone());
    let discovered: Vec<String> = plan.discovery.models.iter().map(|model| model.id.clone()).collect();
    for text in ids.chain(profiles).chain(discovered) {
        add_listed(&mut plan.routes, &text, &settings, lookup, runtime);
    }
    Ok(plan)
}

/// The default model's route (the plan's `default-route`, and an entry under the reference as
/// written). A default model that does not resolve gets neither: requests then reach
/// `resolve`, whose error names the problem.
fn add_default(plan: &mut RoutingPlan, settings: &Settings, catalog: Option<&crate::control_plane::Catalog>, lookup: Lookup<'_, '_>, runtime: &dyn Runtime) {
    let (Some(written), Some(reference)) = (settings.default_model.as_deref(), settings.default_model_reference.as_ref()) else { return };
    // A name only the catalog knows: what it stands for there (the config knew no better).
    let named = model_names::may_need_catalog(written, &settings.aliases)
        .then(|| parse_model_reference(&model_names::expand(written, &settings.aliases, catalog)).ok())
        .flatten();
    let reference = named.as_ref().unwrap_or(reference);
    if let Ok(resolved) = resolve_in(reference, settings, lookup, runtime) {
        let route = route_of(reference, resolved, settings);
        plan.default_route = Some(route.clone());
        plan.routes.entry(written.to_string()).or_insert(route);
    }
}

/// Lists each name (an alias, an Anthropic name) with the route of the reference it stands
/// for, when that resolves.
fn add_names(routes: &mut HashMap<String, Route>, names: &[(String, String)], settings: &Settings, lookup: Lookup<'_, '_>, runtime: &dyn Runtime) {
    for (name, target) in names {
        if routes.contains_key(name) {
            continue;
        }
        let Ok(reference) = parse_model_reference(target) else { continue };
        if let Ok(resolved) = resolve_in(&reference, settings, lookup, runtime) {
            routes.insert(name.clone(), route_of(&reference, resolved, settings));
        }
    }
}

/// Resolves `text` as a call would and lists it when it resolves (each reference once, the
/// first listing wins).
fn add_listed(routes: &mut HashMap<String, Route>, text: &str, settings: &Settings, lookup: Lookup<'_, '_>, runtime: &dyn Runtime) {
    if text.is_empty() || routes.contains_key(text) {
        return;
    }
    let Ok(reference) = parse_model_reference(text) else { return };
    if let Ok(resolved) = resolve_in(&reference, settings, lookup, runtime) {
        routes.insert(text.to_string(), route_of(&reference, resolved, settings));
    }
}

#[cfg(test)]
mod tests;
