// A message typed on the home page: the conversation is created first, and its page sends the message on arrival.

const pending = new Map<string, string>();

export function setPendingMessage(conversationId: string, text: string): void {
  pending.set(conversationId, text);
}

/** The message waiting for `conversationId`, handed out once. */
export function takePendingMessage(conversationId: string): string | undefined {
  const text = pending.get(conversationId);
  pending.delete(conversationId);
  return text;
}
