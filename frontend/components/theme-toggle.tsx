"use client";

import { useEffect, useSyncExternalStore } from "react";

import { applyTheme, readThemeChoice, type ThemeChoice } from "@/lib/theme";

import { MonitorIcon, MoonIcon, SunIcon } from "./icons";

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: "light", light: "dark", dark: "system" };
const LABEL: Record<ThemeChoice, string> = { system: "System theme", light: "Light theme", dark: "Dark theme" };
const CHANGED = "theme-changed";

function subscribe(onChange: () => void): () => void {
  window.addEventListener(CHANGED, onChange);
  window.addEventListener("storage", onChange);
  return () => {
    window.removeEventListener(CHANGED, onChange);
    window.removeEventListener("storage", onChange);
  };
}

export function ThemeToggle() {
  // The saved choice lives in the browser: the server renders "system" and React switches after hydration.
  const choice = useSyncExternalStore(subscribe, readThemeChoice, () => "system" as const);
  // Following the system: follow it when it changes too, not only when the page loads.
  useEffect(() => {
    const query = window.matchMedia("(prefers-color-scheme: dark)");
    const onChange = () => {
      if (readThemeChoice() === "system") applyTheme("system");
    };
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, []);
  const Icon = choice === "light" ? SunIcon : choice === "dark" ? MoonIcon : MonitorIcon;
  const next = NEXT[choice];
  return (
    <button
      type="button"
      onClick={() => {
        applyTheme(next);
        window.dispatchEvent(new Event(CHANGED));
      }}
      className="inline-flex items-center gap-2 rounded-lg px-2 py-1.5 text-sm text-muted-foreground hover:bg-muted hover:text-foreground"
      aria-label={`${LABEL[choice]}; switch to ${LABEL[next].toLowerCase()}`}
      title={`Switch to ${LABEL[next].toLowerCase()}`}
      data-testid="theme-toggle"
      data-theme-choice={choice}
    >
      <Icon />
      <span>{LABEL[choice]}</span>
    </button>
  );
}
