// Fake SSE responses for the stream client's tests.

export type FakeEvent = { id: number; data: unknown } | { comment: string };

export function sseBody(events: FakeEvent[]): string {
  return events
    .map((event) =>
      "comment" in event ? `: ${event.comment}\n\n` : `id: ${event.id}\ndata: ${JSON.stringify(event.data)}\n\n`,
    )
    .join("");
}

/** A body that delivers `text` in pieces of `size` bytes, so that lines and events straddle reads. */
export function chunkedStream(text: string, size = 5): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

export type Scripted = { status?: number; body?: string } | { networkError: true };

/** A fetch that answers each call with the next scripted response, recording the URLs it was asked for. */
export function scriptedFetch(script: Scripted[]): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const fake = async (input: RequestInfo | URL): Promise<Response> => {
    urls.push(String(input));
    const next = script.shift();
    if (!next) throw new Error(`unexpected request ${String(input)}`);
    if ("networkError" in next) throw new TypeError("Failed to fetch");
    const status = next.status ?? 200;
    return new Response(status === 204 ? null : chunkedStream(next.body ?? ""), { status });
  };
  return { fetch: fake as typeof fetch, urls };
}

/**
 * A body the test writes to as it goes. The reader pulls one chunk at a time (no read-ahead), so `drained` says the
 * reader has taken, and handled, everything sent so far and is waiting for more.
 */
export function pushedBody(): {
  body: ReadableStream<Uint8Array>;
  send: (text: string) => void;
  end: () => void;
  readonly drained: boolean;
} {
  const encoder = new TextEncoder();
  const queue: string[] = [];
  let ended = false;
  let waiting: (() => void) | null = null;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        return new Promise<void>((resolve) => {
          const give = () => {
            waiting = null;
            const next = queue.shift();
            if (next !== undefined) controller.enqueue(encoder.encode(next));
            else controller.close();
            resolve();
          };
          if (queue.length > 0 || ended) give();
          else waiting = give;
        });
      },
    },
    { highWaterMark: 0 },
  );
  return {
    body,
    send(text) {
      queue.push(text);
      waiting?.();
    },
    end() {
      ended = true;
      waiting?.();
    },
    get drained() {
      return waiting !== null && queue.length === 0;
    },
  };
}
