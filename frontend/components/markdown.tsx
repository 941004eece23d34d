"use client";

import { code } from "@streamdown/code";
import { memo } from "react";
import { Streamdown } from "streamdown";

const plugins = { code };

/**
 * Markdown rendered for streaming: unfinished syntax (an open code fence, half a table) renders sensibly while the
 * text grows, code is highlighted (Shiki, light and dark themes), and the output is built as React elements from a
 * sanitised syntax tree, never as an HTML string.
 */
export const Markdown = memo(function Markdown({ text, streaming }: { text: string; streaming: boolean }) {
  return (
    <Streamdown
      className="markdown text-[0.95rem] leading-relaxed"
      plugins={plugins}
      shikiTheme={["github-light", "github-dark"]}
      isAnimating={streaming}
      mode={streaming ? "streaming" : "static"}
    >
      {text}
    </Streamdown>
  );
});
