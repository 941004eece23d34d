import { expect, test } from "@playwright/test";

import { readSse } from "@/lib/chat/sse";

import { chunkedStream } from "./helpers";

async function collect(text: string, size: number) {
  const events = [];
  for await (const event of readSse(chunkedStream(text, size))) events.push(event);
  return events;
}

test("reads events whatever the chunk boundaries, with CRLF, comments and multi-line data", async () => {
  const text =
    'retry: 1000\r\n\r\n: ping\n\nid: 1\ndata: {"content":"a"}\n\nid: 2\r\ndata: line one\r\ndata: line two\r\n\r\n';
  for (const size of [1, 2, 3, 5, 8, 64, 1000]) {
    expect(await collect(text, size)).toEqual([
      { id: "1", data: '{"content":"a"}' },
      { id: "2", data: "line one\nline two" },
    ]);
  }
});

test("an event cut off before its blank line is not delivered", async () => {
  expect(await collect('id: 1\ndata: {"content":"a"}\n\nid: 2\ndata: {"con', 4)).toEqual([
    { id: "1", data: '{"content":"a"}' },
  ]);
});
