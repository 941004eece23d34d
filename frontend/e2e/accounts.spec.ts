// Accounts in the browser: a guest from the first visit, registering (the guest's conversations kept), signing in on
// another browser, signing out, a session ended elsewhere mid-typing (the draft survives), and the forms' errors.
import type { Page } from "@playwright/test";

import { expect, test } from "./fixtures";
import { AccountMenu, AuthForm, PASSWORD, SessionEnded, uniqueEmail } from "./pages/account";
import type { ChatPage } from "./pages/chat-page";

const QUICK = "[sim tokens=12 tps=0 reasoning_tokens=0]";

/** A guest starts a conversation with one answer, then registers from the account menu; back on the conversation. */
async function registerWithConversation(page: Page, chat: ChatPage): Promise<{ email: string; id: string }> {
  await chat.open("/");
  await chat.send(`Remember the number 42 ${QUICK}`);
  await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
  const id = chat.conversationId();
  await chat.waitForAnswerStatus("completed");
  await new AccountMenu(page).choose("account-register");
  await page.waitForURL(/\/sign-up\?next=/);
  const email = uniqueEmail("register");
  await new AuthForm(page).submitWith(email, PASSWORD);
  await page.waitForURL(new RegExp(`/c/${id}$`));
  await expect(new AccountMenu(page).name).toHaveText(email);
  return { email, id };
}

