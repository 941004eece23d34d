"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useState } from "react";

import { safeNext, useSession } from "@/hooks/use-session";
import { ApiError, describeWait, errorMessage, saysWhen } from "@/lib/api/client";

import { ChatIcon } from "./icons";

type Mode = "sign-in" | "sign-up";

const COPY: Record<Mode, { title: string; submit: string; pending: string; password: string }> = {
  "sign-in": { title: "Sign in", submit: "Sign in", pending: "Signing in…", password: "current-password" },
  "sign-up": {
    title: "Create an account",
    submit: "Create account",
    pending: "Creating your account…",
    password: "new-password",
  },
};

type Failure = { message: string; status: number | null; retryAt: number | null };

/** Seconds until `retryAt`, ticking once a second; 0 once it has passed (or without one). */
function useCountdown(retryAt: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (retryAt === null) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [retryAt]);
  return retryAt === null ? 0 : Math.max(0, Math.ceil((retryAt - now) / 1000));
}

/** The sign-in and sign-up pages' form. Errors are the API's own sentences; a 429 says when to try again. */
export function AuthForm({ mode, next, notice }: { mode: Mode; next: string | null; notice: string | null }) {
  const router = useRouter();
  const { state, signIn, register, startGuest } = useSession();
  const copy = COPY[mode];
  const ids = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [showPassword, setShowPassword] = useState(false);
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const wait = useCountdown(failure?.retryAt ?? null);
  const destination = safeNext(next);
  const withNext = (path: string) => (destination === "/" ? path : `${path}?next=${encodeURIComponent(destination)}`);

  // The account whose session ended: its email, ready to sign in again.
  const endedEmail = state.status === "ended" ? state.email : null;
  const [prefilled, setPrefilled] = useState<string | null>(null);
  if (endedEmail && prefilled !== endedEmail && !email) {
    setPrefilled(endedEmail);
    setEmail(endedEmail);
  }

  const user = state.status === "active" ? state.user : null;
  const blocked = pending || wait > 0;

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (blocked) return;
    setPending(true);
    setFailure(null);
    try {
      await (mode === "sign-in" ? signIn(email, password) : register(email, password));
      router.replace(destination);
    } catch (error) {
      const status = error instanceof ApiError ? error.status : null;
      const retryAfter = error instanceof ApiError ? error.retryAfterSeconds : null;
      setFailure({
        message: status === 429 ? (error as ApiError).message : errorMessage(error),
        status,
        retryAt: status === 429 && retryAfter !== null ? Date.now() + retryAfter * 1000 : null,
      });
      setPending(false);
    }
  }

  return (
    <div className="w-full max-w-sm" data-testid={`${mode}-page`}>
      <div className="mb-6 flex flex-col items-center gap-3 text-center">
        <div className="rounded-2xl bg-accent/10 p-3 text-accent">
          <ChatIcon size={24} />
        </div>
        <h1 className="text-xl font-semibold">{copy.title}</h1>
        <p className="text-sm text-muted-foreground">
          {mode === "sign-in"
            ? "Welcome back: your conversations are waiting."
            : "Keep your conversations, and open them on any device."}
        </p>
      </div>

      {state.status === "misplaced" && (
        <p
          role="alert"
          className="mb-4 rounded-lg bg-danger/10 px-3 py-2 text-sm text-danger"
          data-testid="session-misplaced"
        >
          {state.message}{" "}
          <a href={state.openInstead} className="font-medium underline underline-offset-2">
            Open {state.openInstead}
          </a>
        </p>
      )}
      {notice && (
        <p
          role="status"
          className="mb-4 rounded-lg border bg-muted/60 px-3 py-2 text-sm text-foreground"
          data-testid="auth-notice"
        >
          {notice}
        </p>
      )}
      {user?.is_guest && (
        <p
          className="mb-4 rounded-lg border border-accent/30 bg-accent/10 px-3 py-2 text-sm"
          data-testid="auth-guest-note"
        >
          {mode === "sign-up" ? (
            "Your guest conversations move into the new account."
          ) : (
            <>
              Signing in leaves this guest session&rsquo;s conversations behind. To keep them,{" "}
              <Link href={withNext("/sign-up")} className="font-medium text-accent underline underline-offset-4">
                create an account
              </Link>{" "}
              instead.
            </>
          )}
        </p>
      )}
      {user && !user.is_guest && (
        <p className="mb-4 rounded-lg border bg-muted/60 px-3 py-2 text-sm" data-testid="auth-signed-in-note">
          You are signed in as <strong>{user.email}</strong>.{" "}
          {mode === "sign-in"
            ? "Signing in to another account ends this session."
            : "Creating an account signs you out of it."}
        </p>
      )}

      <form
        onSubmit={(event) => void submit(event)}
        className="flex flex-col gap-4 rounded-xl border bg-card p-5 shadow-sm"
        data-testid="auth-form"
        aria-describedby={failure ? `${ids}-error` : undefined}
        noValidate={false}
      >
        <div className="flex flex-col gap-1.5">
          <label htmlFor={`${ids}-email`} className="text-sm font-medium">
            Email
          </label>
          <input
            id={`${ids}-email`}
            name="email"
            type="email"
            autoComplete={mode === "sign-in" ? "username" : "email"}
            required
            maxLength={254}
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            className="rounded-lg border bg-background px-3 py-2 text-sm outline-none focus:border-accent"
            data-testid="auth-email"
            aria-invalid={failure?.status === 409 || failure?.status === 401 ? true : undefined}
          />
        </div>
        <div className="flex flex-col gap-1.5">
          <div className="flex items-baseline justify-between">
            <label htmlFor={`${ids}-password`} className="text-sm font-medium">
              Password
            </label>
            <button
              type="button"
              onClick={() => setShowPassword((value) => !value)}
              className="text-xs text-muted-foreground underline underline-offset-2 hover:text-foreground"
              aria-controls={`${ids}-password`}
              aria-pressed={showPassword}
              data-testid="auth-show-password"
            >
              {showPassword ? "Hide" : "Show"}
            </button>
          </div>
          <input
            id={`${ids}-password`}
            name="password"
            type={showPassword ? "text" : "password"}
            autoComplete={copy.password}
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            className="rounded-lg border bg-background px-3 py-2 text-sm outline-none focus:border-accent"
            data-testid="auth-password"
            aria-describedby={mode === "sign-up" ? `${ids}-password-hint` : undefined}
            aria-invalid={failure?.status === 401 || failure?.status === 422 ? true : undefined}
          />
          {mode === "sign-up" && (
            <p id={`${ids}-password-hint`} className="text-xs text-muted-foreground">
              At least 8 characters.
            </p>
          )}
        </div>

        {failure && (
          <div
            id={`${ids}-error`}
            role="alert"
            className="rounded-lg bg-danger/10 px-3 py-2 text-sm text-danger"
            data-testid="auth-error"
            data-status={failure.status ?? "network"}
          >
            <p>{failure.message}</p>
            {failure.status === 429 && wait > 0 && !saysWhen(failure.message) && (
              <p data-testid="auth-retry-after">You can try again {describeWait(wait)}.</p>
            )}
            {failure.status === 409 && mode === "sign-up" && (
              <p>
                <Link href={withNext("/sign-in")} className="font-medium underline underline-offset-2">
                  Sign in with this email
                </Link>
              </p>
            )}
          </div>
        )}

        <button
          type="submit"
          disabled={blocked}
          aria-disabled={blocked}
          className="rounded-lg bg-primary px-3 py-2 text-sm font-medium text-primary-foreground hover:opacity-90 disabled:opacity-60"
          data-testid="auth-submit"
        >
          {pending ? copy.pending : wait > 0 ? `Try again in ${wait} s` : copy.submit}
        </button>
      </form>

      <div className="mt-4 flex flex-col items-center gap-2 text-sm text-muted-foreground">
        {mode === "sign-in" ? (
          <p>
            No account yet?{" "}
            <Link
              href={withNext("/sign-up")}
              className="text-accent underline underline-offset-4"
              data-testid="auth-switch"
            >
              Create one
            </Link>
          </p>
        ) : (
          <p>
            Already have an account?{" "}
            <Link
              href={withNext("/sign-in")}
              className="text-accent underline underline-offset-4"
              data-testid="auth-switch"
            >
              Sign in
            </Link>
          </p>
        )}
        {user ? (
          <Link
            href={destination}
            className="underline underline-offset-4 hover:text-foreground"
            data-testid="auth-back"
          >
            Back to the chat
          </Link>
        ) : state.status === "ended" ? (
          // The old session's end is known: start the guest here, then go (the chat would ask to sign in again).
          <button
            type="button"
            disabled={pending}
            onClick={() => {
              setPending(true);
              void startGuest().then(() => router.replace("/"));
            }}
            className="underline underline-offset-4 hover:text-foreground"
            data-testid="auth-continue-guest"
          >
            Continue as a guest
          </button>
        ) : (
          <Link
            href="/"
            className="underline underline-offset-4 hover:text-foreground"
            data-testid="auth-continue-guest"
          >
            Continue as a guest
          </Link>
        )}
      </div>
    </div>
  );
}
