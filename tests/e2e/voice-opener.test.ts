import { describe, expect, it } from "vitest";
import { axeViolations } from "./support/axe.js";
import { useWebApp } from "./support/web-app-harness.js";

/**
 * Rose opening a conversation aloud on the voice page, in Chromium against the real server and the
 * simulator: a person who told her about an interview comes back (the opener delay is zero here), the
 * page asks for an opener as it opens, shows it as her words, fetches her voice saying it and plays it;
 * her presence around the talk button speaks while it plays (swelling with it; the meter itself has unit tests)
 * and rests when it ends. A first visit, with nothing to open with, leaves no empty conversation behind;
 * a reload keeps the opener (the conversation's first message) and does not open again.
 */
const app = useWebApp({
  prefix: "rose-e2e-opener-",
  // espeak-ng: a real voice with real loudness for the meter (the simulator's MP3 speech is silent).
  env: { OPENER_AFTER_MINUTES: "0", PROVIDER_RETRIES: "0", TTS_PROVIDER: "espeak" },
});

const OPENER = "Welcome back. How did the interview go?";

/** What the presence showed, recorded in the page from its first paint: every state, and its fullest swell while she spoke. */
const RECORD_PRESENCE = `
  window.__presence = { states: [], speakingMax: 0 };
  new MutationObserver(() => {
    const talk = document.querySelector(".talk");
    const form = document.querySelector(".presence-form");
    if (!talk || !form) return;
    const seen = window.__presence;
    const state = talk.getAttribute("data-state");
    if (seen.states.at(-1) !== state) seen.states.push(state);
    if (form.getAttribute("data-source") !== "none") seen.speakingMax = Math.max(seen.speakingMax, Number(form.getAttribute("data-level")));
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state", "data-level", "data-source"] });
`;

describe("the voice page when Rose has something to open with", () => {
  it("says her opener aloud on opening, with her presence speaking as it plays, and only then", async () => {
    const page = await app.newPage(390, 844, { bypassCSP: true });
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    const audioFetched: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/api/v1/voice/audio/")) audioFetched.push(new URL(request.url()).pathname);
    });

    // A first visit: nothing to open with, and nothing created by asking.
    await page.goto("/");
    await expect.poll(() => page.locator(".talk").getAttribute("data-state")).toBe("idle");
    await expect.poll(() => page.getByText("Hello, I'm Rose").count()).toBe(1);
    expect(((await (await page.request.get("/api/v1/sessions")).json()) as { sessions: unknown[] }).sessions).toEqual([]);

    // They tell her about the interview (written, to keep the test on the opener), and she remembers it.
    const told = await page.request.post("/api/v1/memories", { data: { text: "The user has a job interview on Friday.", type: "event", importance: 0.8 } });
    expect(told.status()).toBe(201);
    expect((await page.request.post("/api/v1/chat", { data: { message: "Wish me luck for Friday." } })).status()).toBe(200);
    app.sim.script({ match: { system: "greeting someone who has come back" }, reply: { content: "How did the interview go?" } });

    // Coming back to the voice page.
    await page.addInitScript(RECORD_PRESENCE);
    await page.reload();
    await expect.poll(() => page.getByTestId("reply").textContent(), { timeout: 15_000 }).toBe(OPENER);
    expect(await page.getByTestId("transcript").count()).toBe(0);

    // Her voice plays by itself where the browser allows it; where it does not, a tap on "Hear what Rose said" does.
    const heard = () => page.evaluate<string[]>("window.__presence.states");
    await expect
      .poll(
        async () =>
          (await heard()).includes("speaking")
            ? "speaking"
            : (await page.getByRole("button", { name: "Hear what Rose said" }).count()) > 0
              ? "offered"
              : "waiting",
        {
          timeout: 15_000,
        },
      )
      .not.toBe("waiting");
    if (!(await heard()).includes("speaking")) await page.getByRole("button", { name: "Hear what Rose said" }).click();
    await expect.poll(heard, { timeout: 15_000 }).toContain("speaking");
    expect(audioFetched.length).toBeGreaterThan(0);
    expect(new Set(audioFetched).size).toBe(1);

    // The clip (espeak-ng, ~2 s) ends and she rests: the presence went idle → speaking → idle.
    await expect.poll(async () => (await heard()).at(-1), { timeout: 20_000 }).toBe("idle");
    expect(await heard()).toEqual(["idle", "speaking", "idle"]);
    // The form swelled while she spoke: with her voice's loudness, or the stand-in swell until the page could
    // measure it (on a busy machine the meter can connect only near the end of a 2 s clip).
    expect(await page.evaluate<number>("window.__presence.speakingMax")).toBeGreaterThan(0);
    expect(await page.getByRole("button", { name: "Talk to Rose" }).count()).toBe(1);
    expect(await page.getByRole("button", { name: "Hear it again" }).count()).toBe(1);

    // One new conversation, which the opener began; the page now talks in it.
    const sessions = ((await (await page.request.get("/api/v1/sessions")).json()) as { sessions: Array<{ id: string }> }).sessions;
    expect(sessions).toHaveLength(2);
    expect(await page.evaluate<string | null>("localStorage.getItem('rose.session_id')")).toBe(sessions[0]!.id);

    expect(await axeViolations(page)).toEqual([]);

    // A reload before answering keeps her opener (it is the conversation's first message), and she does not open again.
    const fetchedBefore = audioFetched.length;
    await page.reload();
    await expect.poll(() => page.getByTestId("reply").textContent(), { timeout: 10_000 }).toBe(OPENER);
    await expect.poll(() => page.getByText("Your conversation so far (1 message)").count()).toBe(1);
    expect(((await (await page.request.get("/api/v1/sessions")).json()) as { sessions: unknown[] }).sessions).toHaveLength(2);
    expect(await page.evaluate<string[]>("window.__presence.states")).toEqual(["idle"]);
    expect(audioFetched.length).toBe(fetchedBefore);
    expect(problems).toEqual([]);
  });
});
