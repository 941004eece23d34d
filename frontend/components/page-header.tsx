"use client";

import { useDocumentTitle } from "@/hooks/use-document-title";

import { useSidebar } from "./app-shell";
import { MenuIcon } from "./icons";

/**
 * The bar above a page: the menu button (narrow screens), a title, which is the tab's title too, and whatever the page
 * adds on the right.
 */
export function PageHeader({ title, children }: { title: string; children?: React.ReactNode }) {
  const { open, setOpen, menuButton } = useSidebar();
  useDocumentTitle(title);
  return (
    <header className="flex h-12 shrink-0 items-center gap-2 border-b px-3">
      <button
        ref={menuButton}
        type="button"
        onClick={() => setOpen(true)}
        aria-expanded={open}
        aria-controls="sidebar"
        className="rounded-lg p-1.5 text-muted-foreground hover:bg-muted md:hidden"
        aria-label="Open the conversation list"
        data-testid="open-sidebar"
      >
        <MenuIcon />
      </button>
      <h1 className="min-w-0 flex-1 truncate text-sm font-semibold" data-testid="chat-title">
        {title}
      </h1>
      {children}
    </header>
  );
}
