"use client";

import { usePathname } from "next/navigation";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";

import { useMediaQuery } from "@/hooks/use-media-query";
import { isAuthPath, useSession } from "@/hooks/use-session";

import { GuestBanner } from "./guest-banner";
import { SessionEndedDialog } from "./session-ended-dialog";
import { SessionPending } from "./session-pending";
import { Sidebar } from "./sidebar";

type SidebarControl = {
  open: boolean;
  setOpen: (open: boolean) => void;
  /** The page's menu button, which opens the drawer: focus goes back to it when the drawer closes. */
  menuButton: React.RefObject<HTMLButtonElement | null>;
};

const SidebarContext = createContext<SidebarControl>({
  open: false,
  setOpen: () => undefined,
  menuButton: { current: null },
});

/** The sidebar's drawer on narrow screens: pages put a menu button in their header to open it. */
export function useSidebar(): SidebarControl {
  return useContext(SidebarContext);
}

// Tailwind's `md`: from this width up the sidebar is a column beside the page, below it a drawer over the page.
const WIDE = "(min-width: 48rem)";

/**
 * The frame of every page. The sign-in pages stand alone; the others (the chat) show once a session is there: a
 * first visit gets a guest at once, and until then, or while the API cannot be reached, a placeholder says so.
 */
export function AppShell({ children }: { children: React.ReactNode }) {
  const pathname = usePathname();
  const { user } = useSession();
  const wide = useMediaQuery(WIDE, true);
  const [open, setOpenState] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  // A drawer left open while the window widens is just the column again.
  const drawerOpen = open && !wide;
  // Closed, the drawer is inert (off screen, out of the Tab order and of screen readers); open, the page under it is.
  const drawer = !wide;

  // When the drawer closes, focus goes back to the menu button that opened it, not to the page's body; when it closed
  // because a conversation was chosen in it, to the page (that button is replaced as the new page loads).
  const main = useRef<HTMLElement>(null);
  const refocus = useRef<"menu-button" | "page" | null>(null);
  const close = useCallback(
    (then: "menu-button" | "page") => {
      if (drawerOpen) refocus.current = then;
      setOpenState(false);
    },
    [drawerOpen],
  );
  const setOpen = useCallback((value: boolean) => (value ? setOpenState(true) : close("menu-button")), [close]);
  useEffect(() => {
    if (drawerOpen || !refocus.current) return;
    (refocus.current === "menu-button" ? menuButton.current : main.current)?.focus();
    refocus.current = null;
  }, [drawerOpen]);

  // Escape closes the drawer wherever focus is (but for a dialog's or a field's own Escape, which they stop).
  useEffect(() => {
    if (!drawerOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      if (event.target instanceof Element && event.target.closest("dialog[open]")) return;
      close("menu-button");
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [drawerOpen, close]);

  const control = useMemo(() => ({ open: drawerOpen, setOpen, menuButton }), [drawerOpen, setOpen]);

  if (isAuthPath(pathname)) {
    return (
      <main id="main" className="flex min-h-dvh flex-col items-center justify-center px-4 py-10">
        {children}
      </main>
    );
  }

  return (
    <SidebarContext.Provider value={control}>
      <div className="flex h-dvh overflow-hidden">
        <Sidebar
          open={drawerOpen}
          inert={drawer && !drawerOpen}
          onClose={() => close("menu-button")}
          onNavigate={() => close("page")}
        />
        <main
          ref={main}
          id="main"
          tabIndex={-1}
          inert={drawerOpen}
          className="flex min-w-0 flex-1 flex-col outline-none"
          data-testid="main"
        >
          {/* While the session is "ended" the page stays as it was (what is typed included) under the prompt. */}
          {user ? (
            <>
              <GuestBanner />
              {children}
            </>
          ) : (
            <SessionPending />
          )}
        </main>
      </div>
      <SessionEndedDialog />
    </SidebarContext.Provider>
  );
}
