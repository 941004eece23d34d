// The simulator writes prose, lists and short code, never math: a test of how an answer renders has the API's
// answer read as the markdown it needs. The conversation, its question and answer are real and stored; only the
// answer's text in the API's replies to this page (GET /conversations/{id}) is replaced.
import type { Page } from "@playwright/test";

export const MATH_AND_CODE_ANSWER = [
  "A calculator that does this costs between $5 and $10. The roots of $ax^2 + bx + c = 0$ are",
  "",
  "$$",
  "x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}",
  "$$",
  "",
  "In Python:",
  "",
  "```python",
  "def roots(a, b, c):",
  "    discriminant = b * b - 4 * a * c  # the line is wider than the block on any screen, so the block scrolls sideways",
  "    return (-b + discriminant**0.5) / (2 * a), (-b - discriminant**0.5) / (2 * a)",
  "```",
].join("\n");

/** From now on, the last answer of `conversationId` reads `markdown` in what the API sends this page. */
export async function answerReads(page: Page, apiUrl: string, conversationId: string, markdown: string) {
  await page.route(`${apiUrl}/conversations/${conversationId}`, async (route) => {
    const response = await route.fetch();
    if (route.request().method() !== "GET" || !response.ok()) return route.fulfill({ response });
    const conversation = (await response.json()) as { messages: { role: string; content: string }[] };
    const answer = conversation.messages.at(-1);
    if (answer?.role === "assistant") answer.content = markdown;
    await route.fulfill({ response, json: conversation });
  });
}
