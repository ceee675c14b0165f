import type Database from "better-sqlite3";
import { newId } from "../../core/ids.js";
import type { Session, SessionCursor, SessionStore, TurnSummary } from "./types.js";

interface SessionRow {
  id: string;
  user_id: string;
  created_at: string;
  last_active_at: string;
  title: string | null;
  preview: string | null;
  message_count: number;
  updated_at: string | null;
}

const toSession = (row: SessionRow): Session => ({
  id: row.id,
  userId: row.user_id,
  createdAt: row.created_at,
  lastActiveAt: row.last_active_at,
  title: row.title,
  preview: row.preview,
  messageCount: row.message_count,
  updatedAt: row.updated_at ?? row.created_at,
});

/** Columns the conversation list added to the original table: added in place to an older file. */
const LISTING_COLUMNS: Array<[name: string, definition: string]> = [
  ["title", "TEXT"],
  ["preview", "TEXT"],
  ["message_count", "INTEGER NOT NULL DEFAULT 0"],
  ["updated_at", "TEXT"],
];

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
    const columns = new Set(
      db
        .prepare<[], { name: string }>("PRAGMA table_info(sessions)")
        .all()
        .map((c) => c.name),
    );
    for (const [name, definition] of LISTING_COLUMNS) if (!columns.has(name)) db.exec(`ALTER TABLE sessions ADD COLUMN ${name} ${definition}`);
    // Sessions from before the list get their creation as their last change.
    db.exec(`
      UPDATE sessions SET updated_at = created_at WHERE updated_at IS NULL;
      CREATE INDEX IF NOT EXISTS sessions_user_updated ON sessions(user_id, updated_at DESC, id DESC);
    `);
  }

  async create(userId: string): Promise<Session> {
    const now = new Date().toISOString();
    const row: SessionRow = {
      id: newId(),
      user_id: userId,
      created_at: now,
      last_active_at: now,
      title: null,
      preview: null,
      message_count: 0,
      updated_at: now,
    };
    this.db
      .prepare(
        "INSERT INTO sessions (id, user_id, created_at, last_active_at, message_count, updated_at) VALUES (@id, @user_id, @created_at, @last_active_at, 0, @updated_at)",
      )
      .run(row);
    return toSession(row);
  }

  async findOwned(id: string, userId: string): Promise<Session | null> {
    const row = this.db.prepare<[string, string], SessionRow>("SELECT * FROM sessions WHERE id = ? AND user_id = ?").get(id, userId);
    return row ? toSession(row) : null;
  }

  async listOwned(userId: string, { limit, before }: { limit: number; before?: SessionCursor }): Promise<Session[]> {
    // ISO times of one format sort as strings; the id breaks ties so a page boundary never skips or repeats.
    const rows = before
      ? this.db
          .prepare<[string, string, string, string, number], SessionRow>(
            "SELECT * FROM sessions WHERE user_id = ? AND (updated_at < ? OR (updated_at = ? AND id < ?)) ORDER BY updated_at DESC, id DESC LIMIT ?",
          )
          .all(userId, before.updatedAt, before.updatedAt, before.id, limit)
      : this.db.prepare<[string, number], SessionRow>("SELECT * FROM sessions WHERE user_id = ? ORDER BY updated_at DESC, id DESC LIMIT ?").all(userId, limit);
    return rows.map(toSession);
  }

  async touch(id: string): Promise<void> {
    this.db.prepare("UPDATE sessions SET last_active_at = ? WHERE id = ?").run(new Date().toISOString(), id);
  }

  async recordTurn(id: string, turn: TurnSummary): Promise<Session | null> {
    const at = turn.at.toISOString();
    const row = this.db
      .prepare<unknown[], SessionRow>(
        "UPDATE sessions SET preview = ?, message_count = message_count + ?, updated_at = ?, last_active_at = ? WHERE id = ? RETURNING *",
      )
      .get(turn.preview, turn.addedMessages, at, at, id);
    return row ? toSession(row) : null;
  }

  async resetMessages(id: string): Promise<void> {
    this.db.prepare("UPDATE sessions SET preview = NULL, message_count = 0, updated_at = ? WHERE id = ?").run(new Date().toISOString(), id);
  }

  async setTitle(id: string, title: string, { onlyIfUntitled = false } = {}): Promise<boolean> {
    const sql = onlyIfUntitled ? "UPDATE sessions SET title = ? WHERE id = ? AND title IS NULL" : "UPDATE sessions SET title = ? WHERE id = ?";
    return this.db.prepare(sql).run(title, id).changes > 0;
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

  async exportUser(userId: string): Promise<Session[]> {
    return this.db.prepare<[string], SessionRow>("SELECT * FROM sessions WHERE user_id = ? ORDER BY created_at, id").all(userId).map(toSession);
  }

  async eraseUser(userId: string): Promise<void> {
    this.db.prepare("DELETE FROM sessions WHERE user_id = ?").run(userId);
  }
}
