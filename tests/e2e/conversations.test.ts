import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Locator, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { axeViolations } from "./support/axe.js";
import { useWebApp } from "./support/web-app-harness.js";

/**
 * The conversation list in Chromium against the real server and the simulator's small model: a column
 * beside the chat on a desktop, a drawer from the chat's header on a phone; switching loads the other
 * conversation's history, renaming and deleting (after a confirmation) reach the server.
 */

const app = useWebApp({ prefix: "rose-e2e-conversations-" });
const SCREENSHOTS = fileURLToPath(new URL("../../test-output/screenshots", import.meta.url));
beforeAll(() => mkdirSync(SCREENSHOTS, { recursive: true }));

async function newPage(width: number, height: number): Promise<Page & { problems: string[] }> {
  const page = Object.assign(await app.newPage(width, height), { problems: [] as string[] });
  page.on("pageerror", (error) => page.problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !/Failed to load resource/.test(message.text())) page.problems.push(message.text());
  });
  return page;
}

/** The small model names each conversation after the person's first message. */
function nameConversations(): void {
  app.sim.script({ match: { system: "name conversations", anyMessage: "tomatoes" }, reply: { content: '"Tomato garden"' } });
  app.sim.script({ match: { system: "name conversations", anyMessage: "Pixel" }, reply: { content: "A cat called Pixel" } });
}

async function say(page: Page, text: string): Promise<void> {
  const settled = await page.locator('.from-rose[data-state="settled"]').count();
  await page.getByLabel("Your message to Rose").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
  await expect.poll(() => page.locator('.from-rose[data-state="settled"]').count(), { timeout: 15_000 }).toBe(settled + 1);
}

const bubbles = (page: Page) => page.locator(".bubble-text").allInnerTexts();

/** The list's "open" buttons' titles, in order, and which is current. */
async function listed(list: Locator): Promise<Array<{ title: string; current: boolean }>> {
  const buttons = list.locator(".conversation-open");
  const count = await buttons.count();
  const rows: Array<{ title: string; current: boolean }> = [];
  for (let i = 0; i < count; i++) {
    const button = buttons.nth(i);
    rows.push({ title: await button.locator(".conversation-title").innerText(), current: (await button.getAttribute("aria-current")) === "true" });
  }
  return rows;
}

async function serverTitles(page: Page): Promise<Array<string | null>> {
  const { sessions } = (await (await page.request.get("/api/v1/sessions")).json()) as { sessions: Array<{ title: string | null }> };
  return sessions.map((s) => s.title);
}

/** Two conversations, the second one open: tomatoes (named "Tomato garden"), then Pixel the cat. */
async function twoConversations(page: Page, list: () => Promise<Locator>): Promise<void> {
  await page.goto("/chat");
  await say(page, "I planted tomatoes today.");
  await expect.poll(async () => listed(await list()), { timeout: 15_000 }).toEqual([{ title: "Tomato garden", current: true }]);
  // On a phone the list is a drawer over the chat: closed (Escape) before going on.
  const drawer = page.getByRole("dialog", { name: "Conversations" });
  if ((await drawer.count()) > 0) await page.keyboard.press("Escape");
  await expect.poll(() => drawer.count(), { timeout: 10_000 }).toBe(0);
  await page.getByRole("button", { name: "New conversation" }).click();
  await expect.poll(() => page.getByText("Hello, I'm Rose.").count(), { timeout: 10_000 }).toBe(1);
  await say(page, "My cat is called Pixel.");
  await expect
    .poll(async () => listed(await list()), { timeout: 15_000 })
    .toEqual([
      { title: "A cat called Pixel", current: true },
      { title: "Tomato garden", current: false },
    ]);
}

describe("the conversation list on a desktop", () => {
  it("sits beside the chat: switch, rename and delete, newest first", async () => {
    nameConversations();
    const page = await newPage(1280, 860);
    const column = page.getByRole("navigation", { name: "Conversations" });
    await twoConversations(page, async () => column);
    expect(await page.getByRole("button", { name: "Conversations" }).count()).toBe(0); // no drawer button: the list is on screen
    await page.screenshot({ path: join(SCREENSHOTS, "conversations-1280.png") });

    // Switch: the other conversation's history comes back, and it is the current one.
    await column.getByRole("button", { name: /^Tomato garden/ }).click();
    await expect.poll(() => bubbles(page), { timeout: 10_000 }).toEqual(["I planted tomatoes today.", 'I hear you. You said: "I planted tomatoes today.".']);
    await expect
      .poll(() => listed(column))
      .toEqual([
        { title: "A cat called Pixel", current: false },
        { title: "Tomato garden", current: true },
      ]);

    // Rename with the keyboard; the server keeps it across a reload.
    await column.getByRole("button", { name: "Rename Tomato garden" }).click();
    await page.keyboard.press("Control+A");
    await page.keyboard.type("Summer garden");
    await page.keyboard.press("Enter");
    await expect.poll(() => listed(column), { timeout: 10_000 }).toContainEqual({ title: "Summer garden", current: true });
    await page.reload();
    await expect.poll(() => listed(column), { timeout: 10_000 }).toContainEqual({ title: "Summer garden", current: true });
    await expect.poll(() => bubbles(page), { timeout: 10_000 }).toHaveLength(2);

    // Delete asks first; keeping it changes nothing, confirming removes it from the list and the server.
    await column.getByRole("button", { name: "Delete A cat called Pixel" }).click();
    await column.getByRole("button", { name: "Keep it" }).click();
    expect(await serverTitles(page)).toEqual(["A cat called Pixel", "Summer garden"]);
    await column.getByRole("button", { name: "Delete A cat called Pixel" }).click();
    await column.getByRole("button", { name: "Delete it" }).click();
    await expect.poll(() => listed(column), { timeout: 10_000 }).toEqual([{ title: "Summer garden", current: true }]);
    expect(await serverTitles(page)).toEqual(["Summer garden"]);
    await expect.poll(() => bubbles(page), { timeout: 10_000 }).toHaveLength(2); // the open conversation was not the one deleted
    expect(page.problems).toEqual([]);
  });
});

