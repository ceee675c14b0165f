import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Locator, Page, Request } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { useWebApp } from "./support/web-app-harness.js";
import { settledIdentity } from "./support/settled-identity.js";

/**
 * The web app in a real browser (Debian's Chromium) against the real server and the provider
 * simulator: typing and reading a streamed reply, history after a reload, the memory panel, and a
 * spoken turn through Chromium's fake microphone (a WAV spoken by espeak-ng, looped).
 */

const SCREENSHOTS = fileURLToPath(new URL("../../test-output/screenshots", import.meta.url));
const SPOKEN = "Hello Rose, I had a long day at work today.";
// The simulator stands in for Whisper: it "recognises" exactly what espeak-ng said into the fake microphone.
const HEARD = SPOKEN;
const GARDEN_REPLY = "A garden is a gentle place to spend an afternoon. What did you plant?";
const VOICE_REPLY = "I'm sorry the day was long. Let's take a slow breath together. What weighed on you most?";

const app = useWebApp({ prefix: "rose-e2e-", spoken: SPOKEN, env: { TTS_PROVIDER: "espeak" } });

async function newPage(width = 1280, height = 860): Promise<Page> {
  const page = await app.newPage(width, height);
  // A failure inside the page (a CSP refusal, an exception) should fail the test, not hide in a console.
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !/Failed to load resource/.test(message.text())) problems.push(message.text());
  });
  (page as Page & { problems: string[] }).problems = problems;
  return page;
}

const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;

/** The text of an element that may not be there yet ("" until it is), for polling without blocking. */
async function textOf(locator: Locator): Promise<string> {
  return (await locator.count()) > 0 ? locator.first().innerText() : "";
}

async function screenshot(page: Page, name: string, width: number, height: number): Promise<void> {
  await page.setViewportSize({ width, height });
  await page.waitForTimeout(400); // let the layout and the calmer animations settle
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`) });
}

beforeAll(() => mkdirSync(SCREENSHOTS, { recursive: true }));

describe("a first visit", () => {
  for (const path of ["/", "/chat"]) {
    it(`is given one identity, however many requests the page sends at once (${path})`, async () => {
      const page = await newPage();
      // Playwright leaves cookies out of headers(); headerValue() reads the raw ones.
      const seen: Array<Promise<void>> = [];
      // A read still pending when the page closes fails after the test: handled here, so it is not an
      // unhandled rejection; one that fails before the check below still fails it (Promise.all).
      const read = (reading: Promise<void>) => {
        reading.catch(() => {});
        seen.push(reading);
      };
      const issued: string[] = [];
      const sent = new Set<string>();
      // The page's API requests still waiting for their answers.
      const unanswered = new Set<Request>();
      page.on("requestfinished", (request) => unanswered.delete(request));
      page.on("requestfailed", (request) => unanswered.delete(request));
      page.on("response", (response) => {
        if (!response.url().includes("/api/")) return;
        read(
          response.headerValue("set-cookie").then((header) => {
            const cookie = /rose_uid=([^;]+)/.exec(header ?? "");
            if (cookie) issued.push(cookie[1]!);
          }),
        );
      });
      page.on("request", (request) => {
        if (!request.url().includes("/api/")) return;
        unanswered.add(request);
        read(request.headerValue("cookie").then((header) => void sent.add(/rose_uid=([^;]+)/.exec(header ?? "")?.[1] ?? "none")));
      });
      await page.goto(path);
      // Until the first answer the page holds no identity; on a loaded machine the network can look quiet before its first request.
      await settledIdentity(page);
      // The browser can hold the cookie before the test hears of the answer that set it: wait until the
      // answer has been heard and every API request sent so far has been answered.
      await expect.poll(() => issued.length > 0 && unanswered.size === 0).toBe(true);
      await Promise.all(seen);
      expect(issued).toHaveLength(1);
      expect([...sent].filter((id) => id !== "none")).toEqual(issued);
      expect(problemsOf(page)).toEqual([]);
    });
  }
});

describe("on a small phone", () => {
  for (const width of [390, 360]) {
    it(`fits ${width} pixels without sideways scrolling, the top bar's controls all on screen`, async () => {
      const page = await newPage(width, 800);
      // The widest the page has been at any frame, not only once settled: the top bar fills in as its parts load.
      // (A script, not a function: this file is type-checked without the DOM's types.)
      await page.addInitScript(
        "window.widest = 0; (function sample() { window.widest = Math.max(window.widest, document.documentElement ? document.documentElement.scrollWidth : 0); requestAnimationFrame(sample); })();",
      );
      for (const path of ["/", "/chat"]) {
        await page.goto(path);
        await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
        await page.getByRole("button", { name: /What Rose remembers|Memories/ }).waitFor();
        // Her name has replaced the placeholder ("Companion") by now.
        await page.getByRole("button", { name: /^Rose/ }).waitFor();
        expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(width);
        expect(await page.evaluate("window.widest")).toBeLessThanOrEqual(width);
        const controls = await page.locator(".topbar a, .topbar button").all();
        for (const control of controls) {
          const box = await control.boundingBox();
          if (!box) continue; // not shown at this width (the brand mark on the smallest phones)
          expect(box.x).toBeGreaterThanOrEqual(0);
          expect(box.x + box.width).toBeLessThanOrEqual(width);
        }
      }
      await page.screenshot({ path: join(SCREENSHOTS, `topbar-${width}.png`), clip: { x: 0, y: 0, width, height: 90 } });
      expect(problemsOf(page)).toEqual([]);
    });
  }
});

