// @ts-check
/**
 * The openclaw-bedrock gateway as this plugin's engine: started on demand in whichever
 * OpenClaw process needs it, reused by the other processes of the same state directory,
 * restarted (with backoff) when it died, stopped when idle, and never orphaned.
 *
 * - Start: `openclaw-bedrock --config <state>/amazon-bedrock/gateway-config.json gateway
 *   --handshake --listen 127.0.0.1:0`. The binary answers with one JSON ready line
 *   `{"ready", "url", "key", "pid", "version"}` (host/src/cli/handshake.rs) and from then on
 *   requires that per-launch key from every client.
 * - No orphans: the gateway exits when its stdin closes, and this process holds the write end
 *   of that pipe; whatever way this process ends, the gateway follows it.
 * - Reuse: the ready line is kept in `<state>/amazon-bedrock/gateway.json` (0600; the key
 *   guards a loopback port, it is no AWS credential) so that other processes of the same
 *   state directory use a live gateway instead of starting their own.
 * - Idle stop: a gateway this process started stops after `idleStopSeconds` without a request.
 */

import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { locateBinary } from "./binary.js";
import { gatewayConfig } from "./config.js";

/** Longest wait for a reused gateway's health answer. */
const HEALTH_TIMEOUT_MS = 1500;
/** Backoff after failed starts: 1 s, 2 s, 4 s, ... at most 30 s. */
const BACKOFF_FIRST_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/** How much of the gateway's stderr is kept for an error message. */
const STDERR_KEPT = 4096;

/**
 * @typedef {{ url: string, key: string, pid: number, version?: string }} Endpoint
 * @typedef {import("./config.js").PluginSettings} PluginSettings
 * @typedef {{ debug?: (message: string) => void, info?: (message: string) => void, warn?: (message: string) => void }} Logger
 */

/** The state directory OpenClaw uses: `OPENCLAW_STATE_DIR`, else `~/.openclaw`. */
export function stateDirOf(env = process.env) {
  const configured = env.OPENCLAW_STATE_DIR?.trim();
  return configured ? configured : join(env.HOME?.trim() || homedir(), ".openclaw");
}

/** One supervisor per state directory in this process. */
const supervisors = new Map();

/**
 * The supervisor of `stateDir`'s gateway in this process; `settings` replace the previous ones.
 * @param {string} stateDir
 * @param {PluginSettings} settings
 * @param {Logger} [logger]
 * @returns {GatewaySupervisor}
 */
export function supervisorFor(stateDir, settings, logger) {
  let supervisor = supervisors.get(stateDir);
  if (!supervisor) {
    supervisor = new GatewaySupervisor(stateDir, settings, logger);
    supervisors.set(stateDir, supervisor);
  } else {
    supervisor.settings = settings;
  }
  return supervisor;
}

export class GatewaySupervisor {
  /**
   * @param {string} stateDir
   * @param {PluginSettings} settings
   * @param {Logger} [logger]
   */
  constructor(stateDir, settings, logger) {
    this.stateDir = stateDir;
    this.settings = settings;
    this.logger = logger ?? {};
    this.dir = join(stateDir, "amazon-bedrock");
    this.recordPath = join(this.dir, "gateway.json");
    this.configPath = join(this.dir, "gateway-config.json");
    /** @type {import("node:child_process").ChildProcess | undefined} the gateway this process started */
    this.child = undefined;
    /** @type {Endpoint | undefined} */
    this.endpoint = undefined;
    /** @type {Promise<Endpoint> | undefined} a start or reuse in progress */
    this.pending = undefined;
    this.failures = 0;
    this.retryAt = 0;
    /** @type {Error | undefined} */
    this.lastError = undefined;
    this.lastUse = Date.now();
    /** @type {NodeJS.Timeout | undefined} */
    this.idleTimer = undefined;
  }

