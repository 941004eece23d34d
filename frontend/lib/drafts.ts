// What is being typed in a composer, kept in this tab's sessionStorage per conversation ("home" for the start page),
// so that nothing typed is lost to a reload, a refused send (signed out, rate limited) or a detour through sign-in.
// sessionStorage, not localStorage: two tabs on one conversation each keep their own draft, and a draft goes when
// the tab does. Signing out clears them all.

const PREFIX = "resilient-chat:draft:";

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.sessionStorage;
  } catch {
    return null; // storage disabled: drafts live only as long as the page
  }
}

export function readDraft(key: string): string {
  return storage()?.getItem(PREFIX + key) ?? "";
}

export function writeDraft(key: string, text: string): void {
  const store = storage();
  if (!store) return;
  try {
    if (text) store.setItem(PREFIX + key, text);
    else store.removeItem(PREFIX + key);
  } catch {
    // Over quota: the draft still lives in the page.
  }
}

/** Forget every draft of this tab (on signing out: the next person at this screen must not see them). */
export function clearDrafts(): void {
  const store = storage();
  if (!store) return;
  for (const key of Object.keys(store)) if (key.startsWith(PREFIX)) store.removeItem(key);
}

/** Carries a draft over to another key (when its conversation cannot be opened any more), unless one is there. */
export function moveDraft(from: string, to: string): void {
  const text = readDraft(from);
  if (!text || readDraft(to)) return;
  writeDraft(to, text);
  writeDraft(from, "");
}
