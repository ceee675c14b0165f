import type pg from "pg";
import type { MemoryJob, MemoryOutbox, QueuedMemoryJob } from "./types.js";

interface JobRow {
  id: string;
  user_id: string;
  session_id: string;
  message: string;
  recalled_ids: string[];
  time_zone: string | null;
  attempts: number;
  created_at: string;
}

// BIGINT columns arrive as strings; ids and epoch milliseconds stay well inside a double's exact range.
const toJob = (row: JobRow): QueuedMemoryJob => ({
  id: Number(row.id),
  userId: row.user_id,
  sessionId: row.session_id,
  message: row.message,
  recalledIds: row.recalled_ids,
  ...(row.time_zone ? { timeZone: row.time_zone } : {}),
  attempts: row.attempts,
  createdAt: Number(row.created_at),
});

/**
 * The outbox in the shared PostgreSQL database (several instances): a write queued on an instance
 * that goes away is picked up by another, and SKIP LOCKED lets instances claim jobs side by side.
 * Claims here cannot be told dead at start-up (another instance may own them): a dead owner's claim
 * lapses with its short lease, which live owners keep renewing.
 */
export class PgMemoryOutbox implements MemoryOutbox {
  readonly name = "queued_memory_writes";

  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PgMemoryOutbox> {
    await pool.query(`
      CREATE TABLE IF NOT EXISTS rose_memory_outbox (
        id BIGSERIAL PRIMARY KEY,
        user_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        message TEXT NOT NULL,
        recalled_ids JSONB NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        last_error TEXT,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS rose_memory_outbox_due ON rose_memory_outbox(next_attempt_at);
      CREATE INDEX IF NOT EXISTS rose_memory_outbox_user ON rose_memory_outbox(user_id);
      ALTER TABLE rose_memory_outbox ADD COLUMN IF NOT EXISTS claimed_by TEXT;
      ALTER TABLE rose_memory_outbox ADD COLUMN IF NOT EXISTS time_zone TEXT;
    `);
    return new PgMemoryOutbox(pool);
  }

  async add(job: MemoryJob, now: number, claimedUntil: number, claim: string): Promise<QueuedMemoryJob> {
    const { rows } = await this.pool.query<JobRow>(
      "INSERT INTO rose_memory_outbox (user_id, session_id, message, recalled_ids, next_attempt_at, created_at, claimed_by, time_zone) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
      [job.userId, job.sessionId, job.message, JSON.stringify(job.recalledIds), claimedUntil, now, claim, job.timeZone ?? null],
    );
    return toJob(rows[0]!);
  }

  async claimDue(now: number, claimedUntil: number, limit: number, claim: string): Promise<QueuedMemoryJob[]> {
    const { rows } = await this.pool.query<JobRow>(
      `UPDATE rose_memory_outbox SET next_attempt_at = $2, claimed_by = $4
       WHERE id IN (SELECT id FROM rose_memory_outbox WHERE next_attempt_at <= $1 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [now, claimedUntil, limit, claim],
    );
    return rows.map(toJob).sort((a, b) => a.id - b.id);
  }

  async renew(claim: string, claimedUntil: number): Promise<void> {
    await this.pool.query("UPDATE rose_memory_outbox SET next_attempt_at = $2 WHERE claimed_by = $1", [claim, claimedUntil]);
  }

  async isQueued(id: number): Promise<boolean> {
    return ((await this.pool.query("SELECT 1 FROM rose_memory_outbox WHERE id = $1", [id])).rowCount ?? 0) > 0;
  }

  async complete(id: number): Promise<void> {
    await this.pool.query("DELETE FROM rose_memory_outbox WHERE id = $1", [id]);
  }

  async retryAt(id: number, attempts: number, at: number, error: string): Promise<void> {
    await this.pool.query("UPDATE rose_memory_outbox SET attempts = $2, next_attempt_at = $3, last_error = $4, claimed_by = NULL WHERE id = $1", [
      id,
      attempts,
      at,
      error,
    ]);
  }

  async forgetUser(userId: string): Promise<number> {
    return (await this.pool.query("DELETE FROM rose_memory_outbox WHERE user_id = $1", [userId])).rowCount ?? 0;
  }

  async exportUser(userId: string): Promise<Array<{ session_id: string; message: string; queued_at: string }>> {
    const { rows } = await this.pool.query<JobRow>("SELECT * FROM rose_memory_outbox WHERE user_id = $1 ORDER BY id", [userId]);
    return rows.map((row) => ({ session_id: row.session_id, message: row.message, queued_at: new Date(Number(row.created_at)).toISOString() }));
  }

  async eraseUser(userId: string): Promise<void> {
    await this.forgetUser(userId);
  }

  async pending(): Promise<number> {
    return Number((await this.pool.query<{ n: string }>("SELECT COUNT(*) AS n FROM rose_memory_outbox")).rows[0]!.n);
  }
}
