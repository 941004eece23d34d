"use client";

import { useChat } from "@ai-sdk/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { useApi } from "@/hooks/use-api";
import { conversationTitle, useConversations } from "@/hooks/use-conversations";
import { useSimulated } from "@/hooks/use-models";
import { useScrollToBottom } from "@/hooks/use-scroll-to-bottom";
import { ApiError, errorMessage } from "@/lib/api/client";
import { isInProgress, type ConversationWithMessages } from "@/lib/api/types";
import type { ConnectionState } from "@/lib/chat/follow-task";
import { answerView, messageText, toChatMessage } from "@/lib/chat/messages";
import { ApiChatTransport } from "@/lib/chat/transport";
import type { ChatMessage } from "@/lib/chat/types";
import { takeHandedFocus } from "@/lib/focus-handoff";
import { announce, listen } from "@/lib/tab-sync";

import { Composer, type ComposerHandle } from "./composer";
import { ConnectionStatus } from "./connection-status";
import { ArrowDownIcon } from "./icons";
import { Message } from "./message";
import { PageHeader } from "./page-header";

// After Stop, the server's {"done", "status": "cancelled"} normally arrives at once. It can take longer when the answer
// had stalled: its worker died, and the one that takes it over (after a lease of about 10 s) ends it. So every
// STOP_CHECK_MS until the answer ends, look at the stored answer: still under way, ask again (stopping is
// idempotent) and keep following the stream; already over, stop listening and show it as stored.
const STOP_CHECK_MS = 10_000;
// The server names an untitled conversation shortly after its first answer: look again for the title then.
const TITLE_LOOKS_MS = [2_000, 6_000, 12_000, 20_000];

/** Whether two message lists show the same thing (ids differ for messages this tab sent: compare what is shown). */
function sameMessages(local: ChatMessage[], server: ChatMessage[]): boolean {
  return (
    local.length === server.length &&
    local.every((message, index) => {
      const other = server[index];
      return (
        other !== undefined &&
        message.role === other.role &&
        message.metadata?.status === other.metadata?.status &&
        answerView(message).text === answerView(other).text
      );
    })
  );
}

