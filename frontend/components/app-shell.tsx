"use client";

import { createContext, useCallback, useContext, useMemo, useState } from "react";

import { Sidebar } from "./sidebar";

type SidebarControl = { open: boolean; setOpen: (open: boolean) => void };

const SidebarContext = createContext<SidebarControl>({ open: false, setOpen: () => undefined });

/** The sidebar's drawer on narrow screens: pages put a menu button in their header to open it. */
export function useSidebar(): SidebarControl {
  return useContext(SidebarContext);
}

export function AppShell({ children }: { children: React.ReactNode }) {
  const [open, setOpenState] = useState(false);
  const setOpen = useCallback((value: boolean) => setOpenState(value), []);
  const control = useMemo(() => ({ open, setOpen }), [open, setOpen]);
  return (
    <SidebarContext.Provider value={control}>
      <div className="flex h-dvh overflow-hidden">
        <Sidebar open={open} onClose={() => setOpen(false)} />
        <main className="flex min-w-0 flex-1 flex-col" id="main">
          {children}
        </main>
      </div>
    </SidebarContext.Provider>
  );
}
