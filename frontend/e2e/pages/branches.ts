// Page object for the conversation tree and its settings: versions ‹ i/n ›, Edit, Regenerate, the model picker,
// the instructions dialog and the exports (data-testid selectors, as in chat-page.ts).
import { expect, type Locator, type Page } from "@playwright/test";

export class Branches {
  constructor(readonly page: Page) {}

  /** "i/n" on a message with more than one version. */
  versionLabel(message: Locator): Locator {
    return message.getByTestId("version-label");
  }
  previousVersion(message: Locator): Locator {
    return message.getByRole("button", { name: "Previous version" });
  }
  nextVersion(message: Locator): Locator {
    return message.getByRole("button", { name: "Next version" });
  }
  regenerateButton(answer: Locator): Locator {
    return answer.getByTestId("regenerate-button");
  }
  editButton(question: Locator): Locator {
    return question.getByTestId("edit-message");
  }
  get editor(): Locator {
    return this.page.getByTestId("message-editor-input");
  }
  get editorSave(): Locator {
    return this.page.getByTestId("message-editor-save");
  }
  /** Which model wrote an answer, as the answer says once it is over. */
  answerModel(answer: Locator): Locator {
    return answer.getByTestId("answer-model");
  }
  get modelPicker(): Locator {
    return this.page.getByTestId("model-picker");
  }
  get instructionsButton(): Locator {
    return this.page.getByTestId("instructions-button");
  }
  get instructions(): Locator {
    return this.page.getByTestId("instructions");
  }
  get instructionsSave(): Locator {
    return this.page.getByTestId("instructions-save");
  }
  get instructionsDialog(): Locator {
    return this.page.getByTestId("instructions-dialog");
  }

  /** Edits `question` in place to `text` and saves it (Save & send). */
  async edit(question: Locator, text: string): Promise<void> {
    await this.editButton(question).click();
    await expect(this.editor).toBeFocused();
    await this.editor.fill(text);
    await this.editorSave.click();
  }

  /** Picks a model for the conversation and waits until the server has it (PATCH /conversations/{id}). */
  async pickModel(model: string): Promise<void> {
    const saved = this.page.waitForResponse(
      (response) => response.request().method() === "PATCH" && /\/conversations\/[^/]+$/.test(response.url()),
    );
    await this.modelPicker.selectOption(model);
    expect((await saved).status()).toBe(200);
  }

  /** Opens the instructions, replaces them with `text`, saves, and waits for the dialog to close. */
  async setInstructions(text: string): Promise<void> {
    await this.instructionsButton.click();
    await expect(this.instructions).toBeVisible();
    await this.instructions.fill(text);
    await this.instructionsSave.click();
    await expect(this.instructionsDialog).toBeHidden();
  }

  /** Picks one of the export choices; resolves to the download it starts. */
  async export(choice: "markdown" | "json" | "json-tree") {
    await this.page.getByTestId("export-button").click();
    const download = this.page.waitForEvent("download");
    await this.page.getByTestId(`export-${choice}`).click();
    return download;
  }
}
