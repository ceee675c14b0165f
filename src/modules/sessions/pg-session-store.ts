import type pg from "pg";
import { newId } from "../../core/ids.js";
import type { Session, SessionCursor, SessionStore, TurnSummary } from "./types.js";

interface SessionRow {
  id: string;
  user_id: string;
  created_at: Date;
  last_active_at: Date;
  title: string | null;
  preview: string | null;
  message_count: number;
  updated_at: Date | null;
}

const toSession = (row: SessionRow): Session => ({
  id: row.id,
  userId: row.user_id,
  createdAt: row.created_at.toISOString(),
  lastActiveAt: row.last_active_at.toISOString(),
  title: row.title,
  preview: row.preview,
  messageCount: row.message_count,
  updatedAt: (row.updated_at ?? row.created_at).toISOString(),
});

export class PgSessionStore implements SessionStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PgSessionStore> {
    // Listing columns are added in place to a table from before the conversation list.
    await pool.query(`
      CREATE TABLE IF NOT EXISTS rose_sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        last_active_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX IF NOT EXISTS rose_sessions_user ON rose_sessions(user_id);
      CREATE INDEX IF NOT EXISTS rose_sessions_last_active ON rose_sessions(last_active_at);
      ALTER TABLE rose_sessions ADD COLUMN IF NOT EXISTS title TEXT;
      ALTER TABLE rose_sessions ADD COLUMN IF NOT EXISTS preview TEXT;
      ALTER TABLE rose_sessions ADD COLUMN IF NOT EXISTS message_count INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE rose_sessions ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ;
      UPDATE rose_sessions SET updated_at = created_at WHERE updated_at IS NULL;
      CREATE INDEX IF NOT EXISTS rose_sessions_user_updated ON rose_sessions(user_id, updated_at DESC, id DESC);
    `);
    return new PgSessionStore(pool);
  }

  async create(userId: string): Promise<Session> {
    const now = new Date();
    const { rows } = await this.pool.query<SessionRow>(
      "INSERT INTO rose_sessions (id, user_id, created_at, last_active_at, updated_at) VALUES ($1, $2, $3, $3, $3) RETURNING *",
      [newId(), userId, now],
    );
    return toSession(rows[0]!);
  }

  async findOwned(id: string, userId: string): Promise<Session | null> {
    const { rows } = await this.pool.query<SessionRow>("SELECT * FROM rose_sessions WHERE id = $1 AND user_id = $2", [id, userId]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  async listOwned(userId: string, { limit, before }: { limit: number; before?: SessionCursor }): Promise<Session[]> {
    // Row comparison on (updated_at, id): a page boundary between equal times never skips or repeats a session.
    const { rows } = before
      ? await this.pool.query<SessionRow>(
          "SELECT * FROM rose_sessions WHERE user_id = $1 AND (updated_at, id) < ($2::timestamptz, $3) ORDER BY updated_at DESC, id DESC LIMIT $4",
          [userId, before.updatedAt, before.id, limit],
        )
      : await this.pool.query<SessionRow>("SELECT * FROM rose_sessions WHERE user_id = $1 ORDER BY updated_at DESC, id DESC LIMIT $2", [userId, limit]);
    return rows.map(toSession);
  }

  async touch(id: string): Promise<void> {
    await this.pool.query("UPDATE rose_sessions SET last_active_at = now() WHERE id = $1", [id]);
  }

  async recordTurn(id: string, turn: TurnSummary): Promise<Session | null> {
    const { rows } = await this.pool.query<SessionRow>(
      "UPDATE rose_sessions SET preview = $2, message_count = message_count + $3, updated_at = $4, last_active_at = $4 WHERE id = $1 RETURNING *",
      [id, turn.preview, turn.addedMessages, turn.at],
    );
    return rows[0] ? toSession(rows[0]) : null;
  }

  async resetMessages(id: string): Promise<void> {
    // A time from here, not now(): cursors carry milliseconds, and now()'s microseconds would fall between pages.
    await this.pool.query("UPDATE rose_sessions SET preview = NULL, message_count = 0, updated_at = $2 WHERE id = $1", [id, new Date()]);
  }

  async setTitle(id: string, title: string, { onlyIfUntitled = false } = {}): Promise<boolean> {
    const sql = onlyIfUntitled ? "UPDATE rose_sessions SET title = $2 WHERE id = $1 AND title IS NULL" : "UPDATE rose_sessions SET title = $2 WHERE id = $1";
    return ((await this.pool.query(sql, [id, title])).rowCount ?? 0) > 0;
  }

  async delete(id: string): Promise<void> {
    await this.pool.query("DELETE FROM rose_sessions WHERE id = $1", [id]);
  }

  async idleSince(cutoff: Date, limit: number): Promise<Session[]> {
    const { rows } = await this.pool.query<SessionRow>("SELECT * FROM rose_sessions WHERE last_active_at < $1 ORDER BY last_active_at LIMIT $2", [
      cutoff,
      limit,
    ]);
    return rows.map(toSession);
  }

  async countActiveSince(since: Date): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>("SELECT COUNT(*) AS n FROM rose_sessions WHERE last_active_at >= $1", [since]);
    return Number(rows[0]?.n ?? 0);
  }

  async exportUser(userId: string): Promise<Session[]> {
    const { rows } = await this.pool.query<SessionRow>("SELECT * FROM rose_sessions WHERE user_id = $1 ORDER BY created_at, id", [userId]);
    return rows.map(toSession);
  }

  async eraseUser(userId: string): Promise<void> {
    await this.pool.query("DELETE FROM rose_sessions WHERE user_id = $1", [userId]);
  }
}
