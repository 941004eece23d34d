"use client";

import { useRouter } from "next/navigation";
import { useRef, useState } from "react";

import { useConversations } from "@/hooks/use-conversations";
import { ApiError, errorMessage } from "@/lib/api/client";
import { handFocusTo } from "@/lib/focus-handoff";

import { Composer, type ComposerHandle } from "./composer";
import { ComposerNotice } from "./composer-notice";
import { ChatIcon } from "./icons";
import { PageHeader } from "./page-header";
import { PromptSuggestions } from "./prompt-suggestions";

/**
 * The home page, which is also the new conversation: the first message creates it on the server (one request, so a
 * refused message leaves no empty conversation behind) and the conversation's page then follows the answer.
 */
export function EmptyState() {
  const router = useRouter();
  const { create } = useConversations();
  const [error, setError] = useState<{ text: string; retry: boolean } | null>(null);
  const composer = useRef<ComposerHandle>(null);

  async function start(firstMessage: string): Promise<boolean> {
    setError(null);
    try {
      const conversation = await create(firstMessage);
      handFocusTo(conversation.id);
      router.push(`/c/${conversation.id}`);
      return true;
    } catch (failure) {
      // Nothing was created, and the message stays in the box. A signed-out session asks to sign in by itself.
      const status = failure instanceof ApiError ? failure.status : null;
      setError({ text: errorMessage(failure), retry: status !== 401 && status !== 413 && status !== 422 });
      return false;
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
          <PromptSuggestions onChoose={(text) => composer.current?.fill(text)} />
        </div>
        {error && (
          <ComposerNotice
            text={error.text}
            onRetry={error.retry ? () => composer.current?.submit() : undefined}
            testId="home-error"
          />
        )}
        <Composer
          ref={composer}
          draftKey="home"
          busy={false}
          onSend={start}
          placeholder="Type a message to start a conversation…"
        />
      </div>
    </>
  );
}
