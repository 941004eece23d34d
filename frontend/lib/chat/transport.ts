// The AI SDK ChatTransport that speaks this project's API instead of the SDK's own protocol.
//
// sendMessages:      POST /conversations/{id}/messages (or, for useChat's regenerate, POST /messages/{id}/regenerate),
//                    then follow GET /stream/{task_id} from the first event.
// reconnectToStream: GET /conversations/{id}; if its last answer is pending or streaming, show its checkpoint
//                    (content and reasoning as of event `stream_seq`) and follow the stream after `stream_seq`;
//                    if it has ended since the page read it, show it as stored.
// Either way the stream is followed to its terminal event across dropped connections (follow-task.ts), and the
// answer's UI message id is the API's assistant message id, so a resumed stream replaces the message it belongs to.

import type { ChatRequestOptions, ChatTransport } from "ai";

import type { Api } from "@/lib/api/client";
import { ApiError } from "@/lib/api/client";
import { isInProgress, type ApiMessage, type SendMessageAccepted } from "@/lib/api/types";

import { AnswerChunks } from "./answer-chunks";
import { followTask, StreamGoneError, type ConnectionState } from "./follow-task";
import { messageText, metadataOf } from "./messages";
import type { ChatChunk, ChatMessage, ChatMetadata } from "./types";

export type TransportEvents = {
  /** The state of the connection to the answer's stream, for the status indicator. */
  onConnection?: (state: ConnectionState) => void;
  /** A message was accepted: the conversation moved to the top of the list, and other tabs may want to follow. */
  onAnswerStarted?: (answer: { conversationId: string; taskId: string }) => void;
  /** The answer reached its terminal event (completed, cancelled or failed). */
  onAnswerFinished?: (answer: { conversationId: string; taskId: string }) => void;
};

export type TransportOptions = TransportEvents & {
  /** For tests: the fetch used for streams, and the delay before reconnect attempt n. */
  fetchImpl?: typeof fetch;
  retryDelayMs?: (attempt: number) => number;
};

type Answer = {
  conversationId: string;
  messageId: string;
  taskId: string;
  after: number;
  metadata: ChatMetadata;
  /** The checkpoint to show before the events after `after` (when resuming). */
  checkpoint: { content: string; reasoning: string } | null;
};

/** The chunks that end the answer `chunks` builds with the stored message's text and status. */
function endingAsStored(stored: ApiMessage, chunks: AnswerChunks): ChatChunk[] {
  return [
    ...chunks.replaceWith(stored.content, stored.reasoning, stored.stream_seq),
    ...chunks.finish(metadataOf(stored)),
  ];
}

