"use client";

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";

import type { Conversation, ConversationCreated, ConversationList, ListedConversation } from "@/lib/api/types";
import { announce, listen } from "@/lib/tab-sync";

import { useApi } from "./use-api";
import { useSession } from "./use-session";

/** Conversations per page as the list scrolls down. */
const PAGE_SIZE = 50;
/** The API's largest page: a refresh reloads what is shown in as few requests as it can. */
const RELOAD_PAGE_SIZE = 100;

type ConversationsState = {
  conversations: ListedConversation[];
  /** All conversations on the server (the list holds the most recent `conversations.length`). */
  count: number;
  /** Where the next page starts (GET /conversations' `next_cursor`); null once the list holds them all. */
  nextCursor: string | null;
  loaded: boolean;
  loadingMore: boolean;
  error: string | null;
};

type ConversationsContextValue = ConversationsState & {
  refresh: () => Promise<void>;
  /** The next page, appended; nothing when there is none or one is on its way. */
  loadMore: () => Promise<void>;
  /** A new conversation with its first message (created only if the message is accepted). */
  create: (firstMessage: string) => Promise<ConversationCreated>;
  rename: (id: string, title: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
};

const ConversationsContext = createContext<ConversationsContextValue | null>(null);

const EMPTY: ConversationsState = {
  conversations: [],
  count: 0,
  nextCursor: null,
  loaded: false,
  loadingMore: false,
  error: null,
};

/** `list` and then those of `more` that it does not hold yet (one may have moved up between two pages). */
function appended(list: ListedConversation[], more: ListedConversation[]): ListedConversation[] {
  const shown = new Set(list.map((conversation) => conversation.id));
  return [...list, ...more.filter((conversation) => !shown.has(conversation.id))];
}

/**
 * The sidebar's list, most recently active first, kept fresh across this tab's changes and other tabs'. It is the
 * signed-in user's: loaded once a session is active, emptied when another user signs in. It holds the first pages
 * (keyset pagination: `loadMore` follows the last page's cursor); a refresh reloads as many as are shown.
 */
export function ConversationsProvider({ children }: { children: React.ReactNode }) {
  const api = useApi();
  const session = useSession();
  const userId = session.user?.id ?? null;
  const active = session.state.status === "active";
  const [state, setState] = useState<ConversationsState>(EMPTY);
  const [shownFor, setShownFor] = useState(userId);
  // What the callbacks read of the state without depending on it.
  const latest = useRef(state);
  const generation = useRef(0);
  const canLoad = useRef(active);
  useEffect(() => {
    canLoad.current = active;
    latest.current = state;
  });

  // Another user: forget the previous one's list at once (adjusting state while rendering, as React recommends).
  if (shownFor !== userId) {
    setShownFor(userId);
    setState(EMPTY);
  }
  useEffect(() => {
    // An answer to the previous user's request must not land in this user's list.
    generation.current += 1;
  }, [userId]);

  const refresh = useCallback(async () => {
    if (!canLoad.current) return;
    const mine = ++generation.current;
    const wanted = Math.max(latest.current.conversations.length, PAGE_SIZE);
    try {
      let conversations: ListedConversation[] = [];
      let page: ConversationList;
      let cursor: string | null = null;
      do {
        const limit = Math.min(RELOAD_PAGE_SIZE, wanted - conversations.length);
        page = await api.listConversations({ limit, cursor });
        if (mine !== generation.current) return;
        conversations = appended(conversations, page.data);
        cursor = page.next_cursor ?? null;
      } while (cursor && conversations.length < wanted);
      const { count } = page;
      setState({ ...EMPTY, conversations, count, nextCursor: cursor, loaded: true });
    } catch (error) {
      if (mine !== generation.current) return;
      setState((previous) => ({ ...previous, loaded: true, error: (error as Error).message }));
    }
  }, [api]);

  const loadMore = useCallback(async () => {
    const { nextCursor: cursor, loadingMore } = latest.current;
    if (!cursor || loadingMore || !canLoad.current) return;
    // Not a new generation: a refresh meanwhile makes this page stale, and it is dropped.
    const mine = generation.current;
    latest.current = { ...latest.current, loadingMore: true };
    setState((previous) => ({ ...previous, loadingMore: true }));
    let page: ConversationList | null = null;
    let failure: string | null = null;
    try {
      page = await api.listConversations({ limit: PAGE_SIZE, cursor });
    } catch (error) {
      failure = (error as Error).message;
    }
    const current = mine === generation.current;
    setState((previous) => ({
      ...previous,
      loadingMore: false,
      ...(current && page
        ? {
            conversations: appended(previous.conversations, page.data),
            count: page.count,
            nextCursor: page.next_cursor ?? null,
          }
        : {}),
      ...(current && failure ? { error: failure } : {}),
    }));
  }, [api]);

  const changed = useCallback(async () => {
    announce({ type: "conversations-changed" });
    await refresh();
  }, [refresh]);

  const { whenActive } = session;
  const create = useCallback(
    async (firstMessage: string) => {
      // Sent while the session is still being set up (a first visit): it follows as soon as there is one.
      await whenActive();
      const conversation = await api.createConversation({ message: firstMessage });
      setState((previous) => ({
        ...previous,
        conversations: [conversation, ...previous.conversations.filter((item) => item.id !== conversation.id)],
        count: previous.count + 1,
      }));
      void changed();
      return conversation;
    },
    [api, changed, whenActive],
  );

  const rename = useCallback(
    async (id: string, title: string) => {
      const renamed = await api.renameConversation(id, title);
      setState((previous) => ({
        ...previous,
        conversations: previous.conversations.map((item) => (item.id === id ? renamed : item)),
      }));
      void changed();
    },
    [api, changed],
  );

  const remove = useCallback(
    async (id: string) => {
      await api.deleteConversation(id);
      setState((previous) => ({
        ...previous,
        conversations: previous.conversations.filter((item) => item.id !== id),
        count: Math.max(0, previous.count - 1),
      }));
      void changed();
    },
    [api, changed],
  );

  // The first load, and again whenever a session starts (sign-in, registration): the API feeds this state.
  useEffect(() => {
    if (active) void refresh();
  }, [active, session.epoch, refresh]);

  useEffect(() => {
    const stopListening = listen((message) => {
      if (message.type === "conversations-changed" || message.type === "answer-started") void refresh();
    });
    const onVisible = () => {
      if (document.visibilityState === "visible") void refresh();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      stopListening();
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [refresh]);

  const value = useMemo(
    () => ({ ...state, refresh, loadMore, create, rename, remove }),
    [state, refresh, loadMore, create, rename, remove],
  );
  return <ConversationsContext.Provider value={value}>{children}</ConversationsContext.Provider>;
}

export function useConversations(): ConversationsContextValue {
  const value = useContext(ConversationsContext);
  if (!value) throw new Error("useConversations needs a ConversationsProvider");
  return value;
}

export function conversationTitle(conversation: Pick<Conversation, "title"> | null | undefined): string {
  return conversation?.title?.trim() || "New conversation";
}
