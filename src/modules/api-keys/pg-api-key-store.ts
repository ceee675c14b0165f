import type pg from "pg";
import { newId } from "../../core/ids.js";
import type { ApiKey, ApiKeyStore, NewApiKey } from "./types.js";

interface KeyRow {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
}

const COLUMNS = "id, user_id, name, prefix, created_at, last_used_at";
const toKey = (row: KeyRow): ApiKey => ({
  id: row.id,
  userId: row.user_id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.created_at.toISOString(),
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
});

export class PgApiKeyStore implements ApiKeyStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PgApiKeyStore> {
    await pool.query(`
      CREATE TABLE IF NOT EXISTS rose_api_keys (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        created_at TIMESTAMPTZ NOT NULL,
        last_used_at TIMESTAMPTZ
      );
      CREATE INDEX IF NOT EXISTS rose_api_keys_user ON rose_api_keys(user_id);
    `);
    return new PgApiKeyStore(pool);
  }

  async create(key: NewApiKey, limit: number): Promise<ApiKey | null> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      // One person's key creations take turns (a transaction-scoped advisory lock), so the count holds.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('rose_api_keys:' || $1))", [key.userId]);
      const { rows: counted } = await client.query<{ n: string }>("SELECT COUNT(*) AS n FROM rose_api_keys WHERE user_id = $1", [key.userId]);
      if (Number(counted[0]?.n ?? 0) >= limit) {
        await client.query("ROLLBACK");
        return null;
      }
      const { rows } = await client.query<KeyRow>(
        `INSERT INTO rose_api_keys (id, user_id, name, prefix, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5, now()) RETURNING ${COLUMNS}`,
        [newId(), key.userId, key.name, key.prefix, key.secretHash],
      );
      await client.query("COMMIT");
      return toKey(rows[0]!);
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async list(userId: string): Promise<ApiKey[]> {
    const { rows } = await this.pool.query<KeyRow>(`SELECT ${COLUMNS} FROM rose_api_keys WHERE user_id = $1 ORDER BY created_at DESC, id`, [userId]);
    return rows.map(toKey);
  }

  async findByHash(secretHash: string): Promise<ApiKey | null> {
    const { rows } = await this.pool.query<KeyRow>(`SELECT ${COLUMNS} FROM rose_api_keys WHERE secret_hash = $1`, [secretHash]);
    return rows[0] ? toKey(rows[0]) : null;
  }

  async revoke(userId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("DELETE FROM rose_api_keys WHERE id = $1 AND user_id = $2", [id, userId]);
    return rowCount === 1;
  }

  async markUsed(id: string, at: Date, unlessAfter: Date): Promise<void> {
    await this.pool.query("UPDATE rose_api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)", [id, at, unlessAfter]);
  }

  async exportUser(userId: string): Promise<unknown> {
    return (await this.list(userId)).map(({ userId: _owner, ...key }) => key);
  }

  async eraseUser(userId: string): Promise<void> {
    await this.pool.query("DELETE FROM rose_api_keys WHERE user_id = $1", [userId]);
  }
}
