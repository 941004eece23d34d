import { expect, isNobodyYet, test } from "./fixtures";

test.describe("conversations", () => {
  test("new, rename and delete from the sidebar; each conversation has its own URL", async ({
    page,
    chat,
    api,
    snap,
    allowConsoleErrors,
  }) => {
    // Opening the deleted conversation's URL at the end: the browser logs the API's 404.
    allowConsoleErrors(/status of 404/);
    await chat.open("/");
    const id = await chat.startConversation("Remember this [sim tokens=15 tps=0 reasoning_tokens=0]");
    await chat.waitForAnswerStatus("completed");
    const item = chat.conversationItem(id);
    await expect(item.getByTestId("conversation-link")).toHaveAttribute("aria-current", "page");

    await item.getByTestId("rename-conversation").click();
    const field = item.getByTestId("rename-input");
    await expect(field).toBeFocused();
    await field.fill("Holiday plans");
    await field.press("Enter");
    await expect(item.getByTestId("conversation-link")).toHaveText("Holiday plans");
    await expect(chat.title).toHaveText("Holiday plans");
    expect((await api.conversation(id)).title).toBe("Holiday plans");

    // Escape abandons a rename.
    await item.getByTestId("rename-conversation").click();
    await item.getByTestId("rename-input").fill("Something else");
    await item.getByTestId("rename-input").press("Escape");
    await expect(item.getByTestId("conversation-link")).toHaveText("Holiday plans");

    // The URL is the conversation: a reload and a fresh tab both open it.
    await page.reload();
    await expect(chat.title).toHaveText("Holiday plans");
    await expect(chat.userMessages).toHaveCount(1);
    await expect(chat.answers).toHaveCount(1);
    const fresh = await page.context().newPage();
    await fresh.goto(`/c/${id}`);
    await expect(fresh.getByTestId("message-user")).toContainText("Remember this");
    await fresh.close();
    await snap(page, "12-renamed");

    await item.hover();
    await item.getByTestId("delete-conversation").click();
    const dialog = page.getByTestId("confirm-dialog");
    await expect(dialog).toBeVisible();
    await snap(page, "13-delete-confirm");
    await dialog.getByTestId("confirm-accept").click();
    await page.waitForURL((url) => url.pathname === "/");
    await expect(chat.conversationItem(id)).toHaveCount(0);
    expect(await api.status(id)).toBe(404);

    await page.goto(`/c/${id}`);
    await expect(page.getByTestId("conversation-missing")).toBeVisible();
  });

  test("the most recently active conversation comes first", async ({ chat, api }) => {
    const older = await api.createConversation("Older one");
    const newer = await api.createConversation("Newer one");
    await chat.open("/");
    const position = async (id: string) =>
      chat.page
        .getByTestId("conversation-item")
        .evaluateAll(
          (items, wanted) => items.findIndex((item) => item.getAttribute("data-conversation-id") === wanted),
          id,
        );
    await expect(chat.conversationItem(newer.id)).toBeVisible();
    expect(await position(newer.id)).toBeLessThan(await position(older.id));

    await chat.openFromSidebar(older.id);
    await chat.send("Bump this one [sim tokens=10 tps=0 reasoning_tokens=0]");
    await chat.waitForAnswerStatus("completed");
    await expect.poll(async () => (await position(older.id)) < (await position(newer.id))).toBe(true);
  });

  test("works at phone width in dark mode", async ({ browser, stack, snap }) => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      colorScheme: "dark",
      isMobile: true,
      hasTouch: true,
      baseURL: stack.frontend_url,
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" && !isNobodyYet(message.text(), message.location().url))
        errors.push(message.text());
    });
    await page.goto("/");
    await expect(page.locator("html")).toHaveClass(/dark/);
    // The conversation list is a drawer behind the menu button.
    await expect(page.getByTestId("sidebar")).not.toBeInViewport();
    await page.getByTestId("open-sidebar").click();
    await expect(page.getByTestId("sidebar")).toBeInViewport();
    await snap(page, "14-phone-dark-sidebar");
    await page.getByTestId("new-conversation").click();
    await expect(page.getByTestId("sidebar")).not.toBeInViewport();

    await page.getByTestId("composer-input").fill("Hello on a phone [sim tokens=120 tps=0 reasoning_tokens=6]");
    await page.getByTestId("send-button").click();
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId("message-assistant").last()).toHaveAttribute("data-status", "completed");
    // Nothing is wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await snap(page, "15-phone-dark-chat");
    expect(errors).toEqual([]);
    await context.close();
  });

  test("the theme toggle switches between system, light and dark", async ({ page, chat }) => {
    await chat.open("/");
    const toggle = page.getByTestId("theme-toggle");
    await expect(toggle).toHaveAttribute("data-theme-choice", "system");
    await toggle.click();
    await expect(toggle).toHaveAttribute("data-theme-choice", "light");
    await expect(page.locator("html")).not.toHaveClass(/dark/);
    await toggle.click();
    await expect(toggle).toHaveAttribute("data-theme-choice", "dark");
    await expect(page.locator("html")).toHaveClass(/dark/);
    // The choice survives a reload, applied before the first paint.
    await page.reload();
    await expect(page.locator("html")).toHaveClass(/dark/);
    await expect(toggle).toHaveAttribute("data-theme-choice", "dark");
  });

  test("can be used with the keyboard alone", async ({ page, chat }) => {
    await chat.open("/");
    const newButton = page.getByTestId("new-conversation");
    await newButton.focus();
    await page.keyboard.press("Enter");
    await page.waitForURL((url) => url.pathname === "/");
    await chat.input.focus();
    await page.keyboard.type("Typed, not clicked [sim tokens=12 tps=0 reasoning_tokens=0]");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    await chat.waitForAnswerStatus("completed");
    // Tab moves from the message box to the send button, and Space presses it.
    await chat.input.focus();
    await page.keyboard.type("And once more [sim tokens=12 tps=0 reasoning_tokens=0]");
    await page.keyboard.press("Tab");
    await expect(chat.sendButton).toBeFocused();
    await page.keyboard.press("Space");
    await expect(chat.answers).toHaveCount(2);
    await chat.waitForAnswerStatus("completed");
  });
});
