"use client";

import Link from "next/link";

import { useSession } from "@/hooks/use-session";

import { ConnectionStatus } from "./connection-status";
import { PageHeader } from "./page-header";

/** The page before a session is there: starting one, or the API out of reach (retried with backoff). */
export function SessionPending() {
  const { state, retry } = useSession();
  const unavailable = state.status === "unavailable" ? state : null;
  return (
    <>
      <PageHeader title="Resilient Chat">
        {unavailable && (
          <ConnectionStatus
            state={{
              phase: "reconnecting",
              attempt: unavailable.attempt,
              retryInMs: unavailable.retryInMs,
              offline: typeof navigator !== "undefined" && !navigator.onLine,
            }}
          />
        )}
      </PageHeader>
      <div
        className="flex flex-1 flex-col items-center justify-center gap-3 p-8 text-center text-sm"
        data-testid="session-pending"
        data-state={state.status}
      >
        {state.status === "misplaced" ? (
          <>
            <p role="alert" className="max-w-md text-danger" data-testid="session-misplaced">
              {state.message}
            </p>
            <a href={state.openInstead} className="text-accent underline underline-offset-4">
              Open {state.openInstead}
            </a>
          </>
        ) : unavailable ? (
          <>
            <p role="alert" className="max-w-md text-danger" data-testid="session-unavailable">
              {unavailable.message}
            </p>
            <p className="text-muted-foreground">It is tried again by itself.</p>
            <div className="flex flex-wrap items-center justify-center gap-2">
              <button
                type="button"
                className="rounded-lg border px-3 py-1.5 hover:bg-muted"
                onClick={retry}
                data-testid="session-retry"
              >
                Try again now
              </button>
              <Link href="/sign-in" className="rounded-lg px-3 py-1.5 text-accent underline underline-offset-4">
                Sign in
              </Link>
            </div>
          </>
        ) : (
          <p className="text-muted-foreground" aria-live="polite">
            {state.status === "ended" ? "Signed out." : "Starting…"}
          </p>
        )}
      </div>
    </>
  );
}
