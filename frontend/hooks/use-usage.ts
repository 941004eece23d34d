"use client";

import { useCallback, useState } from "react";

import type { Usage } from "@/lib/api/types";

import { useApi } from "./use-api";

export type TodayUsage = {
  /** Input plus output tokens spent today (UTC), the unit of the daily quota. */
  tokens: number;
  answers: number;
  /** Tokens allowed per day; null: no quota. */
  quota: number | null;
};

/** Today's entry of GET /auth/me/usage (its days are UTC days, newest first; a day without use is left out). */
export function todayOf(usage: Usage, now: Date = new Date()): TodayUsage {
  const today = now.toISOString().slice(0, 10);
  const day = usage.days.find((entry) => entry.day === today);
  return {
    tokens: day ? day.input_tokens + day.output_tokens : 0,
    answers: day?.answers ?? 0,
    quota: usage.daily_token_quota,
  };
}

/** Today's token use, loaded on demand (when the account menu opens); null until known, or if the API does not say. */
export function useTodayUsage(): { usage: TodayUsage | null; load: () => Promise<void> } {
  const api = useApi();
  const [usage, setUsage] = useState<TodayUsage | null>(null);
  const load = useCallback(async () => {
    const answer = await api.usage();
    setUsage(answer ? todayOf(answer) : null);
  }, [api]);
  return { usage, load };
}
