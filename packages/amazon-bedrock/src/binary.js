// @ts-check
/**
 * Where the `openclaw-bedrock` binary is: the platform package installed beside the plugin
 * (`openclaw-amazon-bedrock-<platform>-<arch>`, an optional dependency), else the plugin
 * config's `binary`, else `OPENCLAW_BEDROCK_BIN`, else `openclaw-bedrock` on `PATH`
 * (issue 23, "Packaging as the ecosystem does it").
 */

import { accessSync, constants, statSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, isAbsolute, join } from "node:path";

export const BINARY_NAME = "openclaw-bedrock";
export const BINARY_ENV = "OPENCLAW_BEDROCK_BIN";

/** The platform package's name for this host, e.g. `openclaw-amazon-bedrock-linux-x64`. */
export function platformPackageName(platform = process.platform, arch = process.arch) {
  return `openclaw-amazon-bedrock-${platform}-${arch}`;
}

/**
 * @typedef {{ path: string, source: string }} LocatedBinary
 * @typedef {{ configured?: string, env?: NodeJS.ProcessEnv, resolvePackage?: (name: string) => string | undefined }} LocateOptions
 */

/**
 * Finds the binary, or throws one error naming every place tried and what to do.
 * @param {LocateOptions} [options]
 * @returns {LocatedBinary}
 */
export function locateBinary(options = {}) {
  const env = options.env ?? process.env;
  const resolvePackage = options.resolvePackage ?? resolvePlatformPackage;
  /** @type {string[]} */
  const tried = [];
  const packaged = resolvePackage(platformPackageName());
  if (packaged) {
    if (isExecutable(packaged)) return { path: packaged, source: `package ${platformPackageName()}` };
    tried.push(`${packaged} (package ${platformPackageName()}: not executable)`);
  } else {
    tried.push(`package ${platformPackageName()} (not installed)`);
  }
  const candidates = [
    [options.configured, `plugins.entries.amazon-bedrock.config.binary`],
    [env[BINARY_ENV]?.trim() || undefined, BINARY_ENV],
  ];
  for (const [path, source] of candidates) {
    if (!path || !source) continue;
    if (isExecutable(path)) return { path, source };
    tried.push(`${path} (${source}: ${describeMissing(path)})`);
  }
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const path = join(dir, BINARY_NAME);
    if (isExecutable(path)) return { path, source: "PATH" };
  }
  tried.push(`${BINARY_NAME} on PATH (not found)`);
  throw new Error(
    `amazon-bedrock: the ${BINARY_NAME} binary was not found; tried ${tried.join(", ")}. ` +
      `Reinstall the plugin (openclaw plugins install npm:openclaw-amazon-bedrock) so that its platform package installs, ` +
      `or set plugins.entries.amazon-bedrock.config.binary or ${BINARY_ENV} to the binary's absolute path.`,
  );
}

/**
 * The binary inside the platform package, when that package is installed.
 * @param {string} name
 */
function resolvePlatformPackage(name) {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve(`${name}/package.json`)), "bin", BINARY_NAME);
  } catch {
    return undefined;
  }
}

/** @param {string} path */
function isExecutable(path) {
  try {
    if (!isAbsolute(path) || !statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** @param {string} path */
function describeMissing(path) {
  if (!isAbsolute(path)) return "not an absolute path";
  try {
    return statSync(path).isFile() ? "not executable" : "not a file";
  } catch {
    return "no such file";
  }
}
