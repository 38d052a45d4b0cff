// The handshake's ready line and where the binary is looked for.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { locateBinary, platformPackageName } from "../src/binary.js";
import { parseActivity, parseReadyLine } from "../src/gateway.js";

const KEY = "a".repeat(64);

test("ready lines", () => {
  const cases = [
    [JSON.stringify({ ready: true, url: "http://127.0.0.1:4000", key: KEY, pid: 7, version: "0.4.0" }), { url: "http://127.0.0.1:4000", key: KEY, pid: 7, version: "0.4.0" }],
    [JSON.stringify({ ready: true, url: "http://[::1]:4000", key: KEY, pid: 7 }), { url: "http://[::1]:4000", key: KEY, pid: 7, version: undefined }],
    ["listening on http://127.0.0.1:4000", undefined],
    [JSON.stringify({ ready: true, url: "http://10.0.0.1:4000", key: KEY, pid: 7 }), undefined],
    [JSON.stringify({ ready: true, url: "http://127.0.0.1:4000", key: "short", pid: 7 }), undefined],
    [JSON.stringify({ ready: false, url: "http://127.0.0.1:4000", key: KEY, pid: 7 }), undefined],
  ];
  for (const [line, want] of cases) assert.deepEqual(parseReadyLine(line), want, line);
});

test("the binary: platform package, then config, then OPENCLAW_BEDROCK_BIN, then PATH", () => {
  const dir = mkdtempSync(join(tmpdir(), "bedrock-bin-"));
  const executable = (name) => {
    const path = join(dir, name);
    writeFileSync(path, "#!/bin/sh\n");
    chmodSync(path, 0o755);
    return path;
  };
  const packaged = executable("packaged");
  const configured = executable("configured");
  const fromEnv = executable("from-env");
  const onPath = join(mkdtempSync(join(tmpdir(), "bedrock-path-")), "openclaw-bedrock");
  writeFileSync(onPath, "#!/bin/sh\n");
  chmodSync(onPath, 0o755);
  const none = () => undefined;
  const cases = [
    [{ resolvePackage: () => packaged, configured, env: { OPENCLAW_BEDROCK_BIN: fromEnv } }, packaged],
    [{ resolvePackage: none, configured, env: { OPENCLAW_BEDROCK_BIN: fromEnv } }, configured],
    [{ resolvePackage: none, env: { OPENCLAW_BEDROCK_BIN: fromEnv } }, fromEnv],
    [{ resolvePackage: none, env: { PATH: join(onPath, "..") } }, onPath],
  ];
  for (const [options, want] of cases) assert.equal(locateBinary(options).path, want);
});

test("a missing binary is one error naming every place tried", () => {
  const error = (() => {
    try {
      locateBinary({ resolvePackage: () => undefined, configured: "/nonexistent/bin", env: { PATH: "/nonexistent" } });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(error instanceof Error);
  for (const part of [platformPackageName(), "/nonexistent/bin (plugins.entries.amazon-bedrock.config.binary: no such file)", "openclaw-bedrock on PATH", "OPENCLAW_BEDROCK_BIN"]) {
    assert.ok(error.message.includes(part), `${part} in: ${error.message}`);
  }
  assert.ok(!error.message.includes("\n"), "one line");
});

test("activity from the gateway's metrics: requests other than the scrapes, open streams", () => {
  const text = [
    "# TYPE openclaw_gateway_requests_total counter",
    'openclaw_gateway_requests_total{route="/v1/chat/completions",status="200",model="m"} 3',
    'openclaw_gateway_requests_total{route="/v1/messages",status="200",model="c"} 2',
    'openclaw_gateway_requests_total{route="/metrics",status="200",model=""} 40',
    "openclaw_gateway_streams_open 1",
  ].join("\n");
  assert.deepEqual(parseActivity(text), { count: 5, open: 1 });
  assert.deepEqual(parseActivity(""), { count: 0, open: 0 });
});
