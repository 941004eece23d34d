// The transport's chunks, run through the AI SDK's own UI message reader: what useChat would show.
import { expect, test } from "@playwright/test";
import { readUIMessageStream } from "ai";

import type { Api } from "@/lib/api/client";
import type { ConversationWithMessages } from "@/lib/api/types";
import { AnswerChunks } from "@/lib/chat/answer-chunks";
import { answerView, wasRestarted } from "@/lib/chat/messages";
import type { ChatMessage } from "@/lib/chat/types";
import { ApiChatTransport } from "@/lib/chat/transport";
import type { ChatChunk } from "@/lib/chat/types";

import { scriptedFetch, sseBody } from "./helpers";

async function lastMessage(stream: ReadableStream<ChatChunk>): Promise<ChatMessage> {
  let last: ChatMessage | undefined;
  for await (const message of readUIMessageStream<ChatMessage>({ stream })) last = message;
  if (!last) throw new Error("no message");
  return last;
}

function streamOf(chunks: ChatChunk[]): ReadableStream<ChatChunk> {
  return new ReadableStream({
    start(controller) {
      chunks.forEach((chunk) => controller.enqueue(chunk));
      controller.close();
    },
  });
}

test("content and reasoning deltas build text and reasoning parts; a snapshot replaces them", async () => {
  const answer = new AnswerChunks();
  const chunks = [
    ...answer.start("m1", { status: "pending" }),
    ...answer.apply({ kind: "reasoning", delta: "Thinking " }, 1),
    ...answer.apply({ kind: "reasoning", delta: "hard" }, 2),
    ...answer.apply({ kind: "content", delta: "Garbled" }, 3),
    ...answer.apply({ kind: "snapshot", content: "The answer", reasoning: "Thinking hard", reason: null }, 4),
    ...answer.apply({ kind: "content", delta: " is 42." }, 5),
    ...answer.apply({ kind: "done", status: "completed" }, 6),
  ];
  const message = await lastMessage(streamOf(chunks));
  expect(message.id).toBe("m1");
  expect(answerView(message)).toEqual({
    text: "The answer is 42.",
    reasoning: "Thinking hard",
    textStreaming: false,
    reasoningStreaming: false,
  });
  expect(message.metadata?.status).toBe("completed");
});

test("a failed answer ends with its error in the metadata", async () => {
  const answer = new AnswerChunks();
  const message = await lastMessage(
    streamOf([
      ...answer.start("m2", { status: "pending" }),
      ...answer.apply({ kind: "content", delta: "Part" }, 1),
      ...answer.apply({ kind: "error", status: "failed", error: "upstream 500" }, 2),
    ]),
  );
  expect(answerView(message).text).toBe("Part");
  expect(message.metadata).toMatchObject({ status: "failed", error: "upstream 500" });
});

test("reconnecting shows the checkpoint, then exactly the events after it", async () => {
  const conversation = {
    id: "c1",
    title: null,
    created_at: "",
    updated_at: "",
    messages: [
      { id: "u1", role: "user", content: "Hi", reasoning: "", status: "completed", stream_seq: 0 },
      {
        id: "a1",
        role: "assistant",
        content: "Hello wor",
        reasoning: "Greeting",
        status: "streaming",
        task_id: "t1",
        stream_seq: 5,
      },
    ],
  } as unknown as ConversationWithMessages;
  const api = {
    getConversation: async () => conversation,
    streamUrl: (taskId: string, after: number) => `http://api/stream/${taskId}?after=${after}`,
  } as unknown as Api;
  const { fetch, urls } = scriptedFetch([
    { body: sseBody([{ id: 6, data: { content: "ld" } }]) },
    { networkError: true },
    {
      body: sseBody([
        { id: 7, data: { content: "!" } },
        { id: 8, data: { done: true, status: "completed" } },
      ]),
    },
  ]);
  const transport = new ApiChatTransport(api, { fetchImpl: fetch, retryDelayMs: () => 1 });
  const stream = await transport.reconnectToStream({ chatId: "c1" });
  expect(stream).not.toBeNull();
  const message = await lastMessage(stream!);
  expect(urls).toEqual([
    "http://api/stream/t1?after=5",
    "http://api/stream/t1?after=6",
    "http://api/stream/t1?after=6",
  ]);
  expect(message.id).toBe("a1");
  expect(answerView(message).text).toBe("Hello world!");
  expect(answerView(message).reasoning).toBe("Greeting");
  expect(message.metadata?.status).toBe("completed");
});

