"use client";

import { useRouter } from "next/navigation";
import { useRef, useState } from "react";

import { useConversations } from "@/hooks/use-conversations";
import { errorMessage } from "@/lib/api/client";
import { setPendingMessage } from "@/lib/pending-message";

import { Composer, type ComposerHandle } from "./composer";
import { ChatIcon, PlusIcon } from "./icons";
import { PageHeader } from "./page-header";
import { PromptSuggestions } from "./prompt-suggestions";

/** The home page: nothing is open yet. Start a conversation with the button, or just type the first message. */
export function EmptyState() {
  const router = useRouter();
  const { create } = useConversations();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const composer = useRef<ComposerHandle>(null);

  async function start(firstMessage?: string) {
    setBusy(true);
    setError(null);
    try {
      const conversation = await create();
      if (firstMessage) setPendingMessage(conversation.id, firstMessage);
      router.push(`/c/${conversation.id}`);
    } catch (failure) {
      // Nothing was created: what was typed goes back in the box.
      if (firstMessage) composer.current?.restore(firstMessage);
      setError(errorMessage(failure));
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeader title="Resilient Chat" />
      <div className="flex min-h-0 flex-1 flex-col">
        <div
          className="flex flex-1 flex-col items-center justify-center gap-4 p-6 text-center"
          data-testid="empty-state"
        >
          <div className="rounded-2xl bg-accent/10 p-3 text-accent">
            <ChatIcon size={28} />
          </div>
          <div>
            <h2 className="text-xl font-semibold">Ask anything</h2>
            <p className="mt-1 max-w-md text-sm text-muted-foreground">
              Answers keep generating on the server: reload, close the tab or lose the network, and the answer picks up
              exactly where it was.
            </p>
          </div>
          <button
            type="button"
            onClick={() => void start()}
            disabled={busy}
            className="inline-flex items-center gap-2 rounded-lg bg-primary px-4 py-2 text-sm font-medium text-primary-foreground hover:opacity-90 disabled:opacity-60"
            data-testid="start-conversation"
          >
            <PlusIcon />
            Start New Conversation
          </button>
          <PromptSuggestions onChoose={(text) => composer.current?.fill(text)} />
          {error && (
            <p role="alert" className="text-sm text-danger">
              {error}
            </p>
          )}
        </div>
        <Composer
          ref={composer}
          draftKey="home"
          busy={busy}
          onSend={(text) => void start(text)}
          placeholder="Type a message to start a conversation…"
        />
      </div>
    </>
  );
}
