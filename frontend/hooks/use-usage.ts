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

/**
 * Today's use from GET /auth/me/usage?days=1: the one day asked for is the server's today (UTC), left out when
 * nothing was spent yet. (Not matched against this computer's date, whose clock may be off around midnight.)
 */
export function todayOf(usage: Usage): TodayUsage {
  const day = usage.days[0];
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
