"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useRef, useState } from "react";

import { safeNext, useSession } from "@/hooks/use-session";
import { useTodayUsage, type TodayUsage } from "@/hooks/use-usage";
import { errorMessage } from "@/lib/api/client";

import { ConfirmDialog } from "./confirm-dialog";
import { KeyIcon, LogOutIcon, PlusIcon, UserIcon } from "./icons";

const numbers = new Intl.NumberFormat("en");

function UsageSummary({ usage }: { usage: TodayUsage }) {
  const share = usage.quota ? Math.min(1, usage.tokens / usage.quota) : null;
  return (
    <div className="border-b px-3 py-2 text-xs" data-testid="account-usage">
      <div className="flex items-baseline justify-between gap-2">
        <span className="text-muted-foreground">Today</span>
        <span>
          <span className="font-medium text-foreground" data-testid="usage-tokens">
            {numbers.format(usage.tokens)}
          </span>
          {usage.quota !== null ? (
            <span className="text-muted-foreground" data-testid="usage-quota">
              {" "}
              of {numbers.format(usage.quota)} tokens
            </span>
          ) : (
            <span className="text-muted-foreground"> tokens</span>
          )}
        </span>
      </div>
      {share !== null && (
        <div
          className="mt-1.5 h-1.5 overflow-hidden rounded-full bg-muted"
          role="meter"
          aria-label="Today's tokens of the daily quota"
          aria-valuemin={0}
          aria-valuemax={usage.quota ?? 0}
          aria-valuenow={Math.min(usage.tokens, usage.quota ?? 0)}
        >
          <div
            className={`h-full rounded-full ${share >= 0.9 ? "bg-danger" : share >= 0.7 ? "bg-warning" : "bg-accent"}`}
            style={{ width: `${Math.max(share * 100, usage.tokens > 0 ? 2 : 0)}%` }}
          />
        </div>
      )}
      <p className="mt-1 text-muted-foreground">
        {usage.answers} answer{usage.answers === 1 ? "" : "s"} today
        {usage.quota !== null && " · resets at midnight UTC"}
      </p>
    </div>
  );
}

const ITEM =
  "flex w-full items-center gap-2 rounded-md px-2 py-1.5 text-left text-sm hover:bg-muted focus:bg-muted focus:outline-none";

/**
 * The account, at the foot of the sidebar: who is signed in (or "Guest"), today's token use and the quota, and the
 * account's actions. A menu button: arrow keys move between the items, Escape closes it.
 */
