"use client";

import { useEffect, useRef, useState } from "react";

import { useApi } from "@/hooks/use-api";
import { errorMessage, type ExportFormat } from "@/lib/api/client";

const CHOICES: { format: ExportFormat; label: string }[] = [
  { format: "markdown", label: "Export as Markdown" },
  { format: "json", label: "Export as JSON" },
  { format: "json-tree", label: "Export as JSON, all versions" },
];

/** The file name the API gives its downloads (it cannot be read cross-origin): the title made safe, or "conversation". */
function fileName(title: string | null, format: ExportFormat): string {
  const stem =
    (title ?? "")
      .normalize("NFKD")
      .replace(/[^A-Za-z0-9._-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 80)
      .toLowerCase() || "conversation";
  return `${stem}${format === "json-tree" ? "-all-versions" : ""}.${format === "markdown" ? "md" : "json"}`;
}

/** Saves `blob` as a download named `name` (an object URL on a temporary link). */
function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken the blob by the time the click returns; free it after this task anyway, to be safe.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/**
 * "Export": a disclosure with the conversation's downloads. They are fetched with the session (the API is on another
 * origin, so a plain link would not carry it everywhere) and saved from a blob; a failure is shown under the button.
 */
export function ExportMenu({ conversationId, title }: { conversationId: string; title: string | null }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    return () => document.removeEventListener("pointerdown", onPointer);
  }, [open]);

  async function exportAs(format: ExportFormat) {
    setOpen(false);
    trigger.current?.focus();
    setError(null);
    try {
      download(await api.exportConversation(conversationId, format), fileName(title, format));
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }

  return (
    <div
      ref={root}
      className="relative"
      onKeyDown={(event) => {
        if (event.key === "Escape" && open) {
          event.preventDefault();
          setOpen(false);
          trigger.current?.focus();
        }
      }}
    >
      <button
        ref={trigger}
        type="button"
        onClick={() => setOpen((value) => !value)}
        aria-expanded={open}
        aria-controls={open ? "export-choices" : undefined}
        className="rounded-lg px-2 py-1 text-xs text-muted-foreground hover:bg-muted hover:text-foreground"
        data-testid="export-button"
      >
        Export
      </button>
      {open && (
        <div
          id="export-choices"
          className="absolute right-0 top-full z-50 mt-1 flex w-56 flex-col rounded-xl border bg-card p-1 text-card-foreground shadow-lg"
          data-testid="export-choices"
        >
          {CHOICES.map(({ format, label }) => (
            <button
              key={format}
              type="button"
              onClick={() => void exportAs(format)}
              className="rounded-md px-2 py-1.5 text-left text-sm hover:bg-muted"
              data-testid={`export-${format}`}
            >
              {label}
            </button>
          ))}
        </div>
      )}
      {error && (
        <p role="alert" className="absolute right-0 top-full mt-1 w-64 text-xs text-danger" data-testid="export-error">
          {error}
        </p>
      )}
    </div>
  );
}
