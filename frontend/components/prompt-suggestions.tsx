"use client";

const SUGGESTIONS = [
  "Explain how an answer can survive a page reload",
  "Write a Python function that retries a request with backoff",
  "Derive the quadratic formula step by step",
  "Compare Redis Streams with Pub/Sub for chat messages",
];

/** Example first messages for an empty home page: choosing one puts it in the message box to edit or send. */
export function PromptSuggestions({ onChoose }: { onChoose: (text: string) => void }) {
  return (
    <ul className="flex max-w-2xl flex-wrap justify-center gap-2" aria-label="Suggested prompts">
      {SUGGESTIONS.map((suggestion) => (
        <li key={suggestion}>
          <button
            type="button"
            onClick={() => onChoose(suggestion)}
            className="rounded-full border bg-card px-3 py-1.5 text-left text-sm text-muted-foreground hover:bg-muted hover:text-foreground"
            data-testid="prompt-suggestion"
          >
            {suggestion}
          </button>
        </li>
      ))}
    </ul>
  );
}
