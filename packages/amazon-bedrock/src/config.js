// @ts-check
/**
 * The plugin's configuration (`plugins.entries.amazon-bedrock.config`): its JSON schema, the
 * values the plugin reads from it, and the migration of the Bedrock page's
 * `models.bedrockDiscovery` (which OpenClaw 2026.9 refuses as an unrecognized key) into it.
 *
 * The six discovery keys and their defaults are the page's (README "Discovery and its cache",
 * /work/shared/spec/bedrock-provider.txt); the gateway applies them, the schema here only
 * refuses values of the wrong shape before any process starts.
 */

import { readFileSync } from "node:fs";

export const PLUGIN_ID = "amazon-bedrock";

/** The discovery keys of the Bedrock page, with its defaults. */
export const DISCOVERY_DEFAULTS = Object.freeze({
  enabled: undefined, // unset: discovery runs when a credential source is visible
  region: undefined, // unset: AWS_REGION, else AWS_DEFAULT_REGION, else the profile's, else us-east-1
  providerFilter: [],
  refreshInterval: 3600,
  defaultContextWindow: 32000,
  defaultMaxTokens: 4096,
});

/** JSON schema of `plugins.entries.amazon-bedrock.config`: the manifest's, read once. */
export const CONFIG_SCHEMA = JSON.parse(readFileSync(new URL("../openclaw.plugin.json", import.meta.url), "utf8")).configSchema;
const DISCOVERY_KEYS = Object.keys(CONFIG_SCHEMA.properties.discovery.properties);

/**
 * @typedef {object} PluginSettings
 * @property {Record<string, unknown> | undefined} discovery
 * @property {Record<string, string> | undefined} aliases
 * @property {string | undefined} binary
 * @property {number} idleStopSeconds  0 keeps the gateway for the life of its parent
 * @property {number} startTimeoutSeconds
 * @property {string[]} gatewayArgs
 */

/**
 * The settings the plugin acts on, from `plugins.entries.amazon-bedrock.config` (already
 * validated by OpenClaw against {@link CONFIG_SCHEMA}).
 * @param {unknown} config
 * @returns {PluginSettings}
 */
export function readSettings(config) {
  const record = isRecord(config) ? config : {};
  return {
    discovery: isRecord(record.discovery) ? record.discovery : undefined,
    aliases: isRecord(record.aliases) ? /** @type {Record<string, string>} */ (record.aliases) : undefined,
    binary: typeof record.binary === "string" && record.binary.trim() ? record.binary.trim() : undefined,
    idleStopSeconds: Number.isInteger(record.idleStopSeconds) ? Number(record.idleStopSeconds) : 600,
    startTimeoutSeconds: Number.isInteger(record.startTimeoutSeconds) ? Number(record.startTimeoutSeconds) : 60,
    gatewayArgs: Array.isArray(record.gatewayArgs) ? record.gatewayArgs.filter((a) => typeof a === "string") : [],
  };
}

/**
 * The config file the gateway reads: only the keys it owns (`discovery`, `aliases`), so the
 * plugin's own keys (`binary`, ...) and the rest of OpenClaw's config never reach its strict
 * config check.
 * @param {PluginSettings} settings
 */
export function gatewayConfig(settings) {
  /** @type {Record<string, unknown>} */
  const config = {};
  if (settings.discovery) config.discovery = settings.discovery;
  if (settings.aliases) config.aliases = settings.aliases;
  return { plugins: { entries: { [PLUGIN_ID]: { config } } } };
}

/**
 * Moves the Bedrock page's `models.bedrockDiscovery` into
 * `plugins.entries.amazon-bedrock.config.discovery` (keys already there win: they are the newer
 * ones), and a top-level `model` naming a Bedrock model into `agents.defaults.model.primary`
 * (unless one is set). Returns null when there is nothing to move. The input is not changed.
 * @param {Record<string, any>} config
 * @returns {{ config: Record<string, any>, changes: string[] } | null}
 */
export function migrateConfig(config) {
  if (!isRecord(config)) return null;
  const legacy = isRecord(config.models) ? config.models.bedrockDiscovery : undefined;
  const legacyModel = typeof config.model === "string" ? config.model.trim() : undefined;
  if (legacy === undefined && legacyModel === undefined) return null;
  const next = structuredClone(config);
  /** @type {string[]} */
  const changes = [];
  if (legacy !== undefined) {
    delete next.models.bedrockDiscovery;
    if (Object.keys(next.models).length === 0) delete next.models;
    if (isRecord(legacy)) {
      const entry = ensurePath(next, ["plugins", "entries", PLUGIN_ID]);
      const pluginConfig = isRecord(entry.config) ? entry.config : (entry.config = {});
      const current = isRecord(pluginConfig.discovery) ? pluginConfig.discovery : {};
      /** @type {Record<string, unknown>} */
      const merged = {};
      for (const key of DISCOVERY_KEYS) {
        if (current[key] !== undefined) merged[key] = current[key];
        else if (legacy[key] !== undefined) merged[key] = legacy[key];
      }
      pluginConfig.discovery = merged;
      changes.push(`Moved models.bedrockDiscovery to plugins.entries.${PLUGIN_ID}.config.discovery.`);
    } else {
      changes.push("Removed models.bedrockDiscovery: it was not an object.");
    }
  }
  if (legacyModel !== undefined) {
    delete next.model;
    const primary = legacyModel.includes("/") ? legacyModel : `${PLUGIN_ID}/${legacyModel}`;
    const defaults = ensurePath(next, ["agents", "defaults"]);
    const hasPrimary = typeof defaults.model === "string" || (isRecord(defaults.model) && typeof defaults.model.primary === "string");
    if (!hasPrimary && legacyModel) {
      defaults.model = { ...(isRecord(defaults.model) ? defaults.model : {}), primary: primary.replace(/^bedrock\//, `${PLUGIN_ID}/`) };
      changes.push(`Moved model to agents.defaults.model.primary (${defaults.model.primary}).`);
    } else {
      changes.push("Removed the top-level model: agents.defaults.model is already set.");
    }
  }
  return { config: next, changes };
}

/**
 * @param {Record<string, any>} root
 * @param {string[]} keys
 * @returns {Record<string, any>}
 */
function ensurePath(root, keys) {
  let node = root;
  for (const key of keys) {
    if (!isRecord(node[key])) node[key] = {};
    node = node[key];
  }
  return node;
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, any>}
 */
export function isRecord(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
