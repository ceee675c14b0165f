import type { JobLock } from "../../core/jobs/job-lock.js";
import type { Logger } from "../../core/logger.js";

/**
 * One live call per conversation across every instance. Each instance's registry already keeps two
 * calls on one conversation apart; with several instances behind a load balancer, two sockets of the
 * same conversation can land on different ones and would talk over each other in one thread. A call
 * holds a lease on its conversation in the shared lease store (Redis or PostgreSQL), renewed while it
 * lasts, so a crashed instance's calls free their conversations within a minute.
 */
export interface CallLeases {
  /** False when a call on another instance holds the conversation. */
  claim(sessionId: string): Promise<boolean>;
  release(sessionId: string): Promise<void>;
}

export class SharedCallLeases implements CallLeases {
  /** Claims held on this instance per conversation, and their renewal. The lock's owner is the instance, not the call. */
  private readonly held = new Map<string, { claims: number; renew: NodeJS.Timeout }>();

  constructor(
    private readonly lock: JobLock,
    private readonly logger: Logger,
    private readonly ttlMs = 60_000,
    private readonly renewMs = 20_000,
  ) {}

  async claim(sessionId: string): Promise<boolean> {
    if (!(await this.lock.tryAcquire(leaseName(sessionId), this.ttlMs))) return false;
    const mine = this.held.get(sessionId);
    // Two starts on this instance at once both get the lease; the registry turns one away, whose release must not free the other's.
    if (mine) mine.claims++;
    else {
      const renew = setInterval(() => {
        this.lock
          .tryAcquire(leaseName(sessionId), this.ttlMs)
          .catch((error: unknown) => this.logger.warn("live call lease renewal failed", { session_id: sessionId, error: (error as Error).message }));
      }, this.renewMs);
      renew.unref();
      this.held.set(sessionId, { claims: 1, renew });
    }
    return true;
  }

  async release(sessionId: string): Promise<void> {
    const mine = this.held.get(sessionId);
    if (!mine || --mine.claims > 0) return;
    clearInterval(mine.renew);
    this.held.delete(sessionId);
    await this.lock
      .release(leaseName(sessionId))
      .catch((error: unknown) =>
        this.logger.warn("live call lease release failed; it expires on its own", { session_id: sessionId, error: (error as Error).message }),
      );
  }
}

const leaseName = (sessionId: string) => `live-call:${sessionId}`;