describe("serving the web app", () => {
  it("answers client routes with index.html, caches hashed assets for good, and leaves the API and metrics alone", async () => {
    for (const path of ["/", "/chat", "/somewhere/else"]) {
      const page = await fetch(`${app.rose.url}${path}`, { headers: { accept: "text/html" } });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(page.headers.get("cache-control")).toBe("no-cache");
      const html = await page.text();
      expect(html).toContain('<div id="root"></div>');
      const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
      const script = await fetch(`${app.rose.url}${asset}`);
      expect(script.status).toBe(200);
      expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    }

    const unknownApi = await fetch(`${app.rose.url}/api/v1/no-such-thing`, { headers: { accept: "text/html" } });
    expect(unknownApi.status).toBe(404);
    expect(((await unknownApi.json()) as { error: { code: string } }).error.code).toBe("not_found");
    expect((await fetch(`${app.rose.url}/api/no-such-thing`, { headers: { accept: "text/html" } })).status).toBe(404);
    const metrics = await fetch(`${app.rose.url}/metrics`, { headers: { accept: "text/html" } });
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
    expect((await fetch(`${app.rose.url}/metrics/extra`, { headers: { accept: "text/html" } })).status).toBe(404);
    // A missing file is a 404, never the page (a browser would try to run HTML as a script).
    expect((await fetch(`${app.rose.url}/assets/gone-1234.js`)).status).toBe(404);
  });
});

