import { expect, test } from "@playwright/test";

import { ApiError } from "@/lib/api/client";
import { backoffDelay, followTask, StreamGoneError, type ConnectionState } from "@/lib/chat/follow-task";

import { pushedBody, scriptedFetch, sseBody } from "./helpers";

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

test("401 (signed out) is an error for the caller, not the end of the answer", async () => {
  const failure = follow([{ status: 401 }]);
  await expect(failure).rejects.toBeInstanceOf(ApiError);
  await expect(failure).rejects.toHaveProperty("status", 401);
  await expect(failure).rejects.not.toBeInstanceOf(StreamGoneError);
});

test("backoff grows exponentially, with jitter, up to a cap", () => {
  expect(backoffDelay(1, () => 0)).toBe(250);
  expect(backoffDelay(1, () => 1)).toBe(500);
  expect(backoffDelay(3, () => 0)).toBe(1000);
  expect(backoffDelay(30, () => 1)).toBe(10_000);
});

/** Follows one connection whose body the test writes as it goes; records the states and the events' ids. */
function followPushed(after: number, stallAfterMs: number) {
  const body = pushedBody();
  const urls: string[] = [];
  const states: ConnectionState["phase"][] = [];
  const seen: number[] = [];
  const stopper = new AbortController();
  const fetchImpl = (async (input: RequestInfo | URL) => {
    urls.push(String(input));
    if (urls.length > 1) throw new TypeError("Failed to fetch");
    return new Response(body.body, { status: 200 });
  }) as typeof fetch;
  const finished = (async () => {
    for await (const { seq } of followTask({
      streamUrl: (cursor) => `http://api/stream/t?after=${cursor}`,
      after,
      signal: stopper.signal,
      onState: (state) => states.push(state.phase),
      fetchImpl,
      stallAfterMs,
      retryDelayMs: () => 1,
    })) {
      seen.push(seq);
    }
  })();
  return { body, urls, states, seen, finished, stop: () => stopper.abort() };
}

const event = (id: number, data: unknown) => sseBody([{ id, data }]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("an answer that sends nothing while its connection stays up is stalled until its next event", async () => {
  const run = followPushed(0, 20);
  run.body.send(event(1, { content: "Hel" }));
  await expect.poll(() => run.states).toEqual(["connecting", "live", "stalled"]);

  // Pings show the connection is alive; they are not answer events, so the answer is still stalled.
  run.body.send(": ping\n\n");
  await expect.poll(() => run.body.drained).toBe(true);
  expect(run.states).toEqual(["connecting", "live", "stalled"]);

  run.body.send(event(2, { content: "lo" }) + event(3, { done: true, status: "completed" }));
  await run.finished;
  expect(run.seen).toEqual([1, 2, 3]);
  // The stalled connection was kept: no reconnect.
  expect(run.urls).toEqual(["http://api/stream/t?after=0"]);
  expect(run.states).toEqual(["connecting", "live", "stalled", "live", "closed"]);
});

test("a stall ends with any answer event: a snapshot, or the terminal event", async () => {
  const run = followPushed(0, 20);
  run.body.send(event(1, { content: "Garbled" }));
  await expect.poll(() => run.states.at(-1)).toBe("stalled");
  run.body.send(event(2, { snapshot: { content: "", reasoning: "" }, reason: "restart" }));
  // Live again at the snapshot, then (nothing more coming) stalled again.
  await expect.poll(() => run.states).toEqual(["connecting", "live", "stalled", "live", "stalled"]);
  run.body.send(event(3, { done: true, status: "cancelled" }));
  await run.finished;
  expect(run.states).toEqual(["connecting", "live", "stalled", "live", "stalled", "live", "closed"]);
});

test("an event this client does not know does not end a stall", async () => {
  const run = followPushed(0, 20);
  run.body.send(event(1, { content: "a" }));
  await expect.poll(() => run.states.at(-1)).toBe("stalled");
  run.body.send(event(2, { something_new: true }));
  await expect.poll(() => run.body.drained).toBe(true);
  expect(run.states.at(-1)).toBe("stalled");
  run.body.send(event(3, { done: true, status: "completed" }));
  await run.finished;
  expect(run.seen).toEqual([1, 3]);
});

test("before an answer's first event, waiting is not a stall", async () => {
  const run = followPushed(0, 1);
  await expect.poll(() => run.states).toEqual(["connecting", "live"]);
  // A 1 ms stall timer, had one been started with the connection, fires before this 50 ms timer does.
  await sleep(50);
  expect(run.states).toEqual(["connecting", "live"]);
  run.body.send(event(1, { content: "a" }));
  await expect.poll(() => run.states.at(-1)).toBe("stalled");
  run.body.send(event(2, { done: true, status: "completed" }));
  await run.finished;
});

test("an answer resumed after its first events counts silence as a stall from the start", async () => {
  const run = followPushed(5, 20);
  await expect.poll(() => run.states).toEqual(["connecting", "live", "stalled"]);
  run.body.send(event(6, { content: "more" }) + event(7, { done: true, status: "completed" }));
  await run.finished;
  expect(run.urls).toEqual(["http://api/stream/t?after=5"]);
  expect(run.states).toEqual(["connecting", "live", "stalled", "live", "closed"]);
});

test("a stalled connection that then drops reconnects: the state is no longer stalled", async () => {
  const run = followPushed(0, 20);
  run.body.send(event(1, { content: "a" }));
  await expect.poll(() => run.states.at(-1)).toBe("stalled");
  run.body.end();
  // The scripted fetch fails every reconnect, so the follow goes on retrying: stop looking once it has.
  await expect.poll(() => run.states.slice(0, 4)).toEqual(["connecting", "live", "stalled", "reconnecting"]);
  run.stop();
  await expect(run.finished).rejects.toThrow(/stopped/);
  expect(run.states.slice(3, -1).every((phase) => phase === "reconnecting")).toBe(true);
  expect(run.states.at(-1)).toBe("closed");
});
