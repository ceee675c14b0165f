import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { liveCallListened, recordLiveCallStatuses } from "./support/live-call-status.js";
import { useWebApp } from "./support/web-app-harness.js";

/**
 * Barge-in by speaking, in Chromium over the real live socket. The fake microphone says a sentence, then
 * is quiet for a few seconds, then says it again (Chromium loops the file): the pause is far longer than
 * the server's end-of-turn silence, so Rose answers, but far shorter than her long reply's speech, so the
 * next loop of the sentence comes while she is still talking. The server hears that speech start, stops
 * her, and says `interrupted` with what had been heard; the page silences her at once; the thread keeps
 * only the heard part, marked interrupted.
 *
 * Chromium's fake capture device reads the file and nothing else: Rose's voice coming out of the page
 * never reaches the "microphone", so every interruption here comes from the recording, not an echo.
 *
 * Nothing is timed: the test watches the socket's events and the page's state, with generous polls.
 */

const SPOKEN = "Hello Rose, I had a long day at work today.";
// Long on purpose (about half a minute of espeak-ng speech), so the person's next words land inside it.
const REPLY =
  "I'm so sorry the day was that long. It sounds like it asked a lot of you, and you carried it all the way into the evening. " +
  "When you feel ready, I would like to hear what weighed on you most, whether it was the work itself or the people around it. " +
  "There is no rush at all. We can take it slowly, one piece at a time, and I will be right here listening to you.";

const app = useWebApp({ prefix: "rose-e2e-barge-in-", spoken: SPOKEN, pauseMs: 6000, env: { TTS_PROVIDER: "espeak" } });

interface SeenEvent {
  type: string;
  heard?: string;
  final?: boolean;
  session_id?: string;
  /** For `interrupted`: whether one of the page's audio elements was playing when it arrived. */
  playingBefore?: boolean;
  /** For `interrupted`: whether every audio element was paused right after the page handled it. */
  silencedAfter?: boolean;
}

/**
 * Watches, without changing, what the page's live call receives and plays: every server event on its
 * socket, and every media element it starts. The call's own code runs untouched. (Plain JavaScript, run
 * in the page before its own scripts; the tests' TypeScript has no DOM types.)
 */
const WATCH_THE_CALL = `
  const seen = { events: [], media: new Set() };
  window.__call = seen;
  const playing = () => [...seen.media].some((media) => !media.paused && media.currentTime > 0);
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      // Added before the page's own onmessage, so it sees the state just before the page reacts.
      this.addEventListener("message", (message) => {
        if (typeof message.data !== "string") return;
        const event = JSON.parse(message.data);
        const entry = { type: String(event.type) };
        if (typeof event.heard === "string") entry.heard = event.heard;
        if (typeof event.final === "boolean") entry.final = event.final;
        if (typeof event.session_id === "string") entry.session_id = event.session_id;
        if (event.type === "interrupted") {
          entry.playingBefore = playing();
          setTimeout(() => (entry.silencedAfter = [...seen.media].every((media) => media.paused)));
        }
        seen.events.push(entry);
      });
    }
  };
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    seen.media.add(this);
    return play.call(this);
  };
`;

const seenEvents = (page: Page): Promise<SeenEvent[]> => page.evaluate("window.__call.events");

describe("the voice page's live call, interrupted by speaking", () => {
  it("stops Rose when the person speaks over her, and the thread keeps only what was heard", async () => {
    app.sim.script({ match: { endpoint: "transcription" }, reply: { transcript: SPOKEN } });
    app.sim.script({ match: { model: "sim-chat" }, reply: { content: REPLY } });
    const page = await app.newPage(1280, 860);
    await page.addInitScript(WATCH_THE_CALL);
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => {
      // An anonymous visitor's GET /api/v1/me is a 401 by contract (it says whether accounts are required); anything else is a problem.
      const anonymousAccountCheck = message.text().includes("status of 401") && message.location().url.endsWith("/api/v1/me");
      if (message.type() === "error" && !anonymousAccountCheck) problems.push(message.text());
    });
    await recordLiveCallStatuses(page);
    await page.goto("/");
    await page.getByRole("button", { name: "Start a live call" }).click();
    await liveCallListened(page, problems);

    // The person spoke over Rose while her voice was playing and after some of it had been heard (a loaded
    // machine may put the first interruption before her first clip: the microphone's loop brings more).
    const overHerVoice = (events: SeenEvent[]) => events.find((e) => e.type === "interrupted" && e.playingBefore && e.heard);
    // Polled as the call's events so far, so a call that went wrong shows what the server said.
    await expect
      .poll(
        async () => {
          const events = await seenEvents(page);
          return overHerVoice(events) ? "interrupted over her voice" : JSON.stringify(events.filter((e) => e.type !== "token" && e.type !== "audio"));
        },
        { timeout: 90_000 },
      )
      .toBe("interrupted over her voice");
    await expect.poll(async () => overHerVoice(await seenEvents(page))!.silencedAfter, { timeout: 5_000 }).toBe(true);
    const events = await seenEvents(page);
    const interruption = overHerVoice(events)!;
    const heard = interruption.heard!;
    // What was heard is the start of her reply, cut short: not nothing, not all of it.
    expect(REPLY.startsWith(heard)).toBe(true);
    expect(heard.length).toBeLessThan(REPLY.length);

    // The server's side of it: the interruption followed the person starting to speak while Rose's audio
    // was going out, and no more of that reply's audio came after it (the next audio is a new turn's).
    const at = events.indexOf(interruption);
    expect(events.slice(0, at).findLast((e) => e.type !== "token" && e.type !== "audio")?.type).toBe("speech_started");
    expect(events.slice(0, at).some((e) => e.type === "audio")).toBe(true);
    const nextAudio = events.findIndex((e, i) => i > at && e.type === "audio");
    if (nextAudio !== -1) expect(events.slice(at, nextAudio).some((e) => e.type === "transcript" && e.final)).toBe(true);

    // The page's transcript shows her reply as far as it was heard, marked interrupted.
    const interruptedLines = page.locator(".live-line.rose.interrupted");
    await expect.poll(() => interruptedLines.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    expect(await interruptedLines.allInnerTexts()).toContainEqual(expect.stringContaining(heard));

    // The thread keeps only what was heard, marked interrupted, so Rose's next turn knows she was cut off.
    const sessionId = events.find((e) => e.type === "ready")!.session_id!;
    const history = async () => {
      const response = await page.request.get(`/api/v1/sessions/${sessionId}/messages`);
      expect(response.status()).toBe(200);
      return ((await response.json()) as { messages: Array<{ role: string; content: string; interrupted?: true; stopped?: true }> }).messages;
    };
    await expect
      .poll(async () => (await history()).find((m) => m.role === "assistant" && m.interrupted && m.content === `${heard} —`), { timeout: 20_000 })
      .toMatchObject({ stopped: true });

    await page.getByRole("button", { name: "End call" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Start a live call" }).count()).toBe(1);
    expect(problems).toEqual([]);
  });
});
