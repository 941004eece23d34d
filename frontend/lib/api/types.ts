// Names for the generated OpenAPI types (lib/api/schema.ts) that the app uses.
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Conversation = Schemas["ConversationPublic"];
export type ConversationWithMessages = Schemas["ConversationWithMessages"];
export type ConversationList = Schemas["ConversationsPublic"];
export type ApiMessage = Schemas["MessagePublic"];
export type MessageStatus = Schemas["MessageStatus"];
export type SendMessageAccepted = Schemas["SendMessageAccepted"];
export type StopAccepted = Schemas["StopAccepted"];

/** GET /readyz answers untyped JSON (a JSONResponse), so its shape is written down here. */
export type Readiness = {
  status: "ready" | "unavailable";
  llm?: { simulated: boolean; model: string; api_style: string; base_url: string };
};

export const IN_PROGRESS_STATUSES: readonly MessageStatus[] = ["pending", "streaming"];

export function isInProgress(status: MessageStatus | undefined): boolean {
  return status !== undefined && IN_PROGRESS_STATUSES.includes(status);
}