  /**
   * A live gateway: the one known to this process, else a healthy one another process of
   * this state directory recorded, else a new one. Concurrent callers share one attempt.
   * @returns {Promise<Endpoint>}
   */
  async ensure() {
    this.lastUse = Date.now();
    if (this.endpoint && this.child && this.child.exitCode === null && this.child.signalCode === null) return this.endpoint;
    this.pending ??= this.#acquire().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Marks the gateway as used now (for the idle stop). */
  touch() {
    this.lastUse = Date.now();
  }

  /** The endpoint last known to this process, without starting anything. */
  known() {
    return this.endpoint ?? readRecord(this.recordPath);
  }

  /** Forgets a gateway that stopped answering, so that the next `ensure` looks again. */
  forget() {
    this.endpoint = undefined;
  }

  /** Stops the gateway this process started (if any). */
  stop() {
    const child = this.child;
    this.child = undefined;
    this.endpoint = undefined;
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = undefined;
    if (child && child.exitCode === null) {
      removeRecordOf(this.recordPath, child.pid);
      child.kill("SIGTERM");
    }
  }

  async #acquire() {
    const recorded = readRecord(this.recordPath);
    if (recorded && recorded.pid !== this.child?.pid && isAlive(recorded.pid) && (await isHealthy(recorded))) {
      this.endpoint = recorded;
      return recorded;
    }
    if (Date.now() < this.retryAt && this.lastError) throw this.lastError;
    try {
      const endpoint = await this.#start();
      this.failures = 0;
      this.lastError = undefined;
      return endpoint;
    } catch (error) {
      this.failures += 1;
      this.retryAt = Date.now() + Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (this.failures - 1));
      this.lastError = error instanceof Error ? error : new Error(String(error));
      throw this.lastError;
    }
  }

  /** @returns {Promise<Endpoint>} */
  async #start() {
    const binary = locateBinary({ configured: this.settings.binary });
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writePrivate(this.configPath, `${JSON.stringify(gatewayConfig(this.settings), null, 2)}\n`);
    const args = ["--config", this.configPath, "gateway", "--handshake", "--listen", "127.0.0.1:0", ...this.settings.gatewayArgs];
    this.logger.debug?.(`amazon-bedrock: starting ${binary.path} (${binary.source})`);
    const child = spawn(binary.path, args, { stdio: ["pipe", "pipe", "pipe"], env: process.env, windowsHide: true });
    const endpoint = await handshake(child, binary.path, this.settings.startTimeoutSeconds * 1000);
    // The gateway lives as long as this process wants it, but it must not keep this process
    // alive: a CLI command exits when its work is done, closing the pipe, and the gateway goes.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) /** @type {any} */ (stream)?.unref?.();
    child.once("exit", () => {
      if (this.child === child) {
        this.child = undefined;
        this.endpoint = undefined;
      }
      removeRecordOf(this.recordPath, child.pid);
    });
    this.child = child;
    this.endpoint = endpoint;
    writePrivate(this.recordPath, `${JSON.stringify(endpoint)}\n`);
    this.#watchIdle();
    return endpoint;
  }

  /**
   * Stops the gateway this process started once it served nothing for `idleStopSeconds`:
   * activity is a request of this process (`ensure`) or any request the gateway answered or
   * is streaming (its `/metrics`), so a long agent run, or another process reusing the
   * gateway, keeps it.
   */
  #watchIdle() {
    const idleMs = this.settings.idleStopSeconds * 1000;
    if (this.idleTimer || idleMs <= 0) return;
    let lastCount = -1;
    const tick = async () => {
      const endpoint = this.endpoint;
      if (!this.child || !endpoint) return;
      const activity = await requestActivity(endpoint);
      if (activity && (activity.open > 0 || activity.count !== lastCount)) {
        lastCount = activity.count;
        this.lastUse = Math.max(this.lastUse, Date.now());
        return;
      }
      if (this.child && Date.now() - this.lastUse >= idleMs) {
        this.logger.debug?.("amazon-bedrock: stopping the idle gateway");
        this.stop();
      }
    };
    this.idleTimer = setInterval(() => void tick(), Math.min(idleMs, 30_000));
    this.idleTimer.unref();
  }
}

/**
 * Reads the ready line, or fails with one sentence: the binary could not start, exited before
 * it was ready (its last stderr line says why), printed something else, or took too long.
 * @param {import("node:child_process").ChildProcess} child
 * @param {string} binary
 * @param {number} timeoutMs
 * @returns {Promise<Endpoint>}
 */
