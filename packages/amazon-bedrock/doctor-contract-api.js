// @ts-check
/**
 * OpenClaw's doctor contract for this plugin (manifest `doctorContract.configRepair`): the
 * Bedrock page's `models.bedrockDiscovery` and top-level `model`, which OpenClaw 2026.9
 * refuses as unrecognized keys, are legacy; `openclaw doctor --fix` moves them into
 * `plugins.entries.amazon-bedrock.config.discovery` and `agents.defaults.model.primary`
 * ([`migrateConfig`](./src/config.js)).
 */

import { isRecord, migrateConfig } from "./src/config.js";

export const legacyConfigRules = [
  {
    path: ["models", "bedrockDiscovery"],
    message: "models.bedrockDiscovery moved to plugins.entries.amazon-bedrock.config.discovery; run openclaw doctor --fix.",
  },
  {
    path: ["model"],
    message: "the top-level model moved to agents.defaults.model.primary; run openclaw doctor --fix.",
    match: (/** @type {unknown} */ value) => typeof value === "string",
  },
];

/**
 * @param {{ cfg: unknown }} params
 * @returns {{ config: unknown, changes: string[] }}
 */
export function normalizeCompatibilityConfig({ cfg }) {
  const migrated = isRecord(cfg) ? migrateConfig(cfg) : null;
  return migrated ?? { config: cfg, changes: [] };
}
