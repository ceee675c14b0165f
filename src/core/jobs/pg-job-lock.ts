import type pg from "pg";
import { randomUUID } from "node:crypto";
import type { JobLock } from "./job-lock.js";

/** Leases in the shared PostgreSQL database, for several instances without Redis. */
export class PgJobLock implements JobLock {
  private readonly owner = randomUUID();

  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PgJobLock> {
    await pool.query("CREATE TABLE IF NOT EXISTS rose_job_leases (job TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL)");
    return new PgJobLock(pool);
  }

  async tryAcquire(job: string, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO rose_job_leases (job, owner, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3 / 1000.0))
       ON CONFLICT (job) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
       WHERE rose_job_leases.expires_at < now() OR rose_job_leases.owner = EXCLUDED.owner`,
      [job, this.owner, ttlMs],
    );
    return (rowCount ?? 0) > 0;
  }

  async release(job: string): Promise<void> {
    await this.pool.query("DELETE FROM rose_job_leases WHERE job = $1 AND owner = $2", [job, this.owner]);
  }
}
