import { expect } from "vitest";
import type { Page } from "playwright-core";

/**
 * Every status the page's live call has shown, in order. "listening" lasts only until the person speaks, and
 * the fake microphone speaks at once: a poll on a loaded machine can miss it, so the page records them.
 */
export async function recordLiveCallStatuses(page: Page): Promise<void> {
  await page.addInitScript(`
    window.__liveStatuses = [];
    new MutationObserver(() => {
      const status = document.querySelector(".live-call")?.getAttribute("data-status");
      if (status && window.__liveStatuses.at(-1) !== status) window.__liveStatuses.push(status);
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"] });
  `);
}

/** Waits until the call has connected and listened (needs recordLiveCallStatuses); a failed call says why, with `problems`. */
export async function liveCallListened(page: Page, problems: string[] = []): Promise<void> {
  await expect
    .poll(
      async () => {
        if ((await page.locator("[data-reason]").count()) > 0) {
          return `failed: ${await page.locator("[data-reason]").getAttribute("data-reason")} ${problems.join("; ")}`;
        }
        const statuses = await page.evaluate<string[]>("window.__liveStatuses");
        return statuses.includes("listening") ? "listening" : statuses.join(" → ");
      },
      { timeout: 15_000 },
    )
    .toBe("listening");
}
