"use client";

import { useCallback, useState } from "react";

import { errorMessage, type ConversationSettings } from "@/lib/api/client";
import type { ConversationWithMessages } from "@/lib/api/types";

import { useApi } from "./use-api";

type Settings = { model: string | null; instructions: string | null };

/**
 * A conversation's model and instructions (its system prompt), as stored: `save` PATCHes the conversation and shows
 * what the server kept. Null means the default (the API's model; no instructions).
 */
export function useConversationSettings(conversation: ConversationWithMessages) {
  const api = useApi();
  const [settings, setSettings] = useState<Settings>({
    model: conversation.model ?? null,
    instructions: conversation.instructions ?? null,
  });
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const conversationId = conversation.id;

  /** Saves `changes`; resolves to whether the server took them (else `error` says why). */
  const save = useCallback(
    async (changes: ConversationSettings): Promise<boolean> => {
      setSaving(true);
      setError(null);
      try {
        const stored = await api.updateSettings(conversationId, changes);
        setSettings({ model: stored.model ?? null, instructions: stored.instructions ?? null });
        return true;
      } catch (failure) {
        setError(errorMessage(failure));
        return false;
      } finally {
        setSaving(false);
      }
    },
    [api, conversationId],
  );

  return { ...settings, saving, error, save };
}
