"use client";

import Link from "next/link";
import { Fragment, useEffect, useRef } from "react";

import { conversationTitle } from "@/hooks/use-conversations";
import { MAX_SEARCH_CHARS, type ConversationSearch } from "@/hooks/use-conversation-search";
import type { ListedConversation, SnippetPart } from "@/lib/api/types";

import { SearchIcon } from "./icons";
import { LoadMoreSentinel } from "./load-more-sentinel";

/** The sidebar's search field: Ctrl+K (⌘K) focuses it from anywhere, Escape clears it. */
export function SearchBox({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
        event.preventDefault();
        field.current?.focus();
        field.current?.select();
      }
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);

  return (
    <div className="px-3 pb-2">
      <div className="relative">
        <SearchIcon className="pointer-events-none absolute top-1/2 left-2.5 -translate-y-1/2 text-muted-foreground" />
        <input
          ref={field}
          type="search"
          value={value}
          onChange={(event) => onChange(event.target.value)}
          onKeyDown={(event) => {
            // With nothing to clear, Escape goes on to the sidebar (which closes as a drawer).
            if (event.key === "Escape" && value) {
              event.preventDefault();
              event.stopPropagation();
              onChange("");
            }
          }}
          maxLength={MAX_SEARCH_CHARS}
          placeholder="Search conversations"
          aria-label="Search conversations"
          aria-keyshortcuts="Control+K Meta+K"
          className="w-full rounded-lg border bg-background py-1.5 pr-12 pl-8 text-sm outline-none focus:border-accent [&::-webkit-search-cancel-button]:hidden"
          data-testid="conversation-search"
        />
        {!value && (
          <kbd className="pointer-events-none absolute top-1/2 right-2 -translate-y-1/2 rounded border px-1 font-sans text-[10px] text-muted-foreground">
            Ctrl K
          </kbd>
        )}
      </div>
    </div>
  );
}

/** The matches of a search, best first, each with where it matched; more as the list scrolls. */
export function SearchResults({
  search,
  activeId,
  onNavigate,
  scrollRoot,
}: {
  search: ConversationSearch;
  activeId: string | null;
  onNavigate: () => void;
  scrollRoot: React.RefObject<HTMLElement | null>;
}) {
  const { results, count, searching, error } = search;
  return (
    <div data-testid="search-results">
      <p className="px-2 py-1 text-xs text-muted-foreground" aria-live="polite" data-testid="search-status">
        {searching
          ? "Searching…"
          : error
            ? ""
            : count === 0
              ? `No conversations match “${search.query}”.`
              : `${count} conversation${count === 1 ? " matches" : "s match"}`}
      </p>
      {error && (
        <p role="alert" className="px-2 py-1 text-sm text-danger">
          {error}
        </p>
      )}
      <ul className="flex flex-col gap-0.5">
        {results.map((result) => (
          <SearchResult key={result.id} result={result} active={result.id === activeId} onNavigate={onNavigate} />
        ))}
      </ul>
      <LoadMoreSentinel
        root={scrollRoot}
        enabled={search.hasMore}
        loading={search.loadingMore}
        onVisible={() => void search.loadMore()}
        testId="search-load-more"
      />
    </div>
  );
}

function SearchResult({
  result,
  active,
  onNavigate,
}: {
  result: ListedConversation;
  active: boolean;
  onNavigate: () => void;
}) {
  const title = conversationTitle(result);
  const parts = result.snippet ?? [];
  // A match in the title is shown in the title itself, not a second time below it.
  const inTitle = parts.length > 0 && parts.map((part) => part.text).join("") === result.title;
  return (
    <li data-testid="search-result" data-conversation-id={result.id}>
      <Link
        href={`/c/${result.id}`}
        onClick={onNavigate}
        aria-current={active ? "page" : undefined}
        className={`block rounded-lg px-2 py-1.5 text-sm ${active ? "bg-muted" : "hover:bg-muted/70"}`}
        data-testid="search-result-link"
      >
        <span className="block truncate font-medium" data-testid="search-result-title">
          {inTitle ? <Highlighted parts={parts} /> : title}
        </span>
        {!inTitle && parts.length > 0 && (
          <span className="line-clamp-2 text-xs text-muted-foreground" data-testid="search-snippet">
            <Highlighted parts={nearTheFirstMatch(parts)} />
          </span>
        )}
      </Link>
    </li>
  );
}

/** Text kept before the first match: the sidebar shows two lines of a snippet, and the match must be among them. */
const LEAD_CHARS = 30;

/** The snippet from a few words before its first match, "…" for what is left out. */
function nearTheFirstMatch(parts: SnippetPart[]): SnippetPart[] {
  const first = parts.findIndex((part) => part.match);
  if (first <= 0) return parts;
  const before = parts
    .slice(0, first)
    .map((part) => part.text)
    .join("");
  if (before.length <= LEAD_CHARS + 10) return parts;
  const tail = before.slice(-LEAD_CHARS);
  // From the start of a word.
  const lead = tail.slice(tail.indexOf(" ") + 1);
  return [{ text: `…${lead}`, match: false }, ...parts.slice(first)];
}

/** The snippet's parts as text, the matched ones in <mark>: React escapes every part, so no text is ever markup. */
function Highlighted({ parts }: { parts: SnippetPart[] }) {
  return parts.map((part, index) =>
    part.match ? (
      <mark key={index} className="rounded-sm bg-warning/30 px-px text-foreground">
        {part.text}
      </mark>
    ) : (
      <Fragment key={index}>{part.text}</Fragment>
    ),
  );
}
