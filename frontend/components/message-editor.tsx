"use client";

import { useEffect, useRef, useState } from "react";

/**
 * A question being edited, in place of its bubble: Save & send starts a new version of it (and a new branch);
 * Cancel or Escape leaves it as it was.
 */
export function MessageEditor({
  initialText,
  onSave,
  onCancel,
}: {
  initialText: string;
  onSave: (text: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState(initialText);
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const element = field.current;
    if (!element) return;
    element.focus();
    element.setSelectionRange(element.value.length, element.value.length);
  }, []);
  const canSave = text.trim().length > 0;

  return (
    <form
      className="flex flex-col items-end gap-2"
      data-testid="message-editor"
      onSubmit={(event) => {
        event.preventDefault();
        if (canSave) onSave(text);
      }}
    >
      <textarea
        ref={field}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") {
            event.preventDefault();
            onCancel();
          }
        }}
        aria-label="Edit your message"
        rows={Math.min(8, Math.max(2, text.split("\n").length))}
        className="w-full max-w-[85%] resize-y rounded-2xl border bg-card px-4 py-2 text-[0.95rem] outline-none focus-visible:ring-2 focus-visible:ring-accent"
        data-testid="message-editor-input"
      />
      <div className="flex gap-2">
        <button
          type="button"
          onClick={onCancel}
          className="rounded-lg border px-3 py-1.5 text-sm hover:bg-muted"
          data-testid="message-editor-cancel"
        >
          Cancel
        </button>
        <button
          type="submit"
          disabled={!canSave}
          className="rounded-lg bg-primary px-3 py-1.5 text-sm font-medium text-primary-foreground hover:opacity-90 disabled:opacity-60"
          data-testid="message-editor-save"
        >
          Save &amp; send
        </button>
      </div>
    </form>
  );
}
