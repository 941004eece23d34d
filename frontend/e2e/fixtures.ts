// The browser tests' fixtures: the running stack, a direct API client, the chat page object, screenshots, and a
// check that no page logged a console error the test did not expect.
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { test as base, expect, type APIRequestContext, type BrowserContext, type Page } from "@playwright/test";

import type { StackUrls } from "./global-setup";
import { ChatPage } from "./pages/chat-page";

export type ApiMessage = {
  id: string;
  role: "user" | "assistant";
  content: string;
  reasoning: string;
  status: "pending" | "streaming" | "completed" | "failed" | "cancelled";
  error: string | null;
  simulated: boolean | null;
  task_id: string | null;
  stream_seq: number;
  model?: string | null;
  parent_id?: string | null;
  sibling_ids?: string[];
};
export type ApiConversation = {
  id: string;
  title: string | null;
  messages: ApiMessage[];
  model?: string | null;
  instructions?: string | null;
};

export const SESSION_COOKIE = "chat_session";

/**
 * Straight to the API, for checking what the server stored: as the browser context's user, through the context's own
 * request client, which shares its cookies. Used before the page has started a session, it starts the guest the page
 * then finds (POST /auth/guest with the web app's Origin, as the API's CSRF check wants for cookie sessions).
 */
export class DirectApi {
  constructor(
    private readonly context: BrowserContext,
    readonly baseUrl: string,
    private readonly webOrigin: string,
  ) {}

  private get request(): APIRequestContext {
    return this.context.request;
  }

  /** The session cookie of this context, if it has one. */
  async sessionToken(): Promise<string | null> {
    const cookies = await this.context.cookies(this.baseUrl);
    return cookies.find((cookie) => cookie.name === SESSION_COOKIE)?.value ?? null;
  }

  private async signedIn(): Promise<void> {
    if (await this.sessionToken()) return;
    const response = await this.request.post(`${this.baseUrl}/auth/guest`, { headers: { origin: this.webOrigin } });
    expect(response.status(), "POST /auth/guest").toBe(201);
  }

  async conversation(id: string): Promise<ApiConversation> {
    await this.signedIn();
    const response = await this.request.get(`${this.baseUrl}/conversations/${id}`);
    expect(response.status(), `GET /conversations/${id}`).toBe(200);
    return (await response.json()) as ApiConversation;
  }

  async status(id: string): Promise<number> {
    await this.signedIn();
    return (await this.request.get(`${this.baseUrl}/conversations/${id}`)).status();
  }

  /** How many conversations the user has on the server. */
  async conversationCount(): Promise<number> {
    await this.signedIn();
    const response = await this.request.get(`${this.baseUrl}/conversations`);
    expect(response.status(), "GET /conversations").toBe(200);
    return ((await response.json()) as { count: number }).count;
  }

  async createConversation(title?: string): Promise<ApiConversation> {
    await this.signedIn();
    const response = await this.request.post(`${this.baseUrl}/conversations`, {
      data: title ? { title } : {},
      headers: { origin: this.webOrigin },
    });
    expect(response.status()).toBe(201);
    return (await response.json()) as ApiConversation;
  }

  /** `count` conversations titled `${titlePrefix}${n}`, n = 1 to count, created in that order; returns their ids. */
  async createConversations(count: number, titlePrefix: string): Promise<string[]> {
    // First, or the first batch's calls would each start a guest of their own.
    await this.signedIn();
    const ids: string[] = [];
    // A few at a time: quick, and each batch is more recently active than the one before.
    for (let start = 1; start <= count; start += 10) {
      const titles = Array.from({ length: Math.min(10, count - start + 1) }, (_, k) => `${titlePrefix}${start + k}`);
      const batch = await Promise.all(titles.map((title) => this.createConversation(title)));
      ids.push(...batch.map((conversation) => conversation.id));
    }
    return ids;
  }

  /** Sends a message as this user straight to the API, as another client of theirs would; returns its task id. */
  async sendMessage(conversationId: string, content: string): Promise<string> {
    await this.signedIn();
    const response = await this.request.post(`${this.baseUrl}/conversations/${conversationId}/messages`, {
      data: { content },
      headers: { origin: this.webOrigin },
    });
    expect(response.status(), `POST /conversations/${conversationId}/messages`).toBe(202);
    return ((await response.json()) as { task_id: string }).task_id;
  }

  /** The stored answer once it is final (completed, cancelled or failed). */
  async finalAnswer(conversationId: string): Promise<ApiMessage> {
    let last: ApiMessage | undefined;
    await expect
      .poll(
        async () => {
          last = (await this.conversation(conversationId)).messages.at(-1);
          return last?.role === "assistant" && !["pending", "streaming"].includes(last.status);
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    return last!;
  }
}

type Fixtures = {
  stack: StackUrls;
  api: DirectApi;
  chat: ChatPage;
  /** Console errors matching these are expected in this test (e.g. the failed requests of a dropped network). */
  allowConsoleErrors: (pattern: RegExp) => void;
  /** Saves a screenshot under test-results/screenshots/ and attaches it to the report. */
  snap: (page: Page, name: string) => Promise<void>;
  consoleGuard: void;
};

const SCREENSHOTS = join(__dirname, "..", "test-results", "screenshots");

function stackUrls(): StackUrls {
  const raw = process.env.E2E_STACK;
  if (!raw) throw new Error("E2E_STACK is not set: the stack is started by e2e/global-setup.ts");
  return JSON.parse(raw) as StackUrls;
}

const allowed = new WeakMap<object, RegExp[]>();

/** The browser's report of GET /auth/me answering 401: how the app learns that a first visit has no session yet. */
export function isNobodyYet(text: string, url: string): boolean {
  return /status of 401/.test(text) && new URL(url, "http://x").pathname === "/auth/me";
}

export const test = base.extend<Fixtures>({
  stack: async ({}, use) => use(stackUrls()),
  baseURL: async ({ stack }, use) => use(stack.frontend_url),
  permissions: ["clipboard-read", "clipboard-write"],
  api: async ({ context, stack }, use) => use(new DirectApi(context, stack.api_url, stack.frontend_url)),
  chat: async ({ page }, use) => use(new ChatPage(page)),
  allowConsoleErrors: async ({ context }, use) => {
    allowed.set(context, []);
    await use((pattern) => allowed.get(context)?.push(pattern));
  },
  snap: async ({}, use, testInfo) => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await use(async (page, name) => {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path });
      await testInfo.attach(name, { path, contentType: "image/png" });
    });
  },
  consoleGuard: [
    async ({ context, allowConsoleErrors: _allow }, use) => {
      const problems: string[] = [];
      const watch = (page: Page) => {
        page.on("console", (message) => {
          if (message.type() !== "error") return;
          // A first visit asks who is signed in before it starts a guest: the 401 is the expected "nobody yet".
          if (isNobodyYet(message.text(), message.location().url)) return;
          problems.push(`console: ${message.text()}`);
        });
        page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      };
      context.pages().forEach(watch);
      context.on("page", watch);
      await use();
      const patterns = allowed.get(context) ?? [];
      const unexpected = problems.filter((problem) => !patterns.some((pattern) => pattern.test(problem)));
      expect(unexpected, "console errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
