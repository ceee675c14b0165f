import type pg from "pg";
import type { ConversationLinkStore } from "./types.js";

export class PgConversationLinkStore implements ConversationLinkStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PgConversationLinkStore> {
    await pool.query(`
      CREATE TABLE IF NOT EXISTS rose_client_conversations (
        user_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        session_id TEXT NOT NULL,
        linked_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (user_id, fingerprint)
      );
      CREATE INDEX IF NOT EXISTS rose_client_conversations_session ON rose_client_conversations(session_id);
    `);
    return new PgConversationLinkStore(pool);
  }

  async find(userId: string, fingerprints: string[]): Promise<string | null> {
    if (fingerprints.length === 0) return null;
    const { rows } = await this.pool.query<{ session_id: string; fingerprint: string }>(
      "SELECT session_id, fingerprint FROM rose_client_conversations WHERE user_id = $1 AND fingerprint = ANY($2::text[])",
      [userId, fingerprints],
    );
    for (const fingerprint of fingerprints) {
      const row = rows.find((r) => r.fingerprint === fingerprint);
      if (row) return row.session_id;
    }
    return null;
  }

  async link(userId: string, fingerprints: string[], sessionId: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO rose_client_conversations (user_id, fingerprint, session_id, linked_at)
       SELECT $1, f, $3, now() FROM unnest($2::text[]) AS f
       ON CONFLICT (user_id, fingerprint) DO UPDATE SET session_id = excluded.session_id, linked_at = excluded.linked_at`,
      [userId, fingerprints, sessionId],
    );
  }

  async exportUser(userId: string): Promise<unknown> {
    const { rows } = await this.pool.query<{ session_id: string; linked_at: Date }>(
      "SELECT session_id, linked_at FROM rose_client_conversations WHERE user_id = $1 ORDER BY linked_at",
      [userId],
    );
    return rows.map((r) => ({ session_id: r.session_id, linked_at: r.linked_at.toISOString() }));
  }

  async eraseUser(userId: string): Promise<void> {
    await this.pool.query("DELETE FROM rose_client_conversations WHERE user_id = $1", [userId]);
  }
}
