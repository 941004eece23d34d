// Page object for the sidebar's list and search: every selector the search tests use lives here.
import { expect, type Locator, type Page } from "@playwright/test";

export class Sidebar {
  constructor(readonly page: Page) {}

  get search(): Locator {
    return this.page.getByTestId("conversation-search");
  }
  get results(): Locator {
    return this.page.getByTestId("search-result");
  }
  get searchStatus(): Locator {
    return this.page.getByTestId("search-status");
  }
  get items(): Locator {
    return this.page.getByTestId("conversation-item");
  }
  get list(): Locator {
    return this.page.getByTestId("conversation-list");
  }
  private get scroller(): Locator {
    return this.page.getByTestId("sidebar-scroll");
  }

  result(id: string): Locator {
    return this.page.locator(`[data-testid="search-result"][data-conversation-id="${id}"]`);
  }

  /** The highlighted words of a result's snippet (or of its title, when the title matched). */
  marks(result: Locator): Locator {
    return result.locator("mark");
  }

  /** Types `words` into the search box. */
  async searchFor(words: string): Promise<void> {
    await this.search.fill(words);
  }

  /** The ids of the listed conversations, in order. */
  async listedIds(): Promise<string[]> {
    return this.items.evaluateAll((items) => items.map((item) => item.getAttribute("data-conversation-id") ?? ""));
  }

  /**
   * Scrolls the list down, as a user would with the wheel, until it holds `count` conversations (each page comes in
   * when its end is near).
   */
  async scrollUntilListed(count: number): Promise<void> {
    await expect(async () => {
      await this.scroller.hover();
      await this.page.mouse.wheel(0, 2_000);
      await expect(this.items).toHaveCount(count, { timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
  }
}
