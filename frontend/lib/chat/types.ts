// The AI SDK UI message as this app uses it: our API's message fields ride along as metadata.
import type { UIMessage, UIMessageChunk } from "ai";

import type { MessageStatus } from "@/lib/api/types";

import type { SnapshotReason } from "./stream-events";

export type ChatMetadata = {
  /** The API's status of the message: pending, streaming, completed, failed or cancelled. */
  status?: MessageStatus;
  error?: string | null;
  taskId?: string | null;
  simulated?: boolean | null;
  model?: string | null;
  /**
   * Where the message sits in the conversation's tree: the message it follows, and the versions of its turn (oldest
   * first, itself included). On a message about to be sent, `parentId` is the answer it follows (null: a new first
   * turn), as an edited message gives it; absent, it follows the end of the branch shown.
   */
  parentId?: string | null;
  siblingIds?: string[];
};

export type ChatDataParts = {
  /**
   * A marker: the parts after it replace everything before it. A `{"snapshot"}` event replaces the text so far,
   * and UI message chunks can only append, so a snapshot is sent as this marker followed by fresh parts.
   */
  snapshot: {
    seq: number;
    /** Why the server replaced the text, when it said (a restart after a server fault is shown on the answer). */
    reason?: SnapshotReason;
  };
};

export type ChatMessage = UIMessage<ChatMetadata, ChatDataParts>;
export type ChatChunk = UIMessageChunk<ChatMetadata, ChatDataParts>;
