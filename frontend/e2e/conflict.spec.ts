import { expect, test } from "./fixtures";

test("sending while another client's answer is still generating shows that answer instead", async ({
  browser,
  stack,
  chat,
  api,
  allowConsoleErrors,
}) => {
  // The API refuses the second message with 409, which the browser logs.
  allowConsoleErrors(/status of 409/);
  const { id } = await api.createConversation();
  await chat.openConversation(id);
  // Another browser (no tab-to-tab messages between the two), signed in as the same user, with the conversation open
  // and idle.
  const other = await browser.newContext({
    baseURL: stack.frontend_url,
    storageState: await chat.page.context().storageState(),
  });
  const otherPage = await other.newPage();
  await otherPage.goto(`/c/${id}`);
  await expect(otherPage.getByTestId("conversation-empty")).toBeVisible();

  await chat.send("The first question [sim tokens=200 tps=25 ttft_ms=0 reasoning_tokens=0]");
  await chat.waitForAnswerText(20);

  await otherPage.getByTestId("composer-input").fill("A second question");
  await otherPage.getByTestId("composer-input").press("Enter");
  await expect(otherPage.getByTestId("chat-notice")).toContainText("still being generated");
  // It shows the server's conversation (without the refused message) and follows the answer in progress.
  await expect(otherPage.getByTestId("message-user")).toHaveCount(1);
  await expect(otherPage.getByTestId("message-user")).toContainText("The first question");
  const answer = otherPage.getByTestId("message-assistant").last();
  await expect(answer).toHaveAttribute("data-status", "streaming");
  await expect(answer).toHaveAttribute("data-status", "completed", { timeout: 30_000 });
  const conversation = await api.conversation(id);
  expect(conversation.messages).toHaveLength(2);
  await other.close();
});