test.describe("accounts", () => {
  test("a first visit is a guest at once: no form, and the chat works", async ({ page, chat, api }) => {
    const menu = new AccountMenu(page);
    await chat.open("/");
    await expect(menu.name).toHaveText("Guest");
    await expect(page).toHaveURL(/\/$/);
    await chat.send(`Hello as a guest ${QUICK}`);
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    await chat.waitForAnswerStatus("completed");
    const me = await page.context().request.get(`${api.baseUrl}/auth/me`);
    expect(me.status()).toBe(200);
    expect(((await me.json()) as { is_guest: boolean }).is_guest).toBe(true);

    // What is typed survives a reload (kept per conversation for this tab).
    await chat.input.fill("Half a thought");
    await page.reload();
    await expect(chat.input).toHaveValue("Half a thought");

    // With a conversation to keep, the guest is invited to register; dismissed, the banner stays away this session.
    const banner = page.getByTestId("guest-banner");
    await expect(banner).toBeVisible();
    await banner.getByTestId("guest-banner-dismiss").click();
    await expect(banner).toHaveCount(0);
    await page.reload();
    await expect(chat.input).toBeVisible();
    await expect(banner).toHaveCount(0);
  });

  test("two tabs opening at once share one guest", async ({ context }) => {
    const guestsStarted: string[] = [];
    context.on("request", (request) => {
      if (request.method() === "POST" && new URL(request.url()).pathname === "/auth/guest") {
        guestsStarted.push(request.url());
      }
    });
    const first = await context.newPage();
    const second = await context.newPage();
    await Promise.all([first.goto("/"), second.goto("/")]);
    await expect(new AccountMenu(first).name).toHaveText("Guest");
    await expect(new AccountMenu(second).name).toHaveText("Guest");
    expect(guestsStarted).toHaveLength(1);

    // The same user: a conversation started in one tab is listed in the other.
    await first.getByTestId("composer-input").fill("Started in the first tab [sim tokens=3 tps=0]");
    await first.getByTestId("composer-input").press("Enter");
    await first.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    const id = /\/c\/([^/]+)$/.exec(first.url())![1]!;
    await expect(second.locator(`[data-testid="conversation-item"][data-conversation-id="${id}"]`)).toBeVisible();
  });

  test("registering keeps the guest's conversation, and signing in on another browser shows it", async ({
    page,
    chat,
    browser,
    stack,
    snap,
  }) => {
    const { email, id } = await registerWithConversation(page, chat);
    await expect(chat.userMessages).toContainText("Remember the number 42");
    await expect(chat.answers).toHaveCount(1);
    await expect(chat.conversationItem(id)).toBeVisible();
    await expect(page.getByTestId("guest-banner")).toHaveCount(0);

    const other = await browser.newContext({ baseURL: stack.frontend_url });
    const guestsStarted: string[] = [];
    other.on("request", (request) => {
      if (new URL(request.url()).pathname === "/auth/guest") guestsStarted.push(request.url());
    });
    const otherPage = await other.newPage();
    await otherPage.goto("/sign-in");
    const form = new AuthForm(otherPage);
    await expect(form.email).toBeVisible();
    await snap(otherPage, "20-sign-in");
    await form.submitWith(email, PASSWORD);
    await otherPage.waitForURL(/\/$/);
    await expect(new AccountMenu(otherPage).name).toHaveText(email);
    const item = otherPage.locator(`[data-testid="conversation-item"][data-conversation-id="${id}"]`);
    await expect(item).toBeVisible();
    await item.getByTestId("conversation-link").click();
    await otherPage.waitForURL(new RegExp(`/c/${id}$`));
    await expect(otherPage.getByTestId("message-user")).toContainText("Remember the number 42");
    // Visiting the sign-in page and signing in made no guest on the way.
    expect(guestsStarted).toEqual([]);
    await other.close();
  });

  test("signing out hides the conversations, and the API refuses the old session", async ({
    page,
    chat,
    api,
    request,
  }) => {
    const { email, id } = await registerWithConversation(page, chat);
    const token = await api.sessionToken();
    expect(token).toBeTruthy();
    const menu = new AccountMenu(page);
    await menu.signOut();
    const form = new AuthForm(page);
    await expect(form.notice).toHaveText("You have signed out.");
    await expect(page.getByTestId("conversation-list")).toHaveCount(0);
    await expect(page.getByTestId("message-user")).toHaveCount(0);

    // `request` shares no cookies with the browser: it presents the old session's token itself.
    const bearer = { authorization: `Bearer ${token}` };
    expect((await request.get(`${api.baseUrl}/auth/me`, { headers: bearer })).status()).toBe(401);
    expect((await request.get(`${api.baseUrl}/conversations/${id}`, { headers: bearer })).status()).toBe(401);

    // A guest started now is someone else: the account's conversation is not theirs.
    await page.getByTestId("auth-continue-guest").click();
    await page.waitForURL(/\/$/);
    await expect(menu.name).toHaveText("Guest");
    await expect(page.getByText("No conversations yet.")).toBeVisible();
    await expect(chat.conversationItem(id)).toHaveCount(0);

    // Signing in again brings the account's conversations back.
    await menu.choose("account-sign-in");
    await page.waitForURL(/\/sign-in/);
    await expect(page.getByTestId("auth-guest-note")).toContainText("leaves this guest session");
    await form.submitWith(email, PASSWORD);
    await page.waitForURL(/\/$/);
    await expect(chat.conversationItem(id)).toBeVisible();
  });

  test("a session ended elsewhere mid-typing: a prompt to sign in again, and the draft is kept", async ({
    page,
    chat,
    browser,
    stack,
    allowConsoleErrors,
    snap,
  }) => {
    // The refused send is a 401, which the browser logs.
    allowConsoleErrors(/status of 401/);
    const { email, id } = await registerWithConversation(page, chat);

    // Another browser signs in to the same account and signs out everywhere.
    const other = await browser.newContext({ baseURL: stack.frontend_url });
    const otherPage = await other.newPage();
    await otherPage.goto("/sign-in");
    await new AuthForm(otherPage).submitWith(email, PASSWORD);
    await otherPage.waitForURL(/\/$/);
    await new AccountMenu(otherPage).signOutEverywhere();
    await expect(new AuthForm(otherPage).notice).toHaveText("You have signed out on every device.");
    await other.close();

    // This browser does not know yet: the user types and sends.
    const draft = "A question typed after the session ended\nwith a second line";
    await chat.input.fill(draft);
    await chat.input.press("Enter");
    const ended = new SessionEnded(page);
    await expect(ended.dialog).toBeVisible();
    await expect(ended.dialog).toContainText("Your session has ended");
    await expect(ended.dialog).toContainText(email);
    await expect(chat.input).toHaveValue(draft);
    await expect(page.getByTestId("chat-notice")).toContainText("your message was not sent");
    // The refused message is not shown as part of the conversation.
    await expect(chat.userMessages).toHaveCount(1);
    await snap(page, "21-session-ended");

    await ended.signIn.click();
    await page.waitForURL(/\/sign-in\?/);
    const form = new AuthForm(page);
    await expect(form.notice).toContainText("Your session has ended");
    await expect(form.email).toHaveValue(email);
    await form.password.fill(PASSWORD);
    await form.submit.click();
    await page.waitForURL(new RegExp(`/c/${id}$`));
    await expect(chat.input).toHaveValue(draft);

    // And now it sends.
    await chat.input.press("Enter");
    await expect(chat.userMessages).toHaveCount(2);
    await expect(chat.userMessages.last()).toContainText("with a second line");
    await chat.waitForAnswerStatus("completed");
    await expect(chat.input).toHaveValue("");
  });

  test("signing out everywhere ends an answer being watched on another device: the prompt, mid-stream", async ({
    page,
    chat,
    browser,
    stack,
    allowConsoleErrors,
  }) => {
    // The stream's reconnection is refused with a 401, which the browser logs.
    allowConsoleErrors(/status of 401/);
    const { email } = await registerWithConversation(page, chat);
    await chat.send("Tell me a long story [sim tokens=3000 tps=20 reasoning_tokens=0]");
    await chat.waitForAnswerText(40);

    const other = await browser.newContext({ baseURL: stack.frontend_url });
    const otherPage = await other.newPage();
    await otherPage.goto("/sign-in");
    await new AuthForm(otherPage).submitWith(email, PASSWORD);
    await otherPage.waitForURL(/\/$/);
    await new AccountMenu(otherPage).signOutEverywhere();
    await other.close();

    // The API ends the open stream at once (it does not wait for the answer's end), the reconnect is refused.
    const ended = new SessionEnded(page);
    await expect(ended.dialog).toBeVisible({ timeout: 10_000 });
    await expect(ended.dialog).toContainText("Your session has ended");
  });

  test("the forms say what went wrong in the API's words, and wait while pending", async ({
    page,
    allowConsoleErrors,
  }) => {
    allowConsoleErrors(/status of (401|409|422)/);
    const form = new AuthForm(page);
    const email = uniqueEmail("errors");
    await page.goto("/sign-up");
    await expect(page.getByLabel("Email")).toBeVisible();
    await expect(page.getByLabel("Password", { exact: true })).toBeVisible();
    await form.submitWith(email, PASSWORD);
    await page.waitForURL(/\/$/);
    await new AccountMenu(page).signOut();

    // A wrong password; the button waits while the request is out.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/auth/login", async (route) => {
      await held;
      await route.continue();
    });
    await form.submitWith(email, "not the password");
    await expect(form.submit).toBeDisabled();
    await expect(form.submit).toHaveText("Signing in…");
    release();
    await expect(form.error).toHaveText("Wrong email or password.");
    await expect(form.submit).toBeEnabled();
    await page.unroute("**/auth/login");

    // The email is taken.
    await page.getByTestId("auth-switch").click();
    await page.waitForURL(/\/sign-up/);
    await form.submitWith(email, PASSWORD);
    await expect(form.error).toContainText("An account with this email already exists");

    // A password the API finds too short.
    await form.submitWith(uniqueEmail("short"), "short");
    await expect(form.error).toContainText("must be 8 to 1024 characters long");
  });

  test("a 429 says why and when to try again; a refused send keeps its text in the box", async ({
    page,
    chat,
    api,
    stack,
    allowConsoleErrors,
  }) => {
    allowConsoleErrors(/status of 429/);
    const refusal = (detail: string) => ({
      status: 429,
      headers: {
        "content-type": "application/json",
        "retry-after": "30",
        "access-control-allow-origin": stack.frontend_url,
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "Retry-After",
      },
      body: JSON.stringify({ detail }),
    });

    const { id } = await api.createConversation();
    await chat.openConversation(id);
    const messages = `**/conversations/${id}/messages`;
    await page.route(messages, (route) =>
      route.fulfill(refusal("too many messages: at most 10 per minute; try again in 30 seconds")),
    );
    await chat.send("A question sent too quickly");
    await expect(page.getByTestId("chat-notice")).toHaveText(
      /Too many messages: at most 10 per minute; try again in 30 seconds\./,
    );
    await expect(chat.input).toHaveValue("A question sent too quickly");
    await expect(chat.userMessages).toHaveCount(0);
    await page.unroute(messages);
    await chat.input.press("Enter");
    await chat.waitForAnswerStatus("completed");
    await expect(chat.userMessages).toHaveCount(1);

    // Signing in: the sentence, and the button waits out Retry-After.
    await page.route("**/auth/login", (route) =>
      route.fulfill(refusal("too many sign-in attempts: at most 7 per 5 minutes; try again in 30 seconds")),
    );
    await page.goto("/sign-in");
    const form = new AuthForm(page);
    await form.submitWith(uniqueEmail("limited"), PASSWORD);
    await expect(form.error).toContainText(
      "Too many sign-in attempts: at most 7 per 5 minutes; try again in 30 seconds.",
    );
    await expect(form.submit).toBeDisabled();
    await expect(form.submit).toHaveText(/Try again in \d+ s/);
  });

  test("changing the password: a wrong current one is refused, the new one signs in", async ({
    page,
    chat,
    allowConsoleErrors,
  }) => {
    allowConsoleErrors(/status of 403/);
    const { email } = await registerWithConversation(page, chat);
    const menu = new AccountMenu(page);
    await menu.choose("account-change-password");
    await page.waitForURL(/\/account\/password$/);
    await page.getByTestId("current-password").fill("not my password");
    await page.getByTestId("new-password").fill("a brand new passphrase");
    await page.getByTestId("change-password-submit").click();
    await expect(page.getByTestId("change-password-error")).toHaveText("The current password is wrong.");
    await page.getByTestId("current-password").fill(PASSWORD);
    await page.getByTestId("change-password-submit").click();
    await expect(page.getByTestId("change-password-done")).toBeVisible();
    // This browser stays signed in.
    await expect(menu.name).toHaveText(email);

    await menu.signOut();
    const form = new AuthForm(page);
    await form.submitWith(email, "a brand new passphrase");
    await page.waitForURL(/\/$/);
    await expect(menu.name).toHaveText(email);
  });

  test("when the API cannot be reached, the page says so, keeps trying, and starts once it answers", async ({
    page,
    chat,
    allowConsoleErrors,
  }) => {
    allowConsoleErrors(/net::ERR_FAILED|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION/);
    let down = true;
    let attempts = 0;
    await page.route("**/auth/me", (route) => {
      attempts += 1;
      return down ? route.abort("connectionrefused") : route.continue();
    });
    await chat.open("/");
    await expect(page.getByTestId("session-unavailable")).toContainText("Could not reach the API");
    await expect(chat.connection).toHaveAttribute("data-state", "reconnecting");
    // It tries again by itself (after a second, then backing off)...
    await expect.poll(() => attempts, { timeout: 10_000 }).toBeGreaterThan(1);
    // ...and at once when asked.
    const before = attempts;
    await page.getByTestId("session-retry").click();
    await expect.poll(() => attempts).toBeGreaterThan(before);
    await expect(page.getByTestId("session-unavailable")).toBeVisible();
    // The API answers again: the next attempt (by itself) starts the guest.
    down = false;
    await expect(new AccountMenu(page).name).toHaveText("Guest", { timeout: 30_000 });
    await expect(page.getByTestId("empty-state")).toBeVisible();
  });

  test("a guest whose session ended starts a new one, and what was typed moves to the new start page", async ({
    page,
    chat,
    api,
    stack,
    allowConsoleErrors,
  }) => {
    allowConsoleErrors(/status of 401/);
    const { id } = await api.createConversation();
    await chat.openConversation(id);
    // The guest's session ends behind the page's back (the same cookie, signed out by a script).
    const out = await page.context().request.post(`${api.baseUrl}/auth/logout`, {
      headers: { origin: stack.frontend_url },
    });
    expect(out.status()).toBe(204);
    await chat.send("Typed by a guest whose session had ended");
    const ended = new SessionEnded(page);
    await expect(ended.dialog).toContainText("Your guest session has ended");
    await expect(chat.input).toHaveValue("Typed by a guest whose session had ended");
    await ended.dialog.getByTestId("session-ended-guest").click();
    await page.waitForURL(/\/$/);
    await expect(ended.dialog).toHaveCount(0);
    await expect(new AccountMenu(page).name).toHaveText("Guest");
    await expect(chat.conversationItem(id)).toHaveCount(0);
    await expect(chat.input).toHaveValue("Typed by a guest whose session had ended");
  });

  test("a page opened at localhost with the API at 127.0.0.1 says which address to open", async ({ page, stack }) => {
    // The two names are different sites to the browser: the session cookie would never reach the API.
    const atLocalhost = stack.frontend_url.replace("127.0.0.1", "localhost");
    await page.goto(`${atLocalhost}/`);
    const problem = page.getByTestId("session-misplaced");
    await expect(problem).toContainText("the browser keeps sign-in cookies apart");
    await page.getByRole("link", { name: /^Open http:\/\/127\.0\.0\.1/ }).click();
    await page.waitForURL(`${stack.frontend_url}/`);
    await expect(new AccountMenu(page).name).toHaveText("Guest");
  });

  test("the account menu shows today's token use against the quota, and works from the keyboard", async ({
    page,
    chat,
  }) => {
    await chat.open("/");
    await chat.send(`Count my tokens ${QUICK}`);
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    await chat.waitForAnswerStatus("completed");

    const menu = new AccountMenu(page);
    await menu.button.focus();
    await page.keyboard.press("Enter");
    await expect(menu.items).toBeVisible();
    await expect(menu.items.getByTestId("account-register")).toBeFocused();
    await page.keyboard.press("ArrowDown");
    await expect(menu.items.getByTestId("account-sign-in")).toBeFocused();
    // The answer's tokens are counted once it has ended: look again until they are there.
    await expect(async () => {
      await page.keyboard.press("Escape");
      await expect(menu.items).toHaveCount(0);
      await expect(menu.button).toBeFocused();
      await page.keyboard.press("Enter");
      await expect(menu.usage.getByTestId("usage-tokens")).not.toHaveText("0", { timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    // The e2e stack sets a (large) daily quota.
    await expect(menu.usage.getByTestId("usage-quota")).toContainText("of 1,000,000,000 tokens");
    await expect(menu.usage).toContainText("1 answer today");
  });
});
