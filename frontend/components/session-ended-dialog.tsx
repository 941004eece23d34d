"use client";

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";

import { signInHref, useSession } from "@/hooks/use-session";
import { errorMessage } from "@/lib/api/client";
import { moveDraft } from "@/lib/drafts";

/**
 * The session ended mid-use (it expired, or was signed out on another device): a modal prompt to sign in again. The
 * page under it stays as it was, and what is being typed is kept (lib/drafts.ts) and is there again after signing
 * in. "Not now" leaves a small bar with the same way back.
 */
export function SessionEndedDialog() {
  const router = useRouter();
  const pathname = usePathname();
  const { state, startGuest } = useSession();
  const [dismissed, setDismissed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const ended = state.status === "ended" ? state : null;
  const open = ended !== null && !dismissed;

  // A new ending (after signing in again) asks again.
  const [shownFor, setShownFor] = useState(ended);
  if (shownFor !== ended) {
    setShownFor(ended);
    if (ended === null) setDismissed(false);
  }

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);

  if (!ended) return null;
  const guest = ended.user?.is_guest ?? false;
  const signIn = signInHref(pathname, { expired: "1" });

  async function continueAsGuest() {
    setBusy(true);
    setError(null);
    const conversation = /^\/c\/([^/]+)$/.exec(pathname)?.[1];
    // The new guest cannot open this conversation: what was typed here goes to the start page's box.
    if (conversation) moveDraft(decodeURIComponent(conversation), "home");
    try {
      await startGuest();
      router.push("/");
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  }

  const title = guest ? "Your guest session has ended" : "Your session has ended";
  const who = ended.email ? ` as ${ended.email}` : "";
  const description = guest
    ? "Its conversations cannot be opened any more. Start a new guest session, or sign in to an account."
    : ended.user
      ? `You were signed out: the session expired, or was ended from another device. Sign in again${who} to carry on.`
      : `Your session has expired. Sign in again${who} to carry on.`;

  return (
    <>
      <dialog
        ref={dialog}
        onCancel={(event) => {
          event.preventDefault();
          setDismissed(true);
        }}
        aria-labelledby="session-ended-title"
        aria-describedby="session-ended-description"
        data-testid="session-ended"
        className="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-xl border bg-card p-5 text-card-foreground shadow-xl backdrop:bg-black/40"
      >
        <h2 id="session-ended-title" className="text-base font-semibold">
          {title}
        </h2>
        <p id="session-ended-description" className="mt-2 text-sm text-muted-foreground">
          {description} Anything you were typing is kept.
        </p>
        {error && (
          <p role="alert" className="mt-2 text-sm text-danger">
            {error}
          </p>
        )}
        {/* The primary action comes first, so the dialog focuses it; it is shown last, on the right. */}
        <div className="mt-5 flex flex-row-reverse flex-wrap justify-start gap-2">
          <Link
            href={signIn}
            className="rounded-lg bg-primary px-3 py-1.5 text-sm font-medium text-primary-foreground hover:opacity-90"
            data-testid="session-ended-sign-in"
          >
            {guest ? "Sign in" : "Sign in again"}
          </Link>
          {(guest || ended.user === null) && (
            <button
              type="button"
              onClick={() => void continueAsGuest()}
              disabled={busy}
              className="rounded-lg border px-3 py-1.5 text-sm hover:bg-muted disabled:opacity-60"
              data-testid="session-ended-guest"
            >
              {busy ? "Starting…" : guest ? "Start a new guest session" : "Continue as a guest"}
            </button>
          )}
          <button
            type="button"
            onClick={() => setDismissed(true)}
            className="rounded-lg border px-3 py-1.5 text-sm hover:bg-muted"
            data-testid="session-ended-later"
          >
            Not now
          </button>
        </div>
      </dialog>
      {!open && (
        <div
          role="status"
          className="fixed inset-x-0 top-2 z-50 mx-auto flex w-fit max-w-[calc(100vw-1rem)] items-center gap-3 rounded-full border bg-card px-4 py-1.5 text-sm shadow-md"
          data-testid="session-ended-bar"
        >
          <span>Signed out.</span>
          <Link href={signIn} className="font-medium text-accent underline underline-offset-4">
            Sign in again
          </Link>
        </div>
      )}
    </>
  );
}
