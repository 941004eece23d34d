// Keyboard focus: the sidebar's drawer on a phone, and where focus goes after sending, renaming and dialogs (never
// to the page's body, where a keyboard or screen reader user would have to start over from the top).
import type { Page } from "@playwright/test";

import { expect, test } from "./fixtures";
import { AccountMenu } from "./pages/account";
import type { ChatPage } from "./pages/chat-page";

const PHONE = { width: 390, height: 844 };

/** Whether the focused element is inside the sidebar, and whether it is on screen. */
function focusedPlace(page: Page): Promise<{ inSidebar: boolean; onScreen: boolean; id: string }> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return { inSidebar: false, onScreen: true, id: "body" };
    const box = element.getBoundingClientRect();
    return {
      inSidebar: element.closest('[data-testid="sidebar"]') !== null,
      onScreen: box.right > 0 && box.left < window.innerWidth && box.bottom > 0 && box.top < window.innerHeight,
      id: element.getAttribute("data-testid") ?? element.outerHTML.slice(0, 80),
    };
  });
}

/** Where focus lands on each of `presses` Tabs. */
async function tabStops(page: Page, presses: number) {
  const stops = [];
  for (let press = 0; press < presses; press += 1) {
    await page.keyboard.press("Tab");
    stops.push(await focusedPlace(page));
  }
  return stops;
}

async function conversationWithAnswer(chat: ChatPage): Promise<string> {
  const id = await chat.startConversation("Hello [sim tokens=8 tps=0 reasoning_tokens=0]");
  await chat.waitForAnswerStatus("completed");
  return id;
}

