import { expect, test as base } from "./fixtures";

// Slow enough to act in the middle of it: about 10 s of answer.
const SLOW = "[sim tokens=260 tps=25 ttft_ms=0 reasoning_tokens=8]";

// The web app whose API connections go through the proxy that the test cuts: cutting it disturbs no other test.
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
    const id = await chat.newConversation();
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
});
