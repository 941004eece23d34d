import { expect, test } from "./fixtures";

test.describe("chat", () => {
  test("sends with Enter, streams the answer as markdown with its reasoning, and copies it exactly", async ({
    page,
    chat,
    api,
    snap,
  }) => {
    await chat.open("/");
    await expect(page.getByTestId("empty-state")).toBeVisible();
    await expect(chat.newConversationButton).toHaveText(/New Conversation/);
    await snap(page, "01-home");

    // Shift+Enter is a new line, not a send.
    await chat.input.fill("first line");
    await chat.input.press("Shift+Enter");
    await chat.input.pressSequentially("second line");
    await expect(chat.input).toHaveValue("first line\nsecond line");
    await expect(page.getByTestId("empty-state")).toBeVisible();

    await chat.send("Explain resumable streams [sim tokens=160 tps=40 ttft_ms=0 reasoning_tokens=12]");
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    const id = chat.conversationId();
    await expect(chat.userMessages).toHaveCount(1);
    await expect(chat.input).toHaveValue("");
    await expect(chat.stopButton).toBeVisible();
    await expect(chat.connection).toHaveAttribute("data-state", "live");
    await chat.waitForAnswerText(40);
    await expect(chat.lastAnswer).toHaveAttribute("data-status", "streaming");
    await expect(chat.lastAnswer.getByTestId("simulated-label")).toBeVisible();
    await snap(page, "02-streaming");

    await chat.waitForAnswerStatus("completed");
    await expect(chat.sendButton).toBeVisible();
    await expect(chat.connection).toHaveAttribute("data-state", "idle");

    // Reasoning summaries fold under "Thinking"; the reader can open them.
    const toggle = chat.lastAnswer.getByTestId("reasoning-toggle");
    await expect(toggle).toHaveText("Thinking");
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    await toggle.click();
    await expect(chat.lastAnswer.getByTestId("reasoning-text")).toBeVisible();

    const stored = await api.finalAnswer(id);
    expect(stored.status).toBe("completed");
    expect(stored.simulated).toBe(true);
    expect(await chat.copiedAnswer()).toBe(stored.content);
    // Rendered as markdown, not as raw text: no literal markup such as "## " headings is left visible.
    expect(await chat.visibleAnswerText()).not.toMatch(/^#{1,6} /m);
    await snap(page, "03-completed");

    // The server names the conversation after its first answer; the sidebar picks the title up.
    await expect(chat.conversationItem(id)).toBeVisible();
    await expect(chat.conversationItem(id).getByTestId("conversation-link")).not.toHaveText("New conversation", {
      timeout: 30_000,
    });
  });

  test("typing on the home page starts a conversation with that message", async ({ page, chat, api }) => {
    await chat.open("/");
    await chat.send("Hello from the home page [sim tokens=20 tps=0 reasoning_tokens=0]");
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    const id = chat.conversationId();
    await chat.waitForAnswerStatus("completed");
    const conversation = await api.conversation(id);
    expect(conversation.messages.map((message) => message.role)).toEqual(["user", "assistant"]);
    expect(conversation.messages[0]?.content).toContain("Hello from the home page");
  });

  test("highlights code in answers and offers a copy button on code blocks", async ({ page, chat, api, snap }) => {
    // The simulator's answers are deterministic per prompt; look for one that has a code block.
    const { id } = await api.createConversation();
    await chat.openConversation(id);
    let found = false;
    for (let attempt = 0; attempt < 6 && !found; attempt++) {
      await chat.send(`Show me some code, take ${attempt} [sim tokens=220 tps=0 reasoning_tokens=0]`);
      await chat.waitForAnswerStatus("completed");
      found = (await api.finalAnswer(id)).content.includes("```");
    }
    expect(found, "one of the simulated answers has a code block").toBe(true);
    const code = chat.lastAnswer.locator('[data-streamdown="code-block"]');
    await expect(code.first()).toBeVisible();
    // Shiki colours tokens with inline colours, on spans: the code is highlighted, not plain.
    await expect(code.first().locator("span[style]").first()).toBeVisible();
    await expect(code.first().locator('[data-streamdown="code-block-copy-button"]')).toBeVisible();
    await code.first().scrollIntoViewIfNeeded();
    await snap(page, "04-code-block");
    // The system switching to dark is followed at once, code colours included.
    await page.emulateMedia({ colorScheme: "dark" });
    await expect(page.locator("html")).toHaveClass(/dark/);
    await snap(page, "04-code-block-dark");
  });
});
