import { newId } from "../../core/ids.js";
import type { Logger } from "../../core/logger.js";
import type { Metrics } from "../../core/metrics.js";
import type { MemoryDecision } from "./analysis.js";
import type { MemoryJob, MemoryOutbox, QueuedMemoryJob } from "./outbox/types.js";
import type { Memory, MemoryService, RememberOutcome } from "./types.js";

export type { MemoryJob } from "./outbox/types.js";

export type Analyse = (message: string, known: Memory[]) => Promise<MemoryDecision>;

export type WriteResult = { status: "nothing" } | RememberOutcome;

/** A job is only given up after this many attempts AND this long: long outages delay memories, never drop them. */
const MAX_ATTEMPTS = 12;
const MAX_AGE_MS = 7 * 24 * 60 * 60_000;
const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 15 * 60_000;
/**
 * An attempt holds its jobs under a short lease that a heartbeat renews while it runs, so no pass picks
 * a job up twice however slow the model is, yet a claim whose process died (kill -9, a lost machine)
 * frees its jobs within this long instead of holding them for the slowest call's worth of minutes.
 */
const LEASE_MS = 30_000;
const HEARTBEAT_MS = 10_000;

/** How many due jobs one retry pass takes. */
const BATCH = 50;

/**
 * Writes memories through a durable outbox: the job is committed (SQLite, or PostgreSQL with several
 * instances) before any model or store is called, so a provider or Qdrant outage, or a crash, delays a
 * memory instead of losing it. Failed jobs are retried with exponential backoff by `processDue`, which
 * a timer runs.
 */
export class MemoryWriter {
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;

  constructor(
    private readonly outbox: MemoryOutbox,
    private readonly memory: MemoryService,
    private readonly analyse: Analyse,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /** Commits the job (claimed by this attempt), then tries it at once; a failure leaves it queued for a retry. */
  async submit(job: MemoryJob): Promise<WriteResult | null> {
    const now = Date.now();
    const claim = newId();
    const queued = await this.outbox.add(job, now, now + LEASE_MS, claim);
    return this.holding(claim, () => this.attempt(queued));
  }

  /** Retries every job whose time has come. Returns how many were processed. */
  async processDue(now = Date.now()): Promise<number> {
    const claim = newId();
    const due = await this.outbox.claimDue(now, Date.now() + LEASE_MS, BATCH, claim);
    if (due.length === 0) return 0;
    // The heartbeat covers the jobs still waiting their turn in this pass too.
    await this.holding(claim, async () => {
      for (const job of due) await this.attempt(job);
    });
    return due.length;
  }

  /** Runs `work` while renewing the lease of the jobs held under `claim`. */
  private async holding<T>(claim: string, work: () => Promise<T>): Promise<T> {
    const heartbeat = setInterval(() => {
      this.outbox
        .renew(claim, Date.now() + LEASE_MS)
        .catch((error: unknown) => this.logger.warn("memory outbox lease renewal failed", { error: (error as Error).message }));
    }, HEARTBEAT_MS);
    heartbeat.unref();
    try {
      return await work();
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Drops every queued write of this user ("forget me"), including one being attempted right now: its
   * result is discarded, and a memory it managed to store in the meantime is deleted again.
   */
  forgetUser(userId: string): Promise<number> {
    return this.outbox.forgetUser(userId);
  }

  pending(): Promise<number> {
    return this.outbox.pending();
  }

  start(intervalMs = RETRY_BASE_MS): void {
    this.timer = setInterval(() => {
      this.draining ??= this.processDue()
        .catch((error: unknown) => this.logger.error("memory outbox pass failed", { error: (error as Error).message }))
        .then(() => {
          this.draining = undefined;
        });
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.draining;
  }

  private async attempt(job: QueuedMemoryJob): Promise<WriteResult | null> {
    try {
      const known = (await Promise.all(job.recalledIds.map((id) => this.memory.get(job.userId, id)))).filter((m) => m !== null);
      const decision = await this.analyse(job.message, known);
      if (!(await this.outbox.isQueued(job.id))) return null; // forgotten while the model was thinking
      const result: WriteResult =
        decision.action === "nothing"
          ? { status: "nothing" }
          : await this.memory.remember(job.userId, {
              text: decision.memory,
              type: decision.type,
              importance: decision.importance,
              sourceSessionId: job.sessionId,
              // Told when the person said it (a retry hours later changes nothing), and dated by what they said.
              createdAt: new Date(job.createdAt).toISOString(),
              saidText: job.message,
              ...(job.timeZone ? { timeZone: job.timeZone } : {}),
              ...(decision.action === "update" ? { supersedes: decision.replaces_id } : {}),
            });
      if (!(await this.outbox.isQueued(job.id))) {
        // Forgotten while the memory was being stored: take back what this job added.
        if (result.status === "added" || result.status === "updated") await this.memory.delete(job.userId, result.memory.id);
        return null;
      }
      await this.outbox.complete(job.id);
      this.metrics?.memoryOperations.inc({ operation: "write", outcome: result.status });
      return result;
    } catch (error) {
      this.metrics?.memoryOperations.inc({ operation: "write", outcome: "retry_queued" });
      const attempts = job.attempts + 1;
      const message = (error as Error).message;
      if (attempts >= MAX_ATTEMPTS && Date.now() - job.createdAt > MAX_AGE_MS) {
        this.logger.error("memory job abandoned after repeated failures", { attempts, error: message });
        await this.outbox.complete(job.id);
        return null;
      }
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1));
      await this.outbox.retryAt(job.id, attempts, Date.now() + delay, message.slice(0, 500));
      this.logger.warn("memory write failed; queued for retry", { attempts, retry_in_ms: delay, error: message });
      return null;
    }
  }
}
