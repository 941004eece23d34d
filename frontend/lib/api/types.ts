// Names for the generated OpenAPI types (lib/api/schema.ts) that the app uses.
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Conversation = Schemas["ConversationPublic"];
/** POST /conversations: with `first_message` when it was created with its first message. */
export type ConversationCreated = Schemas["ConversationCreated"];
export type ConversationWithMessages = Schemas["ConversationWithMessages"];
export type ConversationList = Schemas["ConversationsPublic"];
/** A conversation as the list shows it: with a search, `snippet` says where it matched (`match`: highlighted). */
export type ListedConversation = Schemas["ConversationListed"];
export type SnippetPart = Schemas["SnippetPart"];
/** GET /conversations' page: `cursor` is the previous page's `next_cursor`, `q` the words searched for. */
export type ConversationQuery = { limit?: number; cursor?: string | null; q?: string; signal?: AbortSignal };
export type ApiMessage = Schemas["MessagePublic"];
export type MessageStatus = Schemas["MessageStatus"];
export type SendMessageAccepted = Schemas["SendMessageAccepted"];
export type StopAccepted = Schemas["StopAccepted"];

/** GET /models: the model answers come from (`default`), and whether each is the simulator. */
export type Models = Schemas["ModelsPublic"];

export const IN_PROGRESS_STATUSES: readonly MessageStatus[] = ["pending", "streaming"];

export function isInProgress(status: MessageStatus | undefined): boolean {
  return status !== undefined && IN_PROGRESS_STATUSES.includes(status);
}

export type User = Schemas["UserPublic"];
export type SessionIssued = Schemas["SessionIssued"];

/** GET /auth/me/usage: token use per UTC day (newest first; days without answers left out) and the daily quota. */
export type Usage = Schemas["UsagePublic"];
