"use client";

import { useCallback, useEffect, useRef, useState } from "react";

import type { ConversationList, ListedConversation } from "@/lib/api/types";

import { useApi } from "./use-api";
import { useSession } from "./use-session";

const PAGE_SIZE = 30;
/** Typing pauses this long before the search goes out: one request per pause, not one per key. */
const DEBOUNCE_MS = 250;
/** The API's limit on `q`. */
export const MAX_SEARCH_CHARS = 500;

export type ConversationSearch = {
  /** The words searched for, trimmed; "" when there is no search. */
  query: string;
  results: ListedConversation[];
  /** How many conversations match in all. */
  count: number;
  /** True from the first keystroke until the first page of that search is in. */
  searching: boolean;
  loadingMore: boolean;
  hasMore: boolean;
  error: string | null;
  loadMore: () => Promise<void>;
};

type Page = { results: ListedConversation[]; count: number; nextCursor: string | null };

const NOTHING: Page = { results: [], count: 0, nextCursor: null };

/**
 * GET /conversations?q= for the sidebar's search box: the first page once typing pauses, the next ones as the results
 * scroll (`loadMore`), each search's answers only (an earlier search's late answer is dropped, its request aborted).
 */
export function useConversationSearch(text: string): ConversationSearch {
  const api = useApi();
  const userId = useSession().user?.id ?? null;
  const query = text.trim();
  // Which search a page answers: these words, for this user.
  const key = JSON.stringify([userId, query]);
  const [page, setPage] = useState<Page & { for: string }>({ ...NOTHING, for: "" });
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  // The search whose answers are wanted; an answer for another is stale.
  const wanted = useRef(key);
  useEffect(() => {
    wanted.current = key;
  });

  useEffect(() => {
    if (!query) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      api
        .listConversations({ q: query, limit: PAGE_SIZE, signal: abort.signal })
        .then((first) => {
          setError(null);
          setPage({ ...fromList(first), for: key });
        })
        .catch((failure: unknown) => {
          if (abort.signal.aborted) return;
          setError((failure as Error).message);
          setPage({ ...NOTHING, for: key });
        });
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [api, query, key]);

  const loadMore = useCallback(async () => {
    const cursor = page.nextCursor;
    const searched = page.for;
    if (!cursor || loadingMore || searched !== wanted.current) return;
    setLoadingMore(true);
    try {
      const next = await api.listConversations({ q: query, cursor, limit: PAGE_SIZE });
      if (searched !== wanted.current) return;
      setPage((previous) => {
        const shown = new Set(previous.results.map((result) => result.id));
        const results = [...previous.results, ...next.data.filter((result) => !shown.has(result.id))];
        return { ...fromList(next), results, for: searched };
      });
    } catch (failure) {
      if (searched === wanted.current) setError((failure as Error).message);
    } finally {
      setLoadingMore(false);
    }
  }, [api, page, query, loadingMore]);

  const fresh = page.for === key;
  return {
    query,
    results: fresh ? page.results : [],
    count: fresh ? page.count : 0,
    searching: query !== "" && !fresh,
    loadingMore,
    hasMore: fresh && page.nextCursor !== null && error === null,
    error: fresh ? error : null,
    loadMore,
  };
}

function fromList(list: ConversationList): Page {
  return { results: list.data, count: list.count, nextCursor: list.next_cursor ?? null };
}
