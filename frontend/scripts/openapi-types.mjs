#!/usr/bin/env node
// Generates lib/api/schema.ts from the backend's OpenAPI document; `--check` fails when the committed file is stale.
//
// The document comes straight from the FastAPI app (no server needed):
//   cd backend && uv run --frozen python -c "import json; from app.main import app; print(json.dumps(app.openapi()))"
// uv is the project's own (.tools/bin/uv, installed by scripts/bootstrap.sh) unless UV names another.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import openapiTS, { astToString } from "openapi-typescript";

const FRONTEND = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REPO = resolve(FRONTEND, "..");
const BACKEND = join(REPO, "backend");
const OUTPUT = join(FRONTEND, "lib", "api", "schema.ts");

const HEADER = `/**
 * GENERATED from the backend's OpenAPI document by frontend/scripts/openapi-types.mjs: do not edit.
 * Regenerate with \`npm run openapi\` (in frontend/); \`make test-frontend\` fails while this file is stale.
 */

`;

function uvCommand() {
  if (process.env.UV) return process.env.UV;
  const local = join(REPO, ".tools", "bin", "uv");
  return existsSync(local) ? local : "uv";
}

function backendOpenApi() {
  const code = "import json; from app.main import app; print(json.dumps(app.openapi()))";
  // The document must not depend on who runs this: keep settings from the environment or .env out of it.
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(MAX_|CORS_|OPENAI_)/.test(name)) delete env[name];
  }
  const stdout = execFileSync(uvCommand(), ["run", "--frozen", "--quiet", "python", "-c", code], {
    cwd: BACKEND,
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(stdout);
}

async function generate() {
  const ast = await openapiTS(backendOpenApi(), { alphabetize: true });
  return HEADER + astToString(ast);
}

const check = process.argv.includes("--check");
const generated = await generate();
const relativeOutput = relative(process.cwd(), OUTPUT);

if (check) {
  const committed = existsSync(OUTPUT) ? readFileSync(OUTPUT, "utf8") : "";
  if (committed !== generated) {
    console.error(
      `${relativeOutput} does not match the backend's OpenAPI document: run \`npm run openapi\` in frontend/ and commit it.`,
    );
    process.exit(1);
  }
  console.log(`${relativeOutput} matches the backend's OpenAPI document.`);
} else {
  writeFileSync(OUTPUT, generated);
  console.log(`wrote ${relativeOutput}`);
}
