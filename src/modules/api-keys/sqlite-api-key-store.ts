import type Database from "better-sqlite3";
import { newId } from "../../core/ids.js";
import type { ApiKey, ApiKeyStore, NewApiKey } from "./types.js";

interface KeyRow {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

const COLUMNS = "id, user_id, name, prefix, created_at, last_used_at";
const toKey = (row: KeyRow): ApiKey => ({
  id: row.id,
  userId: row.user_id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

export class SqliteApiKeyStore implements ApiKeyStore {
  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        last_used_at TEXT
      );
      CREATE INDEX IF NOT EXISTS api_keys_user ON api_keys(user_id);
    `);
  }

  async create(key: NewApiKey, limit: number): Promise<ApiKey | null> {
    const row = { id: newId(), user_id: key.userId, name: key.name, prefix: key.prefix, secret_hash: key.secretHash, created_at: new Date().toISOString() };
    // The count and the insert in one statement: two requests at once cannot both slip under the limit.
    const result = this.db
      .prepare(
        `INSERT INTO api_keys (id, user_id, name, prefix, secret_hash, created_at)
         SELECT @id, @user_id, @name, @prefix, @secret_hash, @created_at
         WHERE (SELECT COUNT(*) FROM api_keys WHERE user_id = @user_id) < @limit`,
      )
      .run({ ...row, limit });
    return result.changes === 1 ? toKey({ ...row, last_used_at: null }) : null;
  }

  async list(userId: string): Promise<ApiKey[]> {
    return this.db.prepare<[string], KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE user_id = ? ORDER BY created_at DESC, id`).all(userId).map(toKey);
  }

  async findByHash(secretHash: string): Promise<ApiKey | null> {
    const row = this.db.prepare<[string], KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE secret_hash = ?`).get(secretHash);
    return row ? toKey(row) : null;
  }

  async revoke(userId: string, id: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM api_keys WHERE id = ? AND user_id = ?").run(id, userId).changes === 1;
  }

  async markUsed(id: string, at: Date, unlessAfter: Date): Promise<void> {
    this.db
      .prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)")
      .run(at.toISOString(), id, unlessAfter.toISOString());
  }

  async exportUser(userId: string): Promise<unknown> {
    return (await this.list(userId)).map(({ userId: _owner, ...key }) => key);
  }

  async eraseUser(userId: string): Promise<void> {
    this.db.prepare("DELETE FROM api_keys WHERE user_id = ?").run(userId);
  }
}