/** A ReadableStream that pulls from `source` on demand and closes it when the reader cancels. */
function streamOf<T>(source: AsyncGenerator<T, void, undefined>): ReadableStream<T> {
  return new ReadableStream<T>({
    async pull(controller) {
      try {
        const { value, done } = await source.next();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await source.return(undefined);
    },
  });
}

export class ApiChatTransport implements ChatTransport<ChatMessage> {
  /** A resumed stream starts over from the checkpoint: the SDK must reset the message before applying it. */
  readonly resumeStreamIsReplay = true;

  private activeTaskId: string | null = null;
  private stopWanted = false;
  private refused: string | null = null;

  constructor(
    private readonly api: Api,
    private readonly events: TransportOptions = {},
  ) {}

  /**
   * The text of the last message the API did not accept (signed out, rate limited, a conflict, no network), handed
   * out once: it is not part of the conversation, and the page gives it back to the user to send again.
   */
  takeRefused(): string | null {
    const text = this.refused;
    this.refused = null;
    return text;
  }

  /** The task whose stream is being followed, if any. */
  get taskId(): string | null {
    return this.activeTaskId;
  }

  sendMessages = async ({
    trigger,
    chatId,
    messageId,
    messages,
    abortSignal,
  }: {
    trigger: "submit-message" | "regenerate-message";
    chatId: string;
    messageId: string | undefined;
    messages: ChatMessage[];
    abortSignal: AbortSignal | undefined;
  } & ChatRequestOptions): Promise<ReadableStream<ChatChunk>> => {
    this.stopWanted = false;
    this.refused = null;
    const accepted =
      trigger === "regenerate-message" ? await this.regenerate(messageId) : await this.send(chatId, messages);
    this.activeTaskId = accepted.task_id;
    this.events.onAnswerStarted?.({ conversationId: chatId, taskId: accepted.task_id });
    // Stop was pressed while the message was on its way: stop the answer now that it has a task.
    if (this.stopWanted) void this.stop();
    return streamOf(
      this.follow(
        {
          conversationId: chatId,
          messageId: accepted.assistant_message_id,
          taskId: accepted.task_id,
          after: 0,
          metadata: { status: "pending", taskId: accepted.task_id, error: null },
          checkpoint: null,
        },
        abortSignal,
      ),
    );
  };

  /** Sends the last message; its `parentId` (set by an edit) says which answer it follows. */
  private async send(chatId: string, messages: ChatMessage[]): Promise<SendMessageAccepted> {
    const last = messages.at(-1);
    if (!last || last.role !== "user") throw new Error("There is no message to send.");
    const content = messageText(last);
    try {
      return await this.api.sendMessage(chatId, content, { parentId: last.metadata?.parentId });
    } catch (error) {
      this.refused = content;
      throw error;
    }
  }

  /**
   * useChat's regenerate({messageId}) has already taken the answer `messageId` (and what followed it) off the page;
   * the server keeps it as an earlier version and streams a new one. The id is the API's: the transport gives
   * answers their API ids, and the page re-reads the conversation after each answer.
   */
  private async regenerate(messageId: string | undefined): Promise<SendMessageAccepted> {
    if (!messageId) throw new Error("There is no answer to regenerate.");
    return this.api.regenerate(messageId);
  }

  reconnectToStream = async ({
    chatId,
    abortSignal,
  }: { chatId: string; abortSignal?: AbortSignal } & ChatRequestOptions): Promise<ReadableStream<ChatChunk> | null> => {
    const conversation = await this.api.getConversation(chatId, abortSignal);
    const last: ApiMessage | undefined = conversation.messages.at(-1);
    if (!last || last.role !== "assistant") return null;
    // It ended after the page read it as in progress (a quick answer, seen just after it was sent): the page would
    // otherwise show it streaming, with the text of that read, for good. Show it as stored instead.
    if (!isInProgress(last.status)) return streamOf(this.asStored(last));
    if (!last.task_id) return null;
    this.activeTaskId = last.task_id;
    return streamOf(
      this.follow(
        {
          conversationId: chatId,
          messageId: last.id,
          taskId: last.task_id,
          after: last.stream_seq,
          metadata: metadataOf(last),
          checkpoint: { content: last.content, reasoning: last.reasoning },
        },
        abortSignal,
      ),
    );
  };

  /**
   * Stop the answer on the server, for every viewer: its stream then ends with {"done", "status": "cancelled"}
   * and the partial answer is kept. Pressed before the message was accepted, it stops the answer once it is.
   */
  async stop(): Promise<void> {
    this.stopWanted = true;
    const taskId = this.activeTaskId;
    if (taskId !== null) await this.api.cancel(taskId);
  }

  private async *follow(answer: Answer, abortSignal: AbortSignal | undefined): AsyncGenerator<ChatChunk> {
    const chunks = new AnswerChunks();
    const signal = abortSignal ?? new AbortController().signal;
    yield* chunks.start(answer.messageId, answer.metadata);
    if (answer.checkpoint) yield* chunks.replaceWith(answer.checkpoint.content, answer.checkpoint.reasoning, null);
    let finished = false;
    try {
      for await (const { seq, event } of followTask({
        streamUrl: (after) => this.api.streamUrl(answer.taskId, after),
        after: answer.after,
        signal,
        onState: this.events.onConnection,
        fetchImpl: this.events.fetchImpl ?? this.api.streamFetch,
        retryDelayMs: this.events.retryDelayMs,
      })) {
        if (event.kind === "content" || event.kind === "reasoning" || event.kind === "snapshot") {
          if (answer.metadata.status === "pending") {
            answer.metadata = { ...answer.metadata, status: "streaming" };
            yield { type: "message-metadata", messageMetadata: { status: "streaming" } };
          }
        }
        const mapped = chunks.apply(event, seq);
        if (event.kind === "done" || event.kind === "error") {
          finished = true;
          // Everything but the closing `finish`, then the stored message's details (model, simulated) before it.
          yield* mapped.slice(0, -1);
          yield* await this.storedDetails(answer);
          yield* mapped.slice(-1);
        } else {
          yield* mapped;
        }
      }
      if (!finished) {
        // 204: we already had every event. Show the stored answer as it ended.
        finished = true;
        yield* await this.storedEnding(answer, chunks);
      }
    } catch (error) {
      if (!(error instanceof StreamGoneError)) throw error;
      finished = true;
      yield* chunks.finish({ status: "failed", error: error.message });
    } finally {
      if (this.activeTaskId === answer.taskId) this.activeTaskId = null;
      if (finished) this.events.onAnswerFinished?.({ conversationId: answer.conversationId, taskId: answer.taskId });
    }
  }

  private async storedMessage(answer: Answer): Promise<ApiMessage | undefined> {
    try {
      const conversation = await this.api.getConversation(answer.conversationId);
      return conversation.messages.find((message) => message.id === answer.messageId);
    } catch (error) {
      if (error instanceof ApiError) return undefined;
      throw error;
    }
  }

  private async storedDetails(answer: Answer): Promise<ChatChunk[]> {
    const stored = await this.storedMessage(answer);
    if (!stored) return [];
    return [
      {
        type: "message-metadata",
        messageMetadata: { model: stored.model ?? null, simulated: stored.simulated ?? null },
      },
    ];
  }

  private async storedEnding(answer: Answer, chunks: AnswerChunks): Promise<ChatChunk[]> {
    const stored = await this.storedMessage(answer);
    if (!stored) return chunks.finish({ status: "failed", error: "The answer could not be loaded." });
    return endingAsStored(stored, chunks);
  }

  /** An answer that has ended, as the API stores it. */
  private async *asStored(stored: ApiMessage): AsyncGenerator<ChatChunk> {
    const chunks = new AnswerChunks();
    yield* chunks.start(stored.id, metadataOf(stored));
    yield* endingAsStored(stored, chunks);
  }
}
