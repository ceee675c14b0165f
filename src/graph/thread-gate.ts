import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../core/errors.js";
import type { JobLock } from "../core/jobs/job-lock.js";
import type { Logger } from "../core/logger.js";

/**
 * Lets one turn of a conversation run at a time across every instance. Within one instance the turn
 * runner's queue already does this; with several instances sharing PostgreSQL, two turns of the same
 * thread on different instances would both extend the same checkpoint, and the later write would drop
 * the other exchange.
 */
export interface ThreadGate {
  hold<T>(threadId: string, task: () => Promise<T>): Promise<T>;
}

/** One instance: the in-process queue is enough. */
export const LOCAL_THREAD_GATE: ThreadGate = { hold: (_threadId, task) => task() };

export interface LeaseTiming {
  /** A lease outlives a crashed instance by at most this long. */
  ttlMs: number;
  /** How often a running turn renews its lease. */
  renewMs: number;
  /** How long a turn waits for another instance's turn on the same thread before giving up. */
  waitMs: number;
  pollMs: number;
}

const DEFAULT_TIMING: LeaseTiming = { ttlMs: 60_000, renewMs: 15_000, waitMs: 90_000, pollMs: 50 };

const THREAD_BUSY = () => new AppError(409, "thread_busy", "Rose is still answering another message in this conversation; please try again in a moment");

/** Several instances: a renewed lease per thread in the shared lease store (Redis or PostgreSQL). */
export class LeaseThreadGate implements ThreadGate {
  private readonly timing: LeaseTiming;

  constructor(
    private readonly lock: JobLock,
    private readonly logger: Logger,
    timing: Partial<LeaseTiming> = {},
  ) {
    this.timing = { ...DEFAULT_TIMING, ...timing };
  }

  async hold<T>(threadId: string, task: () => Promise<T>): Promise<T> {
    const { ttlMs, renewMs, waitMs, pollMs } = this.timing;
    const lease = `thread:${threadId}`;
    const deadline = Date.now() + waitMs;
    while (!(await this.lock.tryAcquire(lease, ttlMs))) {
      if (Date.now() >= deadline) throw THREAD_BUSY();
      await sleep(pollMs / 2 + Math.random() * pollMs); // jitter: waiting instances do not poll in step
    }
    const renew = setInterval(() => {
      this.lock
        .tryAcquire(lease, ttlMs)
        .catch((error: unknown) => this.logger.warn("thread lease renewal failed", { session_id: threadId, error: (error as Error).message }));
    }, renewMs);
    renew.unref();
    try {
      return await task();
    } finally {
      clearInterval(renew);
      await this.lock
        .release(lease)
        .catch((error: unknown) =>
          this.logger.warn("thread lease release failed; it expires on its own", { session_id: threadId, error: (error as Error).message }),
        );
    }
  }
}
