import type { APIRequestContext } from "@playwright/test";

import { expect, test } from "./fixtures";

// About 25 s of answer at 10 tokens a second: still streaming when the worker is killed a few seconds in. This file
// runs alone, after every other e2e test (the "e2e-alone" project in playwright.config.ts). The simulator's text is seeded by the
// prompt alone, so the restarted answer is the same text again: any of the first run's left behind would show.
const SLOW = "[sim tokens=250 tps=10 ttft_ms=0 reasoning_tokens=0]";

type Killed = { killed: string; pid: number };

/**
 * SIGKILLs the worker holding the answer's lease (backend/devstack/e2e.py, `POST /kill-worker/<task_id>`); the
 * stack starts it again in the background. The stack answers 409 while that worker also generates another answer (one
 * an earlier test left running), so that it is not crashed too: ask again until it is alone with this one.
 */
async function killWorkerOf(request: APIRequestContext, controlUrl: string, taskId: string): Promise<Killed> {
  let killed: Killed | undefined;
  await expect(async () => {
    const response = await request.post(`${controlUrl}/kill-worker/${taskId}`);
    const body = (await response.json()) as Killed | { error: string };
    expect(response.status(), JSON.stringify(body)).toBe(200);
    killed = body as Killed;
  }).toPass({ timeout: 15_000, intervals: [250] });
  return killed!;
}

test.describe("a worker that dies mid-answer", () => {
  test("another worker takes the answer over: the page shows it stalled, then restarted, then complete", async ({
    page,
    request,
    stack,
    chat,
    api,
    snap,
  }) => {
    // The answer goes quiet for a whole lease (10 s) before it is taken over, then streams again from the start.
    test.setTimeout(120_000);
    const id = await chat.startConversation(`Keep going while I pull the plug ${SLOW}`);
    await chat.waitForAnswerText(20);
    await chat.waitForConnection("live");
    const sent = await api.conversation(id);
    const taskId = sent.messages.at(-1)?.task_id;
    expect(taskId, "the answer's task id").toBeTruthy();

    const killed = await killWorkerOf(request, stack.control_url, taskId!);
    expect(killed.killed).toMatch(/^worker-[12]$/);
    const beforeTakeover = await chat.visibleAnswerText();
    expect(beforeTakeover.length).toBeGreaterThan(0);

    // Nothing comes while the lease runs out: the connection is open, the answer silent.
    await chat.waitForConnection("stalled", 20_000);
    await expect(chat.connection).toHaveText("Stalled — waiting for the server");
    await expect(chat.lastAnswer).toHaveAttribute("data-status", "streaming");
    await expect(chat.restartNote()).toHaveCount(0);

    // The other worker takes it over and starts the answer again, which the page says while it streams.
    await expect(chat.restartNote()).toHaveText("↻ Restarted after a server fault", { timeout: 20_000 });
    await chat.waitForConnection("live");
    await expect(chat.lastAnswer).toHaveAttribute("data-status", "streaming");
    await snap(page, "18-taken-over");

    await chat.waitForAnswerStatus("completed", chat.lastAnswer, 60_000);
    await expect(chat.restartNote()).toHaveCount(0);
    const stored = await api.finalAnswer(id);
    expect(stored.status).toBe("completed");
    expect(stored.task_id).toBe(taskId);
    // One answer, shown once: the text on the page is the stored answer, nothing of the first run repeated.
    await expect(chat.answers).toHaveCount(1);
    expect(await chat.copiedAnswer()).toBe(stored.content);
    expect((await api.conversation(id)).messages.map((message) => message.role)).toEqual(["user", "assistant"]);
  });
});