describe("the chat page", () => {
  it("streams Rose's reply into the page, then restores the conversation after a reload", async () => {
    // Slow tokens, so the page is seen mid-reply.
    app.sim.script({ match: { model: "sim-chat", lastUser: "garden" }, reply: { content: GARDEN_REPLY }, latency: { firstTokenMs: 150, tokensPerSecond: 30 } });
    const page = await newPage();
    await page.goto("/chat");
    await expect.poll(() => page.title()).toBe("Write to Rose · Rose");

    const box = page.getByLabel("Your message to Rose");
    await box.fill("I spent the afternoon in my garden.");
    await box.press("Enter");

    // Mid-reply: some of the words are on the page, not yet all of them.
    const streaming = page.locator('.from-rose[data-state="streaming"] .bubble-text');
    await expect.poll(async () => (await textOf(streaming)).length, { timeout: 10_000 }).toBeGreaterThan(0);
    const partial = await textOf(streaming);
    expect(GARDEN_REPLY.startsWith(partial) && partial.length < GARDEN_REPLY.length).toBe(true);

    const settled = page.locator('.from-rose[data-state="settled"] .bubble-text');
    await expect.poll(() => settled.allInnerTexts(), { timeout: 15_000 }).toEqual([GARDEN_REPLY]);
    await expect.poll(() => page.getByLabel("Your message to Rose").inputValue()).toBe("");

    await page.reload();
    const restored = page.locator(".bubble-text");
    await expect.poll(() => restored.allInnerTexts(), { timeout: 10_000 }).toEqual(["I spent the afternoon in my garden.", GARDEN_REPLY]);
    expect(await page.evaluate("localStorage.getItem('rose.session_id')")).toMatch(/^[0-9a-f-]{36}$/);

    await screenshot(page, "chat", 1280, 860);
    await screenshot(page, "chat", 360, 760);
    expect(problemsOf(page)).toEqual([]);
  });

  it("starts a new conversation on request", async () => {
    const page = await newPage();
    await page.goto("/chat");
    await page.getByLabel("Your message to Rose").fill("Just saying hello.");
    await page.getByRole("button", { name: "Send" }).click();
    await expect.poll(() => page.locator('.from-rose[data-state="settled"]').count(), { timeout: 15_000 }).toBe(1);
    const before = await page.evaluate("localStorage.getItem('rose.session_id')");

    await page.getByRole("button", { name: "New conversation" }).click();
    await expect.poll(() => page.getByText("Hello, I'm Rose.").count()).toBe(1);
    expect(await page.locator(".bubble").count()).toBe(0);
    expect(await page.evaluate("localStorage.getItem('rose.session_id')")).not.toBe(before);
  });
});

describe("what Rose remembers", () => {
  it("lists the person's memories, searches them, forgets one, then everything", async () => {
    const page = await newPage();
    await page.goto("/");
    // The page's own first requests issue this browser's identity: let them settle so the API calls below share it.
    await settledIdentity(page);
    // Seeded from inside the page's browser context, so the identity cookie is this person's.
    for (const memory of [
      { text: "Their sister Maya lives in Porto.", type: "person" },
      { text: "They love the smell of rain on warm stones.", type: "preference" },
      { text: "They are learning to play the cello.", type: "goal" },
    ]) {
      expect((await page.request.post("/api/v1/memories", { data: memory })).status()).toBe(201);
    }

    await page.getByRole("button", { name: /What Rose remembers|Memories/ }).click();
    const dialog = page.getByRole("dialog", { name: "What Rose remembers" });
    const items = dialog.locator(".memory-text");
    await expect.poll(() => items.count(), { timeout: 10_000 }).toBe(3);
    await screenshot(page, "memories", 1280, 860);
    await screenshot(page, "memories", 360, 760);
    await page.setViewportSize({ width: 1280, height: 860 });

    await dialog.getByLabel("Search what Rose remembers").fill("cello");
    await expect.poll(() => items.allInnerTexts(), { timeout: 10_000 }).toEqual(["They are learning to play the cello."]);
    await dialog.getByLabel("Search what Rose remembers").fill("");
    await expect.poll(() => items.count(), { timeout: 10_000 }).toBe(3);

    await dialog.getByRole("button", { name: "Forget: Their sister Maya lives in Porto." }).click();
    await expect.poll(() => items.count()).toBe(2);
    await expect.poll(async () => (await (await page.request.get("/api/v1/memories")).json()).total).toBe(2);

    await dialog.getByRole("button", { name: "Forget everything" }).click();
    await dialog.getByRole("button", { name: "Yes, forget everything" }).click();
    await expect.poll(() => dialog.getByText("Nothing yet").count()).toBe(1);
    expect((await (await page.request.get("/api/v1/memories")).json()).total).toBe(0);

    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByRole("dialog").count()).toBe(0);
    expect(problemsOf(page)).toEqual([]);
  });
});

