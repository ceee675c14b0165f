import type Database from "better-sqlite3";
import type { Logger } from "../../core/logger.js";
import type { Metrics } from "../../core/metrics.js";
import type { MemoryDecision } from "./analysis.js";
import type { Memory, MemoryService, RememberOutcome } from "./types.js";

/** One message waiting to be analysed and, if worth it, remembered. */
export interface MemoryJob {
  userId: string;
  sessionId: string;
  message: string;
  /** Ids of the memories recalled for this message: the analysis dedupes against them. */
  recalledIds: string[];
}

export type Analyse = (message: string, known: Memory[]) => Promise<MemoryDecision>;

export type WriteResult = { status: "nothing" } | RememberOutcome;

interface JobRow {
  id: number;
  user_id: string;
  session_id: string;
  message: string;
  recalled_ids: string;
  attempts: number;
  created_at: number;
}

/** A job is only given up after this many attempts AND this long: long outages delay memories, never drop them. */
const MAX_ATTEMPTS = 12;
const MAX_AGE_MS = 7 * 24 * 60 * 60_000;
const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 15 * 60_000;
/** An attempt holds its job this long, past the slowest guarded call with its retries, so no pass picks it up twice. */
const CLAIM_MS = 10 * 60_000;

/**
 * Writes memories through a durable outbox: the job is committed to SQLite before any model or store
 * is called, so a provider or Qdrant outage (or a crash) delays a memory instead of losing it.
 * Failed jobs are retried with exponential backoff by `processDue`, which a timer runs.
 */
export class MemoryWriter {
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly memory: MemoryService,
    private readonly analyse: Analyse,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
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
  }

  /** Commits the job (claimed by this attempt), then tries it at once; a failure leaves it queued for a retry. */
  async submit(job: MemoryJob): Promise<WriteResult | null> {
    const now = Date.now();
    const { lastInsertRowid } = this.db
      .prepare("INSERT INTO memory_outbox (user_id, session_id, message, recalled_ids, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(job.userId, job.sessionId, job.message, JSON.stringify(job.recalledIds), now + CLAIM_MS, now);
    const row = this.db.prepare<[number | bigint], JobRow>("SELECT * FROM memory_outbox WHERE id = ?").get(lastInsertRowid)!;
    return this.attempt(row);
  }

  /** Retries every job whose time has come. Returns how many were processed. */
  async processDue(now = Date.now()): Promise<number> {
    const due = this.claimDue(now);
    for (const row of due) await this.attempt(row);
    return due.length;
  }

  /**
   * Drops every queued write of this user ("forget me"), including one being attempted right now: its
   * result is discarded, and a memory it managed to store in the meantime is deleted again.
   */
  forgetUser(userId: string): number {
    return this.db.prepare("DELETE FROM memory_outbox WHERE user_id = ?").run(userId).changes;
  }

  /** Due jobs, claimed in one transaction so an overlapping pass cannot take them too. */
  private claimDue(now: number): JobRow[] {
    return this.db.transaction(() => {
      const due = this.db.prepare<[number], JobRow>("SELECT * FROM memory_outbox WHERE next_attempt_at <= ? ORDER BY id LIMIT 50").all(now);
      const claim = this.db.prepare("UPDATE memory_outbox SET next_attempt_at = ? WHERE id = ?");
      for (const row of due) claim.run(Date.now() + CLAIM_MS, row.id);
      return due;
    })();
  }

  private isQueued(id: number): boolean {
    return this.db.prepare("SELECT 1 FROM memory_outbox WHERE id = ?").get(id) !== undefined;
  }

  pending(): number {
    return this.db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM memory_outbox").get()?.n ?? 0;
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

  private async attempt(row: JobRow): Promise<WriteResult | null> {
    try {
      const known = (await Promise.all((JSON.parse(row.recalled_ids) as string[]).map((id) => this.memory.get(row.user_id, id)))).filter((m) => m !== null);
      const decision = await this.analyse(row.message, known);
      if (!this.isQueued(row.id)) return null; // forgotten while the model was thinking
      const result: WriteResult =
        decision.action === "nothing"
          ? { status: "nothing" }
          : await this.memory.remember(row.user_id, {
              text: decision.memory,
              type: decision.type,
              importance: decision.importance,
              sourceSessionId: row.session_id,
              ...(decision.action === "update" ? { supersedes: decision.replaces_id } : {}),
            });
      if (!this.isQueued(row.id)) {
        // Forgotten while the memory was being stored: take back what this job added.
        if (result.status === "added" || result.status === "updated") await this.memory.delete(row.user_id, result.memory.id);
        return null;
      }
      this.db.prepare("DELETE FROM memory_outbox WHERE id = ?").run(row.id);
      this.metrics?.memoryOperations.inc({ operation: "write", outcome: result.status });
      return result;
    } catch (error) {
      this.metrics?.memoryOperations.inc({ operation: "write", outcome: "retry_queued" });
      const attempts = row.attempts + 1;
      const message = (error as Error).message;
      if (attempts >= MAX_ATTEMPTS && Date.now() - row.created_at > MAX_AGE_MS) {
        this.logger.error("memory job abandoned after repeated failures", { attempts, error: message });
        this.db.prepare("DELETE FROM memory_outbox WHERE id = ?").run(row.id);
        return null;
      }
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1));
      this.db.prepare("UPDATE memory_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?").run(attempts, Date.now() + delay, message.slice(0, 500), row.id);
      this.logger.warn("memory write failed; queued for retry", { attempts, retry_in_ms: delay, error: message });
      return null;
    }
  }
}
