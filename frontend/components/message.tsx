"use client";

import { memo, useId, useState } from "react";

import { isInProgress } from "@/lib/api/types";
import { answerView, wasRestarted } from "@/lib/chat/messages";
import type { ChatMessage } from "@/lib/chat/types";

import { CopyButton } from "./copy-button";
import { RetryIcon } from "./icons";
import { Markdown } from "./markdown";
import { MessageActions, type MessageControls } from "./message-actions";
import { MessageReasoning } from "./message-reasoning";

function PendingDots() {
  return (
    <div className="flex h-6 items-center gap-1" aria-label="Waiting for the answer" data-testid="answer-pending">
      <span className="typing-dot h-1.5 w-1.5 rounded-full bg-muted-foreground" />
      <span className="typing-dot h-1.5 w-1.5 rounded-full bg-muted-foreground" />
      <span className="typing-dot h-1.5 w-1.5 rounded-full bg-muted-foreground" />
    </div>
  );
}

// A user message longer than this shows its first lines, with a button for the rest: a pasted log or document
// would otherwise push the answer it asked for off the screen.
const COLLAPSE_LINES = 12;
const COLLAPSE_CHARS = 1_000;

function UserText({ text }: { text: string }) {
  const id = useId();
  const [expanded, setExpanded] = useState(false);
  const long = text.length > COLLAPSE_CHARS || text.split("\n").length > COLLAPSE_LINES;
  return (
    <div className="flex max-w-[85%] flex-col items-end gap-1">
      <div
        id={id}
        className={`rounded-2xl rounded-br-md bg-muted px-4 py-2 text-[0.95rem] whitespace-pre-wrap break-words ${
          long && !expanded ? "line-clamp-8" : ""
        }`}
        data-testid="message-user-text"
      >
        {text}
      </div>
      {long && (
        <button
          type="button"
          onClick={() => setExpanded((value) => !value)}
          aria-expanded={expanded}
          aria-controls={id}
          className="rounded-md px-1.5 py-1 text-xs font-medium text-muted-foreground hover:bg-muted hover:text-foreground"
          data-testid="message-toggle"
        >
          {expanded ? "Show less" : "Show more"}
        </button>
      )}
    </div>
  );
}

export const Message = memo(function Message({
  message,
  canRetry,
  simulatedByDefault,
  onRetry,
  controls,
  stopping = false,
}: {
  message: ChatMessage;
  /** Stop was pressed for this answer: the server is ending it. */
  stopping?: boolean;
  /** This failed or stopped answer is the last one: offer to send its question again. */
  canRetry: boolean;
  /** What to say about simulation while the stored message does not say it yet (it is still streaming). */
  simulatedByDefault: boolean | null;
  onRetry: () => void;
  /** Versions, Edit and Regenerate (components/message-actions.tsx). */
  controls?: MessageControls;
}) {
  const view = answerView(message);
  const status = message.metadata?.status;

  if (message.role === "user") {
    return (
      <div className="group flex flex-col items-end gap-1" data-testid="message-user" data-message-id={message.id}>
        <UserText text={view.text} />
        <div className="opacity-100 transition-opacity md:opacity-0 md:group-focus-within:opacity-100 md:group-hover:opacity-100">
          <CopyButton text={view.text} label="Copy message" />
          {controls && <MessageActions message={message} controls={controls} />}
        </div>
      </div>
    );
  }

  const inProgress = isInProgress(status);
  const simulated = message.metadata?.simulated ?? simulatedByDefault;
  const empty = !view.text && !view.reasoning;
  // Shown while the restarted answer streams, then gone: the finished answer is whole, and a reload would not know.
  const restarted = inProgress && wasRestarted(message);

  return (
    <article
      className="group flex flex-col"
      data-testid="message-assistant"
      data-message-id={message.id}
      data-status={status ?? "unknown"}
      aria-busy={inProgress}
    >
      {restarted && (
        <p role="status" className="mb-2 text-xs text-muted-foreground" data-testid="answer-restarted">
          ↻ Restarted after a server fault
        </p>
      )}
      {view.reasoning && <MessageReasoning text={view.reasoning} thinking={inProgress && !view.text} />}
      {inProgress && empty && <PendingDots />}
      {view.text && (
        <div data-testid="message-content">
          <Markdown text={view.text} streaming={inProgress} />
        </div>
      )}
      {inProgress && stopping && (
        <p role="status" className="mt-2 text-xs font-medium text-muted-foreground" data-testid="answer-stopping">
          ■ Stopping…
        </p>
      )}
      {status === "cancelled" && (
        <p className="mt-2 text-xs font-medium text-muted-foreground" data-testid="answer-stopped">
          ■ Stopped{view.text ? "; the answer so far is kept." : " before the answer began."}
        </p>
      )}
      {status === "failed" && (
        <div
          role="alert"
          className="mt-2 rounded-lg border border-danger/40 bg-danger/10 px-3 py-2 text-sm text-danger"
          data-testid="answer-error"
        >
          <span className="font-medium">The answer failed:</span> {message.metadata?.error || "unknown error"}
        </div>
      )}
      <div className="mt-1 flex min-h-7 flex-wrap items-center gap-1">
        {!inProgress && view.text && <CopyButton text={view.text} label="Copy answer" testId="copy-answer" />}
        {controls && <MessageActions message={message} controls={controls} />}
        {canRetry && (
          <button
            type="button"
            onClick={onRetry}
            className="inline-flex items-center gap-1 rounded-md px-1.5 py-1 text-xs font-medium text-muted-foreground hover:bg-muted hover:text-foreground"
            data-testid="retry-button"
          >
            <RetryIcon size={14} />
            Retry
          </button>
        )}
        {simulated && (
          <span
            className="ml-auto rounded-full border border-warning/40 px-2 py-0.5 text-[0.7rem] font-medium text-warning-foreground"
            title="This answer came from the bundled simulator, not a real model (no OPENAI_API_KEY is set)."
            data-testid="simulated-label"
          >
            Simulated answer
          </span>
        )}
        {message.metadata?.model && !inProgress && (
          <span
            className={`${simulated ? "" : "ml-auto "}text-[0.7rem] text-muted-foreground`}
            data-testid="answer-model"
          >
            {message.metadata.model}
          </span>
        )}
      </div>
    </article>
  );
});
