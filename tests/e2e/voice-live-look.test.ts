import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { axeViolations } from "./support/axe.js";
import { liveCallListened, recordLiveCallStatuses } from "./support/live-call-status.js";
import { useWebApp } from "./support/web-app-harness.js";

/**
 * The live call panel as people meet it, at a phone and a desktop size, with a real call running over the
 * socket (the fake microphone, Deepgram's live protocol from the simulator for partial transcripts, espeak
 * for Rose's voice, a reply long enough to be spoken over): axe finds nothing of moderate or higher impact;
 * the live regions stay quiet about words still changing and say the settled ones; focus goes to the call's
 * way out and back; screenshots of each moment go to test-output/screenshots.
 */

const SCREENSHOTS = fileURLToPath(new URL("../../test-output/screenshots", import.meta.url));
const SPOKEN = "Hello Rose, I had a long day at work today.";
// Long (about half a minute of espeak-ng speech), so the microphone's next loop lands inside it.
const REPLY =
  "I'm so sorry the day was that long. It sounds like it asked a lot of you, and you carried it all the way into the evening. " +
  "When you feel ready, I would like to hear what weighed on you most, whether it was the work itself or the people around it. " +
  "There is no rush at all. We can take it slowly, one piece at a time, and I will be right here listening to you.";

const app = useWebApp({
  prefix: "rose-e2e-live-look-",
  spoken: SPOKEN,
  pauseMs: 6000,
  env: (sim) => ({ TTS_PROVIDER: "espeak", DEEPGRAM_API_KEY: "sim-key", DEEPGRAM_BASE_URL: sim.deepgramBaseUrl }),
});

/** What the live call panel's live regions hold (what a screen reader announces as it changes), one entry per line of them. */
const ANNOUNCED = `[...document.querySelectorAll('.live-call-panel [aria-live], .live-call-panel [role="status"], .live-call-panel [role="alert"], .live-call-panel [role="log"]')]
  .filter((region) => region.getAttribute('aria-live') !== 'off')
  .flatMap((region) => (region.children.length ? [...region.children] : [region]).map((part) => part.textContent))`;

async function screenshot(page: Page, name: string, width: number): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `live-call-${name}-${width}.png`), fullPage: true });
}

describe("the live call panel's look and accessibility", () => {
  for (const [name, width, height, colorScheme] of [
    ["phone", 390, 844, "light"],
    ["desktop", 1280, 860, "light"],
    // The dark scheme has its own palette: its contrast is checked too.
    ["phone, dark", 390, 844, "dark"],
  ] as const) {
    it(`is calm, quiet for assistive technology until words settle, and passes axe with a call running (${name})`, async () => {
      app.sim.script({ match: { endpoint: "listen" }, reply: { transcript: SPOKEN } });
      app.sim.script({ match: { model: "sim-chat" }, reply: { content: REPLY } });
      const page = await app.newPage(width, height, { bypassCSP: true, reducedMotion: "reduce", colorScheme });
      const shot = (moment: string) => screenshot(page, `${moment}${colorScheme === "dark" ? "-dark" : ""}`, width);
      await recordLiveCallStatuses(page);
      await page.goto("/");
      // The first moment a partial transcript shows, caught by the page itself as the DOM changes: a partial
      // lasts only until the final words arrive, which a poll from here can miss on a busy machine.
      // Likewise every line the live regions ever held: each stays only until the next settles.
      await page.evaluate(`(() => {
        window.atPartial = null;
        window.everAnnounced = [];
        new MutationObserver(() => {
          const partial = window.atPartial ? null : document.querySelector('.live-line.you.partial .live-line-text');
          if (partial) window.atPartial = { partial: partial.textContent, announced: ${ANNOUNCED} };
          for (const line of ${ANNOUNCED}) if (!window.everAnnounced.includes(line)) window.everAnnounced.push(line);
        }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      })()`);
      const everAnnounced = () => page.evaluate<string[]>("window.everAnnounced");
      const start = page.getByRole("button", { name: "Start a live call" });
      await shot("before");
      await start.click();
      await liveCallListened(page);
      // The call's way out has the focus once it opens.
      await expect.poll(() => page.evaluate("document.activeElement?.textContent")).toBe("End call");
      await shot("listening");

      // A partial transcript shows, tentative, while nothing announced is partial: every "You said" is the whole sentence.
      let atPartial: { partial: string | null; announced: string[] } | null = null;
      await expect
        .poll(
          async () => {
            atPartial = await page.evaluate<{ partial: string | null; announced: string[] } | null>("window.atPartial");
            return atPartial !== null;
          },
          { timeout: 60_000 },
        )
        .toBe(true);
      expect(SPOKEN.startsWith(atPartial!.partial!)).toBe(true);
      expect(atPartial!.announced.filter((line) => line.startsWith("You said")).every((line) => line === `You said: ${SPOKEN}`)).toBe(true);
      await shot("hearing");

      // The final transcript is announced politely; Rose speaks; the person's next words cut her off, marked.
      await expect.poll(everAnnounced, { timeout: 30_000 }).toContain(`You said: ${SPOKEN}`);
      await expect.poll(() => page.locator(".live-call").getAttribute("data-status"), { timeout: 30_000 }).toBe("speaking");
      await shot("speaking");
      // Polled as the panel's text, so a call that went wrong (an error, an ended call) shows what it said.
      await expect
        .poll(async () => ((await page.locator(".live-line.rose.interrupted").count()) > 0 ? "interrupted" : page.locator(".live-call").innerText()), {
          timeout: 60_000,
        })
        .toBe("interrupted");
      await expect
        .poll(async () => (await everAnnounced()).some((line) => line.startsWith("Rose, interrupted: ")), {
          timeout: 60_000,
        })
        .toBe(true);
      await shot("interrupted");

      // Nothing the live regions hold is a partial or a reply being written.
      const liveLines = await page.evaluate<number>(
        `[...document.querySelectorAll('.live-call-panel [aria-live]')].filter((r) => r.getAttribute('aria-live') !== 'off').reduce((n, r) => n + r.querySelectorAll('.live-line').length, 0)`,
      );
      expect(liveLines).toBe(0);
      expect(await axeViolations(page)).toEqual([]);

      // Ending the call puts the focus back where it started.
      await page.getByRole("button", { name: "End call" }).click();
      await expect.poll(() => start.count()).toBe(1);
      await expect.poll(() => page.evaluate("document.activeElement?.textContent")).toBe("Start a live call");
      expect(await axeViolations(page)).toEqual([]);
    });
  }
});
