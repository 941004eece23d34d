"use client";

import { usePathname } from "next/navigation";
import { createContext, useCallback, useContext, useMemo, useState } from "react";

import { isAuthPath, useSession } from "@/hooks/use-session";

import { GuestBanner } from "./guest-banner";
import { SessionEndedDialog } from "./session-ended-dialog";
import { SessionPending } from "./session-pending";
import { Sidebar } from "./sidebar";

type SidebarControl = { open: boolean; setOpen: (open: boolean) => void };

const SidebarContext = createContext<SidebarControl>({ open: false, setOpen: () => undefined });

/** The sidebar's drawer on narrow screens: pages put a menu button in their header to open it. */
export function useSidebar(): SidebarControl {
  return useContext(SidebarContext);
}

/**
 * The frame of every page. The sign-in pages stand alone; the others (the chat) show once a session is there: a
 * first visit gets a guest at once, and until then, or while the API cannot be reached, a placeholder says so.
 */
export function AppShell({ children }: { children: React.ReactNode }) {
  const pathname = usePathname();
  const { user } = useSession();
  const [open, setOpenState] = useState(false);
  const setOpen = useCallback((value: boolean) => setOpenState(value), []);
  const control = useMemo(() => ({ open, setOpen }), [open, setOpen]);

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
        <Sidebar open={open} onClose={() => setOpen(false)} />
        <main className="flex min-w-0 flex-1 flex-col" id="main">
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
