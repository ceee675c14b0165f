import type pg from "pg";
import { type AudioStore, isAudioId, newAudioId, ownerKey, type StoredAudio } from "./audio-store.js";
import type { SpokenAudio } from "./types.js";

/**
 * Audio in PostgreSQL, for several instances: a reply spoken on one instance can be fetched through
 * any other. Replies are small (tens to hundreds of KB) and live minutes to hours, so a bytea row is
 * simpler and safer than a shared volume.
 */
export class PgAudioStore implements AudioStore {
  readonly name = "reply_audio";

  private constructor(
    private readonly pool: pg.Pool,
    readonly ttlMs: number,
  ) {}

  static async open(pool: pg.Pool, ttlMs: number): Promise<PgAudioStore> {
    await pool.query(`
      CREATE TABLE IF NOT EXISTS rose_audio (
        id TEXT PRIMARY KEY,
        owner_key TEXT NOT NULL,
        mime TEXT NOT NULL,
        bytes BYTEA NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX IF NOT EXISTS rose_audio_created ON rose_audio(created_at);
      CREATE INDEX IF NOT EXISTS rose_audio_owner ON rose_audio(owner_key);
      ALTER TABLE rose_audio ADD COLUMN IF NOT EXISTS session_id TEXT;
    `);
    return new PgAudioStore(pool, ttlMs);
  }

  async save(ownerId: string, audio: SpokenAudio, sessionId?: string): Promise<string> {
    const id = newAudioId(audio.mime);
    await this.pool.query("INSERT INTO rose_audio (id, owner_key, mime, bytes, created_at, session_id) VALUES ($1, $2, $3, $4, $5, $6)", [
      id,
      ownerKey(ownerId),
      audio.mime,
      audio.bytes,
      new Date(),
      sessionId ?? null,
    ]);
    return id;
  }

  async eraseSession(ownerId: string, sessionId: string): Promise<void> {
    await this.pool.query("DELETE FROM rose_audio WHERE owner_key = $1 AND session_id = $2", [ownerKey(ownerId), sessionId]);
  }

  async find(ownerId: string, id: string): Promise<StoredAudio | null> {
    if (!isAudioId(id)) return null;
    const { rows } = await this.pool.query<{ mime: string; bytes: Buffer }>(
      "SELECT mime, bytes FROM rose_audio WHERE id = $1 AND owner_key = $2 AND created_at > $3",
      [id, ownerKey(ownerId), new Date(Date.now() - this.ttlMs)],
    );
    return rows[0] ?? null;
  }

  async exportUser(ownerId: string): Promise<Array<{ id: string; mime: string; created_at: string }>> {
    const { rows } = await this.pool.query<{ id: string; mime: string; created_at: Date }>(
      "SELECT id, mime, created_at FROM rose_audio WHERE owner_key = $1 ORDER BY created_at",
      [ownerKey(ownerId)],
    );
    return rows.map((r) => ({ id: r.id, mime: r.mime, created_at: r.created_at.toISOString() }));
  }

  async eraseUser(ownerId: string): Promise<void> {
    await this.pool.query("DELETE FROM rose_audio WHERE owner_key = $1", [ownerKey(ownerId)]);
  }

  async removeExpired(now = Date.now()): Promise<{ removed: number }> {
    const { rowCount } = await this.pool.query("DELETE FROM rose_audio WHERE created_at <= $1", [new Date(now - this.ttlMs)]);
    return { removed: rowCount ?? 0 };
  }
}
