import { expect, test } from "./fixtures";

test.describe("stop and retry", () => {
  test("Stop cancels the answer on the server for every viewer and keeps the partial answer", async ({
    page,
    context,
    chat,
    api,
    snap,
  }) => {
    const id = await chat.startConversation("Go on for a while [sim tokens=400 tps=25 ttft_ms=0 reasoning_tokens=4]");
    await chat.waitForAnswerText(60);
    const viewer = await context.newPage();
    await viewer.goto(`/c/${id}`);
    const viewed = viewer.getByTestId("message-assistant").last();
    await expect(viewed).toHaveAttribute("data-status", "streaming");

    await chat.stopButton.click();
    await chat.waitForAnswerStatus("cancelled");
    await expect(chat.lastAnswer.getByTestId("answer-stopped")).toBeVisible();
    await expect(chat.sendButton).toBeVisible();
    // The other viewer's stream ended the same way: stopping is not just closing this tab's connection.
    await expect(viewed).toHaveAttribute("data-status", "cancelled");
    await snap(page, "09-stopped");

    const stored = await api.finalAnswer(id);
    expect(stored.status).toBe("cancelled");
    expect(stored.content.length).toBeGreaterThan(0);
    expect(stored.content.split(/\s+/).length).toBeLessThan(400);
    expect(await chat.copiedAnswer()).toBe(stored.content);
  });

  test("a failed answer shows the error, and Retry regenerates it (the question is not sent again)", async ({
    page,
    chat,
    api,
    snap,
  }) => {
    const { id } = await api.createConversation();
    await chat.openConversation(id);
    // The simulator fails this prompt's first request with a 500, then answers it. It counts attempts per prompt
    // for as long as it runs, so the prompt must be new each time.
    const question = `This one breaks once (${test.info().testId} ${Date.now()}) [sim fail=500 fail_times=1 tokens=30 tps=0 reasoning_tokens=0]`;
    await chat.send(question);
    await chat.waitForAnswerStatus("failed");
    const error = chat.lastAnswer.getByTestId("answer-error");
    await expect(error).toBeVisible();
    await expect(error).toContainText(/failed/i);
    const failed = await api.finalAnswer(id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBeTruthy();
    await expect(error).toContainText(failed.error!);
    await snap(page, "10-failed");

    await chat.lastAnswer.getByTestId("retry-button").click();
    await chat.waitForAnswerStatus("completed");
    await expect(chat.userMessages).toHaveCount(1);
    await expect(chat.answers).toHaveCount(1);
    await expect(page.getByTestId("retry-button")).toHaveCount(0);
    // The failed answer is kept as the first version of this one.
    await expect(chat.lastAnswer.getByTestId("version-label")).toHaveText("2/2");

    const conversation = await api.conversation(id);
    expect(conversation.messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "completed"],
      ["assistant", "completed"],
    ]);
    expect(conversation.messages[0]?.content).toBe(question);
    expect(conversation.messages[1]?.sibling_ids).toEqual([failed.id, conversation.messages[1]?.id]);
    expect(await chat.copiedAnswer()).toBe(conversation.messages[1]?.content);
    await snap(page, "11-retried");
  });
});
