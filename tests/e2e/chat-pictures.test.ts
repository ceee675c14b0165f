import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { jpegWithGps } from "../helpers/images.js";
import { useWebApp } from "./support/web-app-harness.js";

/**
 * Pictures both ways on the chat page, in Debian's Chromium against the real server: a picture attached
 * (preview, send) reaches the vision model and is still shown after a reload; a picture Rose drew (the
 * simulator's image endpoint) appears in her reply. Phone and desktop; axe-core finds nothing serious
 * with previews and pictures on the page.
 */

const app = useWebApp({
  prefix: "rose-e2e-pictures-",
  env: (sim) => ({ VISION_MODEL: "sim-vision", IMAGE_GENERATION_BASE_URL: sim.openaiBaseUrl, IMAGE_GENERATION_API_KEY: "sim-key" }),
});

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const SERIOUS = new Set(["moderate", "serious", "critical"]);

async function violations(page: Page): Promise<string[]> {
  if (!(await page.evaluate("typeof window.axe !== 'undefined'"))) await page.addScriptTag({ content: AXE_SOURCE });
  const found = await page.evaluate<Array<{ id: string; impact: string | null; help: string }>>(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)",
  );
  return found.filter((v) => SERIOUS.has(v.impact ?? "")).map((v) => `${v.id}: ${v.help}`);
}

/** True when the image named `name` has loaded real pixels (not a broken image). */
async function pictureLoaded(page: Page, name: string): Promise<boolean> {
  return page.evaluate(`(() => {
    const img = [...document.querySelectorAll("img")].find((i) => i.alt === ${JSON.stringify(name)});
    return Boolean(img && img.complete && img.naturalWidth > 0);
  })()`);
}

const VIEWPORTS = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1280, height: 860 },
];

describe("pictures on the chat page", () => {
  for (const viewport of VIEWPORTS) {
    it(`a picture attached is seen by Rose and shown again after a reload; a picture she draws appears in her reply (${viewport.name})`, async () => {
      app.sim.script({ match: { model: "sim-vision" }, reply: { content: "What a lovely garden. The roses look happy." } });
      const page = await app.newPage(viewport.width, viewport.height, { bypassCSP: true, reducedMotion: "reduce" });
      await page.goto("/chat");

      await page.setInputFiles('[data-testid="picture-input"]', { name: "garden.jpg", mimeType: "image/jpeg", buffer: await jpegWithGps() });
      await expect.poll(() => pictureLoaded(page, "Picture 1 to send")).toBe(true);
      expect(await violations(page)).toEqual([]);
      const box = page.getByLabel("Your message to Rose");
      await box.fill("This is my garden in May.");
      await box.press("Enter");
      await expect.poll(() => page.locator('.from-rose[data-state="settled"]').count(), { timeout: 15_000 }).toBe(1);
      expect(await page.locator(".from-rose .bubble").innerText()).toContain("lovely garden");
      const seen = app.sim.requests({ endpoint: "chat" }).filter((r) => r.model === "sim-vision");
      expect(seen.at(-1)!.messages!.at(-1)!.images).toEqual([{ mime: "image/jpeg", bytes: expect.any(Number) }]);
      await expect.poll(() => page.locator(".from-you img").getAttribute("src")).toMatch(/^\/api\/v1\/images\/[0-9a-f-]{36}$/);
      await expect.poll(() => pictureLoaded(page, "Picture 1 you shared")).toBe(true);

      await page.reload();
      await expect.poll(() => page.locator(".from-rose .bubble").count(), { timeout: 10_000 }).toBe(1);
      await expect.poll(() => pictureLoaded(page, "Picture 1 you shared")).toBe(true);
      expect(await page.getByText("This is my garden in May.").count()).toBe(1);

      // Rose draws when asked: the router's image route, the simulator's image endpoint.
      app.sim.script({ match: { structured: "route_decision" }, reply: { structured: { response_type: "image" } } });
      app.sim.script({ match: { model: "sim-chat" }, reply: { content: "Here is a lighthouse for you, glowing at dusk." } });
      await box.fill("Could you draw me a lighthouse at dusk?");
      await box.press("Enter");
      await expect.poll(() => page.locator('.from-rose[data-state="settled"]').count(), { timeout: 15_000 }).toBe(2);
      await expect.poll(() => pictureLoaded(page, "A picture Rose made for you")).toBe(true);
      expect(app.sim.requests({ endpoint: "images" })).toHaveLength(1);
      expect(await page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")).toBe(true);
      expect(await violations(page)).toEqual([]);

      await page.reload();
      await expect.poll(() => pictureLoaded(page, "A picture Rose made for you"), { timeout: 10_000 }).toBe(true);
    });
  }
});
