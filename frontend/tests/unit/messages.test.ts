// editedUnderServerId: an Edit pressed as its answer ends survives the swap to the server's message ids.
import { expect, test } from "@playwright/test";

import { editedUnderServerId } from "@/lib/chat/messages";
import type { ChatMessage } from "@/lib/chat/types";

function message(id: string, role: "user" | "assistant", text: string): ChatMessage {
  return { id, role, parts: [{ type: "text", text }] } as ChatMessage;
}

const shown = [
  message("server-q1", "user", "first"),
  message("server-a1", "assistant", "answer"),
  message("local-q2", "user", "follow-up"),
  message("local-a2", "assistant", "second answer"),
];
const fromServer = [
  shown[0]!,
  shown[1]!,
  message("server-q2", "user", "follow-up"),
  message("server-a2", "assistant", "second answer"),
];

test("a question being edited follows its new id", () => {
  const editing = { id: "local-q2", text: "follow-up, reworded" };
  expect(editedUnderServerId(editing, shown, fromServer)).toEqual({ id: "server-q2", text: "follow-up, reworded" });
});

test("an id the server already had stays as it is", () => {
  const editing = { id: "server-q1", text: "first" };
  expect(editedUnderServerId(editing, shown, fromServer)).toBe(editing);
});

test("a question that is not in the server's messages any more is no longer edited", () => {
  const elsewhere = [shown[0]!, shown[1]!, message("server-other", "user", "something else")];
  expect(editedUnderServerId({ id: "local-q2", text: "x" }, shown, elsewhere)).toBeNull();
  expect(editedUnderServerId({ id: "local-q2", text: "x" }, shown, shown.slice(0, 2))).toBeNull();
});

test("nothing being edited stays so", () => {
  expect(editedUnderServerId(null, shown, fromServer)).toBeNull();
});
