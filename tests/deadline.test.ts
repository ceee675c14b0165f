import { getEventListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it, vi } from "vitest";
import { DeadlineExceededError, startDeadline, withDeadline } from "../src/core/resilience/deadline.js";
import { ProviderGuard } from "../src/core/resilience/provider-guard.js";
import { APOLOGY_REPLY } from "../src/modules/character/prompts.js";
import { spokenWav, voiceForm } from "./helpers/audio.js";
import type { RunningRose } from "./helpers/rose-server.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";

/**
 * Timeouts must fire even when the garbage collector runs while the call hangs: a timeout signal that
 * nothing holds strongly (AbortSignal.any over AbortSignal.timeout) is collected and never fires.
 * vitest.config.ts starts the workers with --expose-gc.
 */
const gc = (globalThis as { gc?: () => void }).gc;

type Outcome<T> = { value: T } | { error: unknown };

/** Waits for the promise while forcing full collections; undefined if it had not settled after `rounds` of them. */
async function settledUnderGc<T>(promise: Promise<T>, rounds = 150): Promise<Outcome<T> | undefined> {
  let outcome: Outcome<T> | undefined;
  promise.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  for (let i = 0; i < rounds && !outcome; i++) {
    gc!();
    await sleep(10);
  }
  return outcome;
}

/** An operation that never answers, and gives up only when its signal aborts. */
const hang = (signal: AbortSignal) =>
  new Promise<never>((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error), { once: true }));

const policy = {
  timeoutMs: 100,
  retries: 0,
  baseDelayMs: 1,
  maxDelayMs: 2,
  errorThresholdPercentage: 50,
  volumeThreshold: 100,
  rollingWindowMs: 10_000,
  resetTimeoutMs: 1_000,
};

it("runs with the garbage collector exposed", () => {
  expect(typeof gc).toBe("function");
});

describe("a hung provider call under garbage collection", () => {
  it("is cut off by its timeout when the caller passes a signal of its own", async () => {
    const guard = new ProviderGuard("test", policy);
    const caller = new AbortController(); // e.g. the turn's signal: it never aborts here
    const outcome = await settledUnderGc(guard.run(hang, { signal: caller.signal }));
    expect(outcome).toBeDefined();
    expect(outcome).toMatchObject({ error: expect.objectContaining({ message: expect.stringMatching(/within 100 ms/) }) });
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0); // nothing left attached to the caller's signal
    guard.shutdown();
  });

  it("is cut off by its timeout without a caller signal, too", async () => {
    const guard = new ProviderGuard("test", policy);
    const outcome = await settledUnderGc(guard.run(hang));
    expect(outcome).toMatchObject({ error: expect.objectContaining({ message: expect.stringMatching(/within 100 ms/) }) });
    guard.shutdown();
  });

  it("still follows the caller's signal, which stops the call at once and is not retried", async () => {
    const guard = new ProviderGuard("test", { ...policy, timeoutMs: 60_000, retries: 2 });
    const caller = new AbortController();
    let calls = 0;
    const running = guard.run(
      (signal) => {
        calls++;
        return hang(signal);
      },
      { signal: caller.signal },
    );
    setTimeout(() => caller.abort(new Error("the person left")), 20);
    const outcome = await settledUnderGc(running);
    expect(outcome).toMatchObject({ error: expect.objectContaining({ message: "the person left" }) });
    expect(calls).toBe(1);
    guard.shutdown();
  });
});

describe("deadline", () => {
  it("aborts with a TimeoutError once the time runs out, and reports that it timed out", async () => {
    const deadline = startDeadline(30, new AbortController().signal);
    const outcome = await settledUnderGc(hang(deadline.signal));
    expect(outcome).toMatchObject({ error: expect.any(DeadlineExceededError) });
    expect((outcome as { error: Error }).error.name).toBe("TimeoutError");
    expect(deadline.timedOut).toBe(true);
  });

  it("forwards any caller's abort with its reason, and detaches from every caller when done", async () => {
    const a = new AbortController();
    const b = new AbortController();
    const running = withDeadline(60_000, [a.signal, b.signal], hang);
    expect(getEventListeners(a.signal, "abort")).toHaveLength(1);
    b.abort(new Error("b gave up"));
    await expect(running).rejects.toThrow("b gave up");
    expect(getEventListeners(a.signal, "abort")).toHaveLength(0);
    expect(getEventListeners(b.signal, "abort")).toHaveLength(0);
    await expect(withDeadline(60_000, a.signal, async () => "done")).resolves.toBe("done");
    expect(getEventListeners(a.signal, "abort")).toHaveLength(0);
  });

  it("starts aborted when a caller already gave up", () => {
    const gone = AbortSignal.abort(new Error("already gone"));
    const deadline = startDeadline(60_000, gone);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toEqual(new Error("already gone"));
    expect(deadline.timedOut).toBe(false);
  });
});

describe("hung providers behind the service, under garbage collection", () => {
  const suite = useSimulatedRose();
  const env = (extra: Record<string, string> = {}) => ({
    OPENAI_BASE_URL: suite.sim.openaiBaseUrl,
    OPENAI_API_KEY: "k",
    CHAT_MODEL: "sim-chat",
    SMALL_MODEL: "sim-small",
    PROVIDER_RETRIES: "0",
    RATE_LIMIT_PER_MINUTE: "0",
    ...extra,
  });
  const rose = (extra: Record<string, string>): Promise<RunningRose> => suite.rose(env(extra));

  it("a hung chat model is cut off by LLM_TIMEOUT_MS and Rose apologises", async () => {
    const { client } = await rose({ LLM_TIMEOUT_MS: "300" });
    suite.sim.script({ match: { model: "sim-chat" }, fail: { hang: true } });
    const outcome = await settledUnderGc(client.json("POST", "/api/v1/chat", { message: "Are you there?" }), 300);
    expect(outcome).toMatchObject({ value: { status: 200, body: { reply: APOLOGY_REPLY, fallback: true } } });
    // The simulator notes the abort when the socket closes, which may come just after the answer.
    await vi.waitFor(
      () => expect(suite.sim.requests({ endpoint: "chat" }).find((r) => r.model === "sim-chat")).toMatchObject({ failure: "hang", aborted: true }),
      { timeout: 10_000 },
    );
  });

  it("hung speech synthesis in a streamed voice reply is cut off by TTS_TIMEOUT_MS", async () => {
    const { client } = await rose({
      ELEVENLABS_API_KEY: "k",
      ELEVENLABS_BASE_URL: suite.sim.elevenlabsBaseUrl,
      TTS_PROVIDERS: "elevenlabs",
      TTS_TIMEOUT_MS: "300",
    });
    suite.sim.script({ match: { endpoint: "speech" }, fail: { hang: true } });
    suite.sim.script({ match: { model: "sim-chat" }, reply: { content: "I am here." } });
    const outcome = await settledUnderGc(client.stream("/api/v1/voice/stream", voiceForm(spokenWav("Hello."), "clip.wav")), 300);
    expect(outcome).toBeDefined();
    const { events } = (outcome as { value: Awaited<ReturnType<typeof client.stream>> }).value;
    expect(events.at(-1)).toMatchObject({ event: "done", data: { text: "I am here.", tts_failed: true, audio_url: null } });
    // The simulator notes the abort when the socket closes, which may come just after the answer.
    await vi.waitFor(() => expect(suite.sim.requests({ endpoint: "speech" })[0]).toMatchObject({ failure: "hang", aborted: true }), { timeout: 10_000 });
  });
});
