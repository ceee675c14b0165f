import type { Page } from "playwright-core";

/**
 * Waits until a page that has just opened holds its identity and has finished its first requests, so a
 * test's own API calls through `page.request` (which shares the page's cookies) act as the same person
 * and the page does not overwrite what the test sets up. Network quiet alone is not enough on a loaded
 * machine: the page's first request may not have begun when the network first looks idle.
 */
export async function settledIdentity(page: Page): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await page.context().cookies()).some((cookie) => cookie.name === "rose_uid" || cookie.name === "rose_at")) {
    if (Date.now() > deadline) throw new Error("the page was given no identity within 15 s");
    await page.waitForTimeout(50);
  }
  await page.waitForLoadState("networkidle");
}
