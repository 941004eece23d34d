"use client";

import { code } from "@streamdown/code";
import { createMathPlugin } from "@streamdown/math";
import { memo } from "react";
import { defaultRehypePlugins, Streamdown } from "streamdown";

// KaTeX's stylesheet and fonts, bundled by Next.js into the app's own static files: the CSP allows them ('self').
import "katex/dist/katex.min.css";

// `$…$` as inline math too, as models write it (the plugin's default is `$$…$$` only, for currency's sake). Unfinished
// inline math is not completed while streaming (Streamdown's default), so a lone "$5" mid-answer stays text.
const plugins = { code, math: createMathPlugin({ singleDollarTextMath: true }) };

/**
 * Makes every code block's scrolling box reachable by keyboard and named (axe's scrollable-region-focusable): a long
 * line scrolls sideways, and whether it does depends on the screen's width, so every block is a stop. Streamdown
 * passes a block's `<code>` properties on to that box (the element that scrolls), which is why they are set there.
 */
function codeBlockRegions() {
  return (tree: HastNode) => {
    const walk = (node: HastNode) => {
      for (const child of node.children ?? []) {
        if (node.tagName === "pre" && child.tagName === "code") label(child);
        walk(child);
      }
    };
    walk(tree);
  };
}

/** The little of a hast node (the HTML syntax tree) the plugin reads and writes. */
type HastNode = { tagName?: string; properties?: Record<string, unknown>; children?: HastNode[] };

function label(code: HastNode) {
  const classes = code.properties?.className;
  const language = (Array.isArray(classes) ? classes : [])
    .map(String)
    .find((name) => name.startsWith("language-"))
    ?.slice("language-".length);
  // Display math is a <pre><code class="language-math"> until KaTeX (after this plugin) typesets it in its place.
  if (language === "math") return;
  code.properties = {
    ...code.properties,
    tabIndex: 0,
    role: "region",
    ariaLabel: language ? `Code (${language})` : "Code",
  };
}

// Streamdown's own (raw HTML, sanitising, link hardening) first: what they remove stays removed.
const rehypePlugins = [...Object.values(defaultRehypePlugins), codeBlockRegions];

/**
 * Markdown rendered for streaming: unfinished syntax (an open code fence, half a table) renders sensibly while the
 * text grows, code is highlighted (Shiki, light and dark themes), math is typeset by KaTeX, and the output is built
 * as React elements from a sanitised syntax tree, never as an HTML string.
 */
export const Markdown = memo(function Markdown({ text, streaming }: { text: string; streaming: boolean }) {
  return (
    <Streamdown
      className="markdown text-[0.95rem] leading-relaxed"
      plugins={plugins}
      rehypePlugins={rehypePlugins}
      shikiTheme={["github-light", "github-dark"]}
      isAnimating={streaming}
      mode={streaming ? "streaming" : "static"}
    >
      {text}
    </Streamdown>
  );
});
