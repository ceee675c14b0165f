import type Database from "better-sqlite3";
import type { MemoryJob, MemoryOutbox, QueuedMemoryJob } from "./types.js";

interface JobRow {
  id: number;
  user_id: string;
  session_id: string;
  message: string;
  recalled_ids: string;
  time_zone: string | null;
  attempts: number;
  created_at: number;
}

const toJob = (row: JobRow): QueuedMemoryJob => ({
  id: row.id,
  userId: row.user_id,
  sessionId: row.session_id,
  message: row.message,
  recalledIds: JSON.parse(row.recalled_ids) as string[],
  ...(row.time_zone ? { timeZone: row.time_zone } : {}),
  attempts: row.attempts,
  createdAt: row.created_at,
});

/** The outbox in the instance's own SQLite file (one instance). */
export class SqliteMemoryOutbox implements MemoryOutbox {
  readonly name = "queued_memory_writes";

  constructor(
    private readonly db: Database.Database,
    now = Date.now(),
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS memory_outbox (
        id INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        message TEXT NOT NULL,
        recalled_ids TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS memory_outbox_due ON memory_outbox(next_attempt_at);
    `);
    const columns = db.prepare<[], { name: string }>("PRAGMA table_info(memory_outbox)").all();
    if (!columns.some((c) => c.name === "claimed_by")) db.exec("ALTER TABLE memory_outbox ADD COLUMN claimed_by TEXT");
    if (!columns.some((c) => c.name === "time_zone")) db.exec("ALTER TABLE memory_outbox ADD COLUMN time_zone TEXT");
    // One process owns this file, so a claim found on opening it belongs to a process that died (a
    // crash mid-write): the job is due again now rather than when the dead claim's lease would lapse.
    db.prepare("UPDATE memory_outbox SET next_attempt_at = MIN(next_attempt_at, ?), claimed_by = NULL WHERE claimed_by IS NOT NULL").run(now);
  }

  async add(job: MemoryJob, now: number, claimedUntil: number, claim: string): Promise<QueuedMemoryJob> {
    const row = this.db
      .prepare<unknown[], JobRow>(
        "INSERT INTO memory_outbox (user_id, session_id, message, recalled_ids, next_attempt_at, created_at, claimed_by, time_zone) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
      )
      .get(job.userId, job.sessionId, job.message, JSON.stringify(job.recalledIds), claimedUntil, now, claim, job.timeZone ?? null)!;
    return toJob(row);
  }

  async claimDue(now: number, claimedUntil: number, limit: number, claim: string): Promise<QueuedMemoryJob[]> {
    // One transaction: an overlapping pass cannot take the same jobs.
    return this.db.transaction(() => {
      const due = this.db.prepare<[number, number], JobRow>("SELECT * FROM memory_outbox WHERE next_attempt_at <= ? ORDER BY id LIMIT ?").all(now, limit);
      const take = this.db.prepare("UPDATE memory_outbox SET next_attempt_at = ?, claimed_by = ? WHERE id = ?");
      for (const row of due) take.run(claimedUntil, claim, row.id);
      return due.map(toJob);
    })();
  }

  async renew(claim: string, claimedUntil: number): Promise<void> {
    this.db.prepare("UPDATE memory_outbox SET next_attempt_at = ? WHERE claimed_by = ?").run(claimedUntil, claim);
  }

  async isQueued(id: number): Promise<boolean> {
    return this.db.prepare("SELECT 1 FROM memory_outbox WHERE id = ?").get(id) !== undefined;
  }

  async complete(id: number): Promise<void> {
    this.db.prepare("DELETE FROM memory_outbox WHERE id = ?").run(id);
  }

  async retryAt(id: number, attempts: number, at: number, error: string): Promise<void> {
    this.db.prepare("UPDATE memory_outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, claimed_by = NULL WHERE id = ?").run(attempts, at, error, id);
  }

  async forgetUser(userId: string): Promise<number> {
    return this.db.prepare("DELETE FROM memory_outbox WHERE user_id = ?").run(userId).changes;
  }

  async exportUser(userId: string): Promise<Array<{ session_id: string; message: string; queued_at: string }>> {
    return this.db
      .prepare<[string], JobRow>("SELECT * FROM memory_outbox WHERE user_id = ? ORDER BY id")
      .all(userId)
      .map((row) => ({ session_id: row.session_id, message: row.message, queued_at: new Date(row.created_at).toISOString() }));
  }

  async eraseUser(userId: string): Promise<void> {
    await this.forgetUser(userId);
  }

  async pending(): Promise<number> {
    return this.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM memory_outbox").get()?.n ?? 0;
  }
}
