"use client";

import Link from "next/link";
import { useEffect, useState } from "react";

import { useApi } from "@/hooks/use-api";
import { ApiError } from "@/lib/api/client";
import type { ConversationWithMessages } from "@/lib/api/types";

import { Chat } from "./chat";
import { PageHeader } from "./page-header";

type Loaded =
  | { kind: "loading" }
  | { kind: "ready"; conversation: ConversationWithMessages }
  | { kind: "missing" }
  | { kind: "failed"; message: string };

/** /c/{id}: loads the conversation (with any answer still in progress) and opens the chat on it. */
export function ChatPage({ conversationId }: { conversationId: string }) {
  const api = useApi();
  const [loaded, setLoaded] = useState<Loaded>({ kind: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    api.getConversation(conversationId, controller.signal).then(
      (conversation) => setLoaded({ kind: "ready", conversation }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && (error.status === 404 || error.status === 422)) setLoaded({ kind: "missing" });
        else setLoaded({ kind: "failed", message: (error as Error).message });
      },
    );
    return () => controller.abort();
  }, [api, conversationId, attempt]);

  if (loaded.kind === "ready") return <Chat conversation={loaded.conversation} />;

  return (
    <>
      <PageHeader title={loaded.kind === "missing" ? "Not found" : ""} />
      <div
        className="flex flex-1 flex-col items-center justify-center gap-3 p-8 text-center text-sm"
        data-testid="chat-loading"
      >
        {loaded.kind === "loading" && <p className="text-muted-foreground">Loading the conversation…</p>}
        {loaded.kind === "missing" && (
          <>
            <p data-testid="conversation-missing">This conversation does not exist (it may have been deleted).</p>
            <Link href="/" className="text-accent underline underline-offset-4">
              Back to the start
            </Link>
          </>
        )}
        {loaded.kind === "failed" && (
          <>
            <p role="alert" className="text-danger" data-testid="chat-load-error">
              {loaded.message}
            </p>
            <button
              type="button"
              className="rounded-lg border px-3 py-1.5 hover:bg-muted"
              data-testid="chat-load-retry"
              onClick={() => {
                setLoaded({ kind: "loading" });
                setAttempt((count) => count + 1);
              }}
            >
              Try again
            </button>
          </>
        )}
      </div>
    </>
  );
}
