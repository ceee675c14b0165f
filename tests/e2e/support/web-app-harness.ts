import { join } from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, vi } from "vitest";
import { type RunningRose, startRose, tempDataDir } from "../../helpers/rose-server.js";
import { type Simulator, startSimulator } from "../../simulator/server.js";
import { launchChromium } from "./chromium.js";
import { ensureFrontendBuilt } from "./frontend-build.js";
import { spokenWav } from "./speech-wav.js";

/**
 * A browser test drives a real server, a real Chromium and often the simulator's scripted latency. On a
 * quiet machine each finishes in seconds; on CI, with two such suites side by side on two cores, the same
 * steps run several times slower (a password-change test once took over 30 s). The limits below only
 * catch a test that hangs: no timing is asserted by them. A step (click, navigation, wait) gives up well
 * before the test does, so a hang names the step that hung.
 */
const BROWSER_TEST_TIMEOUT_MS = 120_000;
const BROWSER_STEP_TIMEOUT_MS = 30_000;

/** Applies the browser limits to the calling test file (for suites that set up Chromium themselves). */
export function useBrowserTestTimeouts(): void {
  vi.setConfig({ testTimeout: BROWSER_TEST_TIMEOUT_MS });
}

export interface WebAppHarness {
  /** The provider simulator Rose's model (and recogniser) points at; reset after every test. */
  readonly sim: Simulator;
  readonly rose: RunningRose;
  /** A fresh browser context (its own cookies: a new person) on Rose, closed after the test. */
  newPage(width: number, height: number, options?: BrowserContextOptions): Promise<Page>;
}

export interface WebAppOptions {
  /** Prefix of the suite's temporary data folder. */
  prefix: string;
  /** What the fake microphone says (espeak-ng), looped. */
  spoken?: string;
  /** The microphone's silence after the words, before the loop says them again (ms). */
  pauseMs?: number;
  /** Rose's environment on top of the simulator's models (no voice, no rate limit); a function when it needs the simulator's address. */
  env?: Record<string, string> | ((sim: Simulator) => Record<string, string>);
}

/**
 * The web app's end-to-end setup, registered as the suite's hooks: the built front end, the provider
 * simulator, Debian's Chromium with a fake microphone, and the real Rose serving both. Each test gets
 * fresh browser contexts; everything is closed and removed after the suite.
 */
export function useWebApp({ prefix, spoken = "Hello Rose.", pauseMs, env = {} }: WebAppOptions): WebAppHarness {
  useBrowserTestTimeouts();
  let sim: Simulator | undefined;
  let rose: RunningRose | undefined;
  let browser: Browser | undefined;
  const dataDir = tempDataDir(prefix);
  const contexts: BrowserContext[] = [];
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started: use it inside a test or hook`);
    return value;
  };

  beforeAll(async () => {
    ensureFrontendBuilt();
    const microphone = spokenWav(spoken, join(dataDir.path, "spoken.wav"), pauseMs === undefined ? {} : { trailMs: pauseMs });
    [sim, browser] = await Promise.all([startSimulator(), launchChromium(microphone)]);
    rose = await startRose(
      {
        OPENAI_BASE_URL: sim.openaiBaseUrl,
        OPENAI_API_KEY: "sim-key",
        CHAT_MODEL: "sim-chat",
        SMALL_MODEL: "sim-small",
        TTS_PROVIDER: "none",
        RATE_LIMIT_PER_MINUTE: "0",
        ...(typeof env === "function" ? env(sim) : env),
      },
      join(dataDir.path, "rose"),
    );
  });

  afterEach(async () => {
    while (contexts.length) await contexts.pop()!.close();
    sim?.reset();
  });

  afterAll(async () => {
    await browser?.close();
    await rose?.stop();
    await sim?.close();
    dataDir.remove();
  });

  return {
    get sim() {
      return started(sim, "the simulator");
    },
    get rose() {
      return started(rose, "Rose");
    },
    async newPage(width, height, options = {}) {
      const context = await started(browser, "Chromium").newContext({ baseURL: started(rose, "Rose").url, viewport: { width, height }, ...options });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(BROWSER_STEP_TIMEOUT_MS);
      return page;
    },
  };
}
