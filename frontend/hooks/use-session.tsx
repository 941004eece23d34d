"use client";

// Who is using the app. A first visit becomes a guest without any form: GET /auth/me, and on 401 POST /auth/guest.
// Tabs of one browser share the session cookie, so they share the session too: a guest is started under a Web Lock,
// and a tab that waited for it uses the one another tab just started instead of starting a second. Sign-ins and
// sign-outs are announced to the other tabs (lib/tab-sync.ts), which follow along.
//
// A 401 from any call made while signed in (the session expired, or was signed out on another device) turns the
// session "ended": the page stays as it was (drafts included) and asks the user to sign in again.

import { usePathname, useRouter } from "next/navigation";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";

import { ApiError, errorMessage } from "@/lib/api/client";
import type { User } from "@/lib/api/types";
import { clearDrafts } from "@/lib/drafts";
import { announce, listen } from "@/lib/tab-sync";

import { useApi } from "./use-api";

/** Pages that work without a session: visiting them starts no guest. */
const AUTH_PATHS = ["/sign-in", "/sign-up"];

export function isAuthPath(pathname: string): boolean {
  return AUTH_PATHS.some((path) => pathname === path || pathname.startsWith(`${path}/`));
}

/** Where to go after signing in: a path of this app, never another site. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return isAuthPath(next.split(/[?#]/)[0] ?? "") ? "/" : next;
}

/** The sign-in page, coming back to `path` afterwards. */
export function signInHref(path: string | null, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams(extra);
  const next = safeNext(path);
  if (next !== "/") query.set("next", next);
  const text = query.toString();
  return text ? `/sign-in?${text}` : "/sign-in";
}

export type SessionState =
  | { status: "loading" }
  /** The API could not be reached (or refused to start a session); retried with backoff. */
  | { status: "unavailable"; message: string; attempt: number; retryInMs: number }
  /** The page and the API are on different loopback names: the browser would keep the session cookie from the page. */
  | { status: "misplaced"; message: string; openInstead: string }
  /** No session, and none started: on the sign-in pages, or before a guest is started. */
  | { status: "signed-out" }
  | { status: "active"; user: User }
  /** The API said 401 to a signed-in call, or the registered account used last here has expired. */
  | { status: "ended"; user: User | null; email: string | null; message: string };

type SessionContextValue = {
  state: SessionState;
  /** The signed-in user; also while "ended", so the page can stay as it was. */
  user: User | null;
  /** Changes whenever a session starts (sign-in, registration, guest, another tab's change). */
  epoch: number;
  signIn: (email: string, password: string) => Promise<User>;
  register: (email: string, password: string) => Promise<User>;
  startGuest: () => Promise<void>;
  /** Ends this session (or every session of the account) and goes to the sign-in page. */
  signOut: (options?: { everywhere?: boolean }) => Promise<void>;
  changePassword: (currentPassword: string, newPassword: string) => Promise<void>;
  retry: () => void;
  /** Resolves once a session is active (at once if it is): for actions started while it is still being set up. */
  whenActive: () => Promise<void>;
};

const SessionContext = createContext<SessionContextValue | null>(null);

// localStorage: the email of the registered account last signed in here (so that its expiry asks to sign in again
// rather than silently starting a guest).
const ACCOUNT_KEY = "resilient-chat:account";
const LOCK_NAME = "resilient-chat:session";
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 30_000;

function local(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null;
  }
}

function rememberAccount(user: User | null): void {
  const store = local();
  if (!store) return;
  if (user?.email) store.setItem(ACCOUNT_KEY, user.email);
  else store.removeItem(ACCOUNT_KEY);
}

function rememberedAccount(): string | null {
  return local()?.getItem(ACCOUNT_KEY) ?? null;
}

