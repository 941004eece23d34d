"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";

import { conversationTitle, useConversations } from "@/hooks/use-conversations";
import type { Conversation } from "@/lib/api/types";

import { ConfirmDialog } from "./confirm-dialog";
import { PencilIcon, TrashIcon } from "./icons";

export function SidebarItem({
  conversation,
  active,
  onNavigate,
}: {
  conversation: Conversation;
  active: boolean;
  onNavigate: () => void;
}) {
  const router = useRouter();
  const { rename, remove } = useConversations();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Enter submits and then the field's removal may blur it: save once per edit.
  const saved = useRef(false);
  const title = conversationTitle(conversation);

  function startEditing() {
    saved.current = false;
    setEditing(true);
  }

  async function saveTitle(value: string) {
    if (saved.current) return;
    saved.current = true;
    const next = value.trim();
    setEditing(false);
    if (!next || next === conversation.title) return;
    try {
      setError(null);
      await rename(conversation.id, next);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }

  async function confirmDelete() {
    setBusy(true);
    try {
      await remove(conversation.id);
      setConfirming(false);
      if (active) router.push("/");
    } catch (failure) {
      setConfirming(false);
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li data-testid="conversation-item" data-conversation-id={conversation.id}>
      {editing ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const input = event.currentTarget.elements.namedItem("title") as HTMLInputElement;
            void saveTitle(input.value);
          }}
        >
          <input
            name="title"
            defaultValue={conversation.title ?? ""}
            placeholder="New conversation"
            aria-label="Conversation title"
            maxLength={200}
            // The user just asked to rename: the field is where their attention is.
            autoFocus
            onFocus={(event) => event.currentTarget.select()}
            onBlur={(event) => void saveTitle(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === "Escape") {
                event.preventDefault();
                event.stopPropagation();
                saved.current = true;
                setEditing(false);
              }
            }}
            className="w-full rounded-lg border bg-background px-2 py-1.5 text-sm outline-none focus:border-accent"
            data-testid="rename-input"
          />
        </form>
      ) : (
        <div
          className={`group flex items-center gap-1 rounded-lg pr-1 text-sm ${
            active ? "bg-muted font-medium" : "hover:bg-muted/70"
          }`}
        >
          <Link
            href={`/c/${conversation.id}`}
            onClick={onNavigate}
            aria-current={active ? "page" : undefined}
            className="min-w-0 flex-1 truncate rounded-lg px-2 py-1.5"
            data-testid="conversation-link"
            title={title}
          >
            {title}
          </Link>
          <button
            type="button"
            onClick={startEditing}
            className="rounded-md p-1 text-muted-foreground opacity-100 hover:bg-background hover:text-foreground focus:opacity-100 md:opacity-0 md:group-focus-within:opacity-100 md:group-hover:opacity-100"
            aria-label={`Rename “${title}”`}
            data-testid="rename-conversation"
          >
            <PencilIcon size={14} />
          </button>
          <button
            type="button"
            onClick={() => setConfirming(true)}
            className="rounded-md p-1 text-muted-foreground opacity-100 hover:bg-background hover:text-danger focus:opacity-100 md:opacity-0 md:group-focus-within:opacity-100 md:group-hover:opacity-100"
            aria-label={`Delete “${title}”`}
            data-testid="delete-conversation"
          >
            <TrashIcon size={14} />
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="px-2 pb-1 text-xs text-danger">
          {error}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          open={confirming}
          title="Delete this conversation?"
          description={`“${title}” and all its messages will be deleted. This cannot be undone.`}
          confirmLabel="Delete"
          busy={busy}
          onConfirm={() => void confirmDelete()}
          onCancel={() => setConfirming(false)}
        />
      )}
    </li>
  );
}
