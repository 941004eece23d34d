import { expect, test } from "./fixtures";

test.describe("scrolling", () => {
  test("follows the answer until the reader scrolls up, and again from 'Latest'", async ({ page, chat, snap }) => {
    await page.setViewportSize({ width: 1000, height: 600 });
    await chat.startConversation("A very long answer please [sim tokens=1000 tps=60 ttft_ms=0 reasoning_tokens=0]");
    const messages = page.getByTestId("messages");
    const distanceFromBottom = () =>
      messages.evaluate((element) => element.scrollHeight - element.clientHeight - element.scrollTop);
    const scrollTop = () => messages.evaluate((element) => element.scrollTop);

    // While it streams, the view stays at the end.
    await expect
      .poll(() => messages.evaluate((element) => element.scrollHeight > element.clientHeight * 1.5))
      .toBe(true);
    expect(await distanceFromBottom()).toBeLessThan(60);

    // The reader scrolls up: the view stays where they put it while the answer grows.
    await messages.hover();
    await page.mouse.wheel(0, -400);
    await expect(page.getByTestId("scroll-to-bottom")).toBeVisible();
    const parked = await scrollTop();
    const height = await messages.evaluate((element) => element.scrollHeight);
    await expect.poll(() => messages.evaluate((element) => element.scrollHeight)).toBeGreaterThan(height + 100);
    expect(Math.abs((await scrollTop()) - parked)).toBeLessThan(5);
    await snap(page, "16-scrolled-up");

    // "Latest" brings the view back to the end, and it follows again.
    await page.getByTestId("scroll-to-bottom").click();
    await expect(page.getByTestId("scroll-to-bottom")).toHaveCount(0);
    await chat.waitForAnswerStatus("completed");
    await expect.poll(distanceFromBottom).toBeLessThan(60);
  });
});
