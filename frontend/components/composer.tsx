"use client";

import { useCallback, useEffect, useImperativeHandle, useRef, useState } from "react";

import { limits } from "@/lib/api/schema";
import { readDraft, writeDraft } from "@/lib/drafts";

import { SendIcon, SpinnerIcon, StopIcon } from "./icons";

const MAX_HEIGHT_PX = 200;
// The counter shows from this share of the limit on.
const COUNTER_FROM = 0.9;

export type ComposerHandle = {
  /** Puts back a message that was not accepted (signed out, rate limited, offline), before anything typed since. */
  restore: (text: string) => void;
  /** Sends what is in the box again (the Retry of a failed send). */
  submit: () => void;
  /** Replaces what is in the box (a suggested prompt). */
  fill: (text: string) => void;
  focus: () => void;
};

/** Characters as the API counts them (Unicode code points: an emoji is one, where JavaScript's length says two). */
function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/**
 * The message box: Enter sends, Shift+Enter starts a new line; while an answer streams, Stop replaces Send. What is
 * typed is kept as the draft of `draftKey` (lib/drafts.ts) as it is typed, so a reload or a detour through sign-in
 * finds it again, and it stays in the box until the API has accepted it: `onSend` resolves to whether it did, and only
 * then is the box emptied. A message over the API's length limit is not sent at all.
 */
export function Composer({
  onSend,
  onStop,
  busy,
  stopping = false,
  placeholder = "Send a message…",
  draftKey,
  maxChars = limits.messageChars,
  ref,
}: {
  /** Resolves to true once the API accepted the message, false when it did not (the text then stays). */
  onSend: (text: string) => Promise<boolean>;
  onStop?: () => void;
  /** An answer is on its way: sending waits, stopping is possible. */
  busy: boolean;
  stopping?: boolean;
  placeholder?: string;
  draftKey?: string;
  maxChars?: number;
  ref?: React.Ref<ComposerHandle>;
}) {
  // Composers are only shown once a session is known (in the browser), so the draft can be read at once.
  const [text, setTextState] = useState(() => (draftKey ? readDraft(draftKey) : ""));
  const [sending, setSending] = useState(false);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const message = text.trim();
  // Counted only near the limit (a text has at least as many UTF-16 units as characters).
  const count = message.length >= maxChars * COUNTER_FROM ? characterCount(message) : null;
  const showCounter = count !== null && count >= maxChars * COUNTER_FROM;
  const tooLong = count !== null && count > maxChars;
  const canSend = message.length > 0 && !tooLong && !busy && !sending;

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

  const afterChange = useCallback(() => {
    requestAnimationFrame(() => {
      resize();
      textarea.current?.focus();
    });
  }, [resize]);

  const send = useCallback(async () => {
    if (!canSend) return;
    setSending(true);
    let accepted = false;
    try {
      accepted = await onSend(message);
    } finally {
      setSending(false);
    }
    // The box was read-only meanwhile, so what it holds is what was sent.
    if (accepted) setText("");
    afterChange();
  }, [canSend, onSend, message, setText, afterChange]);

  useImperativeHandle(
    ref,
    () => ({
      restore(restored: string) {
        const current = textarea.current?.value ?? "";
        const next = current.trim() && current.trim() !== restored.trim() ? `${restored}\n\n${current}` : restored;
        setText(next);
        afterChange();
      },
      submit: () => void send(),
      fill(filled: string) {
        setText(filled);
        afterChange();
      },
      focus: () => textarea.current?.focus(),
    }),
    [setText, afterChange, send],
  );

  return (
    <form
      className="mx-auto w-full max-w-3xl px-3 pb-3 sm:px-4 sm:pb-4"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <div
        className={`flex items-end gap-2 rounded-2xl border bg-card p-2 shadow-sm focus-within:border-accent ${
          tooLong ? "border-danger focus-within:border-danger" : ""
        }`}
      >
        <label htmlFor="composer-input" className="sr-only">
          Message
        </label>
        <textarea
          id="composer-input"
          ref={textarea}
          value={text}
          rows={1}
          placeholder={placeholder}
          // Kept as sent until the API answers: emptied if it accepts, left to send again if not.
          readOnly={sending}
          aria-busy={sending}
          aria-invalid={tooLong}
          onChange={(event) => {
            setText(event.target.value);
            resize();
          }}
          onKeyDown={(event) => {
            // Enter sends; Shift+Enter is a new line; Enter that confirms an IME composition is not a send.
            if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault();
              void send();
            }
          }}
          className="max-h-[200px] min-h-[40px] flex-1 resize-none bg-transparent px-2 py-2 text-sm outline-none placeholder:text-muted-foreground read-only:text-muted-foreground"
          data-testid="composer-input"
          aria-describedby={showCounter ? "composer-counter composer-hint" : "composer-hint"}
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
            aria-label={sending ? "Sending the message" : "Send message"}
            title={tooLong ? "Too long to send" : "Send (Enter)"}
            data-testid="send-button"
            data-sending={sending}
          >
            {sending ? <SpinnerIcon className="animate-spin motion-reduce:animate-none" /> : <SendIcon />}
          </button>
        )}
      </div>
      {showCounter && (
        <p
          id="composer-counter"
          className={`mt-1.5 text-right text-xs ${tooLong ? "text-danger" : "text-muted-foreground"}`}
          data-testid="composer-counter"
          data-too-long={tooLong}
          aria-live="polite"
        >
          {tooLong
            ? `This message is ${count.toLocaleString("en")} characters long; the limit is ${maxChars.toLocaleString("en")}. Shorten it to send it.`
            : `${count.toLocaleString("en")} / ${maxChars.toLocaleString("en")} characters`}
        </p>
      )}
      <p id="composer-hint" className="mt-1.5 hidden text-center text-xs text-muted-foreground sm:block">
        Enter to send, Shift+Enter for a new line.
      </p>
    </form>
  );
}
