import type { NextConfig } from "next";

// On every response, pages and static files alike. The page's Content-Security-Policy (with its per-request nonce)
// and HSTS are set in proxy.ts.
const SECURITY_HEADERS = [
  { key: "X-Content-Type-Options", value: "nosniff" },
  // For browsers that predate CSP's frame-ancestors 'none'.
  { key: "X-Frame-Options", value: "DENY" },
  // Conversation URLs name the conversation: no other site, nor the API, is told them.
  { key: "Referrer-Policy", value: "no-referrer" },
];

const nextConfig: NextConfig = {
  reactStrictMode: true,
  // The browser talks to the API directly (NEXT_PUBLIC_API_URL, read at request time); nothing to proxy here.
  poweredByHeader: false,
  turbopack: {
    resolveAlias: {
      // KaTeX's markup (rehype-katex) is parsed into a syntax tree by this package, whose browser build does it by
      // assigning the HTML to a <template>: the page's CSP then refuses, and reports, every inline style in it (the
      // attributes are kept, so the math looks right, but each formula logged dozens of violations). Its other
      // build parses with parse5, which the page already loads for Streamdown, and sets no HTML anywhere.
      "hast-util-from-html-isomorphic": "./node_modules/hast-util-from-html-isomorphic/lib/index.js",
    },
  },
  async headers() {
    return [{ source: "/:path*", headers: SECURITY_HEADERS }];
  },
};

export default nextConfig;
