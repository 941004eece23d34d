"use client";

import { createContext, useContext, useMemo } from "react";

import { createApi, type Api } from "@/lib/api/client";

const ApiContext = createContext<Api | null>(null);

export function ApiProvider({
  apiUrl,
  timeoutMs,
  children,
}: {
  apiUrl: string;
  timeoutMs?: number;
  children: React.ReactNode;
}) {
  const api = useMemo(() => createApi(apiUrl, { timeoutMs }), [apiUrl, timeoutMs]);
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error("useApi needs an ApiProvider");
  return api;
}
