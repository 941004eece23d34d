"use client";

import { isInProgress } from "@/lib/api/types";
import type { ChatMessage } from "@/lib/chat/types";

import { PencilIcon, RetryIcon } from "./icons";
import { VersionSwitcher } from "./version-switcher";

/** What a message's toolbar can do; one object for the whole list, so memoised messages keep it between renders. */
export type MessageControls = {
  /** An answer is being sent or streamed: nothing that changes the branch may start. */
  busy: boolean;
  onRegenerate: (answerId: string) => void;
  onEdit: (questionId: string) => void;
  onSwitchVersion: (messageId: string) => void;
};

const BUTTON =
  "inline-flex items-center gap-1 rounded-md px-1.5 py-1 text-xs font-medium text-muted-foreground hover:bg-muted hover:text-foreground";

/**
 * The tree actions of a message: versions ‹ i/n ›, Edit on a question, Regenerate on a finished answer. (A failed or
 * stopped answer's Retry, in message.tsx, regenerates too.)
 */
export function MessageActions({ message, controls }: { message: ChatMessage; controls: MessageControls }) {
  const status = message.metadata?.status;
  const finished = status !== undefined && !isInProgress(status);
  return (
    <>
      <VersionSwitcher message={message} disabled={controls.busy} onSwitch={controls.onSwitchVersion} />
      {message.role === "user" && !controls.busy && (
        <button
          type="button"
          className={BUTTON}
          onClick={() => controls.onEdit(message.id)}
          aria-label="Edit message"
          data-testid="edit-message"
        >
          <PencilIcon size={14} />
          Edit
        </button>
      )}
      {message.role === "assistant" && status === "completed" && finished && !controls.busy && (
        <button
          type="button"
          className={BUTTON}
          onClick={() => controls.onRegenerate(message.id)}
          data-testid="regenerate-button"
        >
          <RetryIcon size={14} />
          Regenerate
        </button>
      )}
    </>
  );
}
