import type { Logger } from "../logger.js";
import type { JobLock } from "./job-lock.js";

export interface Job {
  name: string;
  intervalMs: number;
  run(): Promise<unknown>;
}

/**
 * Runs each job on its interval, on whichever instance holds the job's lease. The lease lasts the
 * interval, so one run per interval happens across all instances.
 */
export class JobScheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly lock: JobLock,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs the job now if its lease is free; returns whether it ran. Never rejects: a lease store that
   * fails (PostgreSQL or Redis down, SQLITE_BUSY) is logged and the job waits for its next interval.
   */
  async runOnce(job: Job): Promise<boolean> {
    let acquired: boolean;
    try {
      acquired = await this.lock.tryAcquire(job.name, Math.max(1_000, job.intervalMs - 1_000));
    } catch (error) {
      this.logger.warn("background job skipped: its lease could not be taken; retrying at the next interval", {
        job: job.name,
        error: (error as Error).message,
      });
      return false;
    }
    if (!acquired) return false;
    const started = performance.now();
    try {
      const result = await job.run();
      this.logger.info("background job finished", { job: job.name, duration_ms: Math.round(performance.now() - started), result });
      return true;
    } catch (error) {
      this.logger.error("background job failed", { job: job.name, error: (error as Error).message });
      // Let the next tick (or another instance) try again; if the release fails too, the lease expires.
      try {
        await this.lock.release(job.name);
      } catch (releaseError) {
        this.logger.warn("background job lease could not be released; it expires on its own", { job: job.name, error: (releaseError as Error).message });
      }
      return false;
    }
  }

  /** Runs a scheduled job by name now (operators' commands and tests), still under its lease. */
  runNow(name: string): Promise<boolean> {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`no job named ${name}`);
    return this.runOnce(job);
  }

  schedule(job: Job, { runAtStart = false } = {}): void {
    this.jobs.set(job.name, job);
    const tick = () => {
      // runOnce does not reject; the catch is a last guard so a timer can never crash the process.
      const run = this.runOnce(job).catch((error: unknown) => {
        this.logger.error("background job tick failed", { job: job.name, error: (error as Error).message });
        return false;
      });
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    };
    if (runAtStart) tick();
    const timer = setInterval(tick, Math.min(job.intervalMs, 15 * 60_000));
    timer.unref();
    this.timers.push(timer);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled([...this.running]);
  }
}
