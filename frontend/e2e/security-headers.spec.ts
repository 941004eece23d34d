// The web app's security headers (proxy.ts, next.config.ts), and a real chat under its Content-Security-Policy:
// sign-in as a guest, a streamed answer with highlighted code, a reload that resumes it, with not one violation.
import type { Page } from "@playwright/test";

import { expect, test } from "./fixtures";

type Violation = { directive: string; blocked: string; sample: string; source: string };

declare global {
  interface Window {
    __reportCspViolation?: (violation: Violation) => Promise<void>;
  }
}

/** Every CSP violation the page's documents report, and every console message about one, across navigations. */
async function recordViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction("__reportCspViolation", (violation: Violation) => {
    violations.push(`violation: ${JSON.stringify(violation)}`);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      void window.__reportCspViolation?.({
        directive: event.effectiveDirective,
        blocked: event.blockedURI,
        sample: event.sample,
        source: `${event.sourceFile}:${event.lineNumber}`,
      });
    });
  });
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) violations.push(`console: ${message.text()}`);
  });
  return violations;
}

/** Every violation the page reported; zod's `new Function` probe is off (lib/boot-script.ts), so there are none. */
async function unexpectedViolations(page: Page, violations: string[]): Promise<string[]> {
  const jitless = await page.evaluate(
    () => (globalThis as { __zod_globalConfig?: { jitless?: boolean } }).__zod_globalConfig?.jitless === true,
  );
  expect(jitless, "the boot script set zod's jitless option").toBe(true);
  return violations;
}

function directive(csp: string, name: string): string[] {
  const found = csp
    .split(";")
    .map((part) => part.trim().split(/\s+/))
    .find(([directiveName]) => directiveName === name);
  expect(found, `${name} in ${csp}`).toBeDefined();
  return found!.slice(1);
}

test.describe("security headers", () => {
  test("pages carry a nonce-based CSP and the fixed headers; Next.js scripts carry the nonce", async ({
    page,
    stack,
  }) => {
    const violations = await recordViolations(page);
    const response = await page.goto("/");
    expect(response, "the document response").not.toBeNull();
    const headers = response!.headers();
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["referrer-policy"]).toBe("no-referrer");
    expect(headers["x-powered-by"]).toBeUndefined();
    // Plain HTTP here: no HSTS, and no upgrade of the API's http:// URL.
    expect(headers["strict-transport-security"]).toBeUndefined();

    const csp = headers["content-security-policy"] ?? "";
    const scriptSrc = directive(csp, "script-src");
    const nonce = scriptSrc.find((source) => source.startsWith("'nonce-"))?.slice(7, -1);
    expect(nonce, csp).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(scriptSrc).toContain("'strict-dynamic'");
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    expect(directive(csp, "style-src")).toEqual(["'self'", `'nonce-${nonce}'`]);
    expect(directive(csp, "connect-src")).toEqual(["'self'", new URL(stack.api_url).origin]);
    expect(directive(csp, "frame-ancestors")).toEqual(["'none'"]);
    expect(directive(csp, "object-src")).toEqual(["'none'"]);
    expect(directive(csp, "base-uri")).toEqual(["'none'"]);
    expect(csp).not.toContain("upgrade-insecure-requests");

    // Every script but the layout's colour-scheme one (allowed by its hash) has the nonce; browsers hide a nonce
    // from attributes, so it is read from the property.
    await expect(page.getByTestId("empty-state")).toBeVisible();
    const scripts = await page.evaluate(() =>
      Array.from(document.scripts, (script) => ({ nonce: script.nonce, inline: !script.src, text: script.text })),
    );
    const withoutNonce = scripts.filter((script) => script.nonce !== nonce);
    expect(withoutNonce.map((script) => script.text)).toEqual([expect.stringContaining("prefers-color-scheme")]);
    expect(scripts.filter((script) => script.nonce === nonce).length).toBeGreaterThan(1);

    // A fresh nonce per request.
    const again = await page.request.get("/");
    expect(again.headers()["content-security-policy"]).not.toBe(csp);
    // The fixed headers on static files too.
    const asset = await page.evaluate(() => document.querySelector<HTMLScriptElement>("script[src]")!.src);
    const assetHeaders = (await page.request.get(asset)).headers();
    expect(assetHeaders["x-content-type-options"]).toBe("nosniff");
    expect(assetHeaders["x-frame-options"]).toBe("DENY");

    expect(await unexpectedViolations(page, violations)).toEqual([]);
  });

  test("over HTTPS (as a TLS proxy says) pages also get HSTS and upgrade-insecure-requests", async ({ page }) => {
    const response = await page.request.get("/", { headers: { "x-forwarded-proto": "https" } });
    expect(response.status()).toBe(200);
    const headers = response.headers();
    expect(headers["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
    expect(headers["content-security-policy"]).toContain("upgrade-insecure-requests");
  });

  test("a real chat runs under the policy with no violation: stream, code, reload and resume", async ({
    page,
    chat,
    api,
  }) => {
    const violations = await recordViolations(page);
    const { id } = await api.createConversation();
    await chat.openConversation(id);
    // The simulator's answers are deterministic per prompt; look for one with a code block, so that Shiki's
    // highlighting runs under the policy too (chat.spec.ts does the same).
    let found = false;
    for (let attempt = 0; attempt < 6 && !found; attempt++) {
      await chat.send(`Show me some code, take ${attempt} [sim tokens=220 tps=0 reasoning_tokens=4]`);
      await chat.waitForAnswerStatus("completed");
      found = (await api.finalAnswer(id)).content.includes("```");
    }
    expect(found, "one of the simulated answers has a code block").toBe(true);
    const code = chat.lastAnswer.locator('[data-streamdown="code-block"]').first();
    await expect(code.locator("span[style]").first()).toBeVisible();

    // A slow answer, reloaded in the middle: it resumes (a new stream request, from the API's other origin).
    await chat.send("Tell me a long story about policies [sim tokens=200 tps=25 ttft_ms=0 reasoning_tokens=4]");
    await chat.waitForAnswerText(60);
    await expect(chat.lastAnswer).toHaveAttribute("data-status", "streaming");
    await page.reload();
    await expect(chat.lastAnswer).toHaveAttribute("data-status", "streaming");
    await expect(chat.connection).toHaveAttribute("data-state", "live");
    await chat.waitForAnswerStatus("completed");
    const stored = await api.finalAnswer(id);
    expect(await chat.copiedAnswer()).toBe(stored.content);

    // The colour-scheme script, allowed by its hash, runs on every load (a block would be a violation below).
    await page.emulateMedia({ colorScheme: "dark" });
    await page.reload();
    await expect(page.locator("html")).toHaveClass(/dark/);
    await expect(chat.answers.last()).toHaveAttribute("data-status", "completed");

    expect(await unexpectedViolations(page, violations)).toEqual([]);
  });
});
