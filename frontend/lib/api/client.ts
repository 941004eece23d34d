// The typed API client: every path, body and answer comes from the generated OpenAPI types.
//
// The browser calls the API on another origin, so every request carries the session cookie
// (`credentials: "include"`; the API allows credentials for the web app's origins). A 401 from any call but the
// sign-in ones means the session ended mid-use (it expired, or was signed out elsewhere): listeners registered with
// `onSessionEnded` hear of it, and the app asks the user to sign in again.
//
// Every request but the answer's stream (which has a stall watch of its own, lib/chat/stall-watch.ts) gives up after
// `timeoutMs`: an API that accepts connections and never answers shows as an error to retry, not as "Loading…"
// forever.
import createClient from "openapi-fetch";

import type { paths } from "./schema";
import type {
  Conversation,
  ConversationCreated,
  Models,
  ConversationList,
  ConversationQuery,
  ConversationWithMessages,
  SendMessageAccepted,
  SessionIssued,
  StopAccepted,
  Usage,
  User,
} from "./types";

/** A 4xx/5xx answer from the API (`status`), or no answer at all (`status` 0: the network failed). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** From a 429's (or 503's) Retry-After header, when the browser may read it. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The API's errors are `{"detail": …}`: a sentence, or FastAPI's list of validation problems (each a sentence). */
export function describeDetail(body: unknown, fallback: string): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return sentence(detail);
    if (Array.isArray(detail)) {
      const messages = detail
        .map((item) => (item && typeof item === "object" && "msg" in item ? sentence(String(item.msg)) : ""))
        .filter(Boolean);
      if (messages.length > 0) return messages.join(" ");
    }
  }
  return fallback;
}

