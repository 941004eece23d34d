"use client";

import { useOnline } from "@/hooks/use-online";
import type { ConnectionState } from "@/lib/chat/follow-task";

type Shown = { tone: "live" | "waiting" | "down"; label: string; state: string };

function describe(state: ConnectionState, online: boolean): Shown | null {
  if (!online) return { tone: "down", label: "Offline: the answer resumes when you are back", state: "offline" };
  switch (state.phase) {
    case "connecting":
      return { tone: "waiting", label: "Connecting…", state: "connecting" };
    case "live":
      return { tone: "live", label: "Live", state: "live" };
    case "stalled":
      // Connected (pings still arrive), but the answer sends nothing: its worker may be being replaced.
      return { tone: "waiting", label: "Stalled — waiting for the server", state: "stalled" };
    case "reconnecting":
      return {
        tone: state.offline ? "down" : "waiting",
        label: `Reconnecting${state.attempt > 1 ? ` (attempt ${state.attempt})` : ""}…`,
        state: "reconnecting",
      };
    case "closed":
      return null;
  }
}

const DOT: Record<Shown["tone"], string> = {
  live: "bg-success",
  waiting: "bg-warning animate-pulse",
  down: "bg-danger",
};

/**
 * A small pill saying how the answer's stream is doing: live, stalled (connected but no events), (re)connecting with
 * backoff, or offline. A polite live region, so screen readers announce each change.
 */
export function ConnectionStatus({ state }: { state: ConnectionState }) {
  const online = useOnline();
  const shown = describe(state, online);
  return (
    <div
      role="status"
      aria-live="polite"
      className="flex items-center"
      data-testid="connection-status"
      data-state={shown?.state ?? "idle"}
    >
      {shown && (
        <span className="inline-flex items-center gap-1.5 rounded-full border px-2 py-0.5 text-xs text-muted-foreground">
          <span className={`h-2 w-2 rounded-full ${DOT[shown.tone]}`} aria-hidden="true" />
          {shown.label}
        </span>
      )}
    </div>
  );
}
