import type pg from "pg";
import { newId } from "../../core/ids.js";
import type { CleanImage } from "./image-intake.js";
import { type ImageOrigin, type ImageRecord, type ImageStore, isImageId, pick, type StoredImage } from "./image-store.js";

/** Pictures in PostgreSQL, for several instances: a picture sent through one instance is served by any other. */
export class PgImageStore implements ImageStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(pool: pg.Pool): Promise<PgImageStore> {
    await pool.query(`
      CREATE TABLE IF NOT EXISTS rose_images (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        origin TEXT NOT NULL,
        mime TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bytes BYTEA NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX IF NOT EXISTS rose_images_owner ON rose_images(owner_id);
      CREATE INDEX IF NOT EXISTS rose_images_session ON rose_images(session_id);
    `);
    return new PgImageStore(pool);
  }

  async save(ownerId: string, sessionId: string, origin: ImageOrigin, image: CleanImage): Promise<string> {
    const id = newId();
    await this.pool.query(
      "INSERT INTO rose_images (id, owner_id, session_id, origin, mime, width, height, bytes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())",
      [id, ownerId, sessionId, origin, image.mime, image.width, image.height, image.bytes],
    );
    return id;
  }

  async find(ownerId: string, id: string): Promise<StoredImage | null> {
    if (!isImageId(id)) return null;
    const { rows } = await this.pool.query<StoredImage>("SELECT mime, bytes FROM rose_images WHERE id = $1 AND owner_id = $2", [id, ownerId]);
    return rows[0] ?? null;
  }

  async remove(ownerId: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query("DELETE FROM rose_images WHERE owner_id = $1 AND id = ANY($2::text[])", [ownerId, ids]);
  }

  async deleteSession(sessionId: string): Promise<void> {
    await this.pool.query("DELETE FROM rose_images WHERE session_id = $1", [sessionId]);
  }

  async exportUser(userId: string): Promise<Array<ImageRecord & { data_base64: string }>> {
    const { rows } = await this.pool.query<Omit<ImageRecord, "created_at"> & { created_at: Date; bytes: Buffer }>(
      "SELECT * FROM rose_images WHERE owner_id = $1 ORDER BY created_at",
      [userId],
    );
    return rows.map(({ bytes, created_at, ...row }) => ({ ...pick({ ...row, created_at: created_at.toISOString() }), data_base64: bytes.toString("base64") }));
  }

  async eraseUser(userId: string): Promise<void> {
    await this.pool.query("DELETE FROM rose_images WHERE owner_id = $1", [userId]);
  }
}