/** "wrong email or password" → "Wrong email or password." */
function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capitalised = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** Retry-After as seconds: a number of seconds, or an HTTP date. */
export function retryAfterSeconds(response: Response): number | null {
  const value = response.headers.get("retry-after");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** "in 45 seconds", "in 3 minutes", "in 2 hours". */
export function describeWait(seconds: number): string {
  if (seconds < 90) return `in ${Math.max(1, seconds)} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `in ${minutes} minutes`;
  return `in ${Math.ceil(minutes / 60)} hours`;
}

/** Whether the API's sentence says when to try again already (its 429s do: "…; try again in 30 seconds"). */
export function saysWhen(message: string): boolean {
  return /try again/i.test(message);
}

/** The message to show for an error, with a 429's wait when the API gave one and its sentence does not say it. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (
    error instanceof ApiError &&
    error.status === 429 &&
    error.retryAfterSeconds !== null &&
    !saysWhen(error.message)
  ) {
    return `${error.message} You can try again ${describeWait(error.retryAfterSeconds)}.`;
  }
  return error.message;
}

type Outcome<T> = { data?: T; error?: unknown; response: Response };

async function unwrap<T>(call: Promise<Outcome<T>>, what: string): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = await call;
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    if (error instanceof DOMException && error.name === "TimeoutError") {
      throw new ApiError(0, `The API did not answer in time to ${what}.`);
    }
    throw new ApiError(0, `Could not reach the API to ${what}. Check your connection.`);
  }
  const { data, error, response } = outcome;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      describeDetail(error, `Could not ${what} (HTTP ${response.status}).`),
      retryAfterSeconds(response),
    );
  }
  return data as T;
}

export type Api = ReturnType<typeof createApi>;

/** What PATCH /conversations/{id} may change besides the title: null goes back to the default. */
export type ConversationSettings = { model?: string | null; instructions?: string | null };

/** The export downloads: Markdown and JSON of the branch shown, and JSON of every version ("tree"). */
export type ExportFormat = "markdown" | "json" | "json-tree";

export const SESSION_ENDED_MESSAGE = "Your session has ended: sign in again to continue.";

/** How long an ordinary request may take, answer included, before it counts as failed. */
export const DEFAULT_TIMEOUT_MS = 15_000;

export function createApi(baseUrl: string, { timeoutMs = DEFAULT_TIMEOUT_MS }: { timeoutMs?: number } = {}) {
  // The caller's own signal (leaving a page) still aborts as an AbortError; the timeout aborts as a TimeoutError.
  const timedFetch = (request: Request) =>
    fetch(request, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]) });
  const client = createClient<paths>({ baseUrl, credentials: "include", fetch: timedFetch });
  const sessionListeners = new Set<(message: string) => void>();
  const sessionEnded = (message: string) => sessionListeners.forEach((listener) => listener(message));

  /** A call made while signed in: its 401 means the session ended. */
  const owned = async <T>(call: Promise<Outcome<T>>, what: string): Promise<T> => {
    try {
      return await unwrap(call, what);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) sessionEnded(error.message);
      throw error;
    }
  };

  return {
    baseUrl,
    /** Hear of every 401 from a call made while signed in; returns the unsubscribe function. */
    onSessionEnded(listener: (message: string) => void): () => void {
      sessionListeners.add(listener);
      return () => sessionListeners.delete(listener);
    },

    // --- Accounts: their 401s are answers (no session yet, wrong password), not a session that ended. ---
    me: (): Promise<User> => unwrap(client.GET("/auth/me", { cache: "no-store" }), "check who is signed in"),
    startGuest: (): Promise<SessionIssued> => unwrap(client.POST("/auth/guest"), "start a guest session"),
    signIn: (email: string, password: string): Promise<SessionIssued> =>
      unwrap(client.POST("/auth/login", { body: { email, password } }), "sign in"),
    register: (email: string, password: string): Promise<SessionIssued> =>
      unwrap(client.POST("/auth/register", { body: { email, password } }), "create your account"),
    signOut: (): Promise<void> => unwrap(client.POST("/auth/logout"), "sign out").then(() => undefined),
    signOutEverywhere: (): Promise<void> =>
      unwrap(client.POST("/auth/logout-everywhere"), "sign out everywhere").then(() => undefined),
    changePassword: (currentPassword: string, newPassword: string): Promise<SessionIssued> =>
      owned(
        client.POST("/auth/password", {
          body: { current_password: currentPassword, new_password: newPassword },
        }),
        "change your password",
      ),
    /** Today's and recent days' token use, and the daily quota; null when the API does not say (or cannot). */
    usage: (): Promise<Usage | null> =>
      owned(
        client.GET("/auth/me/usage", { params: { query: { days: 1 } }, cache: "no-store" }),
        "load your usage",
      ).catch(() => null),

    // --- Conversations, messages and answers ---
    /** A page of conversations, most recently active first; with `q`, those that match it, best first, each with
     * its snippet. `cursor`: the previous page's `next_cursor` (for the same `q`). */
    listConversations: ({ limit = 50, cursor, q, signal }: ConversationQuery = {}): Promise<ConversationList> =>
      owned(
        client.GET("/conversations", {
          params: { query: { limit, ...(cursor ? { cursor } : {}), ...(q ? { q } : {}) } },
          signal,
        }),
        q ? "search your conversations" : "load your conversations",
      ),
    /** A new conversation; with `message`, sent as its first (the conversation exists only if it is accepted). */
    createConversation: (body: { title?: string; message?: string } = {}): Promise<ConversationCreated> =>
      owned(
        client.POST("/conversations", { body }),
        body.message === undefined ? "create a conversation" : "send your message",
      ),
    getConversation: (id: string, signal?: AbortSignal): Promise<ConversationWithMessages> =>
      owned(
        client.GET("/conversations/{conversation_id}", {
          params: { path: { conversation_id: id } },
          signal,
          cache: "no-store",
        }),
        "load the conversation",
      ),
    renameConversation: (id: string, title: string): Promise<Conversation> =>
      owned(
        client.PATCH("/conversations/{conversation_id}", {
          params: { path: { conversation_id: id } },
          body: { title },
        }),
        "rename the conversation",
      ),
    deleteConversation: (id: string): Promise<void> =>
      owned(
        client.DELETE("/conversations/{conversation_id}", { params: { path: { conversation_id: id } } }),
        "delete the conversation",
      ).then(() => undefined),
    /**
     * Sends a message. `parentId` is the answer it follows (null: a new first turn), which is how an edited message
     * starts a new branch; left out, it follows the end of the branch shown.
     */
    sendMessage: (
      id: string,
      content: string,
      { parentId, signal }: { parentId?: string | null; signal?: AbortSignal } = {},
    ): Promise<SendMessageAccepted> =>
      owned(
        client.POST("/conversations/{conversation_id}/messages", {
          params: { path: { conversation_id: id } },
          body: parentId === undefined ? { content } : { content, parent_id: parentId },
          signal,
        }),
        "send your message",
      ),
    /** A new answer to the question `assistantMessageId` answers, as a new version of it (streamed like a send's). */
    regenerate: (assistantMessageId: string): Promise<SendMessageAccepted> =>
      owned(
        client.POST("/messages/{assistant_message_id}/regenerate", {
          params: { path: { assistant_message_id: assistantMessageId } },
        }),
        "regenerate the answer",
      ),
    /** Shows the branch through `messageId` (one of some message's versions), for every device. */
    selectBranch: (id: string, messageId: string): Promise<ConversationWithMessages> =>
      owned(
        client.POST("/conversations/{conversation_id}/branch", {
          params: { path: { conversation_id: id } },
          body: { message_id: messageId },
        }),
        "show that version",
      ),
    /** The conversation's model and instructions (null: back to the default). */
    updateSettings: (id: string, settings: ConversationSettings): Promise<Conversation> =>
      owned(
        client.PATCH("/conversations/{conversation_id}", {
          params: { path: { conversation_id: id } },
          body: settings,
        }),
        "save the conversation's settings",
      ),
    /**
     * The conversation as a file: Markdown (the branch shown) or JSON (the branch, or every version). Fetched rather
     * than linked: the API is on another origin, and this way its errors can be shown.
     */
    exportConversation: async (id: string, format: ExportFormat): Promise<Blob> => {
      const what = "export the conversation";
      const path = { params: { path: { conversation_id: id } }, parseAs: "blob" } as const;
      const call =
        format === "markdown"
          ? client.GET("/conversations/{conversation_id}/export/markdown", path)
          : client.GET("/conversations/{conversation_id}/export/json", {
              ...path,
              params: { ...path.params, query: { scope: format === "json-tree" ? "tree" : "branch" } },
            });
      return owned(call as Promise<Outcome<Blob>>, what);
    },
    cancel: (taskId: string): Promise<StopAccepted> =>
      owned(client.POST("/stream/{task_id}/cancel", { params: { path: { task_id: taskId } } }), "stop the answer"),
    models: (): Promise<Models> => owned(client.GET("/models"), "find out which model answers"),
    streamUrl: (taskId: string, after: number): string =>
      `${baseUrl}/stream/${encodeURIComponent(taskId)}?after=${after}`,
    /** The fetch the stream reader uses: with the session cookie, and its 401 heard like any other call's. */
    streamFetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetch(input, { ...init, credentials: "include" });
      if (response.status === 401) sessionEnded(SESSION_ENDED_MESSAGE);
      return response;
    }) as typeof fetch,
  };
}
