import { expect, test } from "./fixtures";
import { Sidebar } from "./pages/sidebar";

test.describe("sidebar search and infinite scroll", () => {
  test("a search finds a conversation by its message text, the matched words highlighted", async ({
    page,
    chat,
    api,
    snap,
  }) => {
    const sidebar = new Sidebar(page);
    const found = await api.createConversation("Weekend plans");
    // The tags are the user's text, to be shown as written: never markup.
    await api.sendMessage(
      found.id,
      "[sim tokens=5 tps=0 reasoning_tokens=0] Where can I see <b>axolotls</b> regenerate their limbs?",
    );
    const other = await api.createConversation("Groceries");
    await api.sendMessage(other.id, "[sim tokens=5 tps=0 reasoning_tokens=0] Remind me to buy oat milk");
    await chat.open("/");
    await expect(chat.conversationItem(other.id)).toBeVisible();

    await sidebar.searchFor("axolotl regenerating");
    await expect(sidebar.results).toHaveCount(1);
    const result = sidebar.result(found.id);
    await expect(result).toContainText("Weekend plans");
    await expect(sidebar.marks(result)).toHaveText(["axolotls", "regenerate"]);
    await expect(result.getByTestId("search-snippet")).toContainText("see <b>axolotls</b> regenerate their limbs");
    await expect(result.locator("b")).toHaveCount(0);
    await expect(sidebar.searchStatus).toHaveText("1 conversation matches");
    await snap(page, "30-search-highlight");

    await sidebar.searchFor("zyzzyva");
    await expect(sidebar.searchStatus).toHaveText("No conversations match “zyzzyva”.");
    await expect(sidebar.results).toHaveCount(0);

    await sidebar.searchFor("axolotl");
    await result.getByTestId("search-result-link").click();
    await page.waitForURL(new RegExp(`/c/${found.id}$`));
    await expect(chat.title).toHaveText("Weekend plans");

    // Escape clears the search, and the list is back.
    await sidebar.search.press("Escape");
    await expect(sidebar.search).toHaveValue("");
    await expect(sidebar.results).toHaveCount(0);
    await expect(chat.conversationItem(other.id)).toBeVisible();
  });

  test("the list scrolls through every conversation, each once", async ({ page, chat, api }) => {
    const sidebar = new Sidebar(page);
    const ids = await api.createConversations(134, "Bulk ");
    await chat.open("/");
    await expect(chat.conversationItem(ids.at(-1)!)).toBeVisible();
    expect(await sidebar.items.count(), "one page at first, not all of them").toBeLessThan(134);

    await sidebar.scrollUntilListed(134);
    const listed = await sidebar.listedIds();
    expect(new Set(listed).size).toBe(134);
    expect([...listed].sort()).toEqual([...ids].sort());
    await expect(page.getByTestId("conversations-load-more")).toHaveCount(0);
  });

  test("Ctrl+K focuses the search box from anywhere", async ({ page, chat }) => {
    const sidebar = new Sidebar(page);
    await chat.open("/");
    await chat.input.click();
    await expect(chat.input).toBeFocused();
    await page.keyboard.press("Control+k");
    await expect(sidebar.search).toBeFocused();
    await page.keyboard.type("nothing like it");
    await expect(sidebar.searchStatus).toHaveText("No conversations match “nothing like it”.");
    await page.keyboard.press("Escape");
    await expect(sidebar.search).toHaveValue("");
    await expect(sidebar.search).toBeFocused();
  });
});
