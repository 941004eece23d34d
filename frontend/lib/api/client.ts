// The typed API client: every path, body and answer comes from the generated OpenAPI types.
import createClient from "openapi-fetch";

import type { paths } from "./schema";
import type {
  Conversation,
  ConversationList,
  ConversationWithMessages,
  Readiness,
  SendMessageAccepted,
  StopAccepted,
} from "./types";

/** A 4xx/5xx answer from the API (`status`), or no answer at all (`status` 0: the network failed). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The API's errors are `{"detail": …}`: a sentence, or FastAPI's list of validation problems. */
export function describeDetail(body: unknown, fallback: string): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      const messages = detail
        .map((item) => (item && typeof item === "object" && "msg" in item ? String(item.msg) : ""))
        .filter(Boolean);
      if (messages.length > 0) return messages.join("; ");
    }
  }
  return fallback;
}

type Outcome<T> = { data?: T; error?: unknown; response: Response };

async function unwrap<T>(call: Promise<Outcome<T>>, what: string): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = await call;
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, `Could not reach the API to ${what}. Check your connection.`);
  }
  const { data, error, response } = outcome;
  if (!response.ok) {
    throw new ApiError(response.status, describeDetail(error, `Could not ${what} (HTTP ${response.status}).`));
  }
  return data as T;
}

export type Api = ReturnType<typeof createApi>;

export function createApi(baseUrl: string) {
  const client = createClient<paths>({ baseUrl });
  return {
    baseUrl,
    listConversations: (limit = 100, offset = 0): Promise<ConversationList> =>
      unwrap(client.GET("/conversations", { params: { query: { limit, offset } } }), "load your conversations"),
    createConversation: (title?: string): Promise<Conversation> =>
      unwrap(client.POST("/conversations", { body: title === undefined ? {} : { title } }), "create a conversation"),
    getConversation: (id: string, signal?: AbortSignal): Promise<ConversationWithMessages> =>
      unwrap(
        client.GET("/conversations/{conversation_id}", {
          params: { path: { conversation_id: id } },
          signal,
          cache: "no-store",
        }),
        "load the conversation",
      ),
    renameConversation: (id: string, title: string): Promise<Conversation> =>
      unwrap(
        client.PATCH("/conversations/{conversation_id}", {
          params: { path: { conversation_id: id } },
          body: { title },
        }),
        "rename the conversation",
      ),
    deleteConversation: (id: string): Promise<void> =>
      unwrap(
        client.DELETE("/conversations/{conversation_id}", { params: { path: { conversation_id: id } } }),
        "delete the conversation",
      ).then(() => undefined),
    sendMessage: (id: string, content: string, signal?: AbortSignal): Promise<SendMessageAccepted> =>
      unwrap(
        client.POST("/conversations/{conversation_id}/messages", {
          params: { path: { conversation_id: id } },
          body: { content },
          signal,
        }),
        "send your message",
      ),
    cancel: (taskId: string): Promise<StopAccepted> =>
      unwrap(client.POST("/stream/{task_id}/cancel", { params: { path: { task_id: taskId } } }), "stop the answer"),
    readiness: async (): Promise<Readiness | null> => {
      try {
        const response = await fetch(`${baseUrl}/readyz`, { cache: "no-store" });
        return (await response.json()) as Readiness;
      } catch {
        return null;
      }
    },
    streamUrl: (taskId: string, after: number): string =>
      `${baseUrl}/stream/${encodeURIComponent(taskId)}?after=${after}`,
  };
}
