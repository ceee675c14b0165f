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

  /** Runs the job now if its lease is free; returns whether it ran. */
  async runOnce(job: Job): Promise<boolean> {
    if (!(await this.lock.tryAcquire(job.name, Math.max(1_000, job.intervalMs - 1_000)))) return false;
    const started = performance.now();
    try {
      const result = await job.run();
      this.logger.info("background job finished", { job: job.name, duration_ms: Math.round(performance.now() - started), result });
      return true;
    } catch (error) {
      this.logger.error("background job failed", { job: job.name, error: (error as Error).message });
      await this.lock.release(job.name); // let the next tick (or another instance) try again
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
      const run = this.runOnce(job);
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
