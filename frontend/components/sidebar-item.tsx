"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

import { conversationTitle, useConversations } from "@/hooks/use-conversations";
import type { Conversation } from "@/lib/api/types";

import { ConfirmDialog } from "./confirm-dialog";
import { PencilIcon, TrashIcon } from "./icons";

export function SidebarItem({
  conversation,
  active,
  onNavigate,
  focusWhenLast,
}: {
  conversation: Conversation;
  active: boolean;
  onNavigate: () => void;
  /** Where focus goes when this conversation, the list's only one, is deleted. */
  focusWhenLast: React.RefObject<HTMLElement | null>;
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
  const row = useRef<HTMLLIElement>(null);
  const renameButton = useRef<HTMLButtonElement>(null);
  // A rename ended from the keyboard (Enter, Escape) gives focus back to the Rename button, which the field replaced.
  const refocusRename = useRef(false);
  // Deleted: focus goes to the next conversation in the list (or the one before), not to the page's body.
  const afterDelete = useRef<HTMLElement | null>(null);

  useEffect(() => {
    if (editing || !refocusRename.current) return;
    refocusRename.current = false;
    renameButton.current?.focus();
  }, [editing]);

  function startEditing() {
    saved.current = false;
    setEditing(true);
  }

  function neighbour(): HTMLElement | null {
    const item = row.current;
    const next = item?.nextElementSibling ?? item?.previousElementSibling;
    return next?.querySelector<HTMLElement>("a[href]") ?? focusWhenLast.current;
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
    // Found now, while this item is still in the list (it leaves the page as soon as the list drops it).
    afterDelete.current = neighbour();
    try {
      await remove(conversation.id);
      setConfirming(false);
      if (active) router.push("/");
    } catch (failure) {
      afterDelete.current = null;
      setConfirming(false);
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li ref={row} data-testid="conversation-item" data-conversation-id={conversation.id}>
      {editing ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const input = event.currentTarget.elements.namedItem("title") as HTMLInputElement;
            refocusRename.current = true;
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
                refocusRename.current = true;
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
            ref={renameButton}
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
          returnFocus={() => afterDelete.current}
        />
      )}
    </li>
  );
}
