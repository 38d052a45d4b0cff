// @ts-check
/**
 * The gateway's `GET /v1/models` entries as OpenClaw model rows, and the per-model policies
 * OpenClaw asks a provider for: thinking levels, failover reasons, context overflow.
 *
 * The gateway says per model (host/src/gateway/openai/model_metadata.rs): `context_window`,
 * `max_tokens`, `input`, `reasoning {supported, kind, effort_control}`, `tools`, `cost`
 * (USD per million tokens) and `api`, the OpenClaw transport it serves the model best
 * through: `anthropic-messages` for Claude (signed thinking replays), `openai-completions`
 * for the rest.
 */

/** @typedef {"anthropic-messages" | "openai-completions"} GatewayApi */
/** @typedef {"text" | "image" | "video" | "audio"} InputKind */
/** @typedef {import("openclaw/plugin-sdk/plugin-entry").ProviderThinkingProfile} ProviderThinkingProfile */
/**
 * An OpenClaw model row (a `ModelDefinitionConfig` with its own transport and base URL).
 * @typedef {{ id: string, name: string, api: GatewayApi, baseUrl: string, reasoning: boolean, input: InputKind[],
 *   cost: { input: number, output: number, cacheRead: number, cacheWrite: number }, contextWindow: number, maxTokens: number,
 *   compat: Record<string, boolean | string> }} ModelRow
 */

/** @type {GatewayApi} */
export const ANTHROPIC_API = "anthropic-messages";
/** @type {GatewayApi} */
export const OPENAI_API = "openai-completions";

/**
 * OpenClaw's input kinds; Bedrock's `document` input has no OpenClaw counterpart.
 * @param {string} kind
 * @returns {kind is InputKind}
 */
function isInputKind(kind) {
  return kind === "text" || kind === "image" || kind === "video" || kind === "audio";
}

/**
 * @typedef {{ id: string, name?: string, context_window?: number, max_tokens?: number, input?: string[],
 *   reasoning?: { supported?: boolean, kind?: string | null, effort_control?: boolean },
 *   tools?: boolean, cost?: { input?: number, output?: number, cache_read?: number, cache_write?: number },
 *   api?: string, capabilities?: string[] }} GatewayModel
 */

/**
 * The transport for a model id when the gateway has not said (a model named before any
 * catalog run): Claude through the Messages API, everything else through Chat Completions.
 * @param {string} modelId
 * @returns {GatewayApi}
 */
export function apiForModelId(modelId) {
  const base = modelId.split("/").pop() ?? modelId;
  return /(^|\.)anthropic\.claude/.test(base) ? ANTHROPIC_API : OPENAI_API;
}

/**
 * The reasoning kind of a model id when the gateway has not said (the first `agent --local`
 * of a fresh state directory checks its thinking level before any catalog run): the gateway's
 * table (host/src/aws/reasoning.rs) by family. Claude before 3.7 has none.
 * @param {string} modelId
 * @returns {"anthropic_thinking" | "effort" | "always" | null}
 */
export function reasoningKindForModelId(modelId) {
  const base = (modelId.split("/").pop() ?? modelId).replace(/^(us|eu|apac|global|jp|au|ca|us-gov)\./, "");
  if (base.startsWith("anthropic.claude-")) {
    const before37 = (base.startsWith("anthropic.claude-3-") && !base.startsWith("anthropic.claude-3-7")) || base.startsWith("anthropic.claude-v") || base.startsWith("anthropic.claude-instant");
    return before37 ? null : "anthropic_thinking";
  }
  if (base.startsWith("openai.gpt-oss") || base.startsWith("amazon.nova-2")) return "effort";
  if (base.startsWith("deepseek.r1")) return "always";
  return null;
}

/**
 * The base URL a transport takes: Chat Completions appends `/chat/completions` to it, the
 * Messages API appends `/v1/messages`.
 * @param {string} gatewayUrl
 * @param {string} api
 */
export function baseUrlFor(gatewayUrl, api) {
  return api === ANTHROPIC_API ? gatewayUrl : `${gatewayUrl}/v1`;
}

/**
 * Whether an entry is a chat model (embedding models are listed too, for `/v1/embeddings`).
 * @param {GatewayModel} entry
 */
export function isChatModel(entry) {
  return !Array.isArray(entry.capabilities) || entry.capabilities.includes("chat");
}

/**
 * One OpenClaw model row.
 * @param {GatewayModel} entry
 * @param {string} gatewayUrl
 * @returns {ModelRow}
 */
