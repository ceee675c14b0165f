import type Database from "better-sqlite3";
import type { ConversationLinkStore } from "./types.js";

export class SqliteConversationLinkStore implements ConversationLinkStore {
  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS client_conversations (
        user_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        session_id TEXT NOT NULL,
        linked_at TEXT NOT NULL,
        PRIMARY KEY (user_id, fingerprint)
      );
      CREATE INDEX IF NOT EXISTS client_conversations_session ON client_conversations(session_id);
    `);
  }

  async find(userId: string, fingerprints: string[]): Promise<string | null> {
    const lookup = this.db.prepare<[string, string], { session_id: string }>(
      "SELECT session_id FROM client_conversations WHERE user_id = ? AND fingerprint = ?",
    );
    for (const fingerprint of fingerprints) {
      const row = lookup.get(userId, fingerprint);
      if (row) return row.session_id;
    }
    return null;
  }

  async link(userId: string, fingerprints: string[], sessionId: string): Promise<void> {
    const upsert = this.db.prepare(
      `INSERT INTO client_conversations (user_id, fingerprint, session_id, linked_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, fingerprint) DO UPDATE SET session_id = excluded.session_id, linked_at = excluded.linked_at`,
    );
    const now = new Date().toISOString();
    this.db.transaction(() => fingerprints.forEach((f) => upsert.run(userId, f, sessionId, now)))();
  }

  async exportUser(userId: string): Promise<unknown> {
    return this.db
      .prepare<[string], { session_id: string; linked_at: string }>(
        "SELECT session_id, linked_at FROM client_conversations WHERE user_id = ? ORDER BY linked_at",
      )
      .all(userId);
  }

  async eraseUser(userId: string): Promise<void> {
    this.db.prepare("DELETE FROM client_conversations WHERE user_id = ?").run(userId);
  }
}
