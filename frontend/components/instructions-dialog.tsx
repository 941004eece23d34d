"use client";

import { useEffect, useRef, useState } from "react";

/**
 * The conversation's instructions (its system prompt), in a modal on the native <dialog>, open while mounted: Save
 * keeps the text, Clear goes back to none, Cancel or Escape leaves them as they were.
 */
export function InstructionsDialog({
  instructions,
  saving,
  error,
  onSave,
  onClose,
}: {
  instructions: string | null;
  saving: boolean;
  error: string | null;
  /** null clears them. */
  onSave: (instructions: string | null) => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState(instructions ?? "");

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);

  return (
    <dialog
      ref={dialog}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      aria-labelledby="instructions-title"
      data-testid="instructions-dialog"
      className="m-auto w-[min(32rem,calc(100vw-2rem))] rounded-xl border bg-card p-5 text-card-foreground shadow-xl backdrop:bg-black/40"
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          onSave(text.trim() ? text : null);
        }}
      >
        <h2 id="instructions-title" className="text-base font-semibold">
          Instructions
        </h2>
        <p id="instructions-description" className="mt-1 text-sm text-muted-foreground">
          How the model should answer in this conversation (its system prompt). They apply to the next answers.
        </p>
        <textarea
          value={text}
          onChange={(event) => setText(event.target.value)}
          rows={6}
          aria-label="Instructions"
          aria-describedby="instructions-description"
          placeholder="For example: answer briefly, in French."
          className="mt-3 w-full resize-y rounded-lg border bg-background px-3 py-2 text-sm"
          data-testid="instructions"
        />
        {error && (
          <p role="alert" className="mt-2 text-sm text-danger" data-testid="instructions-error">
            {error}
          </p>
        )}
        <div className="mt-4 flex justify-end gap-2">
          <button
            type="button"
            onClick={() => onSave(null)}
            disabled={saving || instructions === null}
            className="mr-auto rounded-lg px-3 py-1.5 text-sm text-muted-foreground hover:bg-muted disabled:opacity-50"
            data-testid="instructions-clear"
          >
            Clear
          </button>
          <button
            type="button"
            onClick={onClose}
            className="rounded-lg border px-3 py-1.5 text-sm hover:bg-muted"
            data-testid="instructions-cancel"
          >
            Cancel
          </button>
          <button
            type="submit"
            disabled={saving}
            className="rounded-lg bg-primary px-3 py-1.5 text-sm font-medium text-primary-foreground hover:opacity-90 disabled:opacity-60"
            data-testid="instructions-save"
          >
            Save
          </button>
        </div>
      </form>
    </dialog>
  );
}
