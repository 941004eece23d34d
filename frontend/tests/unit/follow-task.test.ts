import { expect, test } from "@playwright/test";

import { backoffDelay, followTask, StreamGoneError, type ConnectionState } from "@/lib/chat/follow-task";

import { scriptedFetch, sseBody } from "./helpers";

const content = (id: number, text: string) => ({ id, data: { content: text } });
const done = (id: number) => ({ id, data: { done: true, status: "completed" } });

async function follow(script: Parameters<typeof scriptedFetch>[0], after = 0) {
  const { fetch, urls } = scriptedFetch(script);
  const states: ConnectionState["phase"][] = [];
  const seen: number[] = [];
  let text = "";
  for await (const { seq, event } of followTask({
    streamUrl: (cursor) => `http://api/stream/t?after=${cursor}`,
    after,
    signal: new AbortController().signal,
    onState: (state) => states.push(state.phase),
    fetchImpl: fetch,
    retryDelayMs: () => 1,
  })) {
    seen.push(seq);
    if (event.kind === "content") text += event.delta;
  }
  return { urls, states, seen, text };
}

test("resumes after the last event id when a stream ends without its terminal event", async () => {
  const result = await follow([
    { body: sseBody([content(1, "Hel"), content(2, "lo")]) },
    { body: sseBody([content(3, " wor"), { comment: "ping" }, content(4, "ld"), done(5)]) },
  ]);
  expect(result.urls).toEqual(["http://api/stream/t?after=0", "http://api/stream/t?after=2"]);
  expect(result.seen).toEqual([1, 2, 3, 4, 5]);
  expect(result.text).toBe("Hello world");
  expect(result.states).toEqual(["connecting", "live", "reconnecting", "live", "closed"]);
});

test("retries network failures with backoff, then carries on from the cursor", async () => {
  const result = await follow(
    [
      { body: sseBody([content(4, "a")]) },
      { networkError: true },
      { status: 503 },
      { body: sseBody([content(5, "b"), done(6)]) },
    ],
    3,
  );
  expect(result.urls.map((url) => url.split("?")[1])).toEqual(["after=3", "after=4", "after=4", "after=4"]);
  expect(result.seen).toEqual([4, 5, 6]);
  expect(result.states.filter((phase) => phase === "reconnecting")).toHaveLength(3);
});

test("never hands on an event twice, even if a server repeated one", async () => {
  const result = await follow([{ body: sseBody([content(1, "a"), content(1, "a"), content(2, "b"), done(3)]) }]);
  expect(result.seen).toEqual([1, 2, 3]);
  expect(result.text).toBe("ab");
});

test("204 means the client already has everything", async () => {
  const result = await follow([{ status: 204 }], 9);
  expect(result.seen).toEqual([]);
});

test("404 ends the stream for good", async () => {
  await expect(follow([{ status: 404 }])).rejects.toBeInstanceOf(StreamGoneError);
});

test("backoff grows exponentially, with jitter, up to a cap", () => {
  expect(backoffDelay(1, () => 0)).toBe(250);
  expect(backoffDelay(1, () => 1)).toBe(500);
  expect(backoffDelay(3, () => 0)).toBe(1000);
  expect(backoffDelay(30, () => 1)).toBe(10_000);
});
