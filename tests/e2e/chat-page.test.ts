import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useWebApp } from "./support/web-app-harness.js";
import { settledIdentity } from "./support/settled-identity.js";

/**
 * The chat page as a person holds a long conversation on it, in Debian's Chromium against the real
 * server with the provider simulator as its model: the page fits the screen and scrolls inside (phone
 * and desktop), a failed reply can be tried again, and a pending reply can be stopped.
 */

const app = useWebApp({ prefix: "rose-e2e-chat-", env: { PROVIDER_RETRIES: "0" } });

const VIEWPORTS = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1280, height: 860 },
];

const newPage = (width: number, height: number): Promise<Page> => app.newPage(width, height);

/** True when the whole element is inside the viewport (not below it, not above it). */
// Page-side code is written as strings: this file is type-checked for Node, without the DOM's types.
async function inViewport(page: Page, selector: string): Promise<boolean> {
  return page.evaluate(`(() => {
    const el = document.querySelector(${JSON.stringify(selector)});
    if (!el) return false;
    const box = el.getBoundingClientRect();
    return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight && box.left >= 0 && box.right <= window.innerWidth;
  })()`);
}

/** True when some of the last Rose bubble is visible inside the log's scrolled view and the viewport. */
async function newestReplyVisible(page: Page): Promise<boolean> {
  return page.evaluate(`(() => {
    const log = document.querySelector(".chat-log").getBoundingClientRect();
    const bubbles = document.querySelectorAll(".from-rose .bubble");
    const last = bubbles[bubbles.length - 1];
    if (!last) return false;
    const box = last.getBoundingClientRect();
    return box.bottom > log.top && box.top < log.bottom && box.top < window.innerHeight && box.bottom > 0;
  })()`);
}

/** True when the first message of the conversation is scrolled out of the log's view (above it). */
async function oldestScrolledAway(page: Page): Promise<boolean> {
  return page.evaluate(`(() => {
    const log = document.querySelector(".chat-log").getBoundingClientRect();
    return document.querySelector(".from-you .bubble").getBoundingClientRect().bottom <= log.top;
  })()`);
}

