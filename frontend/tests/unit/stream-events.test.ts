import { expect, test } from "@playwright/test";

import { parseStreamEvent } from "@/lib/chat/stream-events";

const parse = (payload: unknown) => parseStreamEvent(JSON.stringify(payload));

test("a snapshot's reason is read: restart after a server fault, or text recovered after lost events", () => {
  expect(parse({ snapshot: { content: "", reasoning: "" }, reason: "restart" })).toEqual({
    kind: "snapshot",
    content: "",
    reasoning: "",
    reason: "restart",
  });
  expect(parse({ snapshot: { content: "So far", reasoning: "Hm" }, reason: "recovered" })).toEqual({
    kind: "snapshot",
    content: "So far",
    reasoning: "Hm",
    reason: "recovered",
  });
});

test("a snapshot without a reason, or with one this client does not know, has none (and is still a snapshot)", () => {
  for (const reason of [undefined, "rebalanced", "", 3, null, { why: "restart" }, ["restart"], "RESTART"]) {
    expect(parse({ snapshot: { content: "Text", reasoning: "" }, reason })).toEqual({
      kind: "snapshot",
      content: "Text",
      reasoning: "",
      reason: null,
    });
  }
});

test("the other events are read as before", () => {
  expect(parse({ content: "a" })).toEqual({ kind: "content", delta: "a" });
  expect(parse({ reasoning: "b" })).toEqual({ kind: "reasoning", delta: "b" });
  expect(parse({ done: true, status: "cancelled" })).toEqual({ kind: "done", status: "cancelled" });
  expect(parse({ error: "boom", status: "failed" })).toEqual({ kind: "error", status: "failed", error: "boom" });
  expect(parse({ something_new: 1 })).toBeNull();
  expect(parseStreamEvent("not json")).toBeNull();
});
