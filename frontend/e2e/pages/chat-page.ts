// Page object for the chat app: every selector the tests use lives here (data-testid, as in Vercel's ai-chatbot).
import { expect, type Locator, type Page } from "@playwright/test";

export type AnswerStatus = "pending" | "streaming" | "completed" | "failed" | "cancelled";

export class ChatPage {
  constructor(readonly page: Page) {}

  get input(): Locator {
    return this.page.getByTestId("composer-input");
  }
  get sendButton(): Locator {
    return this.page.getByTestId("send-button");
  }
  get stopButton(): Locator {
    return this.page.getByTestId("stop-button");
  }
  /** The composer's character count, shown near the length limit. */
  get counter(): Locator {
    return this.page.getByTestId("composer-counter");
  }
  get newConversationButton(): Locator {
    return this.page.getByTestId("new-conversation");
  }
  /** On the home page: why the first message was not sent. */
  get homeError(): Locator {
    return this.page.getByTestId("home-error");
  }
  /** In a conversation: why a message was not sent (or what else went wrong). */
  get notice(): Locator {
    return this.page.getByTestId("chat-notice");
  }
  /** Sends the message kept in the box again, after a failed send (home page or conversation). */
  get sendRetry(): Locator {
    return this.page.getByTestId("send-retry");
  }
  get sidebar(): Locator {
    return this.page.getByTestId("sidebar");
  }
  /** The page header's button that opens the sidebar's drawer (narrow screens only). */
  get menuButton(): Locator {
    return this.page.getByTestId("open-sidebar");
  }
  get closeSidebarButton(): Locator {
    return this.page.getByTestId("close-sidebar");
  }
  get confirmDialog(): Locator {
    return this.page.getByTestId("confirm-dialog");
  }
  get suggestions(): Locator {
    return this.page.getByTestId("prompt-suggestion");
  }
  get title(): Locator {
    return this.page.getByTestId("chat-title");
  }
  get connection(): Locator {
    return this.page.getByTestId("connection-status");
  }
  get userMessages(): Locator {
    return this.page.getByTestId("message-user");
  }
  get answers(): Locator {
    return this.page.getByTestId("message-assistant");
  }
  get lastAnswer(): Locator {
    return this.answers.last();
  }
  /** On a streaming answer: the server restarted it after a fault. */
  restartNote(answer: Locator = this.lastAnswer): Locator {
    return answer.getByTestId("answer-restarted");
  }
  /** On a streaming answer: Stop was pressed and the server is ending it. */
  stoppingNote(answer: Locator = this.lastAnswer): Locator {
    return answer.getByTestId("answer-stopping");
  }
  stoppedNote(answer: Locator = this.lastAnswer): Locator {
    return answer.getByTestId("answer-stopped");
  }
  conversationItem(id: string): Locator {
    return this.page.locator(`[data-testid="conversation-item"][data-conversation-id="${id}"]`);
  }

  /** What has the keyboard focus: its data-testid, "body" when focus fell to the page, or its tag name. */
  async focused(): Promise<string> {
    return this.page.evaluate(() => {
      const element = document.activeElement;
      if (!element || element === document.body) return "body";
      return element.getAttribute("data-testid") ?? element.tagName.toLowerCase();
    });
  }

  /** The conversation id in the URL (/c/{id}). */
  conversationId(): string {
    const match = /\/c\/([^/?#]+)/.exec(this.page.url());
    if (!match?.[1]) throw new Error(`not on a conversation page: ${this.page.url()}`);
    return match[1];
  }

  async open(path = "/"): Promise<void> {
    await this.page.goto(path);
  }

  async openConversation(id: string): Promise<void> {
    await this.page.goto(`/c/${id}`);
    await expect(this.input).toBeVisible();
  }

  /**
   * Starts a conversation as a person does: the sidebar's "New Conversation" (the home page), then its first message,
   * which creates it; returns its id once its page is open.
   */
  async startConversation(firstMessage: string): Promise<string> {
    if (this.page.url() === "about:blank") await this.open("/");
    await this.newConversationButton.click();
    await this.page.waitForURL((url) => url.pathname === "/");
    await expect(this.page.getByTestId("empty-state")).toBeVisible();
    await this.send(firstMessage);
    await this.page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    await expect(this.input).toBeVisible();
    return this.conversationId();
  }

  /** Opens a conversation by clicking it in the sidebar, and waits for it to load. */
  async openFromSidebar(id: string): Promise<void> {
    await this.conversationItem(id).getByTestId("conversation-link").click();
    await this.page.waitForURL(new RegExp(`/c/${id}$`));
    await expect(this.page.getByTestId("chat-loading")).toHaveCount(0);
    await expect(this.input).toBeVisible();
  }

  /** Types `text` and presses Enter. */
  async send(text: string): Promise<void> {
    await this.input.fill(text);
    await this.input.press("Enter");
  }

  async waitForAnswerStatus(status: AnswerStatus, answer: Locator = this.lastAnswer, timeout = 30_000): Promise<void> {
    await expect(answer).toHaveAttribute("data-status", status, { timeout });
  }

  /** The status indicator's state: live, stalled, connecting, reconnecting, offline, or idle (no answer streaming). */
  async waitForConnection(state: string | RegExp, timeout?: number): Promise<void> {
    await expect(this.connection).toHaveAttribute("data-state", state, { timeout });
  }

  /** The answer's text so far, as rendered (markdown formatted). */
  async visibleAnswerText(answer: Locator = this.lastAnswer): Promise<string> {
    const content = answer.getByTestId("message-content");
    return (await content.count()) > 0 ? await content.innerText() : "";
  }

  /** Waits until the streaming answer shows at least `characters` characters. */
  async waitForAnswerText(characters: number, answer: Locator = this.lastAnswer): Promise<void> {
    await expect
      .poll(async () => (await this.visibleAnswerText(answer)).length, { timeout: 20_000 })
      .toBeGreaterThan(characters);
  }

  /** The answer's markdown exactly as the app holds it, through its Copy button and the clipboard. */
  async copiedAnswer(answer: Locator = this.lastAnswer): Promise<string> {
    await answer.getByTestId("copy-answer").click();
    await expect(answer.getByTestId("copy-answer")).toContainText("Copied");
    return this.page.evaluate(() => navigator.clipboard.readText());
  }
}
