// The page's Content-Security-Policy, with a fresh nonce per request, and HSTS over HTTPS. The headers that never
// change (nosniff, frame options, referrer policy) are in next.config.ts, for every response.
//
// Next.js reads the nonce from the CSP request header set here and puts it on its own scripts (the framework, the
// page's chunks, its inline bootstrap scripts), which is why pages are rendered per request (the root layout awaits
// connection() anyway). 'strict-dynamic' lets those scripts load the chunks they need; nothing else runs, but for
// the boot script in the layout (lib/boot-script.ts), which is allowed by its hash (it has no nonce: the layout renders it as
// plain HTML before any Next.js script). Another inline script must carry the nonce, which server components can
// read from the request's `x-nonce` header (`(await headers()).get("x-nonce")`), or it is refused.
import { createHash } from "node:crypto";

import { NextResponse, type NextRequest } from "next/server";

import { BOOT_SCRIPT } from "@/lib/boot-script";

const DEFAULT_API_URL = "http://127.0.0.1:8000";
const BOOT_SCRIPT_HASH = `'sha256-${createHash("sha256").update(BOOT_SCRIPT).digest("base64")}'`;
const HSTS = "max-age=63072000; includeSubDomains";

/** The API's origin, read at request time like app/layout.tsx reads it; null if it is not an absolute URL. */
function apiOrigin(): string | null {
  const name = ["NEXT", "PUBLIC", "API", "URL"].join("_");
  try {
    return new URL(process.env[name] || DEFAULT_API_URL).origin;
  } catch {
    return null;
  }
}

function overHttps(request: NextRequest): boolean {
  // Behind a TLS-terminating proxy the app sees plain HTTP and the proxy says what the browser used. Trusting the
  // header from anyone is harmless here: a browser ignores HSTS that arrives over plain HTTP.
  const forwarded = request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  return forwarded === "https" || request.nextUrl.protocol === "https:";
}

function contentSecurityPolicy(nonce: string, options: { https: boolean; dev: boolean }): string {
  const api = apiOrigin();
  const directives = [
    "default-src 'self'",
    // 'self' is for browsers without 'strict-dynamic' (CSP level 2); those that have it ignore it.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic' ${BOOT_SCRIPT_HASH}${options.dev ? " 'unsafe-eval'" : ""}`,
    // Styles come from the app's own stylesheet; inline ones only from Next.js, with the nonce. In development
    // Next.js and its error overlay inject styles without one, so 'unsafe-inline' there (a nonce would disable it).
    `style-src 'self' ${options.dev ? "'unsafe-inline'" : `'nonce-${nonce}'`}`,
    // The API, which the browser calls directly (REST and the answer streams).
    `connect-src 'self'${api ? ` ${api}` : ""}`,
    // No images from other sites: an answer's markdown could otherwise make the browser fetch any URL, with
    // whatever the model was led to put in it.
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  if (options.https) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

export function proxy(request: NextRequest): NextResponse {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const https = overHttps(request);
  const csp = contentSecurityPolicy(nonce, { https, dev: process.env.NODE_ENV === "development" });

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  requestHeaders.set("x-nonce", nonce);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  if (https) response.headers.set("strict-transport-security", HSTS);
  return response;
}

export const config = {
  matcher: [
    {
      // Pages only: not the static files, which need no policy and get the fixed headers from next.config.ts.
      source: "/((?!_next/static|_next/image|favicon.ico|icon.svg).*)",
      // Nor prefetches, which are rendered without scripts to allow.
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
