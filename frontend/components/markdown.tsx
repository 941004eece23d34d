"use client";

import { code } from "@streamdown/code";
import { memo, useEffect, useState } from "react";
import { defaultRehypePlugins, defaultRemarkPlugins, Streamdown, type PluginConfig } from "streamdown";

import { rehypeCodeRegions, remarkDollarAmounts } from "@/lib/markdown-plugins";

const plugins: PluginConfig = { code };
// Streamdown's own first (GFM; raw HTML, sanitising, link hardening): what they remove stays removed.
const remarkPlugins = [...Object.values(defaultRemarkPlugins), remarkDollarAmounts];
const rehypePlugins = [...Object.values(defaultRehypePlugins), rehypeCodeRegions];

// Loaded once for the page, by the first text that may hold math; then every text has them from its first render.
let loading: Promise<PluginConfig> | null = null;
let loaded: PluginConfig | null = null;

/** The plugins for `text`: with math (KaTeX) once it has a dollar sign, which loads them the first time. */
function usePlugins(text: string): PluginConfig {
  const wanted = text.includes("$");
  const [withMath, setWithMath] = useState(() => loaded);
  useEffect(() => {
    if (!wanted || withMath) return;
    let current = true;
    loading ??= import("@/lib/math-plugins").then((module) => (loaded = module.pluginsWithMath));
    void loading.then((value) => current && setWithMath(value));
    return () => {
      current = false;
    };
  }, [wanted, withMath]);
  return withMath ?? plugins;
}

/**
 * Markdown rendered for streaming: unfinished syntax (an open code fence, half a table) renders sensibly while the
 * text grows, code is highlighted (Shiki, light and dark themes), math is typeset by KaTeX, and the output is built
 * as React elements from a sanitised syntax tree, never as an HTML string.
 */
export const Markdown = memo(function Markdown({ text, streaming }: { text: string; streaming: boolean }) {
  return (
    <Streamdown
      className="markdown text-[0.95rem] leading-relaxed"
      plugins={usePlugins(text)}
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
