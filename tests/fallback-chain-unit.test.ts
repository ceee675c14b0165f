import { describe, expect, it } from "vitest";
import { FallbackChain } from "../src/core/resilience/fallback-chain.js";
import { ProviderError } from "../src/core/resilience/provider-error.js";
import { ProviderGuard, ProviderUnavailableError } from "../src/core/resilience/provider-guard.js";

const policy = {
  timeoutMs: 1_000,
  retries: 1,
  baseDelayMs: 1,
  maxDelayMs: 2,
  errorThresholdPercentage: 50,
  volumeThreshold: 10,
  rollingWindowMs: 10_000,
  resetTimeoutMs: 60_000,
};

/** A fake provider whose behaviour each test scripts. */
type Fake = { id: string; answer: (signal: AbortSignal) => Promise<string>; calls: number };
const fake = (id: string, answer: Fake["answer"]): Fake => ({ id, answer, calls: 0 });
const chainOf = (...providers: Fake[]) => chainWith(policy, ...providers);
const chainWith = (p: typeof policy, ...providers: Fake[]) =>
  new FallbackChain(
    "test",
    providers.map((f) => ({ id: f.id, provider: f, guard: new ProviderGuard(`test:${f.id}`, p) })),
  );
const call = (chain: FallbackChain<Fake>, options = {}) =>
  chain.run((p, signal) => {
    p.calls++;
    return p.answer(signal);
  }, options);
const failing = (kind: ProviderError["kind"], status?: number) => (provider: string) => async () => {
  throw new ProviderError({ provider, kind, ...(status ? { status } : {}) });
};

describe("FallbackChain", () => {
  it("retries the first provider's transient failures, then hands the call to the next", async () => {
    const a = fake("a", failing("server", 503)("a"));
    const b = fake("b", async () => "from b");
    const chain = chainOf(a, b);
    await expect(call(chain)).resolves.toBe("from b");
    expect([a.calls, b.calls]).toEqual([2, 1]); // one retry of a (PROVIDER_RETRIES=1), then b
    expect(chain.status()).toEqual({ provider: "a", serving: "b", reason: "a failed: server (HTTP 503)" });
    chain.shutdown();
  });

  it("does not retry a client error on the same provider, but the next one serves", async () => {
    const a = fake("a", failing("client", 401)("a"));
    const b = fake("b", async () => "from b");
    const chain = chainOf(a, b);
    await expect(call(chain)).resolves.toBe("from b");
    expect([a.calls, b.calls]).toEqual([1, 1]);
    chain.shutdown();
  });

  it("stops at input the provider could not use: the next one would refuse it too", async () => {
    const a = fake("a", failing("unreadable_input", 400)("a"));
    const b = fake("b", async () => "from b");
    const chain = chainOf(a, b);
    await expect(call(chain)).rejects.toMatchObject({ kind: "unreadable_input" });
    expect(b.calls).toBe(0);
    expect(chain.status().serving).toBe("a"); // a answered: the input was the problem
    chain.shutdown();
  });

  it("switches no more once the caller says it is unsafe (tokens already reached the person)", async () => {
    const a = fake("a", failing("network")("a"));
    const b = fake("b", async () => "from b");
    const chain = chainOf(a, b);
    await expect(call(chain, { canRetry: () => false })).rejects.toMatchObject({ name: "ProviderUnavailableError" });
    expect([a.calls, b.calls]).toEqual([1, 0]);
    chain.shutdown();
  });

  it("gives up at once when the caller does, and does not hold it against the provider", async () => {
    const caller = new AbortController();
    const a = fake("a", (signal) => new Promise((_r, reject) => signal.addEventListener("abort", () => reject(signal.reason as Error))));
    const b = fake("b", async () => "from b");
    const chain = chainOf(a, b);
    const running = call(chain, { signal: caller.signal });
    setTimeout(() => caller.abort(new Error("gone")), 10);
    await expect(running).rejects.toThrow("gone");
    expect(b.calls).toBe(0);
    for (let i = 0; i < 3; i++) {
      const again = new AbortController();
      const r = call(chain, { signal: again.signal });
      again.abort(new Error("gone"));
      await r.catch(() => {});
    }
    expect(chain.members[0]!.guard.state).toBe("closed");
    chain.shutdown();
  });

  it("names the capability when every provider failed, with the last failure as the cause", async () => {
    const chain = chainOf(fake("a", failing("server", 500)("a")), fake("b", failing("timeout")("b")));
    const error = await call(chain).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect(error).toMatchObject({ provider: "test", reason: "failed" });
    expect(chain.status()).toEqual({ provider: "a", serving: null, reason: "no provider is available: a failed: server (HTTP 500); b failed: timeout" });
    chain.shutdown();
  });

  it("skips a provider whose breaker is open without calling it", async () => {
    const a = fake("a", failing("server", 500)("a"));
    const b = fake("b", async () => "from b");
    const chain = chainWith({ ...policy, volumeThreshold: 2 }, a, b);
    await call(chain);
    expect(chain.members[0]!.guard.state).toBe("open"); // two failed attempts of two
    const before = a.calls;
    await expect(call(chain)).resolves.toBe("from b");
    expect(a.calls).toBe(before);
    expect(chain.status()).toEqual({ provider: "a", serving: "b", reason: "a circuit open" });
    chain.shutdown();
  });
});
