// Tabs of this app in the same browser tell each other what changed (BroadcastChannel): the conversation list, and
// answers started in a conversation another tab shows, so that tab follows the answer live, and sign-ins and sign-outs
// (the tabs share the session cookie, so they follow along).

export type TabMessage =
  | { type: "conversations-changed" }
  | { type: "answer-started"; conversationId: string; taskId: string }
  | { type: "session-changed"; change: "signed-in" | "signed-out" };

const CHANNEL = "resilient-chat";

let channel: BroadcastChannel | null = null;

function getChannel(): BroadcastChannel | null {
  if (typeof window === "undefined" || typeof BroadcastChannel === "undefined") return null;
  channel ??= new BroadcastChannel(CHANNEL);
  return channel;
}

export function announce(message: TabMessage): void {
  getChannel()?.postMessage(message);
}

/** Calls `listener` with every message another tab announces; returns the unsubscribe function. */
export function listen(listener: (message: TabMessage) => void): () => void {
  const current = getChannel();
  if (!current) return () => undefined;
  const onMessage = (event: MessageEvent<TabMessage>) => listener(event.data);
  current.addEventListener("message", onMessage);
  return () => current.removeEventListener("message", onMessage);
}
