"use client";

import { useEffect, useRef } from "react";

/**
 * A modal yes/no question on the native <dialog>: focus is trapped, Escape cancels. When it goes, focus goes back to
 * what had it before (or to `returnFocus()`, for when that is gone) instead of falling to the page's body.
 */
export function ConfirmDialog({
  open,
  title,
  description,
  confirmLabel,
  onConfirm,
  onCancel,
  busy = false,
  returnFocus,
}: {
  open: boolean;
  title: string;
  description: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
  returnFocus?: () => HTMLElement | null | undefined;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const latestReturnFocus = useRef(returnFocus);
  useEffect(() => {
    latestReturnFocus.current = returnFocus;
  });

  useEffect(() => {
    const element = dialog.current;
    if (!element || !open) return;
    const before = document.activeElement;
    if (!element.open) element.showModal();
    return () => {
      if (element.open) element.close();
      // Focus that moved on elsewhere (a page the dialog led to) stays there.
      const now = document.activeElement;
      if (now && now !== document.body && !element.contains(now)) return;
      const target = latestReturnFocus.current?.() ?? (before instanceof HTMLElement ? before : null);
      if (target?.isConnected) target.focus();
    };
  }, [open]);

  return (
    <dialog
      ref={dialog}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
      aria-labelledby="confirm-title"
      aria-describedby="confirm-description"
      data-testid="confirm-dialog"
      className="m-auto w-[min(26rem,calc(100vw-2rem))] rounded-xl border bg-card p-5 text-card-foreground shadow-xl backdrop:bg-black/40"
    >
      <h2 id="confirm-title" className="text-base font-semibold">
        {title}
      </h2>
      <p id="confirm-description" className="mt-2 text-sm text-muted-foreground">
        {description}
      </p>
      <div className="mt-5 flex justify-end gap-2">
        <button
          type="button"
          onClick={onCancel}
          className="rounded-lg border px-3 py-1.5 text-sm hover:bg-muted"
          data-testid="confirm-cancel"
        >
          Cancel
        </button>
        <button
          type="button"
          onClick={onConfirm}
          disabled={busy}
          className="rounded-lg bg-danger px-3 py-1.5 text-sm font-medium text-danger-foreground hover:opacity-90 disabled:opacity-60"
          data-testid="confirm-accept"
        >
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
