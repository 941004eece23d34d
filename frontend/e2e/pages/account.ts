// Page objects for accounts: the sign-in and sign-up forms, the account menu, the session-ended prompt.
import { expect, type Locator, type Page } from "@playwright/test";

let counter = 0;

/** An email no other test uses. */
export function uniqueEmail(label = "user"): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${process.pid}-${counter}@example.com`;
}

export const PASSWORD = "correct horse battery staple";

export class AuthForm {
  constructor(readonly page: Page) {}

  get email(): Locator {
    return this.page.getByTestId("auth-email");
  }
  get password(): Locator {
    return this.page.getByTestId("auth-password");
  }
  get submit(): Locator {
    return this.page.getByTestId("auth-submit");
  }
  get error(): Locator {
    return this.page.getByTestId("auth-error");
  }
  get notice(): Locator {
    return this.page.getByTestId("auth-notice");
  }

  async fill(email: string, password: string): Promise<void> {
    await this.email.fill(email);
    await this.password.fill(password);
  }

  /** Fills the form and submits it (the caller checks where it lands). */
  async submitWith(email: string, password: string): Promise<void> {
    await this.fill(email, password);
    await this.submit.click();
  }
}

export class AccountMenu {
  constructor(readonly page: Page) {}

  get button(): Locator {
    return this.page.getByTestId("account-menu-button");
  }
  get name(): Locator {
    return this.page.getByTestId("account-name");
  }
  get items(): Locator {
    return this.page.getByTestId("account-menu-items");
  }
  get usage(): Locator {
    return this.page.getByTestId("account-usage");
  }

  async open(): Promise<void> {
    if ((await this.items.count()) === 0) await this.button.click();
    await expect(this.items).toBeVisible();
  }

  async choose(testId: string): Promise<void> {
    await this.open();
    await this.items.getByTestId(testId).click();
  }

  async signOut(): Promise<void> {
    await this.choose("account-sign-out");
    await this.page.waitForURL(/\/sign-in\?signed-out=1/);
  }

  async signOutEverywhere(): Promise<void> {
    await this.choose("account-sign-out-everywhere");
    await this.page.getByTestId("confirm-accept").click();
    await this.page.waitForURL(/\/sign-in\?signed-out=everywhere/);
  }
}

/** The modal that asks to sign in again after the session ended mid-use. */
export class SessionEnded {
  constructor(readonly page: Page) {}

  get dialog(): Locator {
    return this.page.getByTestId("session-ended");
  }
  get signIn(): Locator {
    return this.dialog.getByTestId("session-ended-sign-in");
  }
}
