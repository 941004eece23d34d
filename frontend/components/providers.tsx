"use client";

import { ApiProvider } from "@/hooks/use-api";
import { ConversationsProvider } from "@/hooks/use-conversations";
import { ModelsProvider } from "@/hooks/use-models";
import { SessionProvider } from "@/hooks/use-session";

export function Providers({
  apiUrl,
  apiTimeoutMs,
  children,
}: {
  apiUrl: string;
  apiTimeoutMs?: number;
  children: React.ReactNode;
}) {
  return (
    <ApiProvider apiUrl={apiUrl} timeoutMs={apiTimeoutMs}>
      <SessionProvider>
        <ModelsProvider>
          <ConversationsProvider>{children}</ConversationsProvider>
        </ModelsProvider>
      </SessionProvider>
    </ApiProvider>
  );
}
