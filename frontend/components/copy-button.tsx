"use client";

import { useCopyToClipboard } from "@/hooks/use-copy-to-clipboard";

import { CheckIcon, CopyIcon } from "./icons";

export function CopyButton({ text, label = "Copy", testId }: { text: string; label?: string; testId?: string }) {
  const { copied, copy } = useCopyToClipboard();
  return (
    <button
      type="button"
      onClick={() => void copy(text)}
      className="inline-flex items-center gap-1 rounded-md px-1.5 py-1 text-xs text-muted-foreground hover:bg-muted hover:text-foreground"
      aria-label={copied ? "Copied" : label}
      title={copied ? "Copied" : label}
      data-testid={testId}
    >
      {copied ? <CheckIcon size={14} /> : <CopyIcon size={14} />}
      <span aria-live="polite">{copied ? "Copied" : "Copy"}</span>
    </button>
  );
}
