import { defineConfig, devices } from "@playwright/test";

// Debian's Chromium: a browser that downloads its own build cannot be installed here (no `playwright install`).
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  // "unit": the stream client and the transport against scripted responses (no browser);
  // "e2e": the app in Chromium against the real stack; "e2e-alone": the tests that SIGKILL a worker, after all the
  // others, so that no other test's answer is on the worker they kill (with two Playwright workers, one ran alongside
  // and could hold that worker for longer than the test can wait).
  projects: [
    { name: "unit", testDir: "./tests/unit", testMatch: /.*\.test\.ts$/ },
    { name: "e2e", testDir: "./e2e", testMatch: /.*\.spec\.ts$/, testIgnore: /takeover\.spec\.ts$/ },
    { name: "e2e-alone", testDir: "./e2e", testMatch: /takeover\.spec\.ts$/, dependencies: ["e2e"] },
  ],
  // The whole stack (API, worker, Redis, PostgreSQL, simulator, `next start`) is started once, by global setup.
  globalSetup: "./e2e/global-setup.ts",
  outputDir: "./test-results/artifacts",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"], ["html", { outputFolder: "./playwright-report", open: "never" }]],
  use: {
    ...devices["Desktop Chrome"],
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
    },
  },
});
