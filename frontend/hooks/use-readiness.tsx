"use client";

import { createContext, useContext, useEffect, useState } from "react";

import type { Readiness } from "@/lib/api/types";

import { useApi } from "./use-api";

const ReadinessContext = createContext<Readiness | null>(null);

/** GET /readyz once: which model answers, and whether answers are simulated. */
export function ReadinessProvider({ children }: { children: React.ReactNode }) {
  const api = useApi();
  const [readiness, setReadiness] = useState<Readiness | null>(null);
  useEffect(() => {
    let current = true;
    void api.readiness().then((value) => {
      if (current) setReadiness(value);
    });
    return () => {
      current = false;
    };
  }, [api]);
  return <ReadinessContext.Provider value={readiness}>{children}</ReadinessContext.Provider>;
}

export function useReadiness(): Readiness | null {
  return useContext(ReadinessContext);
}

/** True when the API says answers come from the simulator; null while unknown. */
export function useSimulated(): boolean | null {
  const readiness = useReadiness();
  return readiness?.llm ? readiness.llm.simulated : null;
}