test("reconnecting to an answer that has ended since the page read it shows it as stored, with no stream", async () => {
  const api = {
    getConversation: async () => ({
      id: "c1",
      messages: [
        { id: "a1", role: "assistant", content: "Done.", reasoning: "Quick", status: "completed", stream_seq: 3 },
      ],
    }),
  } as unknown as Api;
  const { fetch, urls } = scriptedFetch([]);
  const stream = await new ApiChatTransport(api, { fetchImpl: fetch }).reconnectToStream({ chatId: "c1" });
  expect(stream).not.toBeNull();
  const message = await lastMessage(stream!);
  expect(urls).toEqual([]);
  expect(message.id).toBe("a1");
  expect(answerView(message)).toMatchObject({ text: "Done.", reasoning: "Quick", textStreaming: false });
  expect(message.metadata?.status).toBe("completed");
});

test("nothing to reconnect to when the last message is a question", async () => {
  const api = {
    getConversation: async () => ({
      id: "c1",
      messages: [{ id: "u1", role: "user", content: "Hi", reasoning: "", status: "completed", stream_seq: 0 }],
    }),
  } as unknown as Api;
  expect(await new ApiChatTransport(api).reconnectToStream({ chatId: "c1" })).toBeNull();
});

test("a snapshot with reason restart replaces the text and marks the answer restarted; recovered does not", async () => {
  let answer = new AnswerChunks();
  const restarted = await lastMessage(
    streamOf([
      ...answer.start("m3", { status: "pending" }),
      ...answer.apply({ kind: "content", delta: "Half an ans" }, 1),
      ...answer.apply({ kind: "snapshot", content: "", reasoning: "", reason: "restart" }, 2),
    ]),
  );
  expect(answerView(restarted).text).toBe("");
  expect(wasRestarted(restarted)).toBe(true);

  answer = new AnswerChunks();
  const more = await lastMessage(
    streamOf([
      ...answer.start("m3", { status: "pending" }),
      ...answer.apply({ kind: "content", delta: "Half an ans" }, 1),
      ...answer.apply({ kind: "snapshot", content: "", reasoning: "", reason: "restart" }, 2),
      ...answer.apply({ kind: "content", delta: "A fresh answer" }, 3),
      // Events lost later on: the text so far comes back whole. The answer was still restarted before.
      ...answer.apply({ kind: "snapshot", content: "A fresh answer", reasoning: "", reason: "recovered" }, 4),
      ...answer.apply({ kind: "content", delta: "." }, 5),
    ]),
  );
  expect(answerView(more).text).toBe("A fresh answer.");
  expect(wasRestarted(more)).toBe(true);

  answer = new AnswerChunks();
  const recovered = await lastMessage(
    streamOf([
      ...answer.start("m4", { status: "pending" }),
      ...answer.apply({ kind: "content", delta: "Some" }, 1),
      ...answer.apply({ kind: "snapshot", content: "Some text", reasoning: "", reason: "recovered" }, 5),
      ...answer.apply({ kind: "snapshot", content: "Some text!", reasoning: "", reason: null }, 6),
    ]),
  );
  expect(answerView(recovered).text).toBe("Some text!");
  expect(wasRestarted(recovered)).toBe(false);
});

