//! family-router: a routing-only policy (world `routing-policy`). Every discovered model goes to
//! itself, the configured default model to its target; when a call is throttled or the model
//! is overloaded, the host falls back to the small model of the same family (Claude Haiku for
//! Anthropic, Nova Lite or Micro for Amazon, Llama 8B for Meta, Mistral Small for Mistral).
//! The default policy reads the config and discovers the models; this one only routes.

wit_bindgen::generate!({
    // The contract straight from the repository: no copy to drift.
    path: "../../../wit",
    world: "routing-policy",
});

use exports::openclaw::bedrock::identity;
use exports::openclaw::bedrock::routing::{self, FallbackStep, PlanEntry, PlanRequest, Resolution, ResolveRequest, Route, RoutingPlan};
use openclaw::bedrock::policy_types::{PolicyInfo, Settings};
use openclaw::bedrock::types::{ApiError, ErrorClass, ModelInfo};

const NAME: &str = "family-router-rust";

/// Each family's small model: the first discovered id of the family that holds one of these.
const SMALL_MODELS: [(&str, &[&str]); 4] = [("anthropic", &["haiku"]), ("amazon", &["nova-lite", "nova-micro"]), ("meta", &["8b"]), ("mistral", &["small"])];

/// Geography prefixes of system inference profiles (`us.anthropic.claude-...`).
const GEOGRAPHIES: [&str; 8] = ["us", "eu", "apac", "global", "us-gov", "ca", "jp", "au"];

struct FamilyRouter;

impl identity::Guest for FamilyRouter {
    fn self_check() -> Result<PolicyInfo, String> {
        Ok(PolicyInfo { name: NAME.into(), version: env!("CARGO_PKG_VERSION").into(), contract: "0.3.0".into() })
    }
}

impl routing::Guest for FamilyRouter {
    fn plan(request: PlanRequest) -> Result<RoutingPlan, ApiError> {
        let (settings, models) = (&request.settings, &request.discovery.models);
        let region = &settings.region.name;
        let mut routes: Vec<PlanEntry> =
            models.iter().map(|model| PlanEntry { reference: model.id.clone(), route: route_to(&model.id, region, models, settings) }).collect();
        let default_route = match (&settings.default_model, &settings.default_model_reference) {
            (Some(written), Some(parsed)) => {
                // An ARN is called in its own region.
                let region = parsed.region.as_ref().unwrap_or(region);
                let route = route_to(&parsed.target, region, models, settings);
                routes.push(PlanEntry { reference: written.clone(), route: route.clone() });
                Some(route)
            }
            _ => None,
        };
        Ok(RoutingPlan { routes, default_route, discovery: request.discovery, valid_for_seconds: None })
    }

    fn resolve(request: ResolveRequest) -> Result<Resolution, ApiError> {
        // Everything this policy routes is in the plan: what reaches here is refused.
        Err(match request.model {
            Some(model) => {
                refusal(ErrorClass::NotFound, format!("{NAME} has no route for model `{model}`: it routes the discovered models and the default model"))
            }
            None => refusal(ErrorClass::Format, format!("the request names no model and no default model is configured ({NAME})")),
        })
    }
}

/// The route of `target` in `region`, with the fallback to its family's small model (in the
/// settings' region, where it was discovered).
fn route_to(target: &str, region: &str, models: &[ModelInfo], settings: &Settings) -> Route {
    let max_tokens = models.iter().find(|model| model.id == target).map_or(settings.discovery.default_max_tokens, |model| model.max_tokens);
    let fallbacks = small_model(target, models)
        .map(|small| FallbackStep {
            on: vec![ErrorClass::RateLimit, ErrorClass::Overloaded],
            target: small.to_string(),
            region: settings.region.name.clone(),
            // A small model the account cannot call must not hide the throttle that sent us there.
            report_original_on: vec![ErrorClass::NotFound, ErrorClass::Format],
        })
        .into_iter()
        .collect();
    Route { target: target.to_string(), region: region.to_string(), max_tokens, fallbacks }
}

/// The first discovered small model of `target`'s family, unless it is `target` itself.
fn small_model<'a>(target: &str, models: &'a [ModelInfo]) -> Option<&'a str> {
    let wanted = family(target)?;
    let (_, markers) = SMALL_MODELS.iter().find(|(name, _)| *name == wanted)?;
    let small = models.iter().map(|model| model.id.as_str()).find(|id| family(id) == Some(wanted) && markers.iter().any(|m| id.contains(m)))?;
    (small != target).then_some(small)
}

/// The provider word of a model id, after an optional geography prefix: `us.anthropic.x` is
/// `anthropic`; an ARN is read from its resource id.
fn family(id: &str) -> Option<&str> {
    let id = id.rsplit_once('/').map_or(id, |(_, resource)| resource);
    let mut words = id.split('.');
    let first = words.next()?;
    let word = if GEOGRAPHIES.contains(&first) { words.next()? } else { first };
    // A bare word with no `.` after it is no model id (an application profile's random id).
    id.contains('.').then_some(word)
}

fn refusal(class: ErrorClass, message: String) -> ApiError {
    ApiError { class, code: None, message, http_status: None, retryable: false }
}

export!(FamilyRouter);
