// @ts-check
/**
 * The `amazon-bedrock` provider plugin of OpenClaw 2026.9.x (issue 23): Amazon Bedrock through
 * the openclaw-bedrock gateway on loopback. OpenClaw's own transports talk to the gateway
 * (`anthropic-messages` for Claude, `openai-completions` for the rest); the gateway holds the
 * AWS credential chain, and OpenClaw only ever holds the gateway's per-launch key.
 *
 * Typed against OpenClaw's plugin SDK (`openclaw/plugin-sdk/plugin-entry`) through JSDoc; the
 * entry imports nothing from it at run time, so that it loads the same from a linked folder
 * and from an npm install.
 */

import { keptModel, listModels } from "./src/catalog.js";
import { PLUGIN_ID, migrateConfig, readSettings } from "./src/config.js";
import { stateDirOf, supervisorFor } from "./src/gateway.js";
import { ANTHROPIC_API, apiForModelId, baseUrlFor, classifyFailover, fallbackRow, isContextOverflow, modelRow, reasoningKindForModelId, thinkingProfile } from "./src/models.js";

/** @typedef {import("openclaw/plugin-sdk/plugin-entry").OpenClawPluginApi} OpenClawPluginApi */
/** @typedef {import("openclaw/plugin-sdk/plugin-entry").ProviderPlugin} ProviderPlugin */

/** A base URL for rows made before any gateway started; every request gets the live one. */
const NOT_STARTED_URL = "http://127.0.0.1:9";

/** What to say when no AWS credential is visible to OpenClaw. */
const MISSING_CREDENTIALS =
  "Amazon Bedrock: no AWS credentials found. The AWS credential chain is tried in this order: AWS_BEARER_TOKEN_BEDROCK, " +
  "AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY, AWS_PROFILE (~/.aws/credentials, ~/.aws/config, aws sso login), " +
  "web identity, container and instance roles. Set one of them (no key is pasted into OpenClaw); with only an instance or " +
  'container role, set models.providers.amazon-bedrock.auth to "aws-sdk". Check with: openclaw models status --probe --probe-provider amazon-bedrock';

/**
 * @param {OpenClawPluginApi} api
 * @returns {ProviderPlugin}
 */
function bedrockProvider(api) {
  const settings = () => readSettings(api.pluginConfig);
  /** @param {NodeJS.ProcessEnv | undefined} env */
  const supervisor = (env) => supervisorFor(stateDirOf(env ?? process.env), settings(), api.logger);
  /** @param {string} modelId */
  const knownRow = (modelId, env = process.env) => {
    const stateDir = stateDirOf(env);
    const url = supervisorFor(stateDir, settings(), api.logger).known()?.url ?? NOT_STARTED_URL;
    const kept = keptModel(stateDir, modelId);
    return kept ? modelRow(kept, url) : fallbackRow(modelId, url, settings().discovery);
  };
  /**
   * The runtime model for an id (OpenClaw's runtime models take text and image input only).
   * @param {{ modelId: string }} ctx
   */
  const dynamicModel = (ctx) => {
    const row = knownRow(ctx.modelId);
    return { ...row, provider: PLUGIN_ID, input: row.input.filter((kind) => kind === "text" || kind === "image") };
  };
  return {
    id: PLUGIN_ID,
    label: "Amazon Bedrock",
    docsPath: "/providers/amazon-bedrock",
    aliases: ["bedrock"],
    envVars: ["AWS_BEARER_TOKEN_BEDROCK", "AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_REGION"],
    auth: [],
    catalog: {
      order: "simple",
      run: async (ctx) => {
        const gateway = supervisor(ctx.env);
        const endpoint = await gateway.ensure();
        const models = await listModels(endpoint, gateway.stateDir, true);
        return {
          provider: {
            baseUrl: baseUrlFor(endpoint.url, "openai-completions"),
            api: "openai-completions",
            auth: "aws-sdk",
            models: models.map((entry) => modelRow(entry, endpoint.url)),
          },
        };
      },
    },
    resolveDynamicModel: dynamicModel,
    prepareDynamicModel: async (ctx) => {
      const stateDir = stateDirOf(process.env);
      if (!keptModel(stateDir, ctx.modelId)) {
        const gateway = supervisor(process.env);
        await listModels(await gateway.ensure(), stateDir, false);
      }
      return dynamicModel(ctx);
    },
    // Whatever OpenClaw resolved (an AWS variable's raw value, or its aws-sdk placeholder) is
    // replaced by the gateway's per-launch key before every request: no AWS secret is sent.
    prepareRuntimeAuth: async (ctx) => {
      const endpoint = await supervisor(ctx.env).ensure();
      const api = ctx.model?.api ?? apiForModelId(ctx.modelId);
      return { apiKey: endpoint.key, baseUrl: baseUrlFor(endpoint.url, api === ANTHROPIC_API ? ANTHROPIC_API : "openai-completions") };
    },
    resolveThinkingProfile: (ctx) => {
      const kept = keptModel(stateDirOf(process.env), ctx.modelId);
      return thinkingProfile(kept ? kept.reasoning?.kind : reasoningKindForModelId(ctx.modelId));
    },
    classifyFailoverReason: (ctx) => classifyFailover(ctx) ?? null,
    matchesContextOverflowError: (ctx) => isContextOverflow(ctx),
    buildMissingAuthMessage: () => MISSING_CREDENTIALS,
  };
}

/** @type {import("openclaw/plugin-sdk/plugin-entry").OpenClawPluginDefinition} */
const plugin = {
  id: PLUGIN_ID,
  name: "Amazon Bedrock",
  description: "Amazon Bedrock models through the openclaw-bedrock gateway, authenticated by the AWS credential chain",
  register(api) {
    api.registerConfigMigration?.((config) => migrateConfig(config));
    api.registerProvider(bedrockProvider(api));
  },
};

export default plugin;
