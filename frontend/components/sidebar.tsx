"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useRef, useState } from "react";

import { useConversationSearch } from "@/hooks/use-conversation-search";
import { useConversations } from "@/hooks/use-conversations";
import { useSimulated } from "@/hooks/use-models";
import { useSession } from "@/hooks/use-session";

import { AccountMenu } from "./account-menu";
import { SearchBox, SearchResults } from "./conversation-search";
import { ChatIcon, CloseIcon, PlusIcon } from "./icons";
import { LoadMoreSentinel } from "./load-more-sentinel";
import { SidebarItem } from "./sidebar-item";
import { ThemeToggle } from "./theme-toggle";

/**
 * The conversation list, beside the page on wide screens and a drawer over it on narrow ones (`open`; `inert` while
 * it is closed there). `onClose` closes the drawer, `onNavigate` closes it because a conversation was chosen.
 */
export function Sidebar({
  open,
  inert,
  onClose,
  onNavigate,
}: {
  open: boolean;
  inert: boolean;
  onClose: () => void;
  onNavigate: () => void;
}) {
  const pathname = usePathname();
  const { conversations, nextCursor, loadingMore, loaded, error, loadMore, refresh } = useConversations();
  const simulated = useSimulated();
  const { state: session } = useSession();
  const activeId = pathname.startsWith("/c/") ? decodeURIComponent(pathname.slice(3)) : null;
  const [searchText, setSearchText] = useState("");
  const search = useConversationSearch(searchText);
  const scrollRoot = useRef<HTMLDivElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const newConversation = useRef<HTMLAnchorElement>(null);

  // The drawer opened: focus moves into it, where the user is going.
  useEffect(() => {
    if (open) closeButton.current?.focus();
  }, [open]);

  return (
    <>
      {/* The drawer's backdrop on narrow screens. */}
      <div
        className={`fixed inset-0 z-30 bg-black/40 md:hidden ${open ? "" : "hidden"}`}
        onClick={onClose}
        aria-hidden="true"
      />
      <nav
        id="sidebar"
        aria-label="Conversations"
        data-testid="sidebar"
        data-open={open}
        inert={inert}
        className={`fixed inset-y-0 left-0 z-40 flex w-72 max-w-[85vw] flex-col border-r bg-sidebar transition-transform md:static md:z-auto md:translate-x-0 ${
          open ? "translate-x-0" : "-translate-x-full"
        }`}
      >
        <div className="flex items-center justify-between gap-2 px-3 pt-3">
          <div className="flex items-center gap-2 px-1 text-sm font-semibold">
            <ChatIcon className="text-accent" />
            Resilient Chat
          </div>
          <button
            ref={closeButton}
            type="button"
            onClick={onClose}
            className="rounded-lg p-1.5 text-muted-foreground hover:bg-muted md:hidden"
            aria-label="Close the conversation list"
            data-testid="close-sidebar"
          >
            <CloseIcon />
          </button>
        </div>
        <div className="p-3">
          {/* The home page is the new conversation: it exists on the server once its first message is sent. */}
          <Link
            ref={newConversation}
            href="/"
            onClick={onNavigate}
            className="flex w-full items-center justify-center gap-2 rounded-lg bg-primary px-3 py-2 text-sm font-medium text-primary-foreground hover:opacity-90"
            data-testid="new-conversation"
          >
            <PlusIcon />
            New Conversation
          </Link>
        </div>
        <SearchBox value={searchText} onChange={setSearchText} />
        <div ref={scrollRoot} className="min-h-0 flex-1 overflow-y-auto px-2 pb-2" data-testid="sidebar-scroll">
          {search.query ? (
            <SearchResults search={search} activeId={activeId} onNavigate={onNavigate} scrollRoot={scrollRoot} />
          ) : (
            <>
              {!loaded && session.status !== "unavailable" && (
                <p className="px-2 py-1 text-sm text-muted-foreground">Loading…</p>
              )}
              {loaded && error && (
                <div role="alert" className="px-2 py-1 text-sm text-danger" data-testid="conversations-error">
                  {error}{" "}
                  <button
                    type="button"
                    className="underline"
                    onClick={() => void refresh()}
                    data-testid="conversations-retry"
                  >
                    Try again
                  </button>
                </div>
              )}
              {loaded && !error && conversations.length === 0 && (
                <p className="px-2 py-1 text-sm text-muted-foreground">No conversations yet.</p>
              )}
              <ul className="flex flex-col gap-0.5" data-testid="conversation-list">
                {conversations.map((conversation) => (
                  <SidebarItem
                    key={conversation.id}
                    conversation={conversation}
                    active={conversation.id === activeId}
                    onNavigate={onNavigate}
                    focusWhenLast={newConversation}
                  />
                ))}
              </ul>
              <LoadMoreSentinel
                root={scrollRoot}
                enabled={nextCursor !== null && !error}
                loading={loadingMore}
                onVisible={() => void loadMore()}
                testId="conversations-load-more"
              />
            </>
          )}
        </div>
        <div className="border-t px-2 pt-2">
          <AccountMenu />
        </div>
        <div className="flex items-center justify-between gap-2 px-3 pb-2">
          <ThemeToggle />
          {simulated && (
            <span
              className="rounded-full bg-warning/15 px-2 py-0.5 text-xs font-medium text-warning-foreground"
              title="No OPENAI_API_KEY is set: the bundled simulator answers."
              data-testid="simulated-badge"
            >
              Simulated
            </span>
          )}
        </div>
      </nav>
    </>
  );
}
