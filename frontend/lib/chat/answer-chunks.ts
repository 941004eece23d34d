// Turns the API's stream events into AI SDK UI message chunks for one answer.
//
//   {"content": d}                    → text-start (once per part), text-delta d
//   {"reasoning": d}                  → reasoning-start (once per part), reasoning-delta d
//   {"snapshot": {content, reasoning}} → ends the open parts, a `data-snapshot` marker, then fresh parts holding
//                                        the whole text: what follows the marker replaces what came before it;
//                                        the marker carries the snapshot's `reason` (e.g. "restart") when known
//   {"done", status} / {"error"}       → ends the open parts, message-metadata {status, error}, finish

import type { SnapshotReason, StreamEvent } from "./stream-events";
import type { ChatChunk, ChatMetadata } from "./types";

export class AnswerChunks {
  private textId: string | null = null;
  private reasoningId: string | null = null;
  private parts = 0;

  start(messageId: string, metadata: ChatMetadata): ChatChunk[] {
    return [{ type: "start", messageId, messageMetadata: metadata }];
  }

  /** The text so far as fresh parts; `marker` says whether it replaces earlier parts (a snapshot) or is the first. */
  replaceWith(
    content: string,
    reasoning: string,
    seq: number | null,
    reason: SnapshotReason | null = null,
  ): ChatChunk[] {
    const chunks = this.endOpenParts();
    if (seq !== null) chunks.push({ type: "data-snapshot", data: reason ? { seq, reason } : { seq } });
    if (reasoning) chunks.push(...this.reasoning(reasoning));
    if (content) chunks.push(...this.content(content));
    return chunks;
  }

  apply(event: StreamEvent, seq: number): ChatChunk[] {
    switch (event.kind) {
      case "content":
        return this.content(event.delta);
      case "reasoning":
        return this.reasoning(event.delta);
      case "snapshot":
        return this.replaceWith(event.content, event.reasoning, seq, event.reason);
      case "done":
        return this.finish({ status: event.status, error: null });
      case "error":
        return this.finish({ status: "failed", error: event.error });
    }
  }

  finish(metadata: ChatMetadata): ChatChunk[] {
    return [
      ...this.endOpenParts(),
      { type: "message-metadata", messageMetadata: metadata },
      {
        type: "finish",
        finishReason: metadata.status === "failed" ? "error" : metadata.status === "cancelled" ? "other" : "stop",
      },
    ];
  }

  private content(delta: string): ChatChunk[] {
    const chunks: ChatChunk[] = [];
    if (this.textId === null) {
      this.textId = `text-${++this.parts}`;
      chunks.push({ type: "text-start", id: this.textId });
    }
    if (delta) chunks.push({ type: "text-delta", id: this.textId, delta });
    return chunks;
  }

  private reasoning(delta: string): ChatChunk[] {
    const chunks: ChatChunk[] = [];
    if (this.reasoningId === null) {
      this.reasoningId = `reasoning-${++this.parts}`;
      chunks.push({ type: "reasoning-start", id: this.reasoningId });
    }
    if (delta) chunks.push({ type: "reasoning-delta", id: this.reasoningId, delta });
    return chunks;
  }

  private endOpenParts(): ChatChunk[] {
    const chunks: ChatChunk[] = [];
    if (this.reasoningId !== null) chunks.push({ type: "reasoning-end", id: this.reasoningId });
    if (this.textId !== null) chunks.push({ type: "text-end", id: this.textId });
    this.reasoningId = null;
    this.textId = null;
    return chunks;
  }
}
