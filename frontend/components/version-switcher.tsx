"use client";

import type { ChatMessage } from "@/lib/chat/types";

const BUTTON =
  "rounded-md px-1.5 py-1 text-xs text-muted-foreground hover:bg-muted hover:text-foreground disabled:opacity-40 disabled:hover:bg-transparent";

/**
 * "‹ 2/3 ›" on a message with more than one version (an edited question, a regenerated answer): the arrows show the
 * neighbouring version's branch. Nothing when the message has a single version.
 */
export function VersionSwitcher({
  message,
  disabled,
  onSwitch,
}: {
  message: ChatMessage;
  disabled: boolean;
  onSwitch: (messageId: string) => void;
}) {
  const versions = message.metadata?.siblingIds ?? [];
  const index = versions.indexOf(message.id);
  // A message this tab just sent still has its local id until the page re-reads the conversation: no switcher yet.
  if (versions.length < 2 || index === -1) return null;
  const previous = versions[index - 1];
  const next = versions[index + 1];
  return (
    <div className="inline-flex items-center text-xs" data-testid="version-switcher">
      <button
        type="button"
        className={BUTTON}
        aria-label="Previous version"
        disabled={disabled || previous === undefined}
        onClick={() => previous !== undefined && onSwitch(previous)}
        data-testid="version-prev"
      >
        ‹
      </button>
      <span className="tabular-nums text-muted-foreground" data-testid="version-label">
        {index + 1}/{versions.length}
      </span>
      <button
        type="button"
        className={BUTTON}
        aria-label="Next version"
        disabled={disabled || next === undefined}
        onClick={() => next !== undefined && onSwitch(next)}
        data-testid="version-next"
      >
        ›
      </button>
    </div>
  );
}