describe("the conversation list on a phone", () => {
  it("opens as a drawer from the chat's header: switch, rename and delete the current one", async () => {
    nameConversations();
    const page = await newPage(390, 844);
    const drawer = page.getByRole("dialog", { name: "Conversations" });
    const openDrawer = async () => {
      if ((await drawer.count()) === 0) await page.getByRole("button", { name: "Conversations" }).click();
      return drawer;
    };
    const closeDrawer = async () => {
      if ((await drawer.count()) > 0) await page.keyboard.press("Escape");
      await expect.poll(() => drawer.count(), { timeout: 10_000 }).toBe(0);
    };
    await page.goto("/chat");
    expect(await page.getByRole("navigation", { name: "Conversations" }).count()).toBe(0);
    await say(page, "I planted tomatoes today.");
    await expect.poll(async () => listed(await openDrawer()), { timeout: 15_000 }).toEqual([{ title: "Tomato garden", current: true }]);
    await closeDrawer();
    await page.getByRole("button", { name: "New conversation" }).click();
    // The new conversation's greeting replaces the log before the next message counts Rose's replies.
    await expect.poll(() => page.getByText("Hello, I'm Rose.").count(), { timeout: 10_000 }).toBe(1);
    await say(page, "My cat is called Pixel.");
    await expect
      .poll(async () => listed(await openDrawer()), { timeout: 15_000 })
      .toEqual([
        { title: "A cat called Pixel", current: true },
        { title: "Tomato garden", current: false },
      ]);

    // The drawer fits the phone, and choosing a conversation closes it and shows that conversation.
    await page.waitForTimeout(400); // the drawer's slide-in
    await page.screenshot({ path: join(SCREENSHOTS, "conversations-390.png") });
    const box = (await drawer.boundingBox())!;
    expect(box.width).toBeLessThanOrEqual(390);
    await drawer.getByRole("button", { name: /^Tomato garden/ }).click();
    await expect.poll(() => drawer.count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => bubbles(page), { timeout: 10_000 }).toEqual(["I planted tomatoes today.", 'I hear you. You said: "I planted tomatoes today.".']);

    await openDrawer();
    await drawer.getByRole("button", { name: "Rename A cat called Pixel" }).click();
    await drawer.getByLabel("New title for A cat called Pixel").fill("Pixel");
    await drawer.getByRole("button", { name: "Save" }).click();
    await expect
      .poll(() => listed(drawer))
      .toEqual([
        { title: "Pixel", current: false },
        { title: "Tomato garden", current: true },
      ]);
    expect(await serverTitles(page)).toEqual(["Pixel", "Tomato garden"]);

    // Deleting the conversation on screen empties the chat; the next message starts a new conversation.
    await drawer.getByRole("button", { name: "Delete Tomato garden" }).click();
    await drawer.getByRole("button", { name: "Delete it" }).click();
    await expect.poll(() => listed(drawer), { timeout: 10_000 }).toEqual([{ title: "Pixel", current: false }]);
    await closeDrawer();
    await expect.poll(() => page.getByText("Hello, I'm Rose.").count(), { timeout: 10_000 }).toBe(1);
    expect(await serverTitles(page)).toEqual(["Pixel"]);
    expect(page.problems).toEqual([]);
  });
});

describe("the conversation list's accessibility (axe-core)", () => {
  for (const [name, width, height] of [
    ["desktop", 1280, 860],
    ["phone", 390, 844],
  ] as const) {
    it(`has no violation of moderate or higher impact on a ${name}, with a rename and a delete confirmation open`, async () => {
      nameConversations();
      const page = await app.newPage(width, height, { bypassCSP: true, reducedMotion: "reduce" });
      const list = async () => {
        if (name === "desktop") return page.getByRole("navigation", { name: "Conversations" });
        const drawer = page.getByRole("dialog", { name: "Conversations" });
        if ((await drawer.count()) === 0) await page.getByRole("button", { name: "Conversations" }).click();
        return drawer;
      };
      await twoConversations(page, list);
      const shown = await list();
      await expect
        .poll(() => page.evaluate("[...document.querySelectorAll('.conversations-drawer, .scrim')].every((e) => getComputedStyle(e).opacity === '1')"))
        .toBe(true);
      expect(await axeViolations(page)).toEqual([]);
      await shown.getByRole("button", { name: "Rename Tomato garden" }).click();
      await shown.getByRole("button", { name: "Delete A cat called Pixel" }).click();
      expect(await axeViolations(page)).toEqual([]);
    });
  }
});