test("the transport carries a restart from the stream to the message, then the answer goes on", async () => {
  const api = {
    getConversation: async () => ({ id: "c1", messages: [] }),
    sendMessage: async () => ({ task_id: "t9", message_id: "u9", assistant_message_id: "a9", status: "processing" }),
    streamUrl: (taskId: string, after: number) => `http://api/stream/${taskId}?after=${after}`,
  } as unknown as Api;
  const { fetch } = scriptedFetch([
    {
      body: sseBody([
        { id: 1, data: { content: "Garbled" } },
        { id: 2, data: { snapshot: { content: "", reasoning: "" }, reason: "restart" } },
        { id: 3, data: { content: "Fresh" } },
        { id: 4, data: { done: true, status: "completed" } },
      ]),
    },
  ]);
  const transport = new ApiChatTransport(api, { fetchImpl: fetch, retryDelayMs: () => 1 });
  const stream = await transport.sendMessages({
    trigger: "submit-message",
    chatId: "c1",
    messageId: undefined,
    messages: [{ id: "u", role: "user", parts: [{ type: "text", text: "Hi" }] }],
    abortSignal: undefined,
  });
  const message = await lastMessage(stream);
  expect(message.id).toBe("a9");
  expect(answerView(message).text).toBe("Fresh");
  expect(wasRestarted(message)).toBe(true);
  expect(message.metadata?.status).toBe("completed");
});

/** An API whose sends and regenerates are recorded, and whose every stream is one completed answer. */
function recordingApi() {
  const calls: string[] = [];
  const accepted = { task_id: "t1", message_id: "u1", assistant_message_id: "a2", status: "processing" };
  const api = {
    getConversation: async () => ({ id: "c1", messages: [] }),
    sendMessage: async (id: string, content: string, options: { parentId?: string | null } = {}) => {
      calls.push(`send ${id} ${content} parent=${options.parentId === undefined ? "end" : String(options.parentId)}`);
      return accepted;
    },
    regenerate: async (answerId: string) => {
      calls.push(`regenerate ${answerId}`);
      return accepted;
    },
    streamUrl: (taskId: string, after: number) => `http://api/stream/${taskId}?after=${after}`,
  } as unknown as Api;
  const { fetch } = scriptedFetch([
    {
      body: sseBody([
        { id: 1, data: { content: "New" } },
        { id: 2, data: { done: true, status: "completed" } },
      ]),
    },
  ]);
  return { api, calls, transport: new ApiChatTransport(api, { fetchImpl: fetch, retryDelayMs: () => 1 }) };
}

test("useChat's regenerate asks the API for a new version of that answer instead of sending the question again", async () => {
  const { calls, transport } = recordingApi();
  const stream = await transport.sendMessages({
    trigger: "regenerate-message",
    chatId: "c1",
    messageId: "a1",
    messages: [{ id: "u1", role: "user", parts: [{ type: "text", text: "Hi" }] }],
    abortSignal: undefined,
  });
  const message = await lastMessage(stream);
  expect(calls).toEqual(["regenerate a1"]);
  expect(message.id).toBe("a2");
  expect(answerView(message).text).toBe("New");
});

test("a message with a parentId (an edit) is sent after that answer; without one, after the end of the branch", async () => {
  for (const [parentId, expected] of [
    [null, "send c1 Edited parent=null"],
    ["a0", "send c1 Edited parent=a0"],
    [undefined, "send c1 Edited parent=end"],
  ] as const) {
    const { calls, transport } = recordingApi();
    const stream = await transport.sendMessages({
      trigger: "submit-message",
      chatId: "c1",
      messageId: undefined,
      messages: [
        {
          id: "local",
          role: "user",
          parts: [{ type: "text", text: "Edited" }],
          metadata: parentId === undefined ? undefined : { parentId },
        },
      ],
      abortSignal: undefined,
    });
    await lastMessage(stream);
    expect(calls).toEqual([expected]);
  }
});
