"use client";

import { code } from "@streamdown/code";
import { createMathPlugin } from "@streamdown/math";
import { memo } from "react";
import { defaultRehypePlugins, defaultRemarkPlugins, Streamdown } from "streamdown";

import { rehypeCodeRegions, remarkDollarAmounts } from "@/lib/markdown-plugins";

// KaTeX's stylesheet and fonts, bundled by Next.js into the app's own static files: the CSP allows them ('self').
import "katex/dist/katex.min.css";

// `$…$` as inline math too, as models write it (the plugin's default is `$$…$$` only, for currency's sake; dollar
// amounts are told apart by remarkDollarAmounts). Unfinished inline math is not completed while streaming
// (Streamdown's default), so a lone "$5" mid-answer stays text.
const plugins = { code, math: createMathPlugin({ singleDollarTextMath: true }) };
// Streamdown's own first (GFM; raw HTML, sanitising, link hardening): what they remove stays removed.
const remarkPlugins = [...Object.values(defaultRemarkPlugins), remarkDollarAmounts];
const rehypePlugins = [...Object.values(defaultRehypePlugins), rehypeCodeRegions];

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
      remarkPlugins={remarkPlugins}
      rehypePlugins={rehypePlugins}
      // github-dark's comments are 4.0:1 on the dark page; its "default" variant's are 6.2:1 (AA wants 4.5).
      shikiTheme={["github-light", "github-dark-default"]}
      isAnimating={streaming}
      mode={streaming ? "streaming" : "static"}
    >
      {text}
    </Streamdown>
  );
});
