// Nothing typed is lost: the message box keeps its text until the API accepts it, keeps a draft per conversation
// across reloads, refuses a message over the length limit before sending it, and a conversation exists on the server
// only once its first message is accepted. (A hung API is in network.spec.ts, with the proxy that hangs.)
import type { Page } from "@playwright/test";

import { limits } from "../lib/api/schema";

import { expect, test } from "./fixtures";

const QUICK = "[sim tokens=12 tps=0 reasoning_tokens=0]";
const MAX = limits.messageChars;

/** The POST /conversations requests the page makes from now on. */
function watchCreates(page: Page): string[] {
  const creates: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname === "/conversations") {
      creates.push(request.url());
    }
  });
  return creates;
}

test.describe("composer", () => {
  test("a message that is not sent stays in the box: offline, then refused by the API", async ({
    context,
    chat,
    api,
    allowConsoleErrors,
  }) => {
    allowConsoleErrors(/ERR_INTERNET_DISCONNECTED|status of 409/);
    const { id } = await api.createConversation();
    await chat.openConversation(id);

    await context.setOffline(true);
    await chat.send("Typed while offline");
    await expect(chat.notice).toContainText("Could not reach the API to send your message.");
    await expect(chat.input).toHaveValue("Typed while offline");
    await expect(chat.userMessages).toHaveCount(0);
    await context.setOffline(false);
    await chat.sendRetry.click();
    await chat.waitForAnswerStatus("completed");
    await expect(chat.input).toHaveValue("");
    await expect(chat.userMessages).toHaveCount(1);
    await expect(chat.userMessages).toContainText("Typed while offline");

    // Another client of the same user starts an answer here: the API refuses this one with 409, and it stays.
    await api.sendMessage(id, `Asked elsewhere [sim tokens=200 tps=25 ttft_ms=0 reasoning_tokens=0]`);
    await chat.send(`Asked here too ${QUICK}`);
    await expect(chat.notice).toContainText("still being generated");
    await expect(chat.input).toHaveValue(`Asked here too ${QUICK}`);
    // The page shows the other client's answer instead, and follows it to its end.
    await expect(chat.answers).toHaveCount(2);
    await chat.waitForAnswerStatus("completed");
    // The answer shows as completed a moment before the page is ready for the next send (Send enabled, as a user sees).
    await expect(chat.sendButton).toBeEnabled();
    await chat.input.press("Enter");
    await expect(chat.answers).toHaveCount(3);
    await chat.waitForAnswerStatus("completed");
    await expect(chat.input).toHaveValue("");
    const stored = await api.conversation(id);
    expect(stored.messages.filter((message) => message.role === "user").map((message) => message.content)).toEqual([
      "Typed while offline",
      "Asked elsewhere [sim tokens=200 tps=25 ttft_ms=0 reasoning_tokens=0]",
      `Asked here too ${QUICK}`,
    ]);
  });

  test("the count shows near the limit, and a message over it is refused before it is sent", async ({
    page,
    chat,
    api,
  }) => {
    const { id } = await api.createConversation();
    await chat.openConversation(id);
    const sends: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && request.url().endsWith("/messages")) sends.push(request.url());
    });
    const counterFrom = Math.ceil(MAX * 0.9);

    await chat.input.fill("x".repeat(counterFrom - 1));
    await expect(chat.counter).toHaveCount(0);
    await chat.input.fill("x".repeat(counterFrom));
    await expect(chat.counter).toHaveText(
      `${counterFrom.toLocaleString("en")} / ${MAX.toLocaleString("en")} characters`,
    );
    await expect(chat.sendButton).toBeEnabled();

    await chat.input.fill("x".repeat(MAX + 1));
    await expect(chat.counter).toHaveAttribute("data-too-long", "true");
    await expect(chat.counter).toHaveText(
      `This message is ${(MAX + 1).toLocaleString("en")} characters long; the limit is ${MAX.toLocaleString("en")}. Shorten it to send it.`,
    );
    await expect(chat.sendButton).toBeDisabled();
    await chat.input.press("Enter");
    await expect(chat.input).toHaveValue("x".repeat(MAX + 1));
    await expect(chat.userMessages).toHaveCount(0);
    expect(sends).toEqual([]);

    // Counted as the API counts: an emoji is one character (two in JavaScript's length), so this is at the limit.
    const emoji = "😀".repeat(MAX);
    await chat.input.fill(emoji);
    await expect(chat.counter).toHaveText(`${MAX.toLocaleString("en")} / ${MAX.toLocaleString("en")} characters`);
    await chat.input.press("Enter");
    await chat.waitForAnswerStatus("completed");
    await expect(chat.input).toHaveValue("");
    expect((await api.conversation(id)).messages[0]?.content).toBe(emoji);
  });

  test("drafts survive a reload, on the home page and in each conversation", async ({ page, chat, api }) => {
    const { id } = await api.createConversation();
    await chat.open("/");
    await chat.input.fill("A thought for later, on the home page");
    await page.reload();
    await expect(chat.input).toHaveValue("A thought for later, on the home page");

    await chat.openConversation(id);
    await expect(chat.input).toHaveValue("");
    await chat.input.fill("Half a question\nfor this conversation");
    await page.reload();
    await expect(chat.input).toHaveValue("Half a question\nfor this conversation");

    // Each keeps its own.
    await chat.newConversationButton.click();
    await page.waitForURL((url) => url.pathname === "/");
    await expect(chat.input).toHaveValue("A thought for later, on the home page");
    await chat.openFromSidebar(id);
    await expect(chat.input).toHaveValue("Half a question\nfor this conversation");

    // A draft that was sent is gone: the home page is empty again once its message started a conversation.
    await chat.newConversationButton.click();
    await page.waitForURL((url) => url.pathname === "/");
    await chat.input.press("Enter");
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    await chat.waitForAnswerStatus("completed");
    await chat.newConversationButton.click();
    await page.waitForURL((url) => url.pathname === "/");
    await expect(chat.input).toHaveValue("");
    await page.reload();
    await expect(chat.input).toHaveValue("");
  });

  test("New Conversation creates nothing on the server: the first message does", async ({ page, chat, api }) => {
    const creates = watchCreates(page);
    await chat.open("/");
    await expect(page.getByTestId("empty-state")).toBeVisible();
    for (let click = 0; click < 3; click++) {
      await chat.newConversationButton.click();
      await expect(page.getByTestId("empty-state")).toBeVisible();
    }
    expect(creates).toEqual([]);
    expect(await api.conversationCount()).toBe(0);

    const id = await chat.startConversation(`The first message makes the conversation ${QUICK}`);
    await chat.waitForAnswerStatus("completed");
    for (let click = 0; click < 3; click++) {
      await chat.newConversationButton.click();
      await page.waitForURL((url) => url.pathname === "/");
      await chat.page.goBack();
      await page.waitForURL(new RegExp(`/c/${id}$`));
    }
    expect(creates).toHaveLength(1);
    expect(await api.conversationCount()).toBe(1);
    // Sent once: one question, one answer.
    expect((await api.conversation(id)).messages.map((message) => message.role)).toEqual(["user", "assistant"]);
  });

  test("a first message that fails on the home page stays there and leaves no conversation behind", async ({
    page,
    context,
    chat,
    api,
    allowConsoleErrors,
  }) => {
    allowConsoleErrors(/ERR_INTERNET_DISCONNECTED|status of 422/);
    await chat.open("/");
    await expect(page.getByTestId("empty-state")).toBeVisible();

    // Refused by the API (PostgreSQL text cannot hold NUL): its sentence, the text kept, nothing to retry.
    await chat.send("Half\u0000way");
    await expect(chat.homeError).toHaveText("Message contains a NUL character (\\u0000), which cannot be stored.");
    await expect(chat.sendRetry).toHaveCount(0);
    await expect(chat.input).toHaveValue("Half\u0000way");

    // No network: the text kept, and a Retry that sends it once the network is back.
    await context.setOffline(true);
    await chat.send(`Sent from the home page ${QUICK}`);
    await expect(chat.homeError).toContainText("Could not reach the API to send your message.");
    await expect(chat.input).toHaveValue(`Sent from the home page ${QUICK}`);
    await expect(page.getByTestId("empty-state")).toBeVisible();
    await context.setOffline(false);
    expect(await api.conversationCount()).toBe(0);
    await page.reload();
    await expect(chat.input).toHaveValue(`Sent from the home page ${QUICK}`);

    await chat.send(`Sent from the home page ${QUICK}`);
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    await chat.waitForAnswerStatus("completed");
    expect(await api.conversationCount()).toBe(1);
  });
});
