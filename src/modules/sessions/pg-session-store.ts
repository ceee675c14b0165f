import type pg from "pg";
import { newId } from "../../core/ids.js";
import type { Session, SessionStore } from "./types.js";

interface SessionRow {
  id: string;
  user_id: string;
  created_at: Date;
  last_active_at: Date;
}

const toSession = (row: SessionRow): Session => ({
  id: row.id,
  userId: row.user_id,
  createdAt: row.created_at.toISOString(),
  lastActiveAt: row.last_active_at.toISOString(),
});

export class PgSessionStore implements SessionStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PgSessionStore> {
    await pool.query(`
      CREATE TABLE IF NOT EXISTS rose_sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        last_active_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX IF NOT EXISTS rose_sessions_user ON rose_sessions(user_id);
      CREATE INDEX IF NOT EXISTS rose_sessions_last_active ON rose_sessions(last_active_at);
    `);
    return new PgSessionStore(pool);
  }

  async create(userId: string): Promise<Session> {
    const now = new Date();
    const { rows } = await this.pool.query<SessionRow>(
      "INSERT INTO rose_sessions (id, user_id, created_at, last_active_at) VALUES ($1, $2, $3, $3) RETURNING *",
      [newId(), userId, now],
    );
    return toSession(rows[0]!);
  }

  async findOwned(id: string, userId: string): Promise<Session | null> {
    const { rows } = await this.pool.query<SessionRow>("SELECT * FROM rose_sessions WHERE id = $1 AND user_id = $2", [id, userId]);
    return rows[0] ? toSession(rows[0]) : null;
  }

  async touch(id: string): Promise<void> {
    await this.pool.query("UPDATE rose_sessions SET last_active_at = now() WHERE id = $1", [id]);
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
}