/** Runs `work` holding this browser's session lock (one tab at a time), where Web Locks exist. */
async function withSessionLock<T>(work: () => Promise<T>): Promise<T> {
  if (typeof navigator === "undefined" || !navigator.locks) return work();
  return navigator.locks.request(LOCK_NAME, work) as Promise<T>;
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/**
 * The page at http://localhost:3000 and the API at http://127.0.0.1:8000 are different sites: the session cookie
 * (SameSite=Lax) would never go with the page's requests. Said plainly, with the address that works, rather than a
 * guest that is signed out at once.
 */
function loopbackMismatch(apiUrl: string): { message: string; openInstead: string } | null {
  if (typeof window === "undefined") return null;
  let api: URL;
  try {
    api = new URL(apiUrl);
  } catch {
    return null;
  }
  const page = window.location;
  if (page.hostname === api.hostname) return null;
  if (!LOOPBACK_NAMES.includes(page.hostname) || !LOOPBACK_NAMES.includes(api.hostname)) return null;
  const openInstead = `${page.protocol}//${api.hostname}${page.port ? `:${page.port}` : ""}${page.pathname}`;
  return {
    message: `This page is open at ${page.host}, but the API is at ${api.host}: the browser keeps sign-in cookies apart for the two names.`,
    openInstead,
  };
}

function isNoSession(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}

export function SessionProvider({ children }: { children: React.ReactNode }) {
  const api = useApi();
  const router = useRouter();
  const pathname = usePathname();
  const onAuthPage = isAuthPath(pathname);
  const [state, setState] = useState<SessionState>({ status: "loading" });
  const [epoch, setEpoch] = useState(0);
  const current = useRef(state);
  const where = useRef(pathname);
  // Each check has its number: the answer of one overtaken by another is ignored.
  const generation = useRef(0);
  useEffect(() => {
    current.current = state;
    where.current = pathname;
  });

  const activate = useCallback((user: User) => {
    rememberAccount(user);
    current.current = { status: "active", user };
    setState(current.current);
    setEpoch((value) => value + 1);
  }, []);

  const unavailable = useCallback((error: unknown, attempt: number) => {
    const retryInMs = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
    setState({ status: "unavailable", message: errorMessage(error), attempt, retryInMs });
  }, []);

  /** Starts a guest unless another tab has just started a session (then this tab uses that one). */
  const createGuest = useCallback(
    async (attempt: number) => {
      const mine = ++generation.current;
      // An ended session's page stays up (under its prompt) until the new one is there.
      if (current.current.status !== "ended") setState({ status: "loading" });
      try {
        const user = await withSessionLock(async () => {
          // Holding the lock, look again: another tab may have started a session since this one last looked. (Its
          // note in localStorage may not have reached this tab yet, but its cookie has: the lock was released only
          // after that tab's guest was made.)
          try {
            return await api.me();
          } catch (error) {
            if (!isNoSession(error)) throw error;
          }
          const issued = await api.startGuest();
          return issued.user;
        });
        if (mine !== generation.current) return;
        activate(user);
        announce({ type: "session-changed", change: "signed-in" });
      } catch (error) {
        if (mine === generation.current) unavailable(error, attempt);
      }
    },
    [api, activate, unavailable],
  );

  /** Who is signed in; with no session, a guest is started (except on the sign-in pages). */
  const check = useCallback(
    async (attempt: number) => {
      const mine = ++generation.current;
      try {
        const user = await api.me();
        if (mine === generation.current) activate(user);
      } catch (error) {
        if (mine !== generation.current) return;
        if (!isNoSession(error)) return unavailable(error, attempt);
        const email = rememberedAccount();
        if (email) {
          // The registered account used here last has expired: ask to sign in again, do not hide it behind a guest.
          setState({ status: "ended", user: null, email, message: "Your session has expired: sign in again." });
        } else if (isAuthPath(where.current)) {
          setState({ status: "signed-out" });
        } else {
          await createGuest(attempt);
        }
      }
    },
    [api, activate, unavailable, createGuest],
  );

  // The first look, once per page load (`check` and `api` do not change).
  useEffect(() => {
    const mismatch = loopbackMismatch(api.baseUrl);
    // (After this render: an effect sets no state synchronously.)
    const timer = setTimeout(() => {
      if (mismatch) setState({ status: "misplaced", ...mismatch });
      else void check(1);
    }, 0);
    return () => clearTimeout(timer);
  }, [api, check]);

  // Signed out, and now on a page that needs a session (e.g. "Continue as a guest"): start a guest.
  useEffect(() => {
    if (state.status !== "signed-out" || onAuthPage) return;
    const timer = setTimeout(() => void createGuest(1), 0);
    return () => clearTimeout(timer);
  }, [state, onAuthPage, createGuest]);

  // Could not reach the API: try again with backoff, and at once when the browser is back online.
  const retry = useCallback(() => {
    const now = current.current;
    void check(now.status === "unavailable" ? now.attempt + 1 : 1);
  }, [check]);
  useEffect(() => {
    if (state.status !== "unavailable") return;
    const timer = setTimeout(retry, state.retryInMs);
    window.addEventListener("online", retry);
    return () => {
      clearTimeout(timer);
      window.removeEventListener("online", retry);
    };
  }, [state, retry]);

  // Any signed-in call that answers 401: the session is over.
  useEffect(
    () =>
      api.onSessionEnded((message) => {
        const now = current.current;
        if (now.status !== "active") return;
        current.current = { status: "ended", user: now.user, email: now.user.email, message };
        setState(current.current);
      }),
    [api],
  );

  // Another tab signed in or out: this one shares its cookie, so it follows.
  useEffect(
    () =>
      listen((message) => {
        if (message.type !== "session-changed") return;
        if (message.change === "signed-out") {
          clearDrafts();
          if (isAuthPath(where.current)) setState({ status: "signed-out" });
          else window.location.replace("/sign-in?signed-out=1");
          return;
        }
        const before = current.current;
        if (before.status === "loading") return; // its own check is under way and will see the new session
        const previousId = before.status === "active" || before.status === "ended" ? before.user?.id : undefined;
        void api.me().then(
          (user) => {
            activate(user);
            // A different account: the conversation open here is not its own.
            if (previousId && previousId !== user.id && where.current.startsWith("/c/")) router.replace("/");
          },
          () => undefined,
        );
      }),
    [api, activate, router],
  );

  const signedIn = useCallback(
    (user: User) => {
      generation.current += 1; // an older check's answer must not overwrite this
      activate(user);
      announce({ type: "session-changed", change: "signed-in" });
      return user;
    },
    [activate],
  );

  const signIn = useCallback(
    async (email: string, password: string) => signedIn((await api.signIn(email, password)).user),
    [api, signedIn],
  );
  const register = useCallback(
    async (email: string, password: string) => signedIn((await api.register(email, password)).user),
    [api, signedIn],
  );
  const startGuest = useCallback(() => createGuest(1), [createGuest]);

  const signOut = useCallback(
    async ({ everywhere = false }: { everywhere?: boolean } = {}) => {
      try {
        await (everywhere ? api.signOutEverywhere() : api.signOut());
      } catch (error) {
        // Already signed out (expired, or ended elsewhere): that is what was wanted.
        if (!isNoSession(error)) throw error;
      }
      rememberAccount(null);
      clearDrafts();
      announce({ type: "session-changed", change: "signed-out" });
      // A full page load: nothing of the account stays in this tab's memory (lists, answers, caches).
      window.location.replace(`/sign-in?signed-out=${everywhere ? "everywhere" : "1"}`);
    },
    [api],
  );

  const changePassword = useCallback(
    async (currentPassword: string, newPassword: string) => {
      const issued = await api.changePassword(currentPassword, newPassword);
      // Every other session of the account ended; this tab (and this browser's others) has the new cookie.
      rememberAccount(issued.user);
      current.current = { status: "active", user: issued.user };
      setState(current.current);
    },
    [api],
  );

  const waiters = useRef<(() => void)[]>([]);
  useEffect(() => {
    if (state.status !== "active") return;
    const waiting = waiters.current;
    waiters.current = [];
    waiting.forEach((resolve) => resolve());
  }, [state]);
  const whenActive = useCallback(
    () =>
      current.current.status === "active"
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.current.push(resolve)),
    [],
  );

  const user = state.status === "active" ? state.user : state.status === "ended" ? state.user : null;
  const value = useMemo(
    () => ({ state, user, epoch, signIn, register, startGuest, signOut, changePassword, retry, whenActive }),
    [state, user, epoch, signIn, register, startGuest, signOut, changePassword, retry, whenActive],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession needs a SessionProvider");
  return value;
}
