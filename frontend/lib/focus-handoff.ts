// Focus handed from the home page's message box to the page of the conversation its first message created: that
// page replaces the box the user was typing in with its own, and focus would otherwise fall to the page's body.

let handedTo: string | null = null;

export function handFocusTo(conversationId: string): void {
  handedTo = conversationId;
}

/** Whether focus was handed to `conversationId` (once) and is still nowhere else. */
export function takeHandedFocus(conversationId: string): boolean {
  const mine = handedTo === conversationId;
  if (mine) handedTo = null;
  return mine && (document.activeElement === null || document.activeElement === document.body);
}