export function AccountMenu() {
  const pathname = usePathname();
  const { state, signOut } = useSession();
  const { usage, load } = useTodayUsage();
  const [open, setOpen] = useState(false);
  const [confirming, setConfirming] = useState<"guest-sign-out" | "everywhere" | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  const user = state.status === "active" ? state.user : null;

  useEffect(() => {
    if (!open) return;
    void load();
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    return () => document.removeEventListener("pointerdown", onPointer);
  }, [open, load]);

  if (!user) {
    return (
      <div className="flex h-10 items-center px-2 text-sm text-muted-foreground" data-testid="account-menu-pending">
        {state.status === "ended" ? "Signed out" : ""}
      </div>
    );
  }

  const next = safeNext(pathname);
  const withNext = (path: string) => (next === "/" ? path : `${path}?next=${encodeURIComponent(next)}`);
  const label = user.email ?? "Guest";

  function close(focusTrigger = true) {
    setOpen(false);
    if (focusTrigger) trigger.current?.focus();
  }

  function onMenuKey(event: React.KeyboardEvent) {
    const items = Array.from(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      items[(index + step + items.length) % items.length]?.focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      (event.key === "Home" ? items[0] : items.at(-1))?.focus();
    } else if (event.key === "Tab") {
      close(false);
    }
  }

  async function doSignOut(everywhere: boolean) {
    setBusy(true);
    setError(null);
    try {
      await signOut({ everywhere });
      // signOut leaves for the sign-in page; nothing more to do here.
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
      setConfirming(null);
    }
  }

  return (
    <div ref={root} className="relative" data-testid="account-menu">
      {open && (
        // The popup: who is signed in and today's usage above the menu itself (a menu holds only its items).
        <div
          className="absolute inset-x-0 bottom-full z-50 mb-2 overflow-hidden rounded-xl border bg-card text-card-foreground shadow-lg"
          data-testid="account-menu-items"
        >
          <div className="border-b px-3 py-2">
            <p className="text-xs text-muted-foreground">{user.is_guest ? "Guest account" : "Signed in as"}</p>
            <p className="truncate text-sm font-medium" title={label} data-testid="account-name-full">
              {user.is_guest ? "Your conversations are kept only in this browser" : user.email}
            </p>
          </div>
          {usage && <UsageSummary usage={usage} />}
          <div
            ref={menu}
            role="menu"
            aria-label="Account"
            id="account-menu-items"
            onKeyDown={onMenuKey}
            className="p-1"
          >
            {user.is_guest ? (
              <>
                <Link
                  role="menuitem"
                  href={withNext("/sign-up")}
                  className={ITEM}
                  onClick={() => close(false)}
                  data-testid="account-register"
                >
                  <PlusIcon size={14} />
                  Create an account
                </Link>
                <Link
                  role="menuitem"
                  href={withNext("/sign-in")}
                  className={ITEM}
                  onClick={() => close(false)}
                  data-testid="account-sign-in"
                >
                  <UserIcon size={14} />
                  Sign in
                </Link>
                <button
                  type="button"
                  role="menuitem"
                  className={ITEM}
                  onClick={() => {
                    close(false);
                    setConfirming("guest-sign-out");
                  }}
                  data-testid="account-sign-out"
                >
                  <LogOutIcon size={14} />
                  Sign out
                </button>
              </>
            ) : (
              <>
                <Link
                  role="menuitem"
                  href="/account/password"
                  className={ITEM}
                  onClick={() => close(false)}
                  data-testid="account-change-password"
                >
                  <KeyIcon size={14} />
                  Change password
                </Link>
                <button
                  type="button"
                  role="menuitem"
                  className={ITEM}
                  disabled={busy}
                  onClick={() => {
                    close(false);
                    void doSignOut(false);
                  }}
                  data-testid="account-sign-out"
                >
                  <LogOutIcon size={14} />
                  Sign out
                </button>
                <button
                  type="button"
                  role="menuitem"
                  className={ITEM}
                  onClick={() => {
                    close(false);
                    setConfirming("everywhere");
                  }}
                  data-testid="account-sign-out-everywhere"
                >
                  <LogOutIcon size={14} />
                  Sign out everywhere
                </button>
              </>
            )}
          </div>
        </div>
      )}
      <button
        ref={trigger}
        type="button"
        onClick={() => setOpen((value) => !value)}
        onKeyDown={(event) => {
          if (event.key === "ArrowUp" || event.key === "ArrowDown") {
            event.preventDefault();
            setOpen(true);
          }
        }}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? "account-menu-items" : undefined}
        className="flex w-full items-center gap-2 rounded-lg px-2 py-1.5 text-left text-sm hover:bg-muted"
        data-testid="account-menu-button"
      >
        <span
          className={`inline-flex h-7 w-7 shrink-0 items-center justify-center rounded-full text-xs font-semibold ${
            user.is_guest ? "bg-muted text-muted-foreground" : "bg-accent/15 text-accent"
          }`}
          aria-hidden="true"
        >
          {user.is_guest ? <UserIcon size={14} /> : (user.email?.[0] ?? "?").toUpperCase()}
        </span>
        <span className="min-w-0 flex-1 truncate" data-testid="account-name">
          {label}
        </span>
      </button>
      {error && (
        <p role="alert" className="mt-1 px-2 text-xs text-danger">
          {error}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          open
          title={confirming === "everywhere" ? "Sign out everywhere?" : "Sign out of this guest session?"}
          description={
            confirming === "everywhere"
              ? "Every session of this account ends, on every device and browser, this one included."
              : "A guest cannot sign in again: its conversations cannot be opened afterwards. Create an account first to keep them."
          }
          confirmLabel={confirming === "everywhere" ? "Sign out everywhere" : "Sign out"}
          busy={busy}
          onConfirm={() => void doSignOut(confirming === "everywhere")}
          onCancel={() => setConfirming(null)}
          // The menu item that asked is gone with the menu: back to the button that opens it.
          returnFocus={() => trigger.current}
        />
      )}
    </div>
  );
}
