import { describe, expect, it } from "vitest";
import { ProviderGuard, ProviderUnavailableError } from "../src/core/resilience/provider-guard.js";

const fast = {
  timeoutMs: 200,
  retries: 2,
  baseDelayMs: 1,
  maxDelayMs: 5,
  errorThresholdPercentage: 50,
  volumeThreshold: 4,
  rollingWindowMs: 10_000,
  resetTimeoutMs: 150,
};

const httpError = (status: number) => Object.assign(new Error(`status ${status}`), { status });

describe("ProviderGuard", () => {
  it("retries transient failures and returns the eventual answer", async () => {
    const guard = new ProviderGuard("test", fast);
    let calls = 0;
    const answer = await guard.run(async () => {
      calls++;
      if (calls < 3) throw httpError(503);
      return "ok";
    });
    expect(answer).toBe("ok");
    expect(calls).toBe(3);
    guard.shutdown();
  });

  it("does not retry a caller mistake", async () => {
    const guard = new ProviderGuard("test", fast);
    let calls = 0;
    await expect(
      guard.run(async () => {
        calls++;
        throw httpError(400);
      }),
    ).rejects.toThrow("status 400");
    expect(calls).toBe(1);
    guard.shutdown();
  });

  it("does not retry when the caller says it is no longer safe", async () => {
    const guard = new ProviderGuard("test", fast);
    let calls = 0;
    await expect(
      guard.run(
        async () => {
          calls++;
          throw httpError(502);
        },
        { canRetry: () => false },
      ),
    ).rejects.toThrow("status 502");
    expect(calls).toBe(1);
    guard.shutdown();
  });

  it("aborts an attempt that outlives its timeout", async () => {
    const guard = new ProviderGuard("test", { ...fast, retries: 0 });
    let aborted = false;
    await expect(
      guard.run(
        (signal) =>
          new Promise((_resolve, reject) => {
            signal.addEventListener("abort", () => {
              aborted = true;
              reject(signal.reason as Error);
            });
          }),
      ),
    ).rejects.toBeDefined();
    expect(aborted).toBe(true);
    guard.shutdown();
  });

  it("opens after repeated failures, fails fast while open, then half-opens and closes on success", async () => {
    const policy = { ...fast, retries: 0, resetTimeoutMs: 500 }; // room to check "open" on a busy machine
    const guard = new ProviderGuard("test", policy);
    const states: string[] = [];
    guard.onStateChange((_name, state) => states.push(state));
    let healthy = false;
    let calls = 0;
    const call = () =>
      guard.run(async () => {
        calls++;
        if (!healthy) throw httpError(500);
        return "ok";
      });
    for (let i = 0; i < 4; i++) await call().catch(() => {});
    expect(guard.state).toBe("open");
    const callsWhenOpened = calls;
    await expect(call()).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(calls).toBe(callsWhenOpened);

    healthy = true;
    await new Promise((r) => setTimeout(r, policy.resetTimeoutMs + 50));
    expect(guard.state).toBe("half_open");
    await expect(call()).resolves.toBe("ok");
    expect(guard.state).toBe("closed");
    expect(states).toEqual(["open", "half_open", "closed"]);
    guard.shutdown();
  });
});