describe("what Rose remembers: editing, undoing and history", () => {
  it("edits a memory's text and kind, puts back a forgotten one, and shows a fact's history and the people it mentions", async () => {
    const page = await newPage();
    await page.goto("/");
    // The page's own first requests issue this browser's identity: let them settle so the API calls below share it.
    await settledIdentity(page);
    const post = async (data: Record<string, unknown>) => {
      const res = await page.request.post("/api/v1/memories", { data });
      expect(res.status()).toBe(201);
      return (await res.json()).memories[0] as { id: string; text: string };
    };
    const york = await post({ text: "They live in York.", type: "fact", created_at: "2024-01-10T10:00:00Z" });
    await post({ text: "They moved to Leeds.", type: "fact", supersedes: york.id });
    await post({ text: "My sister Marguerite teaches piano.", type: "person" });
    const listed = async () =>
      ((await (await page.request.get("/api/v1/memories")).json()).memories as Array<{ text: string; type: string }>).map((m) => `${m.type}: ${m.text}`);

    await page.getByRole("button", { name: /What Rose remembers|Memories/ }).click();
    const dialog = page.getByRole("dialog", { name: "What Rose remembers" });
    const items = dialog.locator(".memory-text");
    await expect.poll(() => items.count(), { timeout: 10_000 }).toBe(3);
    await expect.poll(() => dialog.getByRole("list", { name: "Mentions" }).first().innerText()).toContain("Marguerite, sister");

    // History of the fact that changed: York until the move, Leeds now.
    const leeds = dialog.locator(".memory", { hasText: "They moved to Leeds." });
    await leeds.getByRole("button", { name: "History" }).click();
    const history = leeds.getByRole("list", { name: "History of this memory" });
    await expect.poll(() => history.innerText(), { timeout: 10_000 }).toMatch(/They live in York\.\s+until[\s\S]*They moved to Leeds\.\s+true now/);
    await screenshot(page, "memories-history", 1280, 860);
    await page.setViewportSize({ width: 1280, height: 860 });

    // Edit text and kind.
    await dialog.getByRole("button", { name: "Edit: My sister Marguerite teaches piano." }).click();
    const form = dialog.getByRole("form", { name: "Edit this memory" });
    await form.getByLabel("What Rose remembers").fill("My sister Marguerite teaches the cello.");
    await form.getByLabel("Kind").selectOption("fact");
    await form.getByRole("button", { name: "Save" }).click();
    await expect.poll(listed, { timeout: 10_000 }).toContain("fact: My sister Marguerite teaches the cello.");
    await expect.poll(() => items.allInnerTexts()).toContain("My sister Marguerite teaches the cello.");
    await expect
      .poll(() => page.evaluate<string>("document.activeElement?.getAttribute('aria-label') ?? ''"))
      .toBe("Edit: My sister Marguerite teaches the cello.");

    // Forget, then undo: forgotten on the server at once, back after Undo.
    await dialog.getByRole("button", { name: "Forget: My sister Marguerite teaches the cello." }).click();
    await expect.poll(listed, { timeout: 10_000 }).not.toContain("fact: My sister Marguerite teaches the cello.");
    await dialog.getByRole("group", { name: "Forgotten" }).getByRole("button", { name: "Undo" }).click();
    await expect.poll(listed, { timeout: 10_000 }).toContain("fact: My sister Marguerite teaches the cello.");
    await expect.poll(() => items.allInnerTexts()).toContain("My sister Marguerite teaches the cello.");
    expect(problemsOf(page)).toEqual([]);
  });
});

