// The events of GET /stream/{task_id}: each `data:` is one JSON object (README, "The stream").

import type { MessageStatus } from "@/lib/api/types";

export type StreamEvent =
  | { kind: "content"; delta: string }
  | { kind: "reasoning"; delta: string }
  | { kind: "snapshot"; content: string; reasoning: string }
  | { kind: "done"; status: Extract<MessageStatus, "completed" | "cancelled"> }
  | { kind: "error"; status: "failed"; error: string };

export function isTerminal(event: StreamEvent): event is Extract<StreamEvent, { kind: "done" | "error" }> {
  return event.kind === "done" || event.kind === "error";
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

/** The event in `data`, or null for something this client does not know (skipped, as the protocol may grow). */
export function parseStreamEvent(data: string): StreamEvent | null {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    return null;
  }
  if (!payload || typeof payload !== "object") return null;
  const event = payload as Record<string, unknown>;
  if ("error" in event) return { kind: "error", status: "failed", error: text(event.error) || "The answer failed." };
  if (event.done === true) return { kind: "done", status: event.status === "cancelled" ? "cancelled" : "completed" };
  if ("snapshot" in event && event.snapshot && typeof event.snapshot === "object") {
    const snapshot = event.snapshot as Record<string, unknown>;
    return { kind: "snapshot", content: text(snapshot.content), reasoning: text(snapshot.reasoning) };
  }
  if (typeof event.content === "string") return { kind: "content", delta: event.content };
  if (typeof event.reasoning === "string") return { kind: "reasoning", delta: event.reasoning };
  return null;
}
