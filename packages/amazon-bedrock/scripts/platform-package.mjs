#!/usr/bin/env node
// Makes the platform package of this host (`openclaw-amazon-bedrock-<os>-<arch>`) from a
// release binary: `node scripts/platform-package.mjs BINARY OUT_DIR`. The package holds only
// `bin/openclaw-bedrock` and declares `os`/`cpu`, so npm materializes it only where it runs; the
// plugin lists it in `optionalDependencies` and `openclaw.install.requiredPlatformPackages`
// (OpenClaw installs plugins with --ignore-scripts: no postinstall downloads). `npm pack` in
// OUT_DIR/<name> makes its tarball.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY_NAME, platformPackageName } from "../src/binary.js";

const [binary, outDir] = process.argv.slice(2);
if (!binary || !outDir) {
  console.error("usage: platform-package.mjs BINARY OUT_DIR");
  process.exit(2);
}
if (!statSync(binary, { throwIfNoEntry: false })?.isFile()) {
  console.error(`platform-package.mjs: ${binary}: no such file`);
  process.exit(1);
}
const plugin = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const name = platformPackageName();
if (!(name in (plugin.optionalDependencies ?? {}))) {
  console.error(`platform-package.mjs: ${name} is not one of the plugin's optionalDependencies (${Object.keys(plugin.optionalDependencies ?? {}).join(", ")})`);
  process.exit(1);
}
const dir = join(outDir, name);
mkdirSync(join(dir, "bin"), { recursive: true });
copyFileSync(binary, join(dir, "bin", BINARY_NAME));
chmodSync(join(dir, "bin", BINARY_NAME), 0o755);
const manifest = {
  name,
  version: plugin.optionalDependencies[name],
  description: `The openclaw-bedrock binary for ${process.platform}-${process.arch}, for the ${plugin.name} OpenClaw plugin`,
  license: plugin.license,
  os: [process.platform],
  cpu: [process.arch],
  files: ["bin/"],
};
writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(dir);
