import { withDeadline } from "../resilience/deadline.js";

/**
 * A health check that really talks to its dependency, but at most once per `ttlMs`: health endpoints
 * are polled by load balancers and must not hammer (or pay for) the providers they check.
 */
export interface ProbeResult {
  ok: boolean;
  detail?: string;
  checkedAt: number;
  latencyMs: number;
}

export class CachedProbe {
  private last: ProbeResult | undefined;
  private inFlight: Promise<ProbeResult> | undefined;

  constructor(
    private readonly check: (signal: AbortSignal) => Promise<void>,
    private readonly ttlMs = 15_000,
    private readonly timeoutMs = 3_000,
  ) {}

  async result(now = Date.now()): Promise<ProbeResult> {
    if (this.last && now - this.last.checkedAt < this.ttlMs) return this.last;
    this.inFlight ??= this.run().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async run(): Promise<ProbeResult> {
    const started = performance.now();
    try {
      await withDeadline(this.timeoutMs, undefined, (signal) => this.check(signal));
      this.last = { ok: true, checkedAt: Date.now(), latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      this.last = {
        ok: false,
        detail: (error as Error).name === "TimeoutError" ? "timed out" : "unreachable or refused",
        checkedAt: Date.now(),
        latencyMs: Math.round(performance.now() - started),
      };
    }
    return this.last;
  }
}
