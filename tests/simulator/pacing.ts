import { setTimeout as delay } from "node:timers/promises";
import type { SimLatency } from "./rules.js";

/**
 * Turns a rule's latency into concrete waits. Every wait takes the exchange's abort signal, so a
 * client that gives up (or close()) stops the pacing instead of leaving timers behind.
 */

/** Waits ms; rejects with an AbortError when the signal fires. Zero waits return at once. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (ms <= 0) return;
  await delay(ms, undefined, { signal });
}

/** Resolves once the signal fires: how a hanging request waits out its client. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

/**
 * Delay before each of `count` streamed tokens: firstTokenMs before the first, then 1/tokensPerSecond,
 * or else what is left of totalMs spread evenly, or else nothing.
 */
export function tokenDelays(latency: SimLatency | undefined, count: number): number[] {
  const first = latency?.firstTokenMs ?? 0;
  let gap = 0;
  if (latency?.tokensPerSecond) gap = 1000 / latency.tokensPerSecond;
  else if (latency?.totalMs !== undefined) gap = Math.max(0, latency.totalMs - first) / Math.max(1, count - 1);
  return Array.from({ length: count }, (_, i) => (i === 0 ? first : gap));
}

/** Delay before each of `count` audio chunks: firstByteMs, then the rest of totalMs spread evenly. */
export function chunkDelays(latency: SimLatency | undefined, count: number): number[] {
  const first = latency?.firstByteMs ?? 0;
  const gap = latency?.totalMs !== undefined ? Math.max(0, latency.totalMs - first) / Math.max(1, count - 1) : 0;
  return Array.from({ length: count }, (_, i) => (i === 0 ? first : gap));
}

/** How long a non-streamed chat completion takes: totalMs, else first token plus generation time. */
export function completionDelay(latency: SimLatency | undefined, tokens: number): number {
  if (latency?.totalMs !== undefined) return latency.totalMs;
  const generation = latency?.tokensPerSecond ? (tokens * 1000) / latency.tokensPerSecond : 0;
  return (latency?.firstTokenMs ?? 0) + generation;
}

/** How long a one-shot JSON reply (embeddings, transcription, catalogue) takes. */
export function responseDelay(latency: SimLatency | undefined): number {
  return latency?.totalMs ?? latency?.firstByteMs ?? 0;
}
