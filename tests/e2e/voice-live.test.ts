import { describe, expect, it } from "vitest";
import { liveCallListened, recordLiveCallStatuses } from "./support/live-call-status.js";
import { useWebApp } from "./support/web-app-harness.js";

/**
 * The voice page's live call in Chromium over the real socket: the fake microphone (espeak-ng, looped
 * with a pause after the words) is captured by the page's AudioWorklet, resampled to 16 kHz PCM and
 * streamed; Rose's server hears each utterance end by itself (Silero VAD), recognises it (the simulator
 * standing in for Whisper) and answers; the next loop of the microphone is the next turn, without a tap.
 */

const SPOKEN = "Hello Rose, I had a long day at work today.";
const REPLY = "I'm sorry the day was long. What weighed on you most?";

const app = useWebApp({ prefix: "rose-e2e-live-", spoken: SPOKEN, env: { TTS_PROVIDER: "espeak" } });

describe("the voice page's live call", () => {
  it("flows turn after turn over the socket without tapping, showing a running transcript", async () => {
    app.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: SPOKEN } });
    app.sim.script({ match: { model: "sim-chat" }, reply: { content: REPLY } });
    const page = await app.newPage(1280, 860);
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      // An anonymous visitor's GET /api/v1/me is a 401 by contract (it says whether accounts are required); anything else is a problem.
      const anonymousAccountCheck = message.text().includes("status of 401") && message.location().url.endsWith("/api/v1/me");
      if (message.type() === "error" && !anonymousAccountCheck) problems.push(message.text());
    });
    // What Rose's presence showed during the call: every state, and her voice's loudest measured level.
    await page.addInitScript(`
      window.__presence = { states: [], measuredMax: 0 };
      new MutationObserver(() => {
        const talk = document.querySelector(".talk");
        const form = document.querySelector(".presence-form");
        if (!talk || !form) return;
        const seen = window.__presence;
        const state = talk.getAttribute("data-state");
        if (seen.states.at(-1) !== state) seen.states.push(state);
        if (form.getAttribute("data-source") === "voice") seen.measuredMax = Math.max(seen.measuredMax, Number(form.getAttribute("data-level")));
      }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state", "data-level", "data-source"] });
    `);
    await recordLiveCallStatuses(page);
    await page.goto("/");
    await page.getByRole("button", { name: "Start a live call" }).click();
    await liveCallListened(page, problems);
    // The call holds the microphone: the tap-to-talk circle waits, and its turn's words and settings step aside.
    expect(await page.getByRole("button", { name: /a live call is on/ }).isDisabled()).toBe(true);
    expect(await page.locator(".exchange, .voice-settings").count()).toBe(0);

    // Two of the person's turns recognised and answered: the second came by itself, from the microphone's next loop.
    const yourLines = page.locator(".live-line.you:not(.partial)");
    const roseLines = page.locator(".live-line.rose:not(.partial)");
    await expect.poll(() => yourLines.count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => roseLines.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    expect(await yourLines.first().innerText()).toContain(SPOKEN);
    expect(await roseLines.first().innerText()).toMatch(/^Rose\b/i); // the label is drawn in capitals

    // The server cut the utterances itself and sent each as a WAV; the page sent no upload of its own.
    const uploads = app.sim.requests({ endpoint: "transcription" });
    expect(uploads.length).toBeGreaterThanOrEqual(2);
    expect(uploads.every((u) => (u.body as { file: { format: string } }).file.format === "wav")).toBe(true);

    // The presence followed the call: listening to the person, then speaking with her voice's own loudness.
    await expect.poll(() => page.evaluate<string[]>("window.__presence.states"), { timeout: 20_000 }).toContain("speaking");
    const states = await page.evaluate<string[]>("window.__presence.states");
    expect(states.indexOf("listening")).toBeGreaterThan(0);
    expect(states.indexOf("speaking")).toBeGreaterThan(states.indexOf("listening"));
    await expect.poll(() => page.evaluate<number>("window.__presence.measuredMax"), { timeout: 20_000 }).toBeGreaterThan(0.3);

    await page.getByRole("button", { name: "End call" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Start a live call" }).count()).toBe(1);
    await expect.poll(() => page.locator(".talk").getAttribute("data-state")).toBe("idle");
    expect(await page.getByRole("button", { name: /a live call is on/ }).count()).toBe(0);
    expect(await page.locator(".voice-settings").count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it("goes on when the page's main thread stalls for seconds mid-call: the held microphone frames are heard, not refused", async () => {
    app.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: SPOKEN } });
    app.sim.script({ match: { model: "sim-chat" }, reply: { content: REPLY } });
    const page = await app.newPage(390, 844);
    const errors: string[] = [];
    page.on("websocket", (socket) =>
      socket.on("framereceived", ({ payload }) => {
        if (typeof payload === "string" && payload.includes('"type":"error"')) errors.push(payload);
      }),
    );
    await recordLiveCallStatuses(page);
    await page.goto("/");
    // Started as soon as the page shows the button, as a person would, while the page may still be loading its own detector.
    await page.getByRole("button", { name: "Start a live call" }).click();
    await liveCallListened(page);
    // The page is busy for 4 s (a slow phone, a heavy script): the microphone's worklet keeps recording and
    // its frames wait, then go to the server all at once (200 frames of 20 ms).
    await page.evaluate("(() => { const until = performance.now() + 4000; while (performance.now() < until); })()");
    const yourLines = page.locator(".live-line.you:not(.partial)");
    await expect
      .poll(async () => (errors.length ? `error: ${errors.join("; ")}` : yourLines.count()), { timeout: 60_000 })
      .toSatisfy((seen) => typeof seen === "number" && seen >= 2);
    expect(await yourLines.first().innerText()).toContain(SPOKEN);
    expect(await page.locator(".live-call").getAttribute("data-status")).not.toBe("ended");
    expect(errors).toEqual([]);
  });
});
