"use client";

import { useEffect } from "react";

import { APP_NAME } from "@/lib/app-name";

/**
 * The tab's title: "<title> · Resilient Chat", or the app's name alone for a page with no title of its own. Set while
 * the page is shown and whenever `title` changes (a conversation's is generated after its first answer); a page that
 * goes gives the tab back the app's name, so a page without this hook (sign-in) never shows another page's title.
 */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title && title !== APP_NAME ? `${title} · ${APP_NAME}` : APP_NAME;
    return () => {
      document.title = APP_NAME;
    };
  }, [title]);
}
