// Converting the API's messages into UI messages, and reading a UI message back as the answer it shows.
import type { ApiMessage } from "@/lib/api/types";

import type { ChatMessage, ChatMetadata } from "./types";

export function metadataOf(message: ApiMessage): ChatMetadata {
  return {
    status: message.status,
    error: message.error ?? null,
    taskId: message.task_id ?? null,
    simulated: message.simulated ?? null,
    model: message.model ?? null,
    parentId: message.parent_id,
    siblingIds: message.sibling_ids,
  };
}

export function toChatMessage(message: ApiMessage): ChatMessage {
  const parts: ChatMessage["parts"] = [];
  if (message.reasoning) parts.push({ type: "reasoning", text: message.reasoning, state: "done" });
  if (message.content || message.role === "user") parts.push({ type: "text", text: message.content, state: "done" });
  return { id: message.id, role: message.role, parts, metadata: metadataOf(message) };
}

export type AnswerView = {
  text: string;
  reasoning: string;
  /** Text or reasoning is still arriving. */
  textStreaming: boolean;
  reasoningStreaming: boolean;
};

/** What a message shows: the text and reasoning parts after the last snapshot marker (earlier ones are replaced). */
export function answerView(message: ChatMessage): AnswerView {
  let start = 0;
  message.parts.forEach((part, index) => {
    if (part.type === "data-snapshot") start = index + 1;
  });
  const view: AnswerView = { text: "", reasoning: "", textStreaming: false, reasoningStreaming: false };
  for (const part of message.parts.slice(start)) {
    if (part.type === "text") {
      view.text += part.text;
      view.textStreaming ||= part.state === "streaming";
    } else if (part.type === "reasoning") {
      view.reasoning += part.text;
      view.reasoningStreaming ||= part.state === "streaming";
    }
  }
  return view;
}

/** Whether the server restarted this answer after a fault (a snapshot with reason "restart" replaced its text). */
export function wasRestarted(message: ChatMessage): boolean {
  return message.parts.some((part) => part.type === "data-snapshot" && part.data.reason === "restart");
}

export function messageText(message: ChatMessage): string {
  return answerView(message).text;
}

/** A question being edited in place: its id, and the text in its editor. */
export type Editing = { id: string; text: string };

/**
 * The question being edited, under its id in `next`: the messages shown replaced by the server's, in which the
 * questions this tab sent have the server's ids (same place, same text). Null if it is not there any more.
 */
export function editedUnderServerId(
  editing: Editing | null,
  previous: ChatMessage[],
  next: ChatMessage[],
): Editing | null {
  if (editing === null || next.some((message) => message.id === editing.id)) return editing;
  const index = previous.findIndex((message) => message.id === editing.id);
  const before = previous[index];
  const counterpart = next[index];
  if (before === undefined || counterpart === undefined || counterpart.role !== "user") return null;
  return messageText(counterpart) === messageText(before) ? { ...editing, id: counterpart.id } : null;
}
