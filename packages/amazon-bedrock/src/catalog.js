// @ts-check
/**
 * The models the gateway listed, kept per state directory in
 * `<state>/amazon-bedrock/models.json` (ids and metadata, nothing secret): OpenClaw's
 * synchronous hooks (`resolveDynamicModel`, `resolveThinkingProfile`) read them without a
 * network call, in processes where no catalog run happened (`openclaw agent --local`).
 */

import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { getJson } from "./gateway.js";
import { isChatModel } from "./models.js";

/** Longest `GET /v1/models` may take (discovery lists every inference profile page). */
const LIST_TIMEOUT_MS = 90_000;
/** Most entries kept: a hostile or broken answer cannot grow the file without bound. */
const MAX_ENTRIES = 2000;

/** @typedef {import("./models.js").GatewayModel} GatewayModel */

/** @param {string} stateDir */
export function catalogPath(stateDir) {
  return join(stateDir, "amazon-bedrock", "models.json");
}

/**
 * Lists the gateway's chat models and keeps them.
 * @param {import("./gateway.js").Endpoint} endpoint
 * @param {string} stateDir
 * @param {boolean} refresh
 * @returns {Promise<GatewayModel[]>}
 */
export async function listModels(endpoint, stateDir, refresh) {
  const answer = await getJson(endpoint, refresh ? "/v1/models?refresh=true" : "/v1/models", LIST_TIMEOUT_MS);
  const entries = (Array.isArray(answer?.data) ? answer.data : [])
    .filter((/** @type {any} */ entry) => typeof entry?.id === "string" && entry.id.length > 0 && isChatModel(entry))
    .slice(0, MAX_ENTRIES);
  const path = catalogPath(stateDir);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ models: entries }));
  renameSync(temporary, path);
  cache.delete(path);
  return entries;
}

/** @type {Map<string, { mtimeMs: number, byId: Map<string, GatewayModel> }>} */
const cache = new Map();

/**
 * The kept entry for a model id, if any.
 * @param {string} stateDir
 * @param {string} modelId
 * @returns {GatewayModel | undefined}
 */
export function keptModel(stateDir, modelId) {
  const path = catalogPath(stateDir);
  try {
    const { mtimeMs } = statSync(path);
    let kept = cache.get(path);
    if (!kept || kept.mtimeMs !== mtimeMs) {
      const parsed = JSON.parse(readFileSync(path, "utf8"));
      const models = Array.isArray(parsed?.models) ? parsed.models : [];
      kept = { mtimeMs, byId: new Map(models.filter((/** @type {any} */ m) => typeof m?.id === "string").map((/** @type {GatewayModel} */ m) => [m.id, m])) };
      cache.set(path, kept);
    }
    return kept.byId.get(modelId);
  } catch {
    return undefined;
  }
}
