"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";

import { useConversations } from "@/hooks/use-conversations";
import { safeNext, useSession } from "@/hooks/use-session";

import { CloseIcon } from "./icons";

const DISMISSED_KEY = "resilient-chat:guest-banner-dismissed";

function wasDismissed(): boolean {
  try {
    return window.sessionStorage.getItem(DISMISSED_KEY) === "1";
  } catch {
    return false;
  }
}

/**
 * A guest with something to keep is invited to register (the account keeps the guest's conversations). Dismissed,
 * it stays away for the rest of this tab's session.
 */
export function GuestBanner() {
  const pathname = usePathname();
  const { state } = useSession();
  const { count } = useConversations();
  // Shown only in the browser (a session is known only there), so sessionStorage can be read at once.
  const [dismissed, setDismissed] = useState(wasDismissed);
  if (dismissed || state.status !== "active" || !state.user.is_guest || count === 0) return null;
  const next = safeNext(pathname);
  return (
    <div
      className="flex shrink-0 items-center gap-3 border-b bg-accent/10 px-3 py-2 text-sm"
      role="region"
      aria-label="Guest account"
      data-testid="guest-banner"
    >
      <p className="min-w-0 flex-1">
        You are using a guest account.{" "}
        <Link
          href={next === "/" ? "/sign-up" : `/sign-up?next=${encodeURIComponent(next)}`}
          className="font-medium text-accent underline underline-offset-4"
          data-testid="guest-banner-register"
        >
          Create an account
        </Link>{" "}
        to keep your conversations and use them on other devices.
      </p>
      <button
        type="button"
        onClick={() => {
          try {
            window.sessionStorage.setItem(DISMISSED_KEY, "1");
          } catch {
            // Dismissed for this page only.
          }
          setDismissed(true);
        }}
        className="rounded-lg p-1 text-muted-foreground hover:bg-muted hover:text-foreground"
        aria-label="Dismiss"
        data-testid="guest-banner-dismiss"
      >
        <CloseIcon size={14} />
      </button>
    </div>
  );
}