function handshake(child, binary, timeoutMs) {
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk) => {
      stderr = (stderr + chunk).slice(-STDERR_KEPT);
    });
    const lines = createInterface({ input: /** @type {import("node:stream").Readable} */ (child.stdout) });
    const lastStderrLine = () => stderr.trim().split("\n").filter(Boolean).pop() ?? "no output on stderr";
    const fail = (/** @type {string} */ message) => {
      clearTimeout(timer);
      lines.close();
      if (child.exitCode === null) child.kill("SIGKILL");
      reject(new Error(`amazon-bedrock: the gateway (${binary}) ${message}`));
    };
    const timer = setTimeout(() => fail(`was not ready within ${Math.round(timeoutMs / 1000)} s: ${lastStderrLine()}`), timeoutMs);
    child.once("error", (error) => fail(`could not be started: ${error.message}`));
    child.once("exit", (code, signal) => fail(`exited before it was ready (${signal ?? `exit code ${code}`}): ${lastStderrLine()}`));
    lines.once("line", (line) => {
      const endpoint = parseReadyLine(line);
      if (!endpoint) return fail(`printed no ready line (is it openclaw-bedrock 0.4 or newer?): ${JSON.stringify(line.slice(0, 200))}`);
      clearTimeout(timer);
      child.removeAllListeners("exit");
      child.removeAllListeners("error");
      child.on("error", () => {});
      // Later stdout (none is expected) is drained so that the gateway never blocks on it.
      lines.close();
      child.stdout?.resume();
      resolve(endpoint);
    });
  });
}

/**
 * The endpoint of a ready line, or undefined when the line is not one.
 * @param {string} line
 * @returns {Endpoint | undefined}
 */
export function parseReadyLine(line) {
  try {
    const value = JSON.parse(line);
    const loopback = typeof value?.url === "string" && /^http:\/\/(127\.0\.0\.1|\[::1\]):\d+$/.test(value.url);
    if (value?.ready !== true || !loopback || typeof value.key !== "string" || value.key.length < 32 || !Number.isInteger(value.pid)) return undefined;
    return { url: value.url, key: value.key, pid: value.pid, version: typeof value.version === "string" ? value.version : undefined };
  } catch {
    return undefined;
  }
}

/**
 * @param {string} path
 * @returns {Endpoint | undefined}
 */
function readRecord(path) {
  try {
    return parseReadyLine(JSON.stringify({ ready: true, ...JSON.parse(readFileSync(path, "utf8")) }));
  } catch {
    return undefined;
  }
}

/**
 * Removes the record when it still names `pid` (another process may have replaced it).
 * @param {string} path
 * @param {number | undefined} pid
 */
function removeRecordOf(path, pid) {
  if (readRecord(path)?.pid === pid) rmSync(path, { force: true });
}

/**
 * Writes a file only its owner can read, atomically.
 * @param {string} path
 * @param {string} text
 */
function writePrivate(path, text) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** @param {number} pid */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === "EPERM";
  }
}

/**
 * Whether the gateway answers `/healthz` with the key.
 * @param {Endpoint} endpoint
 */
async function isHealthy(endpoint) {
  try {
    const response = await fetch(`${endpoint.url}/healthz`, {
      headers: { authorization: `Bearer ${endpoint.key}` },
      signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/**
 * How many requests the gateway answered (its `/metrics` scrapes aside) and how many streams
 * it is sending; undefined when it does not answer.
 * @param {Endpoint} endpoint
 * @returns {Promise<{ count: number, open: number } | undefined>}
 */
async function requestActivity(endpoint) {
  try {
    const response = await fetch(`${endpoint.url}/metrics`, { headers: { authorization: `Bearer ${endpoint.key}` }, signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    if (!response.ok) return undefined;
    return parseActivity(await response.text());
  } catch {
    return undefined;
  }
}

/**
 * The activity in a Prometheus text answer of the gateway (host/src/gateway/metrics.rs).
 * @param {string} text
 */
export function parseActivity(text) {
  let count = 0;
  let open = 0;
  for (const line of text.split("\n")) {
    const requests = /^openclaw_gateway_requests_total\{route="([^"]*)"[^}]*\} (\d+)/.exec(line);
    if (requests && requests[1] !== "/metrics") count += Number(requests[2]);
    const streams = /^openclaw_gateway_streams_open (\d+)/.exec(line);
    if (streams) open = Number(streams[1]);
  }
  return { count, open };
}

/**
 * GET a JSON document from the gateway.
 * @param {Endpoint} endpoint
 * @param {string} path
 * @param {number} timeoutMs
 */
export async function getJson(endpoint, path, timeoutMs) {
  const response = await fetch(`${endpoint.url}${path}`, {
    headers: { authorization: `Bearer ${endpoint.key}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok) {
    let message = text.slice(0, 500);
    try {
      message = JSON.parse(text)?.error?.message ?? message;
    } catch {}
    throw Object.assign(new Error(`amazon-bedrock: the gateway answered ${path} with ${response.status}: ${message}`), { status: response.status });
  }
  return JSON.parse(text);
}
