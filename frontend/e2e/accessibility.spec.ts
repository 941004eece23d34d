// axe-core on every main screen, in both themes, at desktop and phone widths: no violation of serious or critical
// impact (contrast, names, roles, keyboard access to scrolling regions, ...).
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";

import { expect, test } from "./fixtures";
import { AccountMenu, AuthForm, PASSWORD, uniqueEmail } from "./pages/account";
import type { ChatPage } from "./pages/chat-page";
import { answerReads, MATH_AND_CODE_ANSWER } from "./stored-answer";

const THEMES = ["light", "dark"] as const;
const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

/** The page's serious and critical axe violations, one readable paragraph each (empty when there are none). */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) =>
      [
        `${violation.id} (${violation.impact}): ${violation.help} <${violation.helpUrl}>`,
        ...violation.nodes.map(
          (node) => `  at ${node.target.join(" ")}\n    ${node.failureSummary?.replace(/\n/g, "\n    ")}`,
        ),
      ].join("\n"),
    );
}

/** Scans the page as it is now; the screen's name says which it was in the failure. */
async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${screen}:\n${violations.join("\n\n")}`).toEqual([]);
}

/** On a phone the sidebar is a drawer: open it (and wait for it to have slid in) to reach what is in it. */
async function withSidebar(chat: ChatPage, phone: boolean): Promise<void> {
  if (!phone) return;
  if ((await chat.sidebar.getAttribute("data-open")) !== "true") await chat.menuButton.click();
  await expect(chat.sidebar).toHaveAttribute("data-open", "true");
  await expect.poll(async () => (await chat.sidebar.boundingBox())?.x).toBe(0);
}

for (const theme of THEMES) {
  for (const [size, viewport] of Object.entries(SIZES)) {
    test.describe(`${theme} theme, ${size}`, () => {
      const phone = size === "phone";
      test.use({ viewport });
      // The saved choice, as the theme toggle saves it (lib/theme.ts), read by the boot script before first paint.
      test.beforeEach(async ({ page }) => {
        await page.addInitScript((choice) => localStorage.setItem("theme", choice), theme);
      });

      test("sign-in and sign-up", async ({ page }) => {
        await page.goto("/sign-in");
        await expect(page.locator("html")).toHaveClass(theme === "dark" ? /\bdark\b/ : /^(?!.*\bdark\b)/);
        const form = new AuthForm(page);
        await expect(form.submit).toBeVisible();
        await expectAccessible(page, "sign-in");
        await page.goto("/sign-up");
        await expect(form.submit).toBeVisible();
        await expectAccessible(page, "sign-up");
      });

      test("home, a conversation with code and math, the sidebar, the delete dialog, the guest's menu", async ({
        page,
        chat,
        api,
        stack,
      }) => {
        await chat.open("/");
        await expect(page.getByTestId("empty-state")).toBeVisible();
        await expect(chat.suggestions.first()).toBeVisible();
        await expectAccessible(page, "home");

        // Several conversations, and one with a finished answer with code and math.
        for (const title of ["Trip to the mountains", "Quarterly report", "Birthday ideas"]) {
          await api.createConversation(title);
        }
        await chat.send("Solve a quadratic [sim tokens=30 tps=0 reasoning_tokens=0]");
        await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
        const id = chat.conversationId();
        await chat.waitForAnswerStatus("completed");
        await answerReads(page, stack.api_url, id, MATH_AND_CODE_ANSWER);
        await page.reload();
        await chat.waitForAnswerStatus("completed");
        await expect(chat.lastAnswer.locator(".katex-display")).toBeVisible();
        await expect(chat.lastAnswer.locator('[data-streamdown="code-block-body"]')).toBeVisible();
        await expect(page.getByTestId("conversation-item")).toHaveCount(4);
        await expectAccessible(page, "conversation");

        await withSidebar(chat, phone);
        await expectAccessible(page, "sidebar");

        await chat.conversationItem(id).hover();
        await chat.conversationItem(id).getByTestId("delete-conversation").click();
        await expect(chat.confirmDialog).toBeVisible();
        await expectAccessible(page, "delete dialog");
        await chat.confirmDialog.getByTestId("confirm-cancel").click();

        const account = new AccountMenu(page);
        await account.open();
        await expect(account.usage).toBeVisible();
        await expectAccessible(page, "guest's account menu");
        await account.items.getByTestId("account-sign-out").click();
        await expect(chat.confirmDialog).toBeVisible();
        await expectAccessible(page, "guest's sign-out dialog");
      });

      test("a registered account's menu, its sign-out-everywhere question and its password page", async ({
        page,
        chat,
      }) => {
        await page.goto("/sign-up");
        const email = uniqueEmail("axe");
        await new AuthForm(page).submitWith(email, PASSWORD);
        await page.waitForURL((url) => url.pathname === "/");
        await withSidebar(chat, phone);
        const account = new AccountMenu(page);
        await expect(account.name).toHaveText(email);
        await account.open();
        await expectAccessible(page, "account menu");
        await account.items.getByTestId("account-sign-out-everywhere").click();
        await expect(chat.confirmDialog).toBeVisible();
        await expectAccessible(page, "sign-out-everywhere dialog");
        await page.keyboard.press("Escape");
        await expect(chat.confirmDialog).toHaveCount(0);

        await page.goto("/account/password");
        await expect(page.getByTestId("chat-title")).toHaveText("Change password");
        await expectAccessible(page, "change password");
      });
    });
  }
}
