// The plugin config: what the plugin reads, what the gateway gets, and the migration of the
// Bedrock page's `models.bedrockDiscovery` and top-level `model`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CONFIG_SCHEMA, gatewayConfig, migrateConfig, readSettings } from "../src/config.js";

test("the schema names the six discovery keys of the Bedrock page", () => {
  assert.deepEqual(Object.keys(CONFIG_SCHEMA.properties.discovery.properties).sort(), ["defaultContextWindow", "defaultMaxTokens", "enabled", "providerFilter", "refreshInterval", "region"]);
  assert.equal(CONFIG_SCHEMA.additionalProperties, false);
});

test("settings and their defaults", () => {
  assert.deepEqual(readSettings(undefined), { discovery: undefined, aliases: undefined, binary: undefined, idleStopSeconds: 600, startTimeoutSeconds: 60, gatewayArgs: [] });
  const settings = readSettings({ binary: " /opt/b ", idleStopSeconds: 0, gatewayArgs: ["--prompt-cache", "auto"], discovery: { region: "eu-west-1" } });
  assert.deepEqual([settings.binary, settings.idleStopSeconds, settings.gatewayArgs], ["/opt/b", 0, ["--prompt-cache", "auto"]]);
});

test("the gateway's config holds only the keys it owns", () => {
  const settings = readSettings({ binary: "/opt/b", discovery: { region: "eu-west-1" }, aliases: { fast: "amazon.nova-micro-v1:0" } });
  assert.deepEqual(gatewayConfig(settings), { plugins: { entries: { "amazon-bedrock": { config: { discovery: { region: "eu-west-1" }, aliases: { fast: "amazon.nova-micro-v1:0" } } } } } });
});

test("migration of the page's configuration", () => {
  const page = { enabled: true, region: "us-west-2", providerFilter: ["anthropic"], refreshInterval: 600, defaultContextWindow: 64000, defaultMaxTokens: 8192 };
  const cases = [
    { name: "nothing to move", config: { gateway: { port: 1 } }, want: null },
    {
      name: "bedrockDiscovery moves, the rest of models stays",
      config: { models: { bedrockDiscovery: page, providers: { x: {} } } },
      want: { models: { providers: { x: {} } }, plugins: { entries: { "amazon-bedrock": { config: { discovery: page } } } } },
    },
    {
      name: "keys already in the plugin config win",
      config: { models: { bedrockDiscovery: { region: "us-west-2", refreshInterval: 10 } }, plugins: { entries: { "amazon-bedrock": { enabled: true, config: { discovery: { region: "eu-west-1" } } } } } },
      want: { plugins: { entries: { "amazon-bedrock": { enabled: true, config: { discovery: { region: "eu-west-1", refreshInterval: 10 } } } } } },
    },
    {
      name: "a top-level model becomes the default model",
      config: { model: "bedrock/us.amazon.nova-pro-v1:0" },
      want: { agents: { defaults: { model: { primary: "amazon-bedrock/us.amazon.nova-pro-v1:0" } } } },
    },
    {
      name: "a bare model id gets the provider prefix; a set default model is kept",
      config: { model: "amazon.nova-micro-v1:0", agents: { defaults: { model: { primary: "openai/gpt-5" } } } },
      want: { agents: { defaults: { model: { primary: "openai/gpt-5" } } } },
    },
  ];
  for (const { name, config, want } of cases) {
    const before = structuredClone(config);
    const migrated = migrateConfig(config);
    assert.deepEqual(config, before, `${name}: the input is not changed`);
    if (want === null) assert.equal(migrated, null, name);
    else {
      assert.deepEqual(migrated.config, want, name);
      assert.ok(migrated.changes.length > 0, `${name}: says what changed`);
    }
  }
});
