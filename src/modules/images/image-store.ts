import type Database from "better-sqlite3";
import { isUuid, newId } from "../../core/ids.js";
import type { CleanImage, ImageMime } from "./image-intake.js";

/** Who put a picture in the conversation: the person attached it, or Rose drew it. */
export type ImageOrigin = "person" | "rose";

export interface StoredImage {
  mime: ImageMime;
  bytes: Buffer;
}

/** A picture's description, without its bytes (for exports). */
export interface ImageRecord {
  id: string;
  session_id: string;
  origin: ImageOrigin;
  mime: ImageMime;
  width: number;
  height: number;
  created_at: string;
}

/**
 * Pictures of a conversation, the person's and Rose's, kept as long as the conversation (unlike reply
 * audio, they are part of what was said). Only the owner finds a picture: anyone else's id answers "not
 * found". The thread's messages hold only ids; bytes live here and never in graph state or checkpoints.
 */
export interface ImageStore {
  /** Stores a clean (re-encoded) picture and returns its id. */
  save(ownerId: string, sessionId: string, origin: ImageOrigin, image: CleanImage): Promise<string>;
  /** The owner's picture for a well-formed id, or null. */
  find(ownerId: string, id: string): Promise<StoredImage | null>;
  /** Takes back pictures of a turn that never joined the thread. */
  remove(ownerId: string, ids: string[]): Promise<void>;
  /** A conversation is forgotten: its pictures go with it. */
  deleteSession(sessionId: string): Promise<void>;
  /** Every picture of the person, described, with its bytes in base64 (their data, for the export archive). */
  exportUser(userId: string): Promise<Array<ImageRecord & { data_base64: string }>>;
  eraseUser(userId: string): Promise<void>;
}

/** Ids are UUIDs and nothing else, so an id is never a path or a pattern. */
export const isImageId = (id: string): boolean => isUuid(id);

interface ImageRow extends ImageRecord {
  bytes: Buffer;
}

/** Pictures in the service's SQLite file (DATA_DIR/memory.db), beside the conversations they belong to, and in its backups. */
export class SqliteImageStore implements ImageStore {
  constructor(private readonly db: Database.Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS images (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        origin TEXT NOT NULL,
        mime TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS images_owner ON images(owner_id);
      CREATE INDEX IF NOT EXISTS images_session ON images(session_id);
    `);
  }

  async save(ownerId: string, sessionId: string, origin: ImageOrigin, image: CleanImage): Promise<string> {
    const id = newId();
    this.db
      .prepare("INSERT INTO images (id, owner_id, session_id, origin, mime, width, height, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .run(id, ownerId, sessionId, origin, image.mime, image.width, image.height, image.bytes, new Date().toISOString());
    return id;
  }

  async find(ownerId: string, id: string): Promise<StoredImage | null> {
    if (!isImageId(id)) return null;
    const row = this.db.prepare<[string, string], StoredImage>("SELECT mime, bytes FROM images WHERE id = ? AND owner_id = ?").get(id, ownerId);
    return row ?? null;
  }

  async remove(ownerId: string, ids: string[]): Promise<void> {
    const statement = this.db.prepare("DELETE FROM images WHERE id = ? AND owner_id = ?");
    this.db.transaction(() => ids.forEach((id) => statement.run(id, ownerId)))();
  }

  async deleteSession(sessionId: string): Promise<void> {
    this.db.prepare("DELETE FROM images WHERE session_id = ?").run(sessionId);
  }

  async exportUser(userId: string): Promise<Array<ImageRecord & { data_base64: string }>> {
    const rows = this.db.prepare<[string], ImageRow>("SELECT * FROM images WHERE owner_id = ? ORDER BY created_at").all(userId);
    return rows.map(({ bytes, ...row }) => ({ ...pick(row), data_base64: bytes.toString("base64") }));
  }

  async eraseUser(userId: string): Promise<void> {
    this.db.prepare("DELETE FROM images WHERE owner_id = ?").run(userId);
  }
}

/** The exported fields only (never the owner id column). */
export function pick(row: ImageRecord): ImageRecord {
  return { id: row.id, session_id: row.session_id, origin: row.origin, mime: row.mime, width: row.width, height: row.height, created_at: row.created_at };
}
