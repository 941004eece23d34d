import type { Request, Route } from "@playwright/test";

import { expect, test } from "./fixtures";

// The simulator sends 5 answer tokens, then nothing for 12 s, then the rest: the worker waits (its
// UPSTREAM_STALL_SECONDS, 60 s by default, is longer), so the viewer's connection stays open with no events.
const STALL_12S = "[sim tokens=60 tps=20 ttft_ms=0 reasoning_tokens=0 stall_after=5 stall_ms=12000]";
// Long enough that an answer still completing on its own would show that Stop did nothing.
const STALL_30S = "[sim tokens=60 tps=20 ttft_ms=0 reasoning_tokens=0 stall_after=5 stall_ms=30000]";

const isStreamRequest = (request: Request) =>
  request.method() === "GET" && /\/stream\/[^/]+$/.test(new URL(request.url()).pathname);

test.describe("stalled answers", () => {
  test("an answer whose server goes quiet shows as stalled, then live again, and completes", async ({
    page,
    chat,
    api,
    snap,
  }) => {
    const streamRequests: string[] = [];
    page.on("request", (request) => {
      if (isStreamRequest(request)) streamRequests.push(request.url());
    });
    const id = await chat.startConversation(`Pause in the middle ${STALL_12S}`);
    await chat.waitForAnswerText(0);
    await chat.waitForConnection("live");

    await chat.waitForConnection("stalled");
    await expect(chat.connection).toHaveText("Stalled — waiting for the server");
    // Announced to screen readers, as every change of the indicator is.
    await expect(chat.connection).toHaveAttribute("role", "status");
    await expect(chat.connection).toHaveAttribute("aria-live", "polite");
    await expect(chat.lastAnswer).toHaveAttribute("data-status", "streaming");
    await expect(chat.stopButton).toBeEnabled();
    const duringStall = await chat.visibleAnswerText();
    await snap(page, "17-stalled");

    // The simulator goes on: the same connection comes back to life, and the answer grows and completes.
    await chat.waitForConnection("live");
    await chat.waitForAnswerText(duringStall.length);
    await chat.waitForAnswerStatus("completed");
    const stored = await api.finalAnswer(id);
    expect(stored.status).toBe("completed");
    expect(await chat.copiedAnswer()).toBe(stored.content);
    // A stall is not a dead connection: it was never dropped and reopened.
    expect(streamRequests, streamRequests.join("\n")).toHaveLength(1);
  });

  test("Stop during a stall shows the answer stopping, then stopped, with the text so far kept", async ({
    page,
    chat,
    api,
  }) => {
    const id = await chat.startConversation(`Stop me while I am quiet ${STALL_30S}`);
    await chat.waitForConnection("stalled");
    const partial = await chat.visibleAnswerText();
    expect(partial.length).toBeGreaterThan(0);

    // Hold the stop request for a moment, as a server taking the answer over would keep it from ending at once.
    let releaseStop!: () => void;
    const stopHeld = new Promise<void>((resolve) => (releaseStop = resolve));
    let stopRequests = 0;
    await page.route(
      (url) => /\/stream\/[^/]+\/cancel$/.test(url.pathname),
      async (route: Route) => {
        if (route.request().method() !== "POST") return route.continue();
        stopRequests += 1;
        await stopHeld;
        await route.continue();
      },
    );

    await chat.stopButton.click();
    await expect(chat.stoppingNote()).toHaveText("■ Stopping…");
    await expect(chat.stopButton).toBeDisabled();
    await expect(chat.stopButton).toHaveAccessibleName("Stopping the answer");
    await expect(chat.lastAnswer).toHaveAttribute("data-status", "streaming");
    await expect.poll(() => stopRequests).toBe(1);

    releaseStop();
    await chat.waitForAnswerStatus("cancelled");
    await expect(chat.stoppingNote()).toHaveCount(0);
    await expect(chat.stoppedNote()).toHaveText("■ Stopped; the answer so far is kept.");
    await expect(chat.sendButton).toBeVisible();
    await chat.waitForConnection("idle");

    const stored = await api.finalAnswer(id);
    expect(stored.status).toBe("cancelled");
    expect(await chat.copiedAnswer()).toBe(stored.content);
    expect(stored.content.length).toBeGreaterThan(0);
  });

  test("an answer the server restarts after a fault replaces its text and says so while it streams", async ({
    page,
    stack,
    chat,
    api,
  }) => {
    // The real takeover is the backend's to test; here the stream is scripted, so the restart comes exactly when
    // the test says. The message itself is sent to the real API.
    const frontendOrigin = new URL(stack.frontend_url).origin;
    const sse = (events: { id: number; data: unknown }[]) => ({
      status: 200,
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        "access-control-allow-origin": frontendOrigin,
        // The page sends its session cookie with the stream request.
        "access-control-allow-credentials": "true",
      },
      body: events.map(({ id, data }) => `id: ${id}\ndata: ${JSON.stringify(data)}\n\n`).join(""),
    });
    let releaseRest!: () => void;
    const restHeld = new Promise<void>((resolve) => (releaseRest = resolve));
    const requested: string[] = [];
    await page.route(
      (url) => /\/stream\/[^/]+$/.test(url.pathname),
      async (route: Route) => {
        const after = new URL(route.request().url()).searchParams.get("after");
        requested.push(after ?? "");
        if (after === "0") {
          // The first worker's text, then the one that took over starts again; the response ends with no terminal
          // event, so the page asks for the events after the last one, which are held until the test has looked.
          await route.fulfill(
            sse([
              { id: 1, data: { content: "Garbled half " } },
              { id: 2, data: { content: "of an answer" } },
              { id: 3, data: { snapshot: { content: "", reasoning: "" }, reason: "restart" } },
              { id: 4, data: { content: "A fresh" } },
            ]),
          );
          return;
        }
        await restHeld;
        if (after !== "4") return route.abort();
        await route.fulfill(
          sse([
            { id: 5, data: { content: " answer." } },
            { id: 6, data: { done: true, status: "completed" } },
          ]),
        );
      },
    );

    // The page reads the conversation again once the answer ends; the real worker's answer is not the scripted one,
    // so the server is made to store what it streamed, as a real one does.
    await page.route(
      (url) => /\/conversations\/[^/]+$/.test(url.pathname),
      async (route: Route) => {
        if (route.request().method() !== "GET") return route.continue();
        const response = await route.fetch();
        const conversation = (await response.json()) as { messages: Record<string, unknown>[] };
        const answer = conversation.messages.at(-1);
        if (answer?.role === "assistant") {
          Object.assign(answer, { content: "A fresh answer.", reasoning: "", status: "completed" });
        }
        await route.fulfill({ response, json: conversation });
      },
    );

    // Opened empty, so that the answer's stream is followed from its first event (not resumed from a checkpoint).
    const { id } = await api.createConversation();
    await chat.openConversation(id);
    await chat.send("Hello, restart me");
    await expect(chat.restartNote()).toHaveText("↻ Restarted after a server fault");
    await expect(chat.restartNote()).toHaveAttribute("role", "status");
    await expect.poll(() => chat.visibleAnswerText()).toBe("A fresh");
    await expect(chat.lastAnswer).toHaveAttribute("data-status", "streaming");

    releaseRest();
    await chat.waitForAnswerStatus("completed");
    expect(await chat.visibleAnswerText()).toBe("A fresh answer.");
    // The finished answer is whole: the note was about the answer in progress.
    await expect(chat.restartNote()).toHaveCount(0);
    expect(requested.slice(0, 2)).toEqual(["0", "4"]);
    // A read of the conversation still in flight when the page closes would fail in its handler ("Response has
    // been disposed") and fail the test after it passed.
    await page.unrouteAll({ behavior: "ignoreErrors" });
  });
});
