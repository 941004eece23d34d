import { expect, test } from "./fixtures";

// Slow enough to act in the middle of it: about 16 s of answer (10 s raced a reload on a loaded machine).
const SLOW = "[sim tokens=400 tps=25 ttft_ms=0 reasoning_tokens=8]";

test.describe("resilience", () => {
  test("a reload mid-answer continues where it was, with no text repeated or lost", async ({
    page,
    chat,
    api,
    snap,
  }) => {
    const id = await chat.startConversation(`Tell me a long story about streams ${SLOW}`);
    await chat.waitForAnswerText(120);
    const before = await chat.visibleAnswerText();

    const streamRequests: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/stream/")) streamRequests.push(request.url());
    });
    await page.reload();
    await expect(chat.lastAnswer).toHaveAttribute("data-status", "streaming");
    await expect(chat.connection).toHaveAttribute("data-state", "live");
    // What was shown before the reload is shown again at once (from the checkpoint), then the answer goes on.
    await expect.poll(async () => (await chat.visibleAnswerText()).length).toBeGreaterThanOrEqual(before.length - 40);
    await snap(page, "05-reloaded-mid-answer");

    await chat.waitForAnswerStatus("completed");
    const stored = await api.finalAnswer(id);
    expect(await chat.copiedAnswer()).toBe(stored.content);
    // Resumed after the checkpoint's event id, not from the start.
    expect(
      streamRequests.some((url) => /[?&]after=[1-9]\d*/.test(url)),
      streamRequests.join("\n"),
    ).toBe(true);
    await expect(chat.answers).toHaveCount(1);
  });

  test("a second tab on the same conversation streams the same answer live", async ({ context, chat, api, snap }) => {
    const id = await chat.startConversation(`Two viewers, one answer ${SLOW}`);
    await chat.waitForAnswerText(40);

    const second = await context.newPage();
    await second.goto(`/c/${id}`);
    const secondAnswer = second.getByTestId("message-assistant").last();
    await expect(secondAnswer).toHaveAttribute("data-status", "streaming");
    await expect(second.getByTestId("connection-status")).toHaveAttribute("data-state", "live");
    const growing = async () => ((await secondAnswer.getByTestId("message-content").innerText()) ?? "").length;
    const first = await growing();
    await expect.poll(growing).toBeGreaterThan(first + 20);
    await snap(second, "06-second-tab-live");

    await chat.waitForAnswerStatus("completed");
    await expect(secondAnswer).toHaveAttribute("data-status", "completed", { timeout: 30_000 });
    const stored = await api.finalAnswer(id);
    expect(await chat.copiedAnswer()).toBe(stored.content);
    await secondAnswer.getByTestId("copy-answer").click();
    expect(await second.evaluate(() => navigator.clipboard.readText())).toBe(stored.content);
  });

  test("a tab already showing the conversation follows an answer another tab starts", async ({
    context,
    chat,
    api,
  }) => {
    const { id } = await api.createConversation();
    await chat.openConversation(id);
    const watcher = await context.newPage();
    await watcher.goto(`/c/${id}`);
    await expect(watcher.getByTestId("conversation-empty")).toBeVisible();

    await chat.send(`Started elsewhere ${SLOW}`);
    const watched = watcher.getByTestId("message-assistant").last();
    await expect(watched).toHaveAttribute("data-status", "streaming");
    await expect(watcher.getByTestId("message-user")).toHaveCount(1);
    await expect(watched).toHaveAttribute("data-status", "completed", { timeout: 30_000 });
    const stored = await api.finalAnswer(id);
    await watched.getByTestId("copy-answer").click();
    expect(await watcher.evaluate(() => navigator.clipboard.readText())).toBe(stored.content);
  });
});
