"use client";

import Link from "next/link";
import { useId, useState } from "react";

import { useSession } from "@/hooks/use-session";
import { ApiError, errorMessage } from "@/lib/api/client";

import { PageHeader } from "./page-header";

const FIELD = "rounded-lg border bg-background px-3 py-2 text-sm outline-none focus:border-accent";

/** /account/password: a new password; every other session of the account ends, this one carries on. */
export function ChangePasswordForm() {
  const { state, changePassword } = useSession();
  const ids = useId();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<{ message: string; status: number | null } | null>(null);
  const [done, setDone] = useState(false);
  const user = state.status === "active" ? state.user : null;

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    setPending(true);
    setError(null);
    try {
      await changePassword(current, next);
      setDone(true);
      setCurrent("");
      setNext("");
    } catch (failure) {
      setError({ message: errorMessage(failure), status: failure instanceof ApiError ? failure.status : null });
    } finally {
      setPending(false);
    }
  }

  return (
    <>
      <PageHeader title="Change password" />
      <div className="flex flex-1 flex-col items-center overflow-y-auto px-4 py-10">
        <div className="w-full max-w-sm" data-testid="change-password-page">
          {user?.is_guest ? (
            <p className="text-sm" data-testid="change-password-guest">
              A guest account has no password.{" "}
              <Link href="/sign-up" className="text-accent underline underline-offset-4">
                Create an account
              </Link>{" "}
              to set one and keep your conversations.
            </p>
          ) : (
            <form
              onSubmit={(event) => void submit(event)}
              className="flex flex-col gap-4 rounded-xl border bg-card p-5 shadow-sm"
              data-testid="change-password-form"
            >
              {user?.email && (
                <p className="text-sm text-muted-foreground">
                  For <strong className="text-foreground">{user.email}</strong>. Every other device and browser signed
                  in to this account is signed out; this one stays signed in.
                </p>
              )}
              {/* For password managers: the account the new password belongs to. */}
              <input type="email" name="email" autoComplete="username" value={user?.email ?? ""} readOnly hidden />
              <div className="flex flex-col gap-1.5">
                <label htmlFor={`${ids}-current`} className="text-sm font-medium">
                  Current password
                </label>
                <input
                  id={`${ids}-current`}
                  type="password"
                  autoComplete="current-password"
                  required
                  value={current}
                  onChange={(event) => setCurrent(event.target.value)}
                  className={FIELD}
                  data-testid="current-password"
                  aria-invalid={error?.status === 403 ? true : undefined}
                />
              </div>
              <div className="flex flex-col gap-1.5">
                <label htmlFor={`${ids}-new`} className="text-sm font-medium">
                  New password
                </label>
                <input
                  id={`${ids}-new`}
                  type="password"
                  autoComplete="new-password"
                  required
                  value={next}
                  onChange={(event) => setNext(event.target.value)}
                  className={FIELD}
                  data-testid="new-password"
                  aria-describedby={`${ids}-hint`}
                  aria-invalid={error?.status === 422 ? true : undefined}
                />
                <p id={`${ids}-hint`} className="text-xs text-muted-foreground">
                  At least 8 characters.
                </p>
              </div>
              {error && (
                <p
                  role="alert"
                  className="rounded-lg bg-danger/10 px-3 py-2 text-sm text-danger"
                  data-testid="change-password-error"
                >
                  {error.message}
                </p>
              )}
              {done && (
                <p
                  role="status"
                  className="rounded-lg bg-success/10 px-3 py-2 text-sm"
                  data-testid="change-password-done"
                >
                  Your password was changed, and every other session of this account was signed out.
                </p>
              )}
              <button
                type="submit"
                disabled={pending}
                className="rounded-lg bg-primary px-3 py-2 text-sm font-medium text-primary-foreground hover:opacity-90 disabled:opacity-60"
                data-testid="change-password-submit"
              >
                {pending ? "Changing…" : "Change password"}
              </button>
            </form>
          )}
          <p className="mt-4 text-center text-sm">
            <Link href="/" className="text-muted-foreground underline underline-offset-4 hover:text-foreground">
              Back to the chat
            </Link>
          </p>
        </div>
      </div>
    </>
  );
}
