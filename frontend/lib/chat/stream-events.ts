// The events of GET /stream/{task_id}: each `data:` is one JSON object (README, "The stream").

import type { MessageStatus } from "@/lib/api/types";

/**
 * Why a snapshot replaces the text so far, when the server says: `restart` — the answer starts over after a server
 * fault (its worker died and another took it over), so the text shown so far is discarded; `recovered` — events were
 * lost (by Redis) and the snapshot carries the text so far. Null when the server gave no reason this client knows.
 */
export type SnapshotReason = "restart" | "recovered";

export type StreamEvent =
  | { kind: "content"; delta: string }
  | { kind: "reasoning"; delta: string }
  | { kind: "snapshot"; content: string; reasoning: string; reason: SnapshotReason | null }
  | { kind: "done"; status: Extract<MessageStatus, "completed" | "cancelled"> }
  | { kind: "error"; status: "failed"; error: string };

export function isTerminal(event: StreamEvent): event is Extract<StreamEvent, { kind: "done" | "error" }> {
  return event.kind === "done" || event.kind === "error";
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

const SNAPSHOT_REASONS: readonly SnapshotReason[] = ["restart", "recovered"];

/** A known snapshot reason, or null (absent, or a value a newer server may send: ignored). */
export function snapshotReason(value: unknown): SnapshotReason | null {
  return SNAPSHOT_REASONS.find((reason) => reason === value) ?? null;
}

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
    return {
      kind: "snapshot",
      content: text(snapshot.content),
      reasoning: text(snapshot.reasoning),
      reason: snapshotReason(event.reason),
    };
  }
  if (typeof event.content === "string") return { kind: "content", delta: event.content };
  if (typeof event.reasoning === "string") return { kind: "reasoning", delta: event.reasoning };
  return null;
}