describe("a long conversation on the chat page", () => {
  for (const viewport of VIEWPORTS) {
    it(`keeps the message box and the newest reply on screen after twenty messages, and after a reload (${viewport.name})`, async () => {
      // Long replies, so twenty messages are several screens of text.
      app.sim.script({
        match: { model: "sim-chat" },
        reply: { content: "That makes sense to me. Tell me a little more about how it felt, and what you noticed in yourself while it was happening." },
      });
      const page = await newPage(viewport.width, viewport.height);
      await page.goto("/chat");
      // The page's own first requests issue this browser's identity: let them settle, so the API calls below share it.
      await settledIdentity(page);
      // Nine exchanges through the API (in this browser's identity and session), the tenth typed.
      const { session_id } = (await (await page.request.post("/api/v1/session/start")).json()) as { session_id: string };
      await page.evaluate(`localStorage.setItem("rose.session_id", ${JSON.stringify(session_id)})`);
      for (let i = 1; i <= 9; i++) {
        const answer = await page.request.post("/api/v1/chat", { data: { session_id, message: `Message number ${i} about my week.` } });
        expect(answer.status()).toBe(200);
      }
      await page.reload();
      await expect.poll(() => page.locator(".from-rose .bubble").count(), { timeout: 10_000 }).toBe(9);

      const box = page.getByLabel("Your message to Rose");
      await box.fill("And the tenth message, the newest one.");
      await box.press("Enter");
      await expect.poll(() => page.locator('.from-rose[data-state="settled"]').count(), { timeout: 15_000 }).toBe(10);

      // The page is one screen: the window does not scroll, the log does.
      expect(await page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")).toBe(true);
      expect(await page.evaluate("(l => l.scrollHeight > l.clientHeight)(document.querySelector('.chat-log'))")).toBe(true);
      expect(await inViewport(page, ".composer")).toBe(true);
      await expect.poll(() => newestReplyVisible(page)).toBe(true);

      // After a reload the conversation opens at its newest message, not its oldest.
      await page.reload();
      await expect.poll(() => page.locator(".from-rose .bubble").count(), { timeout: 10_000 }).toBe(10);
      await expect.poll(() => newestReplyVisible(page)).toBe(true);
      expect(await inViewport(page, ".composer")).toBe(true);
      expect(await oldestScrolledAway(page)).toBe(true);
    });
  }
});

describe("following Rose's words", () => {
  it("follows a streaming reply at the bottom, and stops following once the person scrolls up to read", async () => {
    app.sim.script({
      match: { model: "sim-chat", lastUser: "number" },
      reply: { content: "That makes sense to me. Tell me a little more about how it felt, and what you noticed." },
    });
    const page = await newPage(390, 844);
    await page.goto("/chat");
    // The page's own first requests issue this browser's identity: let them settle so the API calls below share it.
    await settledIdentity(page);
    const { session_id } = (await (await page.request.post("/api/v1/session/start")).json()) as { session_id: string };
    await page.evaluate(`localStorage.setItem("rose.session_id", ${JSON.stringify(session_id)})`);
    for (let i = 1; i <= 6; i++) await page.request.post("/api/v1/chat", { data: { session_id, message: `Message number ${i}.` } });
    await page.reload();
    await expect.poll(() => page.locator(".from-rose .bubble").count(), { timeout: 10_000 }).toBe(6);

    const story = Array.from({ length: 120 }, (_, i) => `word${i}`).join(" ");
    app.sim.script({ match: { model: "sim-chat", lastUser: "story" }, reply: { content: story }, latency: { firstTokenMs: 50, tokensPerSecond: 12 } });
    const box = page.getByLabel("Your message to Rose");
    await box.fill("Tell me a story.");
    await box.press("Enter");
    const streaming = page.locator('.from-rose[data-state="streaming"] .bubble-text');
    const written = async () => ((await streaming.count()) > 0 ? (await streaming.innerText()).length : 0);
    const distanceFromBottom = () => page.evaluate<number>("(l => l.scrollHeight - l.scrollTop - l.clientHeight)(document.querySelector('.chat-log'))");

    // While at the bottom, each new line of the reply is followed.
    await expect.poll(written, { timeout: 10_000 }).toBeGreaterThan(200);
    expect(await page.evaluate("(l => l.scrollHeight - l.clientHeight)(document.querySelector('.chat-log'))")).toBeGreaterThan(400);
    expect(await distanceFromBottom()).toBeLessThan(4);

    // The person scrolls up: more words arrive, the log stays where they are reading.
    // (A token can land between the wheel and its scroll event; a reader who is pulled back scrolls up again.)
    await page.locator(".chat-log").hover();
    await expect
      .poll(async () => {
        await page.mouse.wheel(0, -3000);
        return page.evaluate("document.querySelector('.chat-log').scrollTop");
      })
      .toBe(0);
    const before = await written();
    await expect.poll(written, { timeout: 15_000 }).toBeGreaterThan(before + 100);
    expect(await page.evaluate("document.querySelector('.chat-log').scrollTop")).toBe(0);
    await page.getByRole("button", { name: "Stop Rose's reply" }).click();
  });
});

describe("a reply that fails or is stopped", () => {
  it("shows Rose's fallback apology as a failed reply; Try again replaces it, also in the saved conversation", async () => {
    app.sim.script({ match: { model: "sim-chat" }, fail: { status: 500 }, times: 1 });
    const page = await newPage(390, 844);
    await page.goto("/chat");
    const box = page.getByLabel("Your message to Rose");
    await box.fill("Do you remember my sister?");
    await box.press("Enter");
    const failed = page.locator('.from-rose[data-state="failed"]');
    await expect.poll(() => failed.count(), { timeout: 15_000 }).toBe(1);
    expect(await failed.getByRole("alert").innerText()).toContain("Rose couldn't answer this time.");

    app.sim.script({ match: { model: "sim-chat" }, reply: { content: "Of course I remember Anna." } });
    await failed.getByRole("button", { name: "Try again" }).click();
    await expect
      .poll(() => page.locator('.from-rose[data-state="settled"] .bubble-text').allInnerTexts(), { timeout: 15_000 })
      .toEqual(["Of course I remember Anna."]);

    await page.reload();
    await expect
      .poll(() => page.locator(".bubble-text").allInnerTexts(), { timeout: 10_000 })
      .toEqual(["Do you remember my sister?", "Of course I remember Anna."]);
    expect(await page.locator('[data-state="failed"]').count()).toBe(0);
  });

  it("stops a reply mid-way with Stop, keeping the words so far, marked stopped after a reload too", async () => {
    const story = Array.from({ length: 80 }, (_, i) => `word${i}`).join(" ");
    app.sim.script({ match: { model: "sim-chat" }, reply: { content: story }, latency: { firstTokenMs: 50, tokensPerSecond: 6 } });
    const page = await newPage(1280, 860);
    await page.goto("/chat");
    const box = page.getByLabel("Your message to Rose");
    await box.fill("Tell me a long story.");
    await box.press("Enter");
    const streaming = page.locator('.from-rose[data-state="streaming"] .bubble-text');
    await expect.poll(async () => ((await streaming.count()) > 0 ? (await streaming.innerText()).length : 0), { timeout: 10_000 }).toBeGreaterThan(0);

    await page.getByRole("button", { name: "Stop Rose's reply" }).click();
    const stopped = page.locator('.from-rose[data-state="stopped"]');
    await expect.poll(() => stopped.count()).toBe(1);
    expect(await stopped.getByText("Stopped").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Stop Rose's reply" }).count()).toBe(0);

    // The server stopped too: the thread keeps a beginning of the story, marked stopped, not all of it.
    await page.reload();
    await expect.poll(() => stopped.count(), { timeout: 10_000 }).toBe(1);
    const kept = await stopped.locator(".bubble-text").innerText();
    expect(kept.length).toBeGreaterThan(0);
    expect(story.startsWith(kept) && kept.length < story.length).toBe(true);
  });

  it("stops a reply that hangs before its first word, leaving the message to try again", async () => {
    app.sim.script({ match: { model: "sim-chat" }, fail: { hang: true }, times: 1 });
    const page = await newPage(390, 844);
    await page.goto("/chat");
    const box = page.getByLabel("Your message to Rose");
    await box.fill("Are you there?");
    await box.press("Enter");
    await expect.poll(() => page.getByText("Rose is writing…").count()).toBe(1);

    await page.getByRole("button", { name: "Stop Rose's reply" }).click();
    const alert = page.locator(".from-you").getByRole("alert");
    await expect.poll(() => alert.count()).toBe(1);
    expect(await alert.innerText()).toContain("You stopped it before she answered.");

    app.sim.script({ match: { model: "sim-chat" }, reply: { content: "I'm here now." } });
    await alert.getByRole("button", { name: "Try again" }).click();
    await expect.poll(() => page.locator('.from-rose[data-state="settled"] .bubble-text').allInnerTexts(), { timeout: 15_000 }).toEqual(["I'm here now."]);
    await page.reload();
    await expect.poll(() => page.locator(".bubble-text").allInnerTexts(), { timeout: 10_000 }).toEqual(["Are you there?", "I'm here now."]);
  });
});

describe("redoing the last exchange", () => {
  it("regenerates Rose's last reply and edits the last message in place, also in the saved conversation", async () => {
    app.sim.script({ match: { model: "sim-chat" }, reply: { content: "A walk sounds lovely." }, times: 1 });
    const page = await newPage(390, 844);
    await page.goto("/chat");
    const box = page.getByLabel("Your message to Rose");
    await box.fill("I went for a walk.");
    await box.press("Enter");
    const settled = page.locator('.from-rose[data-state="settled"] .bubble-text');
    await expect.poll(() => settled.allInnerTexts(), { timeout: 15_000 }).toEqual(["A walk sounds lovely."]);
    // A day separator (today's; its words are the component test's), and a time on each message.
    expect(await page.locator(".chat-log h2").count()).toBe(1);
    expect(await page.locator(".chat-log time").count()).toBe(2);

    app.sim.script({ match: { model: "sim-chat" }, reply: { content: "Where did you walk?" }, times: 1 });
    await page.locator(".from-rose").getByRole("button", { name: "Regenerate" }).click();
    await expect.poll(() => settled.allInnerTexts(), { timeout: 15_000 }).toEqual(["Where did you walk?"]);

    app.sim.script({ match: { model: "sim-chat" }, reply: { content: "A run! Well done." }, times: 1 });
    await page.locator(".from-you").getByRole("button", { name: "Edit" }).click();
    const edit = page.getByLabel("Edit your message");
    await edit.press("Escape");
    expect(await edit.count()).toBe(0);
    await page.locator(".from-you").getByRole("button", { name: "Edit" }).click();
    await edit.fill("I went for a run.");
    await edit.press("Enter");
    await expect.poll(() => page.locator(".bubble-text").allInnerTexts(), { timeout: 15_000 }).toEqual(["I went for a run.", "A run! Well done."]);

    await page.reload();
    await expect.poll(() => page.locator(".bubble-text").allInnerTexts(), { timeout: 10_000 }).toEqual(["I went for a run.", "A run! Well done."]);
    expect(await page.locator(".chat-log time").count()).toBe(2);
  });
});
