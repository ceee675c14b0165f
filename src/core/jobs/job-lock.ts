import type Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import type { RedisClient } from "../redis.js";

/**
 * A lease that makes a background job run on one instance at a time. Leases expire, so an instance
 * that dies mid-job does not block the job forever.
 */
export interface JobLock {
  tryAcquire(job: string, ttlMs: number): Promise<boolean>;
  release(job: string): Promise<void>;
}

/** For a single instance (or several sharing one SQLite file): a lease row in the database. */
export class SqliteJobLock implements JobLock {
  private readonly owner = randomUUID();

  constructor(private readonly db: Database.Database) {
    db.exec("CREATE TABLE IF NOT EXISTS job_leases (job TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL)");
  }

  async tryAcquire(job: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const result = this.db
      .prepare(
        `INSERT INTO job_leases (job, owner, expires_at) VALUES (@job, @owner, @expires)
         ON CONFLICT(job) DO UPDATE SET owner = @owner, expires_at = @expires WHERE job_leases.expires_at < @now OR job_leases.owner = @owner`,
      )
      .run({ job, owner: this.owner, expires: now + ttlMs, now });
    return result.changes > 0;
  }

  async release(job: string): Promise<void> {
    this.db.prepare("DELETE FROM job_leases WHERE job = ? AND owner = ?").run(job, this.owner);
  }
}

/** For several instances: `SET NX PX` in the shared Redis; release only deletes our own lease. */
export class RedisJobLock implements JobLock {
  private readonly owner = randomUUID();

  constructor(private readonly redis: RedisClient) {}

  /** Takes a free lease, or renews our own (as the SQL leases do). */
  async tryAcquire(job: string, ttlMs: number): Promise<boolean> {
    const taken = await this.redis.eval(
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) elseif redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 else return 0 end",
      { keys: [`rose:job:${job}`], arguments: [this.owner, String(ttlMs)] },
    );
    return taken === 1;
  }

  async release(job: string): Promise<void> {
    await this.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", {
      keys: [`rose:job:${job}`],
      arguments: [this.owner],
    });
  }
}
