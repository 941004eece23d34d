// Follows one answer's event stream to its terminal event, however often the connection drops on the way.
//
// Every event carries its sequence number (1, 2, 3, … without gaps). We keep the last one we handed on and, whenever
// the connection fails or ends without a terminal event, ask again for exactly the events after it
// (GET /stream/{task}?after=n): nothing is repeated, nothing is lost. Reconnects back off exponentially (with
// jitter, capped), start again at once when the browser says it is back online, and reset after any progress.
//
// Two kinds of silence are told apart: a connection with no bytes at all for `idleTimeoutMs` is dead and is replaced;
// a connection whose bytes (pings) still come but whose answer sends no events for `stallAfterMs` is "stalled"
// (stall-watch.ts): it is kept, since the server is still there and the answer may go on (or restart) any moment.

import { ApiError } from "@/lib/api/client";

import { readSse } from "./sse";
import { StallWatch, STALL_AFTER_MS } from "./stall-watch";
import { isTerminal, parseStreamEvent, type StreamEvent } from "./stream-events";

export type ConnectionState =
  | { phase: "connecting" }
  | { phase: "live" }
  /** Connected, but the answer has sent no event for a while (its worker may be being replaced). */
  | { phase: "stalled" }
  | { phase: "reconnecting"; attempt: number; retryInMs: number; offline: boolean }
  | { phase: "closed" };

export type SequencedEvent = { seq: number; event: StreamEvent };

export type FollowOptions = {
  streamUrl: (after: number) => string;
  after: number;
  signal: AbortSignal;
  onState?: (state: ConnectionState) => void;
  /** Without a byte (events or `: ping` comments) for this long the connection is presumed dead. */
  idleTimeoutMs?: number;
  /** An answer under way that sends no event for this long is reported as `stalled` until the next one. */
  stallAfterMs?: number;
  /** How long to wait before reconnect attempt `attempt` (1, 2, …); exponential backoff with jitter by default. */
  retryDelayMs?: (attempt: number) => number;
  fetchImpl?: typeof fetch;
};

/** The stream ended for good without a terminal event we could read (e.g. the answer was deleted). */
export class StreamGoneError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "StreamGoneError";
  }
}

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;
// The API pings idle streams every 15 s by default.
const DEFAULT_IDLE_TIMEOUT_MS = 45_000;

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  // "Equal jitter": at least half the ceiling, so retries never bunch up at zero.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function abortError(): DOMException {
  return new DOMException("The stream was stopped.", "AbortError");
}

/** Resolves after `ms`, or earlier when the browser comes back online; rejects when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      if (typeof window !== "undefined") window.removeEventListener("online", done);
      resolve();
    };
    const onAbort = () => {
      done();
      reject(abortError());
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", onAbort, { once: true });
    if (typeof window !== "undefined") window.addEventListener("online", done, { once: true });
  });
}

const isOffline = () => typeof navigator !== "undefined" && navigator.onLine === false;

/**
 * Yields each event after `after`, in order, exactly once, until (and including) the terminal event.
 * Returns early with nothing more to yield when the API answers 204 (the client already has everything).
 */
export async function* followTask(options: FollowOptions): AsyncGenerator<SequencedEvent, void, undefined> {
  const { signal, onState } = options;
  const fetchImpl = options.fetchImpl ?? fetch;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const retryDelayMs = options.retryDelayMs ?? backoffDelay;
  let cursor = options.after;
  let attempt = 0;
  const stall = new StallWatch(
    (stalled) => onState?.({ phase: stalled ? "stalled" : "live" }),
    options.stallAfterMs ?? STALL_AFTER_MS,
  );

  try {
    for (;;) {
      if (signal.aborted) throw abortError();
      if (attempt === 0) onState?.({ phase: "connecting" });

      // One connection: its own controller, so a silent (idle) connection can be dropped without stopping us.
      const connection = new AbortController();
      const stopConnection = () => connection.abort();
      signal.addEventListener("abort", stopConnection, { once: true });
      let idleTimer: ReturnType<typeof setTimeout> | undefined;
      const stillAlive = () => {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => connection.abort(), idleTimeoutMs);
      };
      try {
        stillAlive();
        const response = await fetchImpl(options.streamUrl(cursor), {
          signal: connection.signal,
          cache: "no-store",
          // The API is on another origin: send the session cookie.
          credentials: "include",
          headers: { accept: "text/event-stream" },
        });
        if (response.status === 204) return;
        if (response.status === 404) throw new StreamGoneError("This answer no longer exists.", 404);
        // Signed out (the session expired, or ended on another device): the answer goes on, but only a signed-in
        // client may follow it. Not an end of the answer: the caller asks the user to sign in again.
        if (response.status === 401) {
          throw new ApiError(401, "You were signed out: sign in again to follow this answer (it goes on meanwhile).");
        }
        if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
          throw new StreamGoneError(`The answer's stream was refused (HTTP ${response.status}).`, response.status);
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState?.({ phase: "live" });
        // An answer that has events already is under way: from now on, silence counts as a stall.
        if (cursor > 0) stall.start();
        for await (const { id, data } of readSse(response.body, stillAlive)) {
          const seq = Number(id);
          // Ids only grow; anything at or below the cursor was already handed on (defensive: the API never repeats).
          if (!Number.isInteger(seq) || seq <= cursor) continue;
          const event = parseStreamEvent(data);
          cursor = seq;
          attempt = 0;
          // Only the events of the answer end a stall; one this client does not know says nothing about it.
          if (event === null) continue;
          stall.event();
          yield { seq, event };
          if (isTerminal(event)) return;
        }
        // The response ended without a terminal event (e.g. the API process shut down): resume from the cursor.
        if (signal.aborted) throw abortError();
      } catch (error) {
        if (signal.aborted) throw abortError();
        if (error instanceof StreamGoneError || error instanceof ApiError) throw error;
        // A network failure, a 5xx, or a connection that went silent: try again below.
      } finally {
        clearTimeout(idleTimer);
        stall.stop();
        signal.removeEventListener("abort", stopConnection);
        connection.abort();
      }

      // Any progress reset `attempt`, so the first retry comes within half a second; repeated failures back off.
      attempt += 1;
      const delay = retryDelayMs(attempt);
      onState?.({ phase: "reconnecting", attempt, retryInMs: delay, offline: isOffline() });
      await pause(delay, signal);
    }
  } finally {
    onState?.({ phase: "closed" });
  }
}
