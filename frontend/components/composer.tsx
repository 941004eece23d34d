"use client";

import { useCallback, useEffect, useImperativeHandle, useRef, useState } from "react";

import { readDraft, writeDraft } from "@/lib/drafts";

import { SendIcon, StopIcon } from "./icons";

const MAX_HEIGHT_PX = 200;

export type ComposerHandle = {
  /** Puts back a message that was not accepted (signed out, rate limited, offline), before anything typed since. */
  restore: (text: string) => void;
  /** Replaces what is in the box (a suggested prompt), with the caret after it. */
  fill: (text: string) => void;
  focus: () => void;
};

/**
 * The message box: Enter sends, Shift+Enter starts a new line; while an answer streams, Stop replaces Send. What is
 * typed is kept as the draft of `draftKey` (lib/drafts.ts) as it is typed, so a reload or a detour through sign-in
 * finds it again.
 */
export function Composer({
  onSend,
  onStop,
  busy,
  stopping = false,
  placeholder = "Send a message…",
  draftKey,
  ref,
}: {
  onSend: (text: string) => void;
  onStop?: () => void;
  /** An answer is on its way: sending waits, stopping is possible. */
  busy: boolean;
  stopping?: boolean;
  placeholder?: string;
  draftKey?: string;
  ref?: React.Ref<ComposerHandle>;
}) {
  // Composers are only shown once a session is known (in the browser), so the draft can be read at once.
  const [text, setTextState] = useState(() => (draftKey ? readDraft(draftKey) : ""));
  const textarea = useRef<HTMLTextAreaElement>(null);
  const canSend = text.trim().length > 0 && !busy;

  const setText = useCallback(
    (value: string) => {
      setTextState(value);
      if (draftKey) writeDraft(draftKey, value);
    },
    [draftKey],
  );

  const resize = useCallback(() => {
    const element = textarea.current;
    if (!element) return;
    element.style.height = "auto";
    element.style.height = `${Math.min(element.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, []);

  // A restored draft may be several lines long.
  useEffect(() => resize(), [resize]);

  useImperativeHandle(
    ref,
    () => ({
      restore(restored: string) {
        const current = textarea.current?.value ?? "";
        const next = current.trim() && current.trim() !== restored.trim() ? `${restored}\n\n${current}` : restored;
        setText(next);
        requestAnimationFrame(() => {
          resize();
          textarea.current?.focus();
        });
      },
      fill(filled: string) {
        setText(filled);
        requestAnimationFrame(() => {
          resize();
          textarea.current?.focus();
          textarea.current?.setSelectionRange(filled.length, filled.length);
        });
      },
      focus: () => textarea.current?.focus(),
    }),
    [setText, resize],
  );

  function send() {
    if (!canSend) return;
    onSend(text.trim());
    setText("");
    requestAnimationFrame(() => {
      resize();
      textarea.current?.focus();
    });
  }

  return (
    <form
      className="mx-auto w-full max-w-3xl px-3 pb-3 sm:px-4 sm:pb-4"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <div className="flex items-end gap-2 rounded-2xl border bg-card p-2 shadow-sm focus-within:border-accent">
        <label htmlFor="composer-input" className="sr-only">
          Message
        </label>
        <textarea
          id="composer-input"
          ref={textarea}
          value={text}
          rows={1}
          placeholder={placeholder}
          onChange={(event) => {
            setText(event.target.value);
            resize();
          }}
          onKeyDown={(event) => {
            // Enter sends; Shift+Enter is a new line; Enter that confirms an IME composition is not a send.
            if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault();
              send();
            }
          }}
          className="max-h-[200px] min-h-[40px] flex-1 resize-none bg-transparent px-2 py-2 text-sm outline-none placeholder:text-muted-foreground"
          data-testid="composer-input"
          aria-describedby="composer-hint"
        />
        {busy && onStop ? (
          <button
            type="button"
            onClick={onStop}
            disabled={stopping}
            className="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-full bg-primary text-primary-foreground hover:opacity-90 disabled:opacity-50"
            aria-label={stopping ? "Stopping the answer" : "Stop the answer"}
            title="Stop"
            data-testid="stop-button"
          >
            <StopIcon size={14} />
          </button>
        ) : (
          <button
            type="submit"
            disabled={!canSend}
            className="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-full bg-primary text-primary-foreground hover:opacity-90 disabled:opacity-30"
            aria-label="Send message"
            title="Send (Enter)"
            data-testid="send-button"
          >
            <SendIcon />
          </button>
        )}
      </div>
      <p id="composer-hint" className="mt-1.5 hidden text-center text-xs text-muted-foreground sm:block">
        Enter to send, Shift+Enter for a new line.
      </p>
    </form>
  );
}
