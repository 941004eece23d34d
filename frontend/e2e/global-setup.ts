// Starts the throwaway stack (backend/devstack/e2e.py) with the built web app, and stops it after the run.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

import type { FullConfig } from "@playwright/test";

const FRONTEND = resolve(__dirname, "..");
const REPO = resolve(FRONTEND, "..");
const RESULTS = join(FRONTEND, "test-results");
const READY_FILE = join(RESULTS, "stack.json");
const LOG_DIR = join(RESULTS, "stack-logs");
const START_TIMEOUT_MS = 180_000;

export type StackUrls = {
  frontend_url: string;
  api_url: string;
  /** A second web app, whose API connections go through a proxy that `POST {control_url}/cut` resets. */
  cuttable_frontend_url: string;
  proxied_api_url: string;
  control_url: string;
  simulator_url: string;
};

/** The backend's Python (bootstrap creates backend/.venv); `uv run` as a fallback. */
function python(): [string, string[]] {
  const venv = join(REPO, "backend", ".venv", "bin", "python");
  if (existsSync(venv)) return [venv, []];
  const local = join(REPO, ".tools", "bin", "uv");
  return [process.env.UV ?? (existsSync(local) ? local : "uv"), ["run", "--frozen", "python"]];
}

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  if (!existsSync(join(FRONTEND, ".next", "BUILD_ID"))) {
    throw new Error("The web app is not built: run `npm run build` in frontend/ first (make test-frontend does).");
  }
  mkdirSync(RESULTS, { recursive: true });
  rmSync(READY_FILE, { force: true });
  const [command, prefix] = python();
  const stack = spawn(command, [...prefix, "-m", "devstack.e2e", "--ready-file", READY_FILE, "--log-dir", LOG_DIR], {
    cwd: join(REPO, "backend"),
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env },
  });
  let exited: number | null = null;
  stack.on("exit", (code) => {
    exited = code ?? 1;
  });

  const started = Date.now();
  while (!existsSync(READY_FILE)) {
    if (exited !== null) throw new Error(`the e2e stack exited with code ${exited} before it was ready`);
    if (Date.now() - started > START_TIMEOUT_MS) {
      stack.kill("SIGTERM");
      throw new Error(`the e2e stack was not ready after ${START_TIMEOUT_MS / 1000} s; see ${LOG_DIR}`);
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  const urls = JSON.parse(readFileSync(READY_FILE, "utf8")) as StackUrls;
  process.env.E2E_STACK = JSON.stringify(urls);
  console.log(`[e2e] web app ${urls.frontend_url}, API ${urls.api_url}; stack logs in ${LOG_DIR}`);

  return async () => {
    if (exited !== null) return;
    const stopped = new Promise<void>((done) => stack.once("exit", () => done()));
    stack.kill("SIGTERM");
    const timeout = setTimeout(() => stack.kill("SIGKILL"), 30_000);
    await stopped;
    clearTimeout(timeout);
  };
}
