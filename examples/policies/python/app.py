"""family-router: a routing-only policy (world `routing-policy`).

Every discovered model goes to itself, the configured default model to its target; when a call
is throttled or the model is overloaded, the host falls back to the small model of the same
family (Claude Haiku for Anthropic, Nova Lite or Micro for Amazon, Llama 8B for Meta, Mistral
Small for Mistral). The default policy reads the config and discovers the models; this one only
routes.
"""

from typing import List, Optional

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.routing import FallbackStep, PlanEntry, PlanRequest, ResolveRequest, Resolution, Route, RoutingPlan
from wit_world.imports.policy_types import PolicyInfo, Settings
from wit_world.imports.types import ApiError, ErrorClass, ModelInfo

NAME = "family-router-python"
VERSION = "0.1.0"

# Each family's small model: the first discovered id of the family that holds one of these.
SMALL_MODELS = {"anthropic": ["haiku"], "amazon": ["nova-lite", "nova-micro"], "meta": ["8b"], "mistral": ["small"]}

# Geography prefixes of system inference profiles (`us.anthropic.claude-...`).
GEOGRAPHIES = {"us", "eu", "apac", "global", "us-gov", "ca", "jp", "au"}


class Identity(exports.Identity):
    def self_check(self) -> PolicyInfo:
        return PolicyInfo(name=NAME, version=VERSION, contract="0.3.0")


class Routing(exports.Routing):
    def plan(self, request: PlanRequest) -> RoutingPlan:
        settings, models = request.settings, request.discovery.models
        region = settings.region.name
        routes = [PlanEntry(reference=model.id, route=route_to(model.id, region, models, settings)) for model in models]
        default_route = None
        written, parsed = settings.default_model, settings.default_model_reference
        if written is not None and parsed is not None:
            # An ARN is called in its own region.
            default_route = route_to(parsed.target, parsed.region or region, models, settings)
            routes.append(PlanEntry(reference=written, route=default_route))
        return RoutingPlan(routes=routes, default_route=default_route, discovery=request.discovery, valid_for_seconds=None)

    def resolve(self, request: ResolveRequest) -> Resolution:
        # Everything this policy routes is in the plan: what reaches here is refused.
        if request.model is not None:
            raise Err(refusal(ErrorClass.NOT_FOUND, f"{NAME} has no route for model `{request.model}`: it routes the discovered models and the default model"))
        raise Err(refusal(ErrorClass.FORMAT, f"the request names no model and no default model is configured ({NAME})"))


def route_to(target: str, region: str, models: List[ModelInfo], settings: Settings) -> Route:
    """The route of `target` in `region`, with the fallback to its family's small model (in the
    settings' region, where it was discovered)."""
    known = next((model for model in models if model.id == target), None)
    max_tokens = known.max_tokens if known is not None else settings.discovery.default_max_tokens
    fallbacks = []
    small = small_model(target, models)
    if small is not None:
        # A small model the account cannot call must not hide the throttle that sent us there.
        fallbacks.append(FallbackStep(
            on=[ErrorClass.RATE_LIMIT, ErrorClass.OVERLOADED],
            target=small,
            region=settings.region.name,
            report_original_on=[ErrorClass.NOT_FOUND, ErrorClass.FORMAT],
        ))
    return Route(target=target, region=region, max_tokens=max_tokens, fallbacks=fallbacks)


def small_model(target: str, models: List[ModelInfo]) -> Optional[str]:
    """The first discovered small model of `target`'s family, unless it is `target` itself."""
    wanted = family(target)
    markers = SMALL_MODELS.get(wanted or "", [])
    small = next((m.id for m in models if family(m.id) == wanted and any(marker in m.id for marker in markers)), None)
    return small if small != target else None


def family(model_id: str) -> Optional[str]:
    """The provider word of a model id, after an optional geography prefix: `us.anthropic.x` is
    `anthropic`; an ARN is read from its resource id."""
    resource = model_id.rsplit("/", 1)[-1]
    if "." not in resource:
        # A bare word is no model id (an application profile's random id).
        return None
    words = resource.split(".")
    return words[1] if words[0] in GEOGRAPHIES else words[0]


def refusal(class_: ErrorClass, message: str) -> ApiError:
    return ApiError(class_=class_, code=None, message=message, http_status=None, retryable=False)
