"use client";

import { useId, useState } from "react";

import { ChevronIcon } from "./icons";
import { Markdown } from "./markdown";

/**
 * The model's reasoning summary, folded under "Thinking". It is open while the model is still thinking (nothing of
 * the answer yet) and folds away once the answer starts, unless the reader opened or closed it themselves.
 */
export function MessageReasoning({ text, thinking }: { text: string; thinking: boolean }) {
  const [choice, setChoice] = useState<boolean | null>(null);
  const open = choice ?? thinking;
  const regionId = useId();
  return (
    <div className="mb-2" data-testid="reasoning">
      <button
        type="button"
        onClick={() => setChoice(!open)}
        aria-expanded={open}
        aria-controls={regionId}
        className="inline-flex items-center gap-1 rounded-md py-0.5 pr-1.5 text-xs font-medium text-muted-foreground hover:text-foreground"
        data-testid="reasoning-toggle"
      >
        <ChevronIcon size={14} className={`transition-transform ${open ? "rotate-90" : ""}`} />
        {thinking ? "Thinking…" : "Thinking"}
      </button>
      <div
        id={regionId}
        hidden={!open}
        className="mt-1 border-l-2 pl-3 text-sm text-muted-foreground [&_.markdown]:text-sm"
        data-testid="reasoning-text"
      >
        <Markdown text={text} streaming={thinking} />
      </div>
    </div>
  );
}
