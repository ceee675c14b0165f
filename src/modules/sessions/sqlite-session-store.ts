import type Database from "better-sqlite3";
import { newId } from "../../core/ids.js";
import type { Session, SessionStore } from "./types.js";

interface SessionRow {
  id: string;
  user_id: string;
  created_at: string;
  last_active_at: string;
}

const toSession = (row: SessionRow): Session => ({ id: row.id, userId: row.user_id, createdAt: row.created_at, lastActiveAt: row.last_active_at });

export class SqliteSessionStore implements SessionStore {
  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_active_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
      CREATE INDEX IF NOT EXISTS sessions_last_active ON sessions(last_active_at);
    `);
  }

  async create(userId: string): Promise<Session> {
    const now = new Date().toISOString();
    const row: SessionRow = { id: newId(), user_id: userId, created_at: now, last_active_at: now };
    this.db.prepare("INSERT INTO sessions (id, user_id, created_at, last_active_at) VALUES (@id, @user_id, @created_at, @last_active_at)").run(row);
    return toSession(row);
  }

  async findOwned(id: string, userId: string): Promise<Session | null> {
    const row = this.db.prepare<[string, string], SessionRow>("SELECT * FROM sessions WHERE id = ? AND user_id = ?").get(id, userId);
    return row ? toSession(row) : null;
  }

  async touch(id: string): Promise<void> {
    this.db.prepare("UPDATE sessions SET last_active_at = ? WHERE id = ?").run(new Date().toISOString(), id);
  }

  async delete(id: string): Promise<void> {
    this.db.prepare("DELETE FROM sessions WHERE id = ?").run(id);
  }

  async idleSince(cutoff: Date, limit: number): Promise<Session[]> {
    return this.db
      .prepare<[string, number], SessionRow>("SELECT * FROM sessions WHERE last_active_at < ? ORDER BY last_active_at LIMIT ?")
      .all(cutoff.toISOString(), limit)
      .map(toSession);
  }

  async countActiveSince(since: Date): Promise<number> {
    return this.db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM sessions WHERE last_active_at >= ?").get(since.toISOString())?.n ?? 0;
  }
}
