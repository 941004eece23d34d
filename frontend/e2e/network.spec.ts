import { expect, test as base } from "./fixtures";

// Slow enough to act in the middle of it: about 10 s of answer.
const SLOW = "[sim tokens=260 tps=25 ttft_ms=0 reasoning_tokens=8]";

// The web app whose API connections go through the proxy that these tests cut or hang. They are all in this file, so
// they run one after another: cutting or hanging the proxy disturbs no other test.
const test = base.extend({
  baseURL: async ({ stack }, use) => use(stack.cuttable_frontend_url),
});

test.describe("network", () => {
  test("a dropped network reconnects with backoff and resumes from the last event id", async ({
    page,
    context,
    request,
    stack,
    chat,
    api,
    snap,
    allowConsoleErrors,
  }) => {
    // The browser reports the requests that fail while the network is down.
    allowConsoleErrors(/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_RESET|ERR_CONNECTION_REFUSED|ERR_NETWORK_CHANGED/);
    // Opened empty, so that the answer's stream is followed from its first event (not resumed from a checkpoint).
    const { id } = await api.createConversation();
    await chat.openConversation(id);
    const streamRequests: string[] = [];
    page.on("request", (req) => {
      if (req.url().includes("/stream/")) streamRequests.push(req.url());
    });
    await chat.send(`Survive a network drop ${SLOW}`);
    await chat.waitForAnswerText(80);

    // The network goes: the browser is offline and every open connection to the API is reset.
    await context.setOffline(true);
    const cut = await request.post(`${stack.control_url}/cut`);
    expect(cut.ok()).toBe(true);
    await expect(chat.connection).toHaveAttribute("data-state", /offline|reconnecting/);
    await expect(chat.connection).toContainText(/Offline|Reconnecting/);
    await snap(page, "07-network-down");
    await page.waitForTimeout(2_000);

    await context.setOffline(false);
    await expect(chat.connection).toHaveAttribute("data-state", "live", { timeout: 15_000 });
    await chat.waitForAnswerStatus("completed");
    await snap(page, "08-network-back");

    const stored = await api.finalAnswer(id);
    expect(await chat.copiedAnswer()).toBe(stored.content);
    // The first request started from the beginning; a later one resumed after an event id.
    expect(streamRequests[0]).toMatch(/[?&]after=0$/);
    expect(
      streamRequests.slice(1).some((url) => /[?&]after=[1-9]\d*$/.test(url)),
      streamRequests.join("\n"),
    ).toBe(true);
  });

  test("a hung API times out visibly, and Retry works once it answers again", async ({
    page,
    request,
    stack,
    chat,
    api,
    allowConsoleErrors,
  }) => {
    // While hung, the proxy resets the connections it had (and, on resume, those it held).
    allowConsoleErrors(/ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|ERR_CONNECTION_CLOSED/);
    const hang = async () => expect((await request.post(`${stack.control_url}/hang`)).ok()).toBe(true);
    const resume = async () => expect((await request.post(`${stack.control_url}/resume`)).ok()).toBe(true);
    const quick = "[sim tokens=8 tps=0 reasoning_tokens=0]";
    try {
      await chat.open("/");
      await expect(page.getByText("No conversations yet.")).toBeVisible();

      // Sending from the home page: a spinner, then the timeout, the text kept, and nothing created.
      await hang();
      await chat.send(`Sent while the API hangs ${quick}`);
      await expect(chat.sendButton).toHaveAttribute("data-sending", "true");
      await expect(chat.homeError).toHaveText(/The API did not answer in time to send your message\./);
      await expect(chat.input).toHaveValue(`Sent while the API hangs ${quick}`);
      expect(await api.conversationCount()).toBe(0);
      await resume();
      await chat.sendRetry.click();
      await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
      const id = chat.conversationId();
      await chat.waitForAnswerStatus("completed");

      // Sending in a conversation.
      await hang();
      await chat.send(`Sent again while it hangs ${quick}`);
      await expect(chat.notice).toContainText("The API did not answer in time to send your message.");
      await expect(chat.input).toHaveValue(`Sent again while it hangs ${quick}`);
      await resume();
      await chat.sendRetry.click();
      await expect(chat.answers).toHaveCount(2);
      await chat.waitForAnswerStatus("completed");
      await expect(chat.input).toHaveValue("");

      // The conversation list, looked at again as the tab comes back into view.
      await hang();
      await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
      const listError = page.getByTestId("conversations-error");
      await expect(listError).toContainText("The API did not answer in time to load your conversations.");
      await resume();
      await page.getByTestId("conversations-retry").click();
      await expect(listError).toHaveCount(0);
      await expect(chat.conversationItem(id)).toBeVisible();

      // Opening a conversation.
      await chat.newConversationButton.click();
      await page.waitForURL((url) => url.pathname === "/");
      await hang();
      await chat.conversationItem(id).getByTestId("conversation-link").click();
      await expect(page.getByTestId("chat-load-error")).toHaveText(
        "The API did not answer in time to load the conversation.",
      );
      await resume();
      await page.getByTestId("chat-load-retry").click();
      await expect(chat.userMessages).toHaveCount(2);
      expect((await api.conversation(id)).messages).toHaveLength(4);
    } finally {
      await resume();
    }
  });
});