export function modelRow(entry, gatewayUrl) {
  const api = entry.api === ANTHROPIC_API ? ANTHROPIC_API : entry.api === OPENAI_API ? OPENAI_API : apiForModelId(entry.id);
  const reasoningKind = entry.reasoning?.kind ?? null;
  const input = (entry.input ?? ["text"]).filter(isInputKind);
  /** @type {Record<string, boolean | string>} */
  const compat = {
    supportsStore: false,
    supportsPromptCacheKey: false,
    supportsDeveloperRole: true,
    supportsUsageInStreaming: true,
    supportsReasoningEffort: entry.reasoning?.effort_control === true,
    supportsTools: entry.tools !== false,
    supportsStrictMode: false,
    maxTokensField: "max_completion_tokens",
  };
  if (reasoningKind === "always") compat.thinkingFormat = "deepseek";
  return {
    id: entry.id,
    name: entry.name || entry.id,
    api,
    baseUrl: baseUrlFor(gatewayUrl, api),
    reasoning: entry.reasoning?.supported === true,
    input: input.length > 0 ? input : ["text"],
    cost: {
      input: entry.cost?.input ?? 0,
      output: entry.cost?.output ?? 0,
      cacheRead: entry.cost?.cache_read ?? 0,
      cacheWrite: entry.cost?.cache_write ?? 0,
    },
    contextWindow: positive(entry.context_window) ?? 32000,
    maxTokens: positive(entry.max_tokens) ?? 4096,
    compat,
  };
}

/**
 * A row for a model no catalog has described yet, from its id and the discovery defaults.
 * @param {string} modelId
 * @param {string} gatewayUrl
 * @param {{ defaultContextWindow?: unknown, defaultMaxTokens?: unknown } | undefined} discovery
 * @returns {ModelRow}
 */
export function fallbackRow(modelId, gatewayUrl, discovery) {
  const kind = reasoningKindForModelId(modelId);
  return modelRow(
    {
      id: modelId,
      reasoning: { supported: kind !== null, kind, effort_control: kind === "anthropic_thinking" || kind === "effort" },
      context_window: positive(discovery?.defaultContextWindow),
      max_tokens: positive(discovery?.defaultMaxTokens),
      api: apiForModelId(modelId),
    },
    gatewayUrl,
  );
}

/** @param {unknown} value */
function positive(value) {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * OpenClaw's thinking levels for a model of a reasoning kind: a Claude thinking budget or a
 * reasoning effort can be chosen (efforts map to budgets in the gateway, host/src/aws/
 * reasoning.rs); a model that always reasons offers no choice; others none.
 * @param {string | null | undefined} kind
 * @returns {ProviderThinkingProfile}
 */
export function thinkingProfile(kind) {
  switch (kind) {
    case "anthropic_thinking":
      return { levels: [{ id: "off" }, { id: "minimal" }, { id: "low" }, { id: "medium" }, { id: "high" }], defaultLevel: "off" };
    case "effort":
      return { levels: [{ id: "off" }, { id: "low" }, { id: "medium" }, { id: "high" }], defaultLevel: "off" };
    case "always":
      return { levels: [{ id: "medium", label: "always on" }], defaultLevel: "medium", preserveWhenCatalogReasoningFalse: true };
    default:
      return { levels: [{ id: "off" }], defaultLevel: "off" };
  }
}

/**
 * OpenClaw's failover reason for a gateway error: Bedrock's throttling is `rate_limit`, a
 * refused, expired or missing credential is `auth`, a model Bedrock does not know is
 * `model_not_found`, a context too long is `context_overflow`. Undefined: OpenClaw decides.
 * @param {{ errorMessage: string, status?: number, code?: string, errorType?: string }} error
 */
export function classifyFailover(error) {
  const text = `${error.errorType ?? ""} ${error.code ?? ""} ${error.errorMessage}`;
  if (isContextOverflow(error)) return "context_overflow";
  if (error.status === 429 || /throttl|too many requests|rate.?limit|rate exceeded|ServiceQuotaExceeded/i.test(text)) return "rate_limit";
  if (error.status === 401 || error.status === 403 || /security token|expired|UnrecognizedClient|AccessDenied|not authori[sz]ed|no AWS credentials|invalid.*(key|signature|credential)/i.test(text))
    return "auth";
  if (/model .*(not found|is not supported|doesn't exist)|ResourceNotFound/i.test(text)) return "model_not_found";
  if (error.status === 503 || /overloaded|ServiceUnavailable|ModelNotReady/i.test(text)) return "overloaded";
  return undefined;
}

/**
 * Whether an error says the prompt did not fit the model's context window (Bedrock's
 * ValidationException wordings, and the gateway's finish reason).
 * @param {{ errorMessage: string }} error
 */
export function isContextOverflow(error) {
  return /input is too long|prompt is too long|too many (input )?tokens|exceeds? (the )?(model'?s? )?(maximum )?context|context (window|length) (exceeded|is exceeded)|model_context_window_exceeded/i.test(error.errorMessage);
}
