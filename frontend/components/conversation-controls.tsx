"use client";

import { useEffect, useRef, useState } from "react";

import { useConversationSettings } from "@/hooks/use-conversation-settings";
import type { ConversationWithMessages } from "@/lib/api/types";

import { ExportMenu } from "./export-menu";
import { InstructionsDialog } from "./instructions-dialog";
import { ModelPicker } from "./model-picker";

/** The conversation's own settings in its header: the model, the instructions, and the exports. */
export function ConversationControls({
  conversation,
  title,
}: {
  conversation: ConversationWithMessages;
  /** The title as listed now (the server names a conversation after its first answer): the export's file name. */
  title: string | null;
}) {
  const settings = useConversationSettings(conversation);
  const [editing, setEditing] = useState(false);
  const instructionsButton = useRef<HTMLButtonElement>(null);

  // Focus goes back to the Instructions button once the dialog is gone: while the modal is open, the page behind it
  // is inert and cannot take focus.
  const refocus = useRef(false);
  useEffect(() => {
    if (editing || !refocus.current) return;
    refocus.current = false;
    instructionsButton.current?.focus();
  }, [editing]);

  function closeInstructions() {
    refocus.current = true;
    setEditing(false);
  }

  return (
    <div className="flex shrink-0 items-center gap-1">
      <ModelPicker
        value={settings.model}
        disabled={settings.saving}
        onChange={(model) => void settings.save({ model })}
      />
      <button
        ref={instructionsButton}
        type="button"
        onClick={() => setEditing(true)}
        className="rounded-lg px-2 py-1 text-xs text-muted-foreground hover:bg-muted hover:text-foreground"
        aria-haspopup="dialog"
        aria-label={settings.instructions !== null ? "Instructions (set)" : "Instructions"}
        data-testid="instructions-button"
        data-set={settings.instructions !== null}
      >
        Instructions{settings.instructions !== null && " •"}
      </button>
      {editing && (
        <InstructionsDialog
          instructions={settings.instructions}
          saving={settings.saving}
          error={settings.error}
          onSave={(instructions) =>
            void settings.save({ instructions }).then((saved) => {
              if (saved) closeInstructions();
            })
          }
          onClose={closeInstructions}
        />
      )}
      <ExportMenu conversationId={conversation.id} title={title} />
      {!editing && settings.error && (
        <span role="alert" className="max-w-48 truncate text-xs text-danger" title={settings.error}>
          {settings.error}
        </span>
      )}
    </div>
  );
}
