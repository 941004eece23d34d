// Two small syntax-tree plugins for the answers' markdown (components/markdown.tsx). Each reads and writes only the
// few fields of a node it needs, typed here, rather than the unified ecosystem's types.

type Position = { start: { offset?: number }; end: { offset?: number } };

/** A node of either tree: markdown (mdast: `type`, `value`) or HTML (hast: `tagName`, `properties`). */
type TreeNode = {
  type: string;
  value?: string;
  tagName?: string;
  properties?: Record<string, unknown>;
  children?: TreeNode[];
  position?: Position;
};

function forEachParent(node: TreeNode, visit: (parent: TreeNode) => void) {
  if (!node.children) return;
  visit(node);
  node.children.forEach((child) => forEachParent(child, visit));
}

/**
 * Dollar amounts stay text: with `$…$` as inline math, "between $5 and $10" would typeset "5 and " as a formula.
 * Pandoc's rule tells them apart: single-dollar math neither begins nor ends with a space, and its closing `$` is
 * not followed by a digit. `$$…$$` is left alone.
 */
export function remarkDollarAmounts() {
  return (tree: TreeNode) =>
    forEachParent(tree, (parent) => {
      const children = parent.children ?? [];
      children.forEach((node, index) => {
        if (node.type !== "inlineMath" || node.value === undefined) return;
        const { start, end } = node.position ?? { start: {}, end: {} };
        const fences = start.offset !== undefined && end.offset !== undefined ? end.offset - start.offset : 0;
        const single = fences - node.value.length === 2;
        const next = children[index + 1];
        const amount = /^\s|\s$/.test(node.value) || (next?.type === "text" && /^\d/.test(next.value ?? ""));
        if (single && amount) children[index] = { type: "text", value: `$${node.value}$` };
      });
    });
}

/**
 * Makes every code block's scrolling box reachable by keyboard and named (axe's scrollable-region-focusable): a long
 * line scrolls sideways, and whether it does depends on the screen's width, so every block is a stop. Streamdown
 * passes a block's `<code>` properties on to that box (the element that scrolls), which is why they are set there.
 */
export function rehypeCodeRegions() {
  return (tree: TreeNode) =>
    forEachParent(tree, (parent) => {
      if (parent.tagName !== "pre") return;
      for (const child of parent.children ?? []) if (child.tagName === "code") nameCodeRegion(child);
    });
}

function nameCodeRegion(code: TreeNode) {
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
