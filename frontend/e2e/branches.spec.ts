import { readFile } from "node:fs/promises";

import { expect, test } from "./fixtures";
import { Branches } from "./pages/branches";

// Quick answers: the simulator writes them at once. Its text is seeded by the prompt alone, so two versions of an
// answer to the same question read the same: tests tell them apart by their ids and statuses.
const QUICK = "[sim tokens=20 tps=0 ttft_ms=0 reasoning_tokens=0]";

test.describe("the message tree", () => {
  test("Regenerate adds a version of the answer (2/2), the question is not sent again, and ‹ › switches for every device", async ({
    page,
    chat,
    api,
    snap,
  }) => {
    const branches = new Branches(page);
    const id = await chat.startConversation(`What is a tree? ${QUICK}`);
    await chat.waitForAnswerStatus("completed");
    const first = (await api.finalAnswer(id)).id;
    await expect(chat.lastAnswer).toHaveAttribute("data-message-id", first);

    await branches.regenerateButton(chat.lastAnswer).click();
    await chat.waitForAnswerStatus("completed");
    await expect(branches.versionLabel(chat.lastAnswer)).toHaveText("2/2");
    await expect(chat.userMessages).toHaveCount(1);
    await expect(chat.answers).toHaveCount(1);
    const stored = await api.conversation(id);
    expect(stored.messages.map((message) => message.role)).toEqual(["user", "assistant"]);
    const second = stored.messages[1]!.id;
    expect(second).not.toBe(first);
    expect(stored.messages[1]!.sibling_ids).toEqual([first, second]);
    await expect(chat.lastAnswer).toHaveAttribute("data-message-id", second);
    await snap(page, "30-regenerated");

    await branches.previousVersion(chat.lastAnswer).click();
    await expect(chat.lastAnswer).toHaveAttribute("data-message-id", first);
    await expect(branches.versionLabel(chat.lastAnswer)).toHaveText("1/2");
    await expect(branches.previousVersion(chat.lastAnswer)).toBeDisabled();

    // The server keeps the branch shown: a reload (or another device) sees the first version.
    await page.reload();
    await expect(chat.lastAnswer).toHaveAttribute("data-message-id", first);
    await expect(branches.versionLabel(chat.lastAnswer)).toHaveText("1/2");
    expect((await api.conversation(id)).messages.at(-1)?.id).toBe(first);

    await branches.nextVersion(chat.lastAnswer).click();
    await expect(chat.lastAnswer).toHaveAttribute("data-message-id", second);
    await expect(branches.versionLabel(chat.lastAnswer)).toHaveText("2/2");
  });

  test("editing a question starts a new branch: 2/2 on the question, the old follow-up is not shown", async ({
    page,
    chat,
    api,
  }) => {
    const branches = new Branches(page);
    const id = await chat.startConversation(`First question ${QUICK}`);
    await chat.waitForAnswerStatus("completed");
    await chat.send(`The follow-up ${QUICK}`);
    await expect(chat.answers).toHaveCount(2);
    await chat.waitForAnswerStatus("completed");

    // The edit of the follow-up: it follows the same first answer.
    const followUp = chat.userMessages.nth(1);
    await branches.edit(followUp, `The follow-up, reworded ${QUICK}`);
    await chat.waitForAnswerStatus("completed");
    await expect(chat.userMessages).toHaveCount(2);
    await expect(chat.userMessages.nth(1)).toContainText("The follow-up, reworded");
    await expect(page.getByText("The follow-up [sim")).toHaveCount(0);
    await expect(branches.versionLabel(chat.userMessages.nth(1))).toHaveText("2/2");
    await expect(branches.versionLabel(chat.userMessages.first())).toHaveCount(0);

    const stored = await api.conversation(id);
    expect(stored.messages.map((message) => message.content.split(" [sim")[0])).toEqual([
      "First question",
      stored.messages[1]!.content.split(" [sim")[0],
      "The follow-up, reworded",
      stored.messages[3]!.content.split(" [sim")[0],
    ]);
    expect(stored.messages[2]!.parent_id).toBe(stored.messages[1]!.id);

    // The old version is one click away, with its own answer.
    await branches.previousVersion(chat.userMessages.nth(1)).click();
    await expect(chat.userMessages.nth(1)).toContainText("The follow-up [sim");
    await expect(branches.versionLabel(chat.userMessages.nth(1))).toHaveText("1/2");
    await expect(chat.answers).toHaveCount(2);

    // Editing the first question makes a new first turn: nothing after it is shown until its answer.
    await branches.edit(chat.userMessages.first(), `Another start ${QUICK}`);
    await chat.waitForAnswerStatus("completed");
    await expect(chat.userMessages).toHaveCount(1);
    await expect(chat.answers).toHaveCount(1);
    await expect(branches.versionLabel(chat.userMessages.first())).toHaveText("2/2");
    expect((await api.conversation(id)).messages[0]!.parent_id).toBeNull();
  });

  test("Escape cancels an edit and gives focus back to its Edit button", async ({ page, chat, snap }) => {
    const branches = new Branches(page);
    await chat.startConversation(`Keep me ${QUICK}`);
    await chat.waitForAnswerStatus("completed");
    const question = chat.userMessages.first();
    await branches.editButton(question).click();
    await branches.editor.fill("Something else");
    await snap(page, "31-editing");
    await branches.editor.press("Escape");
    await expect(branches.editor).toHaveCount(0);
    await expect(question).toContainText("Keep me");
    await expect(branches.editButton(question)).toBeFocused();
  });

  test("a stopped answer's Retry regenerates it: the question is not sent again", async ({ page, chat, api }) => {
    const branches = new Branches(page);
    const id = await chat.startConversation("Go on for a while [sim tokens=400 tps=25 ttft_ms=0 reasoning_tokens=0]");
    await chat.waitForAnswerText(20);
    await chat.stopButton.click();
    await chat.waitForAnswerStatus("cancelled");
    const stopped = (await api.finalAnswer(id)).id;

    await chat.lastAnswer.getByTestId("retry-button").click();
    await expect(chat.lastAnswer).not.toHaveAttribute("data-message-id", stopped);
    await chat.waitForAnswerStatus("completed", chat.lastAnswer, 40_000);
    await expect(chat.userMessages).toHaveCount(1);
    await expect(branches.versionLabel(chat.lastAnswer)).toHaveText("2/2");
    const stored = await api.conversation(id);
    expect(stored.messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "completed"],
      ["assistant", "completed"],
    ]);
    expect(stored.messages[1]!.sibling_ids).toEqual([stopped, stored.messages[1]!.id]);
  });

  test("the model picked for a conversation writes its next answer", async ({ page, chat, api }) => {
    const branches = new Branches(page);
    const id = await chat.startConversation(`Which model? ${QUICK}`);
    await chat.waitForAnswerStatus("completed");
    await expect(branches.modelPicker).toBeEnabled();

    await branches.pickModel("gpt-5-nano");
    expect((await api.conversation(id)).model).toBe("gpt-5-nano");
    await chat.send(`And now? ${QUICK}`);
    await expect(chat.answers).toHaveCount(2);
    await chat.waitForAnswerStatus("completed");
    await expect(branches.answerModel(chat.lastAnswer)).toHaveText("gpt-5-nano");
    expect((await api.conversation(id)).messages.at(-1)?.model).toBe("gpt-5-nano");

    await page.reload();
    await expect(branches.modelPicker).toHaveValue("gpt-5-nano");
    await branches.pickModel("");
    expect((await api.conversation(id)).model ?? null).toBeNull();
  });

  test("instructions saved in the dialog are kept after a reload, and Clear removes them", async ({
    page,
    chat,
    api,
  }) => {
    const branches = new Branches(page);
    const id = await chat.startConversation(`Hello ${QUICK}`);
    await chat.waitForAnswerStatus("completed");

    await branches.setInstructions("Answer like a pirate.");
    expect((await api.conversation(id)).instructions).toBe("Answer like a pirate.");
    await expect(branches.instructionsButton).toBeFocused();

    await page.reload();
    await branches.instructionsButton.click();
    await expect(branches.instructions).toHaveValue("Answer like a pirate.");
    await page.getByTestId("instructions-clear").click();
    await expect(branches.instructionsDialog).toBeHidden();
    expect((await api.conversation(id)).instructions ?? null).toBeNull();
  });

  test("Export as Markdown downloads the conversation, and JSON of every version lists them", async ({
    page,
    chat,
    api,
  }) => {
    const branches = new Branches(page);
    const question = `Export this ${QUICK}`;
    const id = await chat.startConversation(question);
    await chat.waitForAnswerStatus("completed");
    await branches.regenerateButton(chat.lastAnswer).click();
    await expect(branches.versionLabel(chat.lastAnswer)).toHaveText("2/2");
    await chat.waitForAnswerStatus("completed");

    const markdown = await branches.export("markdown");
    expect(markdown.suggestedFilename()).toMatch(/\.md$/);
    const text = await readFile((await markdown.path())!, "utf8");
    expect(text).toContain("Export this");

    const tree = await branches.export("json-tree");
    expect(tree.suggestedFilename()).toMatch(/\.json$/);
    const exported = JSON.parse(await readFile((await tree.path())!, "utf8")) as { messages: { id: string }[] };
    const answers = (await api.conversation(id)).messages[1]!.sibling_ids!;
    for (const answer of answers) expect(exported.messages.map((message) => message.id)).toContain(answer);
  });
});
