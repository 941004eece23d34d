// The markdown plugins with math: KaTeX and its stylesheet are a fifth of the conversation page's script, so this
// module is loaded (components/markdown.tsx) only once an answer has a dollar sign in it.
import { code } from "@streamdown/code";
import { createMathPlugin } from "@streamdown/math";

// KaTeX's stylesheet and fonts, bundled by Next.js into the app's own static files: the CSP allows them ('self').
import "katex/dist/katex.min.css";

// `$…$` as inline math too, as models write it (the plugin's default is `$$…$$` only, for currency's sake; dollar
// amounts are told apart by remarkDollarAmounts). Unfinished inline math is not completed while streaming
// (Streamdown's default), so a lone "$5" mid-answer stays text.
export const pluginsWithMath = { code, math: createMathPlugin({ singleDollarTextMath: true }) };
