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
import { answerView, editedUnderServerId, type Editing, messageText, toChatMessage } from "@/lib/chat/messages";
import { ApiChatTransport } from "@/lib/chat/transport";
import type { ChatMessage } from "@/lib/chat/types";
import { takeHandedFocus } from "@/lib/focus-handoff";
import { announce, listen } from "@/lib/tab-sync";

import { Composer, type ComposerHandle } from "./composer";
import { ComposerNotice } from "./composer-notice";
import { ConnectionStatus } from "./connection-status";
import { ConversationControls } from "./conversation-controls";
import { ArrowDownIcon } from "./icons";
import { Message } from "./message";
import type { MessageControls } from "./message-actions";
import { MessageEditor } from "./message-editor";
import { PageHeader } from "./page-header";

// After Stop, the server's {"done", "status": "cancelled"} normally arrives at once. It can take longer when the answer
// had stalled: its worker died, and the one that takes it over (after a lease of about 10 s) ends it. So every
// STOP_CHECK_MS until the answer ends, look at the stored answer: still under way, ask again (stopping is
// idempotent) and keep following the stream; already over, stop listening and show it as stored.
const STOP_CHECK_MS = 10_000;
// The server names an untitled conversation shortly after its first answer: look again for the title then.
const TITLE_LOOKS_MS = [2_000, 6_000, 12_000, 20_000];

/**
 * Whether two message lists are the same, ids and versions included: a message this tab sent has a local id (and no
 * versions) until the conversation is read again, and Edit, Regenerate and ‹ › need the server's.
 */
