"use client";

import { ApiProvider } from "@/hooks/use-api";
import { ConversationsProvider } from "@/hooks/use-conversations";
import { ReadinessProvider } from "@/hooks/use-readiness";

export function Providers({ apiUrl, children }: { apiUrl: string; children: React.ReactNode }) {
  return (
    <ApiProvider apiUrl={apiUrl}>
      <ReadinessProvider>
        <ConversationsProvider>{children}</ConversationsProvider>
      </ReadinessProvider>
    </ApiProvider>
  );
}
