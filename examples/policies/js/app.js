// family-router: a routing-only policy (world `routing-policy`).
//
// Every discovered model goes to itself, the configured default model to its target; when a
// call is throttled or the model is overloaded, the host falls back to the small model of the
// same family (Claude Haiku for Anthropic, Nova Lite or Micro for Amazon, Llama 8B for Meta,
// Mistral Small for Mistral). The default policy reads the config and discovers the models;
// this one only routes.

const NAME = 'family-router-js';
const VERSION = '0.1.0';

// Each family's small model: the first discovered id of the family that holds one of these.
const SMALL_MODELS = { anthropic: ['haiku'], amazon: ['nova-lite', 'nova-micro'], meta: ['8b'], mistral: ['small'] };

// Geography prefixes of system inference profiles (`us.anthropic.claude-...`).
const GEOGRAPHIES = new Set(['us', 'eu', 'apac', 'global', 'us-gov', 'ca', 'jp', 'au']);

// An `err` of a `result` export: the bindings send an error's `payload` as the WIT error (any
// other thrown Error traps).
class Refused extends Error {
  constructor(errorClass, message) {
    super(message);
    this.payload = { class: errorClass, code: undefined, message, httpStatus: undefined, retryable: false };
  }
}

export const identity = {
  selfCheck() {
    return { name: NAME, version: VERSION, contract: '0.3.0' };
  },
};

export const routing = {
  plan(request) {
    const { settings, discovery } = request;
    const models = discovery.models;
    const region = settings.region.name;
    const routes = models.map((model) => ({ reference: model.id, route: routeTo(model.id, region, models, settings) }));
    let defaultRoute;
    const written = settings.defaultModel;
    const parsed = settings.defaultModelReference;
    if (written !== undefined && parsed !== undefined) {
      // An ARN is called in its own region.
      defaultRoute = routeTo(parsed.target, parsed.region ?? region, models, settings);
      routes.push({ reference: written, route: defaultRoute });
    }
    return { routes, defaultRoute, discovery, validForSeconds: undefined };
  },

  resolve(request) {
    // Everything this policy routes is in the plan: what reaches here is refused.
    if (request.model !== undefined) {
      throw new Refused('not-found', `${NAME} has no route for model \`${request.model}\`: it routes the discovered models and the default model`);
    }
    throw new Refused('format', `the request names no model and no default model is configured (${NAME})`);
  },
};

// The route of `target` in `region`, with the fallback to its family's small model (in the
// settings' region, where it was discovered).
function routeTo(target, region, models, settings) {
  const known = models.find((model) => model.id === target);
  const maxTokens = known ? known.maxTokens : settings.discovery.defaultMaxTokens;
  const small = smallModel(target, models);
  // A small model the account cannot call must not hide the throttle that sent us there.
  const fallbacks = small === undefined ? [] : [{ on: ['rate-limit', 'overloaded'], target: small, region: settings.region.name, reportOriginalOn: ['not-found', 'format'] }];
  return { target, region, maxTokens, fallbacks };
}

// The first discovered small model of `target`'s family, unless it is `target` itself.
function smallModel(target, models) {
  const wanted = family(target);
  const markers = SMALL_MODELS[wanted] ?? [];
  const small = models.map((model) => model.id).find((id) => family(id) === wanted && markers.some((marker) => id.includes(marker)));
  return small === target ? undefined : small;
}

// The provider word of a model id, after an optional geography prefix: `us.anthropic.x` is
// `anthropic`; an ARN is read from its resource id.
function family(id) {
  const resource = id.slice(id.lastIndexOf('/') + 1);
  // A bare word is no model id (an application profile's random id).
  if (!resource.includes('.')) return undefined;
  const words = resource.split('.');
  return GEOGRAPHIES.has(words[0]) ? words[1] : words[0];
}