export function Chat({ conversation }: { conversation: ConversationWithMessages }) {
  const api = useApi();
  const { conversations, refresh } = useConversations();
  const simulatedByDefault = useSimulated();
  const conversationId = conversation.id;
  const [connection, setConnection] = useState<ConnectionState>({ phase: "closed" });
  // `retry`: a message the API did not take is in the box, and sending it again may work (no network, a timeout, a
  // limit that passes, a server error).
  const [notice, setNotice] = useState<{ text: string; retry?: boolean } | null>(null);
  const [stopping, setStopping] = useState(false);
  const stopCheck = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const composer = useRef<ComposerHandle>(null);
  // Takes a refused message off the page (set below, once useChat has given setMessages).
  const unshow = useRef<(text: string) => void>(() => undefined);
  // The send in flight, one at a time: settled true once the API accepted it, false when it did not.
  const [sendInFlight] = useState(() => {
    let settle: ((accepted: boolean) => void) | null = null;
    return {
      start: () =>
        new Promise<boolean>((resolve) => {
          settle?.(false); // an earlier one still unsettled has failed
          settle = resolve;
        }),
      settle: (accepted: boolean) => {
        settle?.(accepted);
        settle = null;
      },
    };
  });

  // The later looks for the server's title: dropped when the chat goes (leaving the conversation, signing out).
  const [titleLooks] = useState(() => new Set<ReturnType<typeof setTimeout>>());
  useEffect(() => () => titleLooks.forEach((timer) => clearTimeout(timer)), [titleLooks]);

  // One transport per chat: it knows the task being followed, which Stop needs. (`refresh` is stable.)
  const [transport] = useState(
    () =>
      new ApiChatTransport(api, {
        onConnection: setConnection,
        onAnswerStarted: (answer) => {
          sendInFlight.settle(true);
          announce({ type: "answer-started", ...answer });
          void refresh();
        },
        onAnswerFinished: () => {
          void refresh();
          if (!conversation.title) {
            for (const delay of TITLE_LOOKS_MS) {
              const timer = setTimeout(() => {
                titleLooks.delete(timer);
                void refresh();
              }, delay);
              titleLooks.add(timer);
            }
          }
        },
      }),
  );

  const initialMessages = useMemo(() => conversation.messages.map(toChatMessage), [conversation]);
  const lastStored = conversation.messages.at(-1);
  const answerInProgress = lastStored?.role === "assistant" && isInProgress(lastStored.status);

  const chat = useChat<ChatMessage>({
    id: conversationId,
    messages: initialMessages,
    transport,
    // Reloaded (or opened in another tab) while an answer streams: show its checkpoint and follow it live.
    resume: answerInProgress,
    experimental_throttle: 40,
    onError: (error) => {
      const status = error instanceof ApiError ? error.status : null;
      // A message the API refused is not the conversation's: off the page, and the box keeps it (send below).
      const refused = transport.takeRefused();
      if (refused !== null) unshow.current(refused);
      sendInFlight.settle(false);
      let text: string;
      if (status === 409) text = "An answer is still being generated in this conversation; it is shown below.";
      else if (status === 401)
        text =
          refused !== null
            ? "You were signed out, so your message was not sent. It is kept in the box below: sign in again to send it."
            : error.message;
      else text = errorMessage(error);
      const retry = refused !== null && status !== 409 && status !== 401 && status !== 413 && status !== 422;
      setNotice({ text, retry });
      // Signed out, the server will not say more until the user signs in again.
      if (status !== 401) void syncFromServer();
    },
  });
  const { messages, status, sendMessage, setMessages, resumeStream, stop } = chat;
  const busy = status === "submitted" || status === "streaming";

  const latest = useRef({ busy, messages });
  useEffect(() => {
    latest.current = { busy, messages };
  });
  useEffect(() => {
    unshow.current = (text) =>
      setMessages((shown) => {
        const last = shown.at(-1);
        return last?.role === "user" && messageText(last) === text ? shown.slice(0, -1) : shown;
      });
  }, [setMessages]);

  /** Replace what this tab shows with what the server has, and follow an answer still in progress. */
  const syncFromServer = useCallback(async () => {
    let fresh: ConversationWithMessages;
    try {
      fresh = await api.getConversation(conversationId);
    } catch {
      return;
    }
    if (latest.current.busy) return;
    const serverMessages = fresh.messages.map(toChatMessage);
    if (!sameMessages(latest.current.messages, serverMessages)) setMessages(serverMessages);
    const last = fresh.messages.at(-1);
    if (last?.role === "assistant" && isInProgress(last.status)) void resumeStream();
  }, [api, conversationId, setMessages, resumeStream]);

  // Another tab of this browser started an answer here, or this tab comes back into view: catch up.
  useEffect(() => {
    const stopListening = listen((message) => {
      if (message.type === "answer-started" && message.conversationId === conversationId && !latest.current.busy) {
        void syncFromServer();
      }
    });
    const onVisible = () => {
      if (document.visibilityState === "visible" && !latest.current.busy) void syncFromServer();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      stopListening();
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [conversationId, syncFromServer]);

  // Leaving the conversation stops following its answer here (the answer itself goes on: that is Stop's job).
  useEffect(() => () => void stop(), [stop]);
  useEffect(() => () => clearTimeout(stopCheck.current), []);
  // Its first message was typed on the home page: the user stays in the message box, this page's now.
  useEffect(() => {
    if (takeHandedFocus(conversationId)) composer.current?.focus();
  }, [conversationId]);

  const { container, content, atBottom, scrollToBottom } = useScrollToBottom<HTMLDivElement>();

  const sendText = useCallback(
    (text: string) => {
      void sendMessage({ text });
      scrollToBottom("instant");
    },
    [scrollToBottom, sendMessage],
  );

  /** Sends `text`; resolves to whether the API accepted it (the answer then follows on the page). */
  const send = useCallback(
    (text: string): Promise<boolean> => {
      setNotice(null);
      setStopping(false);
      clearTimeout(stopCheck.current);
      const accepted = sendInFlight.start();
      sendText(text);
      return accepted;
    },
    [sendInFlight, sendText],
  );

  // A failed answer's Retry sends its question again; if the API does not take it, it goes in the box.
  const retry = useCallback(() => {
    const lastUser = [...latest.current.messages].reverse().find((message) => message.role === "user");
    if (!lastUser) return;
    const text = messageText(lastUser);
    void send(text).then((accepted) => {
      if (!accepted) composer.current?.restore(text);
    });
  }, [send]);

  async function stopAnswer() {
    setStopping(true);
    try {
      await transport.stop();
    } catch (error) {
      setStopping(false);
      setNotice({ text: (error as Error).message });
      return;
    }
    checkStopLater();
  }

  function checkStopLater() {
    clearTimeout(stopCheck.current);
    stopCheck.current = setTimeout(() => void checkStop(), STOP_CHECK_MS);
  }

  async function checkStop() {
    if (!latest.current.busy) return;
    let fresh: ConversationWithMessages;
    try {
      fresh = await api.getConversation(conversationId);
    } catch {
      return checkStopLater();
    }
    if (!latest.current.busy) return;
    const answer = fresh.messages.at(-1);
    if (answer?.role === "assistant" && isInProgress(answer.status)) {
      // The server is still ending it (taking the answer over first): its terminal event is on its way.
      transport.stop().catch(() => undefined);
      return checkStopLater();
    }
    // Over on the server, yet its end never reached this stream: stop listening and show the answer as stored.
    await stop();
    setMessages(fresh.messages.map(toChatMessage));
  }

  const listed = conversations.find((item) => item.id === conversationId);
  const title = conversationTitle(listed ?? conversation);
  const last = messages.at(-1);
  const lastInProgress = last?.role === "assistant" && isInProgress(last.metadata?.status);
  const waitingForAccept = busy && last?.role === "user";

  return (
    <>
      <PageHeader title={title}>
        <ConnectionStatus state={busy ? connection : { phase: "closed" }} />
      </PageHeader>
      <div className="relative flex min-h-0 flex-1 flex-col">
        <div ref={container} className="min-h-0 flex-1 overflow-y-auto" data-testid="messages" tabIndex={-1}>
          <div ref={content} className="mx-auto flex w-full max-w-3xl flex-col gap-6 px-4 py-6">
            {messages.length === 0 && (
              <p className="py-16 text-center text-sm text-muted-foreground" data-testid="conversation-empty">
                Send a message to start the conversation.
              </p>
            )}
            {messages.map((message, index) => (
              <Message
                key={message.id}
                message={message}
                simulatedByDefault={simulatedByDefault}
                canRetry={
                  !busy &&
                  index === messages.length - 1 &&
                  (message.metadata?.status === "failed" || message.metadata?.status === "cancelled")
                }
                onRetry={retry}
                stopping={stopping && busy && index === messages.length - 1}
              />
            ))}
            {waitingForAccept && (
              <div className="flex h-6 items-center gap-1" aria-label="Sending" data-testid="answer-pending">
                <span className="typing-dot h-1.5 w-1.5 rounded-full bg-muted-foreground" />
                <span className="typing-dot h-1.5 w-1.5 rounded-full bg-muted-foreground" />
                <span className="typing-dot h-1.5 w-1.5 rounded-full bg-muted-foreground" />
              </div>
            )}
          </div>
        </div>
        {!atBottom && (
          <button
            type="button"
            onClick={() => scrollToBottom()}
            className="absolute bottom-28 left-1/2 z-10 inline-flex -translate-x-1/2 items-center gap-1 rounded-full border bg-card px-3 py-1 text-xs shadow-md hover:bg-muted sm:bottom-32"
            data-testid="scroll-to-bottom"
          >
            <ArrowDownIcon size={14} />
            Latest
          </button>
        )}
        {notice && (
          <div
            role="alert"
            className="mx-auto mb-2 flex w-full max-w-3xl items-center gap-2 px-4 text-sm text-danger"
            data-testid="chat-notice"
          >
            <span className="flex-1">{notice.text}</span>
            {notice.retry && !busy && (
              <button
                type="button"
                className="underline"
                onClick={() => composer.current?.submit()}
                data-testid="send-retry"
              >
                Retry
              </button>
            )}
            {!busy && lastInProgress && (
              <button type="button" className="underline" onClick={() => void resumeStream()}>
                Reconnect
              </button>
            )}
            <button type="button" className="text-muted-foreground underline" onClick={() => setNotice(null)}>
              Dismiss
            </button>
          </div>
        )}
        <Composer
          ref={composer}
          draftKey={conversationId}
          busy={busy}
          stopping={stopping && busy}
          onSend={send}
          onStop={() => void stopAnswer()}
        />
      </div>
    </>
  );
}