function sameMessages(local: ChatMessage[], server: ChatMessage[]): boolean {
  return (
    local.length === server.length &&
    local.every((message, index) => {
      const other = server[index];
      return (
        other !== undefined &&
        message.id === other.id &&
        (message.metadata?.siblingIds ?? []).join() === (other.metadata?.siblingIds ?? []).join() &&
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
  const { messages, status, sendMessage, regenerate, setMessages, resumeStream, stop } = chat;
  const busy = status === "submitted" || status === "streaming";
  // The question being edited in place, with its text (kept when the API does not take the edit).
  const [editing, setEditing] = useState<Editing | null>(null);
  // After Cancel, focus goes back to that question's Edit button once it is shown again.
  const focusEditOf = useRef<string | null>(null);

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
    const shown = latest.current.messages;
    const serverMessages = fresh.messages.map(toChatMessage);
    if (!sameMessages(shown, serverMessages)) {
      setMessages(serverMessages);
      // A question of this tab's gets the server's id here: one being edited (Edit pressed as its answer ended)
      // keeps its editor under the new id.
      setEditing((current) => editedUnderServerId(current, shown, serverMessages));
    }
    const last = fresh.messages.at(-1);
    if (last?.role === "assistant" && isInProgress(last.status)) void resumeStream();
  }, [api, conversationId, setMessages, setEditing, resumeStream]);

  // An answer ended (or was refused): read the conversation again, so the messages this tab sent get the server's ids
  // and every message its versions (regenerated, edited).
  const wasBusy = useRef(busy);
  useEffect(() => {
    if (wasBusy.current && !busy) void syncFromServer();
    wasBusy.current = busy;
  }, [busy, syncFromServer]);

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

  /** Clears what the last answer left on the page (a notice, Stop's state) before a new one starts. */
  const startAnswer = useCallback(() => {
    setNotice(null);
    setStopping(false);
    clearTimeout(stopCheck.current);
  }, []);

  /** Sends `text`; resolves to whether the API accepted it (the answer then follows on the page). */
  const send = useCallback(
    (text: string): Promise<boolean> => {
      startAnswer();
      const accepted = sendInFlight.start();
      void sendMessage({ text });
      scrollToBottom("instant");
      return accepted;
    },
    [scrollToBottom, sendInFlight, sendMessage, startAnswer],
  );

  /**
   * A new version of the answer `answerId` (useChat's regenerate: the answer and what followed it leave the page, the
   * transport asks the server for a new one and follows its stream). The old one stays a version: ‹ › shows it.
   */
  const regenerateAnswer = useCallback(
    (answerId: string) => {
      if (latest.current.busy) return;
      startAnswer();
      void regenerate({ messageId: answerId });
      scrollToBottom("instant");
    },
    [regenerate, scrollToBottom, startAnswer],
  );

  // A failed or stopped answer's Retry is a regenerate: a new version of the answer, the question is not sent again.
  const retry = useCallback(() => {
    const answer = latest.current.messages.at(-1);
    if (answer?.role === "assistant") regenerateAnswer(answer.id);
  }, [regenerateAnswer]);

  /** Shows the branch through version `messageId` of some message (for every device: the server keeps the choice). */
  const switchVersion = useCallback(
    async (messageId: string) => {
      if (latest.current.busy) return;
      setNotice(null);
      try {
        const fresh = await api.selectBranch(conversationId, messageId);
        if (latest.current.busy) return;
        setMessages(fresh.messages.map(toChatMessage));
        const end = fresh.messages.at(-1);
        if (end?.role === "assistant" && isInProgress(end.status)) void resumeStream();
      } catch (error) {
        setNotice({ text: errorMessage(error) });
      }
    },
    [api, conversationId, resumeStream, setMessages],
  );

  const startEditing = useCallback(
    (questionId: string) => {
      const question = latest.current.messages.find((message) => message.id === questionId);
      if (question && !latest.current.busy) setEditing({ id: questionId, text: messageText(question) });
    },
    [setEditing],
  );

  function cancelEditing() {
    focusEditOf.current = editing?.id ?? null;
    setEditing(null);
  }

  /**
   * Sends the edited question as a new version of it: after the answer it followed (null for the first question), so
   * the page shows the branch up to that answer, then the new question and its answer.
   */
  function saveEdit(questionId: string, text: string) {
    const shown = latest.current.messages;
    const index = shown.findIndex((message) => message.id === questionId);
    if (index === -1 || latest.current.busy) return;
    // The message before a question in the branch is the answer it follows (its id is the API's, see the transport).
    const parentId = shown[index - 1]?.id ?? null;
    startAnswer();
    setEditing(null);
    const accepted = sendInFlight.start();
    setMessages(shown.slice(0, index));
    void sendMessage({ text, metadata: { parentId } });
    scrollToBottom("instant");
    // Not taken (no network, a limit): the page shows the branch as it was again, and the edit with its text.
    void accepted.then((ok) => {
      if (!ok) setEditing({ id: questionId, text });
    });
  }

  useEffect(() => {
    const id = focusEditOf.current;
    if (id === null || editing !== null) return;
    focusEditOf.current = null;
    content.current
      ?.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(id)}"] [data-testid="edit-message"]`)
      ?.focus();
  });

  const controls = useMemo<MessageControls>(
    () => ({
      busy,
      onRegenerate: regenerateAnswer,
      onEdit: startEditing,
      onSwitchVersion: (messageId) => void switchVersion(messageId),
    }),
    [busy, regenerateAnswer, startEditing, switchVersion],
  );

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
        <ConversationControls conversation={conversation} title={listed?.title ?? conversation.title ?? null} />
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
            {messages.map((message, index) =>
              editing?.id === message.id ? (
                <MessageEditor
                  key={message.id}
                  initialText={editing.text}
                  onSave={(text) => saveEdit(message.id, text)}
                  onCancel={cancelEditing}
                />
              ) : (
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
                  controls={controls}
                />
              ),
            )}
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
          <ComposerNotice
            text={notice.text}
            onRetry={notice.retry && !busy ? () => composer.current?.submit() : undefined}
            testId="chat-notice"
          >
            {!busy && lastInProgress && (
              <button type="button" className="underline" onClick={() => void resumeStream()}>
                Reconnect
              </button>
            )}
            <button type="button" className="text-muted-foreground underline" onClick={() => setNotice(null)}>
              Dismiss
            </button>
          </ComposerNotice>
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