describe("the voice page", () => {
  it("hears the person through the microphone, shows the transcript and the streamed reply, and plays Rose's voice", async () => {
    app.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: HEARD } });
    app.sim.script({ match: { model: "sim-chat", lastUser: "long day" }, reply: { content: VOICE_REPLY } });
    const page = await newPage();
    await page.goto("/");
    await expect.poll(() => page.title()).toBe("Talk with Rose · Rose");
    await screenshot(page, "voice-idle", 360, 760);
    await page.setViewportSize({ width: 1280, height: 860 });

    await page.getByRole("button", { name: "Talk to Rose" }).click();
    await expect.poll(() => page.locator(".talk").getAttribute("data-status")).toBe("listening");

    // Rose notices the end of the sentence by herself (voice activity detection), sends it, and answers.
    await expect.poll(() => textOf(page.getByTestId("transcript")), { timeout: 20_000 }).toBe(HEARD);
    await expect.poll(() => textOf(page.getByTestId("reply")), { timeout: 20_000 }).toBe(VOICE_REPLY);
    await expect.poll(() => page.getByTestId("rose-voice").getAttribute("data-clips-played"), { timeout: 30_000 }).not.toBeNull();

    const upload = app.sim.requests({ endpoint: "transcription" })[0]!;
    expect(upload.body).toMatchObject({ file: { format: "webm" } });
    await screenshot(page, "voice", 1280, 860);
    await screenshot(page, "voice", 360, 760);
    await page.setViewportSize({ width: 1280, height: 860 });

    // Escape ends the conversation: the control goes quiet.
    await page.keyboard.press("Escape");
    await expect.poll(() => page.locator(".talk").getAttribute("data-status")).toBe("idle");

    // After a reload the page still shows the conversation: the last exchange, and all of it folded below.
    await page.reload();
    await expect.poll(() => textOf(page.getByTestId("transcript")), { timeout: 10_000 }).toBe(HEARD);
    expect(await textOf(page.getByTestId("reply"))).toBe(VOICE_REPLY);
    expect(await page.getByText("Your conversation so far (2 messages)").count()).toBe(1);
    expect(problemsOf(page)).toEqual([]);
  });

  it("stops Rose mid-reply when the person taps to talk over her (barge-in)", async () => {
    app.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: HEARD } });
    app.sim.script({ match: { model: "sim-chat", lastUser: "long day" }, reply: { content: VOICE_REPLY } });
    const page = await newPage();
    await page.goto("/");
    await page.getByRole("button", { name: "Talk to Rose" }).click();
    await expect.poll(() => page.locator(".talk").getAttribute("data-status"), { timeout: 30_000 }).toBe("speaking");

    await page.getByRole("button", { name: "Interrupt Rose and speak" }).click();
    await expect.poll(() => page.locator(".talk").getAttribute("data-status")).toBe("listening");
    // Her voice stopped at once: nothing is playing and what she had left to say was dropped.
    expect(await page.evaluate("document.querySelector('[data-testid=rose-voice]').paused")).toBe(true);
    expect(await page.getByTestId("rose-voice").getAttribute("src")).toBeNull();
    await page.keyboard.press("Escape");
  });

  it("records for as long as the control is held in push-to-talk mode", async () => {
    app.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "Holding the button feels calmer." } });
    app.sim.script({ match: { model: "sim-chat", lastUser: "calmer" }, reply: { content: "Then hold it as long as you need." } });
    const page = await newPage();
    await page.goto("/");
    await page.getByRole("radio", { name: "Hold to talk" }).check();

    const control = page.getByRole("button", { name: "Hold to talk to Rose" });
    await control.hover();
    await page.mouse.down();
    await expect.poll(() => page.locator(".talk").getAttribute("data-status")).toBe("listening");
    // Held until the microphone has recorded a while (a busy machine opens it well after the press).
    await expect.poll(() => page.locator(".talk").getAttribute("data-recording")).toBe("true");
    await page.waitForTimeout(1500);
    await page.mouse.up();

    await expect.poll(() => textOf(page.getByTestId("transcript")), { timeout: 20_000 }).toBe("Holding the button feels calmer.");
    await expect.poll(() => textOf(page.getByTestId("reply")), { timeout: 20_000 }).toBe("Then hold it as long as you need.");
    // Push-to-talk does not keep listening afterwards: once she has spoken, the control rests.
    await expect.poll(() => page.locator(".talk").getAttribute("data-status"), { timeout: 30_000 }).toBe("idle");
    expect(await page.getByTestId("rose-voice").getAttribute("data-clips-played")).toBe("1");
    expect(problemsOf(page)).toEqual([]);
  });
});
