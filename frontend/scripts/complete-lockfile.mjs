#!/usr/bin/env node
// Records the optional, platform-specific packages that the registry this project installs from does not serve
// (e.g. @next/swc-darwin-arm64) in package-lock.json, so that `npm ci` accepts the lock file.
//
// `npm install` leaves an optional dependency it could not fetch out of the lock file, and `npm ci` then refuses the
// lock as "Missing: <name>@ from lock file" (npm/cli#9846). An entry with the exact version the parent asks for and
// `"optional": true` satisfies it: on this platform npm skips the package as it would skip any optional one that
// fails, and elsewhere it installs that exact version. Run after every `npm install`: `npm run lock`.

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const path = join(dirname(fileURLToPath(import.meta.url)), "..", "package-lock.json");
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;
const added = [];
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location ? `${location}/` : ""}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    packages[hoisted] = { version, optional: true };
    added.push(`${name}@${version}`);
  }
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `recorded ${added.length} optional packages: ${added.join(", ")}` : "nothing to record");
