"use client";

import { ApiProvider } from "@/hooks/use-api";
import { ConversationsProvider } from "@/hooks/use-conversations";
import { ReadinessProvider } from "@/hooks/use-readiness";
import { SessionProvider } from "@/hooks/use-session";

export function Providers({ apiUrl, children }: { apiUrl: string; children: React.ReactNode }) {
  return (
    <ApiProvider apiUrl={apiUrl}>
      <SessionProvider>
        <ReadinessProvider>
          <ConversationsProvider>{children}</ConversationsProvider>
        </ReadinessProvider>
      </SessionProvider>
    </ApiProvider>
  );
}
