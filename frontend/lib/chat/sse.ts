// A minimal Server-Sent Events reader for fetch() bodies (EventSource cannot report a stream that ended early,
// nor be paced by our own backoff): yields each dispatched event's `id` and `data`.

export type SseEvent = { id: string | undefined; data: string };

/** Yields events as they complete; `onActivity` fires on every chunk of bytes, comments (`: ping`) included. */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  onActivity?: () => void,
): AsyncGenerator<SseEvent, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  let id: string | undefined;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onActivity?.();
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) !== -1) {
        const line = buffer.slice(0, newline);
        const width = buffer.startsWith("\r\n", newline) ? 2 : 1;
        // A lone \r at the very end may be the first half of \r\n: wait for more.
        if (buffer[newline] === "\r" && width === 1 && newline === buffer.length - 1) break;
        buffer = buffer.slice(newline + width);
        if (line === "") {
          if (data.length > 0) yield { id, data: data.join("\n") };
          data = [];
          id = undefined;
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") data.push(value);
        else if (field === "id" && !value.includes("\0")) id = value;
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
