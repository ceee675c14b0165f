import type { ConsoleMessage, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { useWebApp } from "./support/web-app-harness.js";

/**
 * Tap-to-talk's detection of the start and end of an utterance, in Chromium with the fake microphone
 * saying a sentence: Silero VAD v5 running in the page from Rose's own origin (the model, the worklet
 * and ONNX Runtime's WebAssembly under /vad/, nothing from elsewhere, nothing refused by the CSP), and
 * the loudness detector taking over when the model cannot be had.
 */

const SPOKEN = "Hello Rose, I had a long day at work today.";
const REPLY = "Long days deserve a quiet evening. What made it long?";

const app = useWebApp({ prefix: "rose-e2e-vad-", spoken: SPOKEN });

interface Watched {
  console: ConsoleMessage[];
  requests: string[];
  failures: string[];
}

/**
 * In the page from its first script: every CSP violation, and a count of the audio frames MicVAD's worklet
 * hands to the model (proof that Silero is listening). A string: the server's TypeScript has no DOM types.
 */
const WATCH_IN_PAGE = `
  window.__seen = { csp: [], vadFrames: 0 };
  document.addEventListener("securitypolicyviolation", (event) => window.__seen.csp.push(event.violatedDirective + " " + event.blockedURI));
  const Native = window.AudioWorkletNode;
  window.AudioWorkletNode = class extends Native {
    constructor(context, name, options) {
      super(context, name, options);
      if (name === "vad-helper-worklet") this.port.addEventListener("message", () => (window.__seen.vadFrames += 1));
    }
  };
`;

/** Collects what the page says and fetches, and watches it from within (WATCH_IN_PAGE). */
async function watchedPage(): Promise<{ page: Page; seen: Watched }> {
  const page = await app.newPage(1280, 860);
  const seen: Watched = { console: [], requests: [], failures: [] };
  page.on("console", (message) => seen.console.push(message));
  page.on("pageerror", (error) => seen.failures.push(error.message));
  // Chromium's own network log: Playwright's request events miss what an AudioWorklet module fetches.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  cdp.on("Network.requestWillBeSent", (event) => seen.requests.push(event.request.url));
  await page.addInitScript(WATCH_IN_PAGE);
  return { page, seen };
}

const textOf = async (page: Page, testId: string) => ((await page.getByTestId(testId).count()) > 0 ? page.getByTestId(testId).first().innerText() : "");
const detectionOf = (page: Page) => page.locator(".voice-page").getAttribute("data-voice-detection");
const inPage = (page: Page) => page.evaluate<{ csp: string[]; vadFrames: number }>("window.__seen");
const cspViolations = async (page: Page, seen: Watched) => [
  ...(await inPage(page)).csp,
  ...seen.console.filter((message) => /Content Security Policy/i.test(message.text())).map((message) => message.text()),
];
const said = (seen: Watched, type: string) =>
  seen.console.filter((message) => message.type() === type && message.text().startsWith("[rose]")).map((m) => m.text());

async function aTurnCompletes(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Talk to Rose" }).click();
  await expect.poll(() => page.locator(".talk").getAttribute("data-status")).toBe("listening");
  // Nobody taps again: the end of the sentence is noticed, the utterance sent, and Rose answers.
  await expect.poll(() => textOf(page, "transcript"), { timeout: 20_000 }).toBe(SPOKEN);
  await expect.poll(() => textOf(page, "reply"), { timeout: 20_000 }).toBe(REPLY);
  await page.keyboard.press("Escape");
}

describe("tap-to-talk's voice detection", () => {
  it("hears the sentence with Silero VAD v5, everything loaded from Rose's origin without a CSP violation", async () => {
    app.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: SPOKEN } });
    app.sim.script({ match: { model: "sim-chat", lastUser: "long day" }, reply: { content: REPLY } });
    const { page, seen } = await watchedPage();
    await page.goto("/");
    await expect.poll(() => detectionOf(page), { timeout: 20_000 }).toBe("silero");
    await aTurnCompletes(page);

    expect(await detectionOf(page)).toBe("silero"); // it did not fall back during the turn
    // 32 ms frames: the model heard at least the sentence and the second of quiet after it.
    expect((await inPage(page)).vadFrames).toBeGreaterThan(60);
    expect(said(seen, "info")).toEqual(["[rose] voice detection: Silero VAD v5"]);
    expect(said(seen, "warning")).toEqual([]);
    const origin = new URL(app.rose.url).origin;
    // (A page mounted again, as when its identity settles, asks for the model again: the HTTP cache answers.)
    const vadFiles = [...new Set(seen.requests.filter((url) => url.includes("/vad/")).map((url) => new URL(url).pathname))];
    expect(vadFiles.sort()).toEqual(["/vad/ort-wasm-simd-threaded.mjs", "/vad/ort-wasm-simd-threaded.wasm", "/vad/silero_vad_v5.onnx"]);
    // The worklet's own fetch is in neither log (it runs in the audio thread); the frames it sent above are
    // its proof of life, and it is there for the asking, as JavaScript, from Rose.
    const worklet = await page.request.get("/vad/vad.worklet.bundle.min.js");
    expect(worklet.status()).toBe(200);
    expect(worklet.headers()["content-type"]).toMatch(/javascript/);
    expect(seen.requests.filter((url) => !url.startsWith(origin) && !url.startsWith("blob:") && !url.startsWith("data:"))).toEqual([]);
    expect(await cspViolations(page, seen)).toEqual([]);
    expect(seen.failures).toEqual([]);
    // (A first visit's 401 before it is given an identity is the browser's "Failed to load resource", as elsewhere.)
    const errors = seen.console.filter((message) => message.type() === "error" && !/Failed to load resource/.test(message.text()));
    expect(errors.map((message) => message.text())).toEqual([]);
  });

  it("is not loaded by the chat page: neither ONNX Runtime's chunk nor the model", async () => {
    const { page, seen } = await watchedPage();
    await page.goto("/chat");
    await page.getByRole("textbox").first().waitFor();
    await page.waitForTimeout(1500); // time for anything lazy to be asked for
    expect(seen.requests.filter((url) => /\/vad\/|silero-detector/.test(url))).toEqual([]);
  });

  it("falls back to loudness when the model cannot be fetched, and a turn still completes", async () => {
    app.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: SPOKEN } });
    app.sim.script({ match: { model: "sim-chat", lastUser: "long day" }, reply: { content: REPLY } });
    const { page, seen } = await watchedPage();
    await page.route("**/vad/silero_vad_v5.onnx", (route) => route.fulfill({ status: 404, body: "" }));
    await page.goto("/");
    await expect.poll(() => detectionOf(page), { timeout: 20_000 }).toBe("loudness");
    await aTurnCompletes(page);

    expect(said(seen, "info")).toEqual([]);
    expect(said(seen, "warning")).toHaveLength(1);
    expect(said(seen, "warning")[0]).toMatch(/^\[rose\] voice detection: loudness \(Silero VAD could not load: .+\)$/);
    expect(await cspViolations(page, seen)).toEqual([]);
    expect(seen.failures).toEqual([]);
    expect((await inPage(page)).vadFrames).toBe(0);
  });
});
