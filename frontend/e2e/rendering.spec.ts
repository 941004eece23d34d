// How answers and messages are shown, and the page's small helps: math, code blocks by keyboard, the tab's title,
// suggested prompts, long messages folded.
import { expect, test } from "./fixtures";
import { answerReads, MATH_AND_CODE_ANSWER } from "./stored-answer";

type Watched = Window & { cspViolations?: string[] };

test.describe("rendering", () => {
  test("math is typeset by KaTeX, inline and displayed, with its own fonts allowed by the CSP", async ({
    page,
    chat,
    stack,
    snap,
  }) => {
    // Anything the Content-Security-Policy refuses (a stylesheet, a font) is reported here (and as a console error).
    await page.addInitScript(() => {
      const watched = window as Watched;
      watched.cspViolations = [];
      document.addEventListener("securitypolicyviolation", (event) =>
        watched.cspViolations?.push(`${event.violatedDirective} ${event.blockedURI}`),
      );
    });
    const id = await chat.startConversation("Solve a quadratic [sim tokens=30 tps=0 reasoning_tokens=0]");
    await chat.waitForAnswerStatus("completed");
    await answerReads(page, stack.api_url, id, MATH_AND_CODE_ANSWER);
    await page.reload();
    await chat.waitForAnswerStatus("completed");

    const content = chat.lastAnswer.getByTestId("message-content");
    const display = content.locator(".katex-display");
    await expect(display).toHaveCount(1);
    const inline = content.locator(".katex:not(.katex-display .katex)");
    await expect(inline).toHaveCount(1);
    // KaTeX's MathML carries the TeX for assistive technology; its stylesheet hides it from sight.
    await expect(inline.locator('annotation[encoding="application/x-tex"]')).toHaveText("ax^2 + bx + c = 0");
    await expect(display.locator('annotation[encoding="application/x-tex"]')).toHaveText(
      "x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}",
    );
    await expect(display.locator(".katex-mathml")).toHaveCSS("position", "absolute");
    await expect(display.locator(".katex-html .mfrac")).toBeVisible();
    // Dollar amounts are not math (the one inline formula above is the only one).
    await expect(content.getByText("costs between $5 and $10.")).toBeVisible();
    // KaTeX's fonts come from the app itself (the CSP's font-src 'self') and are in use.
    await expect
      .poll(() =>
        page.evaluate(async () => {
          await document.fonts.ready;
          return [...document.fonts].some((font) => font.family.includes("KaTeX_Main") && font.status === "loaded");
        }),
      )
      .toBe(true);
    expect(await page.evaluate(() => (window as Watched).cspViolations)).toEqual([]);
    await display.scrollIntoViewIfNeeded();
    await snap(page, "20-math");
  });

  test("a code block is a named Tab stop that scrolls with the arrow keys", async ({ page, chat, stack }) => {
    const id = await chat.startConversation("Show me the roots in Python [sim tokens=30 tps=0 reasoning_tokens=0]");
    await chat.waitForAnswerStatus("completed");
    await answerReads(page, stack.api_url, id, MATH_AND_CODE_ANSWER);
    await page.reload();
    await chat.waitForAnswerStatus("completed");

    const block = chat.lastAnswer.locator('[data-streamdown="code-block"]');
    const body = block.locator('[data-streamdown="code-block-body"]');
    await expect(body).toHaveAttribute("tabindex", "0");
    await expect(body).toHaveAttribute("role", "region");
    await expect(body).toHaveAccessibleName("Code (python)");
    // (Polled: the block is laid out again once the highlighter has coloured it.)
    await expect.poll(() => body.evaluate((element) => element.scrollWidth > element.clientWidth)).toBe(true);

    // From the block's last header button, Tab reaches the code, and the arrow keys scroll it.
    await block.locator("button").last().focus();
    await page.keyboard.press("Tab");
    await expect(body).toBeFocused();
    await page.keyboard.press("End");
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => body.evaluate((element) => element.scrollLeft)).toBeGreaterThan(0);
  });

  test("the tab's title is the page's: the app on the home page, the conversation's title in one", async ({
    page,
    chat,
    api,
  }) => {
    await chat.open("/");
    await expect(chat.input).toBeVisible();
    await expect(page).toHaveTitle("Resilient Chat");

    const { id } = await api.createConversation();
    await chat.openConversation(id);
    await expect(page).toHaveTitle("New conversation · Resilient Chat");
    // The server names the conversation after its first answer; the tab follows.
    await chat.send("Plan a trip to the mountains [sim tokens=20 tps=0 reasoning_tokens=0]");
    await chat.waitForAnswerStatus("completed");
    const link = chat.conversationItem(id).getByTestId("conversation-link");
    await expect(link).not.toHaveText("New conversation", { timeout: 30_000 });
    const generated = (await link.textContent()) ?? "";
    await expect(page).toHaveTitle(`${generated} · Resilient Chat`);

    // Renamed, the tab follows at once.
    await chat.conversationItem(id).getByTestId("rename-conversation").click();
    await chat.conversationItem(id).getByTestId("rename-input").fill("Mountain trip");
    await chat.conversationItem(id).getByTestId("rename-input").press("Enter");
    await expect(page).toHaveTitle("Mountain trip · Resilient Chat");

    // Back home, the app's name again.
    await page.goBack();
    await page.waitForURL((url) => url.pathname === "/");
    await expect(page).toHaveTitle("Resilient Chat");
  });

  test("a suggested prompt fills the message box without sending it", async ({ page, chat, api }) => {
    await chat.open("/");
    await expect(chat.suggestions.first()).toBeVisible();
    const [first, second] = [await chat.suggestions.nth(0).textContent(), await chat.suggestions.nth(1).textContent()];

    await chat.suggestions.nth(0).click();
    await expect(chat.input).toHaveValue(first ?? "");
    await expect(chat.input).toBeFocused();
    // Another one replaces it; nothing was sent or created.
    await chat.suggestions.nth(1).click();
    await expect(chat.input).toHaveValue(second ?? "");
    expect(new URL(page.url()).pathname).toBe("/");
    await expect(page.getByText("No conversations yet.")).toBeVisible();
    await expect(page.getByTestId("conversation-item")).toHaveCount(0);

    // Edited and sent, it is the conversation's first message.
    await chat.input.press("End");
    await chat.input.pressSequentially(" [sim tokens=8 tps=0 reasoning_tokens=0]");
    await chat.input.press("Enter");
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    await chat.waitForAnswerStatus("completed");
    const stored = await api.conversation(chat.conversationId());
    expect(stored.messages[0]?.content).toBe(`${second} [sim tokens=8 tps=0 reasoning_tokens=0]`);
  });

  test("a long message of the user's is folded, with Show more and Show less", async ({ chat }) => {
    await chat.startConversation("Short one [sim tokens=8 tps=0 reasoning_tokens=0]");
    await chat.waitForAnswerStatus("completed");
    await expect(chat.userMessages.first().getByTestId("message-toggle")).toHaveCount(0);

    const lines = Array.from({ length: 40 }, (_, index) => `Line ${index + 1} of a pasted log`);
    await chat.send(`${lines.join("\n")}\n[sim tokens=8 tps=0 reasoning_tokens=0]`);
    await chat.waitForAnswerStatus("completed", chat.answers.nth(1));
    const message = chat.userMessages.nth(1);
    const text = message.getByTestId("message-user-text");
    const toggle = message.getByTestId("message-toggle");
    const clipped = () => text.evaluate((element) => element.scrollHeight > element.clientHeight + 1);

    await expect(toggle).toHaveText("Show more");
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    const controlsText = await message.evaluate(
      (element) =>
        element.querySelector('[data-testid="message-toggle"]')?.getAttribute("aria-controls") ===
        element.querySelector('[data-testid="message-user-text"]')?.id,
    );
    expect(controlsText, "the toggle's aria-controls names the text").toBe(true);
    expect(await clipped()).toBe(true);

    await toggle.click();
    await expect(toggle).toHaveText("Show less");
    await expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(await clipped()).toBe(false);

    await toggle.press("Enter");
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(await clipped()).toBe(true);
  });
});
