// The Vercel AI SDK on the gateway: `@ai-sdk/openai` (its chat and Responses models) and
// `@ai-sdk/anthropic`, each created with `baseURL` (the providers' documented setting for a
// compatible server), defaults otherwise. One JSON line of what each case saw
// (host/tests/clients_ai_sdk.rs). Run with Node 24 from the directory the packages are in:
//
//   node ai_sdk_table.mjs BASE_URL KEY OPENAI_MODEL ANTHROPIC_MODEL
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, isStepCount, Output, streamText, tool } from "ai";
import { z } from "zod";

const [baseURL, apiKey, openaiModel, anthropicModel] = process.argv.slice(2);

const getWeather = tool({
  description: "The weather for a place.",
  inputSchema: z.object({ query: z.string() }),
  execute: async ({ query }) => `sunny ${query}`,
});
const City = z.object({ name: z.string(), rank: z.number().int().min(0) });

async function toolRoundTrip(model) {
  const result = await generateText({ model, tools: { get_weather: getWeather }, stopWhen: isStepCount(2), prompt: "call get_weather in Rome" });
  const calls = result.steps.flatMap((step) => step.toolCalls.map((call) => [call.toolName, call.input]));
  return [calls, result.text];
}

async function streamedToolCall(model) {
  const result = streamText({ model, tools: { get_weather: getWeather }, prompt: "call get_weather in Paris" });
  const calls = [];
  for await (const part of result.fullStream) {
    if (part.type === "tool-call") calls.push([part.toolName, part.input]);
    if (part.type === "error") throw part.error;
  }
  return calls;
}

async function streamed(model) {
  const result = streamText({ model, prompt: "streamed from the ai sdk", onError: () => {} });
  let text = "";
  for await (const part of result.fullStream) {
    if (part.type === "text-delta") text += part.text;
    if (part.type === "error") throw part.error;
  }
  return text;
}

function cases(model) {
  return {
    plain: async () => (await generateText({ model, prompt: "hello from the ai sdk" })).text,
    stream: () => streamed(model),
    tools: () => toolRoundTrip(model),
    streamed_tool: () => streamedToolCall(model),
    structured: async () => (await generateText({ model, output: Output.object({ schema: City }), prompt: "name a city" })).output,
  };
}

async function run(table) {
  const out = {};
  for (const [name, run] of Object.entries(table)) {
    try {
      out[name] = await run();
    } catch (error) {
      // A failing case is reported, not fatal: the table shows all.
      out[name] = { error: `${error?.name}: ${error?.message} ${error?.responseBody ?? ""}`.slice(0, 400) };
    }
  }
  return out;
}

const openai = createOpenAI({ baseURL: `${baseURL}/v1`, apiKey });
const anthropic = createAnthropic({ baseURL: `${baseURL}/v1`, apiKey });
console.log(JSON.stringify({
  openai_chat: await run(cases(openai.chat(openaiModel))),
  openai_responses: await run(cases(openai.responses(openaiModel))),
  anthropic: await run(cases(anthropic(anthropicModel))),
}));
