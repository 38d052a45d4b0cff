// The gateway's /v1/models entries as OpenClaw rows, and the per-model policies, as tables.
import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyFailover, fallbackRow, isContextOverflow, modelRow, reasoningKindForModelId, thinkingProfile } from "../src/models.js";

const URL = "http://127.0.0.1:4000";

test("rows follow the gateway's metadata", () => {
  const cases = [
    {
      entry: { id: "global.anthropic.claude-haiku-4-5-20251001-v1:0", name: "Claude Haiku 4.5", context_window: 200000, max_tokens: 64000, input: ["text", "image", "document"],
        reasoning: { supported: true, kind: "anthropic_thinking", effort_control: true }, tools: true, cost: { input: 1, output: 5, cache_read: 0.1, cache_write: 1.25 }, api: "anthropic-messages" },
      want: { api: "anthropic-messages", baseUrl: URL, reasoning: true, input: ["text", "image"], contextWindow: 200000, maxTokens: 64000, cost: { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
        compat: { supportsReasoningEffort: true, supportsTools: true } },
    },
    {
      entry: { id: "us.deepseek.r1-v1:0", context_window: 128000, max_tokens: 32768, input: ["text"], reasoning: { supported: true, kind: "always", effort_control: false }, tools: false, api: "openai-completions" },
      want: { api: "openai-completions", baseUrl: `${URL}/v1`, reasoning: true, input: ["text"], contextWindow: 128000, maxTokens: 32768, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        compat: { supportsReasoningEffort: false, supportsTools: false, thinkingFormat: "deepseek" } },
    },
    {
      entry: { id: "amazon.nova-pro-v1:0", input: ["video"] },
      want: { api: "openai-completions", baseUrl: `${URL}/v1`, reasoning: false, input: ["video"], contextWindow: 32000, maxTokens: 4096, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        compat: { supportsReasoningEffort: false, supportsTools: true } },
    },
  ];
  for (const { entry, want } of cases) {
    const row = modelRow(entry, URL);
    const { compat, ...rest } = want;
    for (const [key, value] of Object.entries(rest)) assert.deepEqual(row[key], value, `${entry.id} ${key}`);
    for (const [key, value] of Object.entries(compat)) assert.deepEqual(row.compat[key], value, `${entry.id} compat.${key}`);
    assert.equal(row.compat.supportsStore, false, "the gateway refuses `store`");
  }
});

test("a model no catalog described takes the discovery defaults and the API its id implies", () => {
  const cases = [
    ["us.anthropic.claude-sonnet-4-6-20251001-v1:0", { defaultContextWindow: 100000, defaultMaxTokens: 2000 }, "anthropic-messages", 100000, 2000],
    ["arn:aws:bedrock:us-east-1:1:inference-profile/global.anthropic.claude-opus-4-6-v1:0", undefined, "anthropic-messages", 32000, 4096],
    ["meta.llama3-3-70b-instruct-v1:0", undefined, "openai-completions", 32000, 4096],
  ];
  for (const [id, discovery, api, contextWindow, maxTokens] of cases) {
    const row = fallbackRow(id, URL, discovery);
    assert.deepEqual([row.api, row.contextWindow, row.maxTokens], [api, contextWindow, maxTokens], id);
  }
});

test("reasoning kinds by model id, before any catalog run", () => {
  const cases = [
    ["global.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic_thinking"],
    ["anthropic.claude-3-7-sonnet-20250219-v1:0", "anthropic_thinking"],
    ["anthropic.claude-3-5-sonnet-20240620-v1:0", null],
    ["us.amazon.nova-2-lite-v1:0", "effort"],
    ["openai.gpt-oss-120b-1:0", "effort"],
    ["us.deepseek.r1-v1:0", "always"],
    ["us.amazon.nova-pro-v1:0", null],
  ];
  for (const [id, kind] of cases) {
    assert.equal(reasoningKindForModelId(id), kind, id);
    assert.equal(fallbackRow(id, URL, undefined).reasoning, kind !== null, id);
  }
});

test("thinking levels per reasoning kind", () => {
  const cases = [
    ["anthropic_thinking", ["off", "minimal", "low", "medium", "high"]],
    ["effort", ["off", "low", "medium", "high"]],
    ["always", ["medium"]],
    [null, ["off"]],
    [undefined, ["off"]],
  ];
  for (const [kind, levels] of cases) assert.deepEqual(thinkingProfile(kind).levels.map((l) => l.id), levels, String(kind));
});

test("failover reasons of gateway errors", () => {
  const cases = [
    [{ status: 429, errorMessage: "Too many requests, please wait before trying again." }, "rate_limit"],
    [{ errorMessage: "ThrottlingException: Rate exceeded" }, "rate_limit"],
    [{ status: 403, errorMessage: "The security token included in the request is invalid." }, "auth"],
    [{ errorMessage: "The security token included in the request is expired" }, "auth"],
    [{ status: 401, errorMessage: "invalid or missing client key" }, "auth"],
    [{ status: 400, errorMessage: "Input is too long for requested model." }, "context_overflow"],
    [{ status: 404, errorMessage: "model foo is not supported in us-east-1" }, "model_not_found"],
    [{ status: 503, errorMessage: "ServiceUnavailableException: overloaded" }, "overloaded"],
    [{ status: 400, errorMessage: "messages: expected an array" }, undefined],
  ];
  for (const [error, reason] of cases) assert.equal(classifyFailover(error), reason, error.errorMessage);
});

test("context overflow wordings", () => {
  const cases = [
    ["Input is too long for requested model.", true],
    ["prompt is too long: 210000 tokens > 200000 maximum", true],
    ["The model returned the following errors: too many input tokens", true],
    ["stop reason model_context_window_exceeded", true],
    ["Rate exceeded", false],
  ];
  for (const [errorMessage, overflow] of cases) assert.equal(isContextOverflow({ errorMessage }), overflow, errorMessage);
});
