"use client";

import { createContext, useContext, useEffect, useState } from "react";

import type { Models } from "@/lib/api/types";

import { useApi } from "./use-api";
import { useSession } from "./use-session";

const ModelsContext = createContext<Models | null>(null);

/** GET /models once signed in: which model answers, and whether answers come from the simulator. */
export function ModelsProvider({ children }: { children: React.ReactNode }) {
  const api = useApi();
  const { state, epoch } = useSession();
  const active = state.status === "active";
  const [models, setModels] = useState<Models | null>(null);
  const known = models !== null;
  useEffect(() => {
    // Only signed-in callers may ask; once known it stays (a new session, e.g. after signing in, tries again if not).
    if (!active || known) return;
    let current = true;
    api.models().then(
      (value) => {
        if (current) setModels(value);
      },
      () => undefined, // unknown: nothing is shown, as before an answer says what it is
    );
    return () => {
      current = false;
    };
  }, [api, active, known, epoch]);
  return <ModelsContext.Provider value={models}>{children}</ModelsContext.Provider>;
}

export function useModels(): Models | null {
  return useContext(ModelsContext);
}

/** True when the API says answers come from the simulator; null while unknown. */
export function useSimulated(): boolean | null {
  const models = useModels();
  if (!models) return null;
  return models.data.find((model) => model.id === models.default)?.simulated ?? null;
}
