"use client";

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";

import type { Conversation, ConversationCreated } from "@/lib/api/types";
import { announce, listen } from "@/lib/tab-sync";

import { useApi } from "./use-api";
import { useSession } from "./use-session";

const PAGE_SIZE = 50;

type ConversationsState = {
  conversations: Conversation[];
  /** All conversations on the server (the list holds the most recent `conversations.length`). */
  count: number;
  loaded: boolean;
  error: string | null;
};

type ConversationsContextValue = ConversationsState & {
  refresh: () => Promise<void>;
  loadMore: () => Promise<void>;
  /** A new conversation with its first message (created only if the message is accepted). */
  create: (firstMessage: string) => Promise<ConversationCreated>;
  rename: (id: string, title: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
};

const ConversationsContext = createContext<ConversationsContextValue | null>(null);

const EMPTY: ConversationsState = { conversations: [], count: 0, loaded: false, error: null };

/**
 * The sidebar's list, most recently active first, kept fresh across this tab's changes and other tabs'. It is the
 * signed-in user's: loaded once a session is active, emptied when another user signs in.
 */
export function ConversationsProvider({ children }: { children: React.ReactNode }) {
  const api = useApi();
  const session = useSession();
  const userId = session.user?.id ?? null;
  const active = session.state.status === "active";
  const [state, setState] = useState<ConversationsState>(EMPTY);
  const [shownFor, setShownFor] = useState(userId);
  const wanted = useRef(PAGE_SIZE);
  const generation = useRef(0);
  const canLoad = useRef(active);
  useEffect(() => {
    canLoad.current = active;
  });

  // Another user: forget the previous one's list at once (adjusting state while rendering, as React recommends).
  if (shownFor !== userId) {
    setShownFor(userId);
    setState(EMPTY);
  }
  useEffect(() => {
    // An answer to the previous user's request must not land in this user's list.
    generation.current += 1;
    wanted.current = PAGE_SIZE;
  }, [userId]);

  const refresh = useCallback(async () => {
    if (!canLoad.current) return;
    const mine = ++generation.current;
    try {
      const page = await api.listConversations(Math.min(wanted.current, 100), 0);
      if (mine !== generation.current) return;
      setState({ conversations: page.data, count: page.count, loaded: true, error: null });
    } catch (error) {
      if (mine !== generation.current) return;
      setState((previous) => ({ ...previous, loaded: true, error: (error as Error).message }));
    }
  }, [api]);

  const loadMore = useCallback(async () => {
    wanted.current = Math.min(wanted.current + PAGE_SIZE, 100);
    await refresh();
  }, [refresh]);

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
