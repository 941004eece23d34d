import type { Metadata, Viewport } from "next";
import { connection } from "next/server";

import { AppShell } from "@/components/app-shell";
import { Providers } from "@/components/providers";
import { APP_NAME } from "@/lib/app-name";
import { BOOT_SCRIPT } from "@/lib/boot-script";

import "./globals.css";

export const metadata: Metadata = {
  title: APP_NAME,
  description: "A streaming chat whose answers survive reloads, dropped connections and second tabs.",
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#ffffff" },
    { media: "(prefers-color-scheme: dark)", color: "#18181b" },
  ],
};

const DEFAULT_API_URL = "http://127.0.0.1:8000";

/**
 * The API's URL, read when the page is requested rather than baked in by `next build`, so one build serves any API
 * (the dev stack on :8000, the browser tests on a free port). A computed name keeps the bundler from inlining it.
 */
function apiUrl(): string {
  const name = ["NEXT", "PUBLIC", "API", "URL"].join("_");
  return (process.env[name] || DEFAULT_API_URL).replace(/\/+$/, "");
}

/**
 * How long the web app waits for an ordinary API answer (API_REQUEST_TIMEOUT_SECONDS; the browser tests' cuttable
 * stack shortens it), read when the page is requested like the URL; undefined: the client's default.
 */
function apiTimeoutMs(): number | undefined {
  const seconds = Number(process.env.API_REQUEST_TIMEOUT_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

export default async function RootLayout({ children }: Readonly<{ children: React.ReactNode }>) {
  await connection();
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* Applies the saved (or the system's) colour scheme before the first paint. */}
        <script dangerouslySetInnerHTML={{ __html: BOOT_SCRIPT }} />
      </head>
      <body className="font-sans">
        <Providers apiUrl={apiUrl()} apiTimeoutMs={apiTimeoutMs()}>
          <AppShell>{children}</AppShell>
        </Providers>
      </body>
    </html>
  );
}