test.describe("the drawer at phone width", () => {
  test.use({ viewport: PHONE });

  test("closed, it is out of the Tab order; open, focus is in it and stays there", async ({ page, chat, api }) => {
    const other = await api.createConversation("Other conversation");
    await chat.openConversation(other.id);
    await expect(chat.sidebar).toHaveAttribute("data-open", "false");

    // Every Tab stop is on screen and none is in the drawer off to the left (its links and buttons come first in
    // the page, so without `inert` the first Tabs would land there).
    const closedStops = await tabStops(page, 12);
    expect(closedStops.filter((stop) => stop.inSidebar || !stop.onScreen)).toEqual([]);

    await chat.menuButton.focus();
    await page.keyboard.press("Enter");
    await expect(chat.sidebar).toHaveAttribute("data-open", "true");
    await expect(chat.menuButton).toHaveAttribute("aria-expanded", "true");
    expect(await chat.focused()).toBe("close-sidebar");
    // The page under the open drawer is inert: Tab goes round the drawer only (and out of the document after its
    // last control, as from any page's last).
    const openStops = await tabStops(page, 12);
    expect(openStops.filter((stop) => stop.inSidebar).length).toBeGreaterThan(3);
    expect(openStops.filter((stop) => !stop.inSidebar && stop.id !== "body")).toEqual([]);
  });

  test("Escape closes it from anywhere and gives focus back to the menu button", async ({ page, chat }) => {
    await chat.open("/");
    await expect(chat.input).toBeVisible();

    // Focus inside the drawer.
    await chat.menuButton.click();
    await expect(chat.sidebar).toHaveAttribute("data-open", "true");
    await page.keyboard.press("Tab");
    expect(await chat.focused()).toBe("new-conversation");
    await page.keyboard.press("Escape");
    await expect(chat.sidebar).toHaveAttribute("data-open", "false");
    expect(await chat.focused()).toBe("open-sidebar");

    // Focus nowhere in particular: a click on the drawer's heading, which takes no focus, leaves it on the body.
    await page.keyboard.press("Enter");
    await expect(chat.sidebar).toHaveAttribute("data-open", "true");
    await chat.sidebar.getByText("Resilient Chat", { exact: true }).click();
    expect(await chat.focused()).toBe("body");
    await page.keyboard.press("Escape");
    await expect(chat.sidebar).toHaveAttribute("data-open", "false");
    expect(await chat.focused()).toBe("open-sidebar");

    // The close button does the same.
    await page.keyboard.press("Enter");
    await expect(chat.closeSidebarButton).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(chat.sidebar).toHaveAttribute("data-open", "false");
    expect(await chat.focused()).toBe("open-sidebar");
  });

  test("choosing a conversation in it closes it, focus on the page that opens", async ({ page, chat, api }) => {
    const chosen = await api.createConversation("Chosen one");
    await chat.open("/");
    await chat.menuButton.click();
    await chat.conversationItem(chosen.id).getByTestId("conversation-link").focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/c/${chosen.id}$`));
    await expect(chat.title).toHaveText("Chosen one");
    await expect(chat.sidebar).toHaveAttribute("data-open", "false");
    await expect(page.getByTestId("main")).toBeFocused();
    // The next Tab is on one of the page's controls.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.closest("main")?.id)).toBe("main");
  });
});

test.describe("focus after", () => {
  test("sending stays in the message box (Enter, the Send button, and the home page's first message)", async ({
    page,
    chat,
  }) => {
    await chat.open("/");
    await chat.send("First from home [sim tokens=8 tps=0 reasoning_tokens=0]");
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    await chat.waitForAnswerStatus("completed");
    await expect(chat.input).toBeFocused();

    await chat.send("Second with Enter [sim tokens=8 tps=0 reasoning_tokens=0]");
    await expect(chat.userMessages).toHaveCount(2);
    await expect(chat.input).toBeFocused();
    await chat.waitForAnswerStatus("completed", chat.answers.nth(1));

    await chat.input.fill("Third with the button [sim tokens=8 tps=0 reasoning_tokens=0]");
    await chat.sendButton.click();
    await expect(chat.userMessages).toHaveCount(3);
    await expect(chat.input).toBeFocused();
  });

  test("a rename ended with Escape or Enter is back on the item's Rename button", async ({ chat, api }) => {
    const { id } = await api.createConversation();
    await chat.openConversation(id);
    const item = chat.conversationItem(id);

    await item.getByTestId("rename-conversation").click();
    await item.getByTestId("rename-input").fill("Not kept");
    await item.getByTestId("rename-input").press("Escape");
    await expect(item.getByTestId("rename-input")).toHaveCount(0);
    await expect(item.getByTestId("rename-conversation")).toBeFocused();
    await expect(item.getByTestId("conversation-link")).toHaveText("New conversation");

    await item.getByTestId("rename-conversation").press("Enter");
    await item.getByTestId("rename-input").fill("Kept");
    await item.getByTestId("rename-input").press("Enter");
    await expect(item.getByTestId("conversation-link")).toHaveText("Kept");
    await expect(item.getByTestId("rename-conversation")).toBeFocused();
  });

  test("the delete dialog: back on its Delete button when cancelled, on a neighbour when deleted", async ({
    page,
    chat,
    api,
  }) => {
    const first = await api.createConversation("First");
    const second = await api.createConversation("Second");
    await chat.openConversation(second.id);
    const item = chat.conversationItem(second.id);
    const deleteButton = item.getByTestId("delete-conversation");

    await deleteButton.click();
    await expect(chat.confirmDialog).toBeVisible();
    await chat.confirmDialog.getByTestId("confirm-cancel").click();
    await expect(chat.confirmDialog).toHaveCount(0);
    await expect(deleteButton).toBeFocused();

    await deleteButton.press("Enter");
    await expect(chat.confirmDialog).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(chat.confirmDialog).toHaveCount(0);
    await expect(deleteButton).toBeFocused();

    // Deleting the open conversation goes home; focus is on the next conversation in the list.
    await deleteButton.press("Enter");
    await chat.confirmDialog.getByTestId("confirm-accept").click();
    await page.waitForURL((url) => url.pathname === "/");
    await expect(item).toHaveCount(0);
    await expect(chat.conversationItem(first.id).getByTestId("conversation-link")).toBeFocused();

    // The last one: focus is on New Conversation.
    await chat.conversationItem(first.id).getByTestId("delete-conversation").click();
    await chat.confirmDialog.getByTestId("confirm-accept").click();
    await expect(chat.conversationItem(first.id)).toHaveCount(0);
    expect(await chat.focused()).toBe("new-conversation");
  });

  test("the account menu's sign-out question, cancelled, is back on the account button", async ({ page, chat }) => {
    await conversationWithAnswer(chat);
    const account = new AccountMenu(page);
    await account.choose("account-sign-out");
    await expect(chat.confirmDialog).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(chat.confirmDialog).toHaveCount(0);
    await expect(account.button).toBeFocused();
  });
});
