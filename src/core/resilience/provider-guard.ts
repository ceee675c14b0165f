import CircuitBreaker from "opossum";
import { setTimeout as sleep } from "node:timers/promises";
import { startDeadline } from "./deadline.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { isProviderError, ProviderError } from "./provider-error.js";
import { isCallerMistake, isTransient, statusOf } from "./transient.js";

export interface ResiliencePolicy {
  /** Per attempt; the operation receives an AbortSignal that fires when it runs out. */
  timeoutMs: number;
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Breaker opens when this share of calls in the rolling window failed... */
  errorThresholdPercentage: number;
  /** ...and at least this many calls were made in the window (so one early failure cannot open it). */
  volumeThreshold: number;
  rollingWindowMs: number;
  /** How long an open breaker waits before letting one trial call through (half-open). */
  resetTimeoutMs: number;
}

export const DEFAULT_POLICY: ResiliencePolicy = {
  timeoutMs: 30_000,
  retries: 2,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  rollingWindowMs: 30_000,
  resetTimeoutMs: 30_000,
};

export type BreakerState = "closed" | "open" | "half_open";
const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export class ProviderUnavailableError extends Error {
  constructor(
    readonly provider: string,
    readonly reason: "circuit_open" | "failed",
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(reason === "circuit_open" ? `${provider} is unavailable (circuit open)` : `${provider} call failed${cause}`, options);
    this.name = "ProviderUnavailableError";
  }
}

/** An attempt that outlived its timeout; the request was aborted. A ProviderError of kind timeout: retryable. */
export class AttemptTimeoutError extends ProviderError {
  readonly code = "ATTEMPT_TIMEOUT";
  constructor(
    provider: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super({ provider, kind: "timeout", message: `did not answer within ${timeoutMs} ms` }, options);
    this.name = "AttemptTimeoutError";
  }
}

export interface RunOptions {
  /** Decides, after a transient failure, whether another attempt is safe (e.g. no tokens were streamed yet). */
  canRetry?: () => boolean;
  signal?: AbortSignal;
  /**
   * Whether a timed-out attempt is tried again (default true). A fallback chain says no while another
   * provider can take over: a provider that just hung is likely to hang again, and the person waits.
   */
  retryTimeouts?: boolean;
}

function failureKind(error: unknown, timedOut: boolean, cancelled: boolean): string {
  if (cancelled) return "cancelled";
  if (timedOut) return "timeout";
  if (isProviderError(error)) return error.kind === "server" ? "server_error" : error.kind === "client" ? "client_error" : error.kind;
  const status = statusOf(error);
  if (status === 429) return "rate_limited";
  if (status !== undefined) return status >= 500 ? "server_error" : "client_error";
  return "network";
}

type Operation<T> = (signal: AbortSignal) => Promise<T>;

export type StateListener = (provider: string, state: BreakerState) => void;

/**
 * The one seam every external call goes through: an opossum circuit breaker per provider operation,
 * a per-attempt timeout that really aborts the request, and full-jitter exponential retries for
 * transient failures only.
 */
export class ProviderGuard {
  private readonly breaker: CircuitBreaker<[Operation<unknown>, AbortSignal, AbortSignal | undefined], unknown>;
  private readonly listeners: StateListener[] = [];

  constructor(
    readonly name: string,
    readonly policy: ResiliencePolicy,
    private readonly logger?: Logger,
    private readonly metrics?: Metrics,
  ) {
    this.breaker = new CircuitBreaker((operation: Operation<unknown>, signal: AbortSignal, _caller: AbortSignal | undefined) => operation(signal), {
      name,
      timeout: false, // timeouts are enforced per attempt with an AbortSignal so the request is actually cancelled
      errorThresholdPercentage: policy.errorThresholdPercentage,
      volumeThreshold: policy.volumeThreshold,
      rollingCountTimeout: policy.rollingWindowMs,
      rollingCountBuckets: 10,
      resetTimeout: policy.resetTimeoutMs,
      // Neither a caller's mistake nor a caller who gave up (the person left) says anything about the provider.
      // (opossum passes the fired arguments after the error; its typings only declare the error.)
      errorFilter: ((error: unknown, _operation: unknown, _signal: unknown, caller: AbortSignal | undefined) =>
        isCallerMistake(error) || caller?.aborted === true) as (error: unknown) => boolean,
    });
    metrics?.breakerState.set({ operation: name }, 0);
    const announce = (state: BreakerState) => () => {
      this.logger?.[state === "open" ? "warn" : "info"]("circuit breaker state changed", { provider: name, state });
      metrics?.breakerState.set({ operation: name }, STATE_VALUE[state]);
      for (const listener of this.listeners) listener(name, state);
    };
    this.breaker.on("open", announce("open"));
    this.breaker.on("halfOpen", announce("half_open"));
    this.breaker.on("close", announce("closed"));
  }

  get state(): BreakerState {
    if (this.breaker.opened) return "open";
    if (this.breaker.halfOpen) return "half_open";
    return "closed";
  }

  onStateChange(listener: StateListener): void {
    this.listeners.push(listener);
  }

  async run<T>(operation: Operation<T>, options: RunOptions = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      // Held by a timer of its own for exactly this attempt: see deadline.ts for why not AbortSignal.timeout().
      const deadline = startDeadline(this.policy.timeoutMs, options.signal);
      const started = performance.now();
      try {
        const result = (await this.breaker.fire(operation, deadline.signal, options.signal)) as T;
        this.metrics?.providerCalls.observe({ operation: this.name, outcome: "ok" }, (performance.now() - started) / 1000);
        return result;
      } catch (thrown) {
        deadline.dispose();
        if ((thrown as { code?: string }).code === "EOPENBREAKER") {
          this.metrics?.providerFailures.inc({ operation: this.name, kind: "circuit_open" });
          throw new ProviderUnavailableError(this.name, "circuit_open", { cause: thrown });
        }
        // Whatever the SDK made of the abort (APIUserAbortError, AbortError, "Request was aborted."), a
        // deadline that fired is a timeout: transient, worth another attempt.
        const error = deadline.timedOut && !options.signal?.aborted ? new AttemptTimeoutError(this.name, this.policy.timeoutMs, { cause: thrown }) : thrown;
        this.metrics?.providerCalls.observe({ operation: this.name, outcome: "error" }, (performance.now() - started) / 1000);
        this.metrics?.providerFailures.inc({ operation: this.name, kind: failureKind(error, deadline.timedOut, options.signal?.aborted === true) });
        if (options.signal?.aborted) throw error;
        const transient = isTransient(error);
        const retry = attempt < this.policy.retries && transient && (options.retryTimeouts !== false || !deadline.timedOut) && (options.canRetry?.() ?? true);
        // Out of retries on an outage: callers (and the HTTP layer, as a 503) see "unavailable", not a socket error.
        if (!retry) throw transient ? new ProviderUnavailableError(this.name, "failed", { cause: error }) : error;
        const ceiling = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** attempt);
        const delay = Math.random() * ceiling; // full jitter: spreads retries of many clients apart
        this.logger?.warn("provider call failed, retrying", {
          provider: this.name,
          attempt: attempt + 1,
          delay_ms: Math.round(delay),
          error: (error as Error).message,
        });
        await sleep(delay, undefined, options.signal ? { signal: options.signal } : undefined);
      } finally {
        deadline.dispose();
      }
    }
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}
