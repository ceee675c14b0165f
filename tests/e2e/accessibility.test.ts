import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useWebApp } from "./support/web-app-harness.js";
import { settledIdentity } from "./support/settled-identity.js";

/**
 * axe-core's scan of both pages (and the memory panel open over each) in Chromium, at a phone and a
 * desktop size: no violation of moderate or higher impact. The scan runs in the page, so the context
 * bypasses Rose's Content-Security-Policy for the injected axe script only; the page is Rose's own.
 */

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const SERIOUS = new Set(["moderate", "serious", "critical"]);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

const app = useWebApp({ prefix: "rose-e2e-axe-" });

const newPage = (width: number, height: number): Promise<Page> => app.newPage(width, height, { bypassCSP: true, reducedMotion: "reduce" });

/** The page's violations of moderate or higher impact, as "rule: help (where)" lines. */
async function violations(page: Page): Promise<string[]> {
  if (!(await page.evaluate("typeof window.axe !== 'undefined'"))) await page.addScriptTag({ content: AXE_SOURCE });
  const found = await page.evaluate<AxeViolation[]>("axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)");
  return found.filter((v) => SERIOUS.has(v.impact ?? "")).map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")})`);
}

/**
 * Waits for the page itself, not only its title: the title is set at once, the page's content once the
 * person's identity is known (AccountGate), and a scan in between would judge an empty main region.
 */
async function shown(page: Page, heading: string): Promise<void> {
  await expect.poll(() => page.title()).toBe(`${heading} · Rose`);
  await expect.poll(() => page.getByRole("heading", { level: 1, name: heading }).count()).toBe(1);
}

async function openMemories(page: Page): Promise<void> {
  await page.getByRole("button", { name: /What Rose remembers|Memories/ }).click();
  const dialog = page.getByRole("dialog", { name: "What Rose remembers" });
  await expect.poll(() => dialog.getByText(/Nothing yet|Maya/).count(), { timeout: 10_000 }).toBeGreaterThan(0);
  // Let the panel's and its memories' entrances settle (reduced motion still fades), so colours are
  // scanned as they end up, not mid-fade.
  await expect
    .poll(() => page.evaluate("[...document.querySelectorAll('.memory-panel, .memory-panel .memory')].every((e) => getComputedStyle(e).opacity === '1')"))
    .toBe(true);
}

describe("accessibility scan (axe-core)", () => {
  for (const [name, width, height] of [
    ["phone", 390, 844],
    ["desktop", 1280, 860],
  ] as const) {
    it(`finds nothing of moderate or higher impact on the Talk and Write pages and the memory panel (${name})`, async () => {
      app.sim.script({ match: { model: "sim-chat" }, reply: { content: "Hello! **Anna** sounds lovely.\n\n- a walk\n- some `tea`" } });
      const page = await newPage(width, height);
      await page.goto("/");
      // The page's own first requests issue this browser's identity: let them settle so the API calls below share it.
      await settledIdentity(page);
      expect((await page.request.post("/api/v1/memories", { data: { text: "Their sister Maya lives in Porto.", type: "person" } })).status()).toBe(201);
      await page.reload();
      await shown(page, "Talk with Rose");
      expect(await violations(page)).toEqual([]);
      await openMemories(page);
      expect(await violations(page)).toEqual([]);
      await page.keyboard.press("Escape");

      await page.getByRole("link", { name: "Write" }).click();
      await shown(page, "Write to Rose");
      const box = page.getByLabel("Your message to Rose");
      await box.fill("My sister is **Anna**.");
      await box.press("Enter");
      await expect.poll(() => page.locator('.from-rose[data-state="settled"]').count(), { timeout: 15_000 }).toBe(1);
      expect(await violations(page)).toEqual([]);
      // The last message being edited in place (its form in the log).
      await page.locator(".from-you").getByRole("button", { name: "Edit" }).click();
      expect(await violations(page)).toEqual([]);
      await page.getByLabel("Edit your message").press("Escape");
      await openMemories(page);
      expect(await violations(page)).toEqual([]);
    });
  }
});
