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

/** A string property's maxLength in one of the document's schemas (directly, or in the string branch of a nullable). */
function maxLength(document, schema, property) {
  const found = document.components.schemas[schema]?.properties?.[property];
  const length = [found, ...(found?.anyOf ?? [])].find((branch) => typeof branch?.maxLength === "number")?.maxLength;
  if (length === undefined) throw new Error(`the OpenAPI document gives ${schema}.${property} no maxLength`);
  return length;
}

/** The limits the web app checks before sending, as the document states them (the API's defaults). */
function limits(document) {
  return `
/** From the OpenAPI document's maxLength: the API's limits as configured by default (MAX_MESSAGE_CHARS). */
export const limits = {
    /** The longest message, in characters: Unicode code points, as the API counts them (an emoji is one). */
    messageChars: ${maxLength(document, "MessageCreate", "content")},
} as const;
`;
}

async function generate() {
  const document = backendOpenApi();
  const ast = await openapiTS(document, { alphabetize: true });
  return HEADER + astToString(ast) + limits(document);
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
