import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import * as sqliteVec from "sqlite-vec";
import type { KeywordHit, MemoryChanges, MemoryStore, VectorHit } from "./store.js";
import { type Memory, type MemoryType, normalizeMemoryText } from "./types.js";

interface MemoryRow {
  rowid: number;
  id: string;
  user_id: string;
  text: string;
  type: MemoryType;
  importance: number;
  created_at: string;
  updated_at: string;
  source_session_id: string | null;
  metadata: string | null;
}

const toMemory = (row: MemoryRow): Memory => ({
  id: row.id,
  userId: row.user_id,
  text: row.text,
  type: row.type,
  importance: row.importance,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  ...(row.source_session_id ? { sourceSessionId: row.source_session_id } : {}),
  ...(row.metadata ? { metadata: JSON.parse(row.metadata) as Record<string, unknown> } : {}),
});

/** One alphanumeric token per user (any id format), so FTS5 can index and match it exactly. */
const userKey = (userId: string) => `u${createHash("sha256").update(userId).digest("hex").slice(0, 32)}`;

const asBlob = (vector: Float32Array) => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);

/**
 * The embedded store: one SQLite file in DATA_DIR holding the memories, a sqlite-vec index partitioned by
 * user id (a KNN query only ever scans that user's vectors) and an FTS5 index for keywords.
 */
export class SqliteVecMemoryStore implements MemoryStore {
  readonly name = "sqlite-vec";
  private readonly db: Database.Database;

  constructor(path: string, readonly dimensions = 384) {
    this.db = new Database(path);
    sqliteVec.load(this.db);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS memories (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        text TEXT NOT NULL,
        normalized TEXT NOT NULL,
        type TEXT NOT NULL,
        importance REAL NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        source_session_id TEXT,
        metadata TEXT,
        embedder TEXT NOT NULL,
        user_key TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS memories_user_normalized ON memories(user_id, normalized);
      CREATE INDEX IF NOT EXISTS memories_user_updated ON memories(user_id, updated_at);
      CREATE INDEX IF NOT EXISTS memories_embedder ON memories(embedder);
      CREATE VIRTUAL TABLE IF NOT EXISTS memory_vectors USING vec0(
        user_id TEXT PARTITION KEY,
        embedding FLOAT[${dimensions}] DISTANCE_METRIC=cosine,
        embedder TEXT
      );
      -- user_key is indexed in the FTS table so a keyword search intersects with one user's postings
      -- instead of matching every user's memories and filtering afterwards.
      CREATE VIRTUAL TABLE IF NOT EXISTS memories_fts USING fts5(text, user_key, content='memories', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2');
      CREATE TRIGGER IF NOT EXISTS memories_ai AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts(rowid, text, user_key) VALUES (new.rowid, new.text, new.user_key);
      END;
      CREATE TRIGGER IF NOT EXISTS memories_ad AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, text, user_key) VALUES ('delete', old.rowid, old.text, old.user_key);
        DELETE FROM memory_vectors WHERE rowid = old.rowid;
      END;
      CREATE TRIGGER IF NOT EXISTS memories_au AFTER UPDATE OF text ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, text, user_key) VALUES ('delete', old.rowid, old.text, old.user_key);
        INSERT INTO memories_fts(rowid, text, user_key) VALUES (new.rowid, new.text, new.user_key);
      END;
    `);
  }

  async insert(memory: Memory, vector: Float32Array, embedderId: string): Promise<void> {
    await this.insertMany([{ memory, vector }], embedderId);
  }

  async insertMany(items: Array<{ memory: Memory; vector: Float32Array }>, embedderId: string): Promise<void> {
    // One transaction: a failure on any row (a bad vector, a full disk) rolls back the rows before it.
    this.db.transaction(() => {
      for (const { memory, vector } of items) this.insertRow(memory, vector, embedderId);
    })();
  }

  private insertRow(memory: Memory, vector: Float32Array, embedderId: string): void {
    const { lastInsertRowid } = this.db
      .prepare(
        `INSERT INTO memories (id, user_id, text, normalized, type, importance, created_at, updated_at, source_session_id, metadata, embedder, user_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        memory.id,
        memory.userId,
        memory.text,
        normalizeMemoryText(memory.text),
        memory.type,
        memory.importance,
        memory.createdAt,
        memory.updatedAt,
        memory.sourceSessionId ?? null,
        memory.metadata ? JSON.stringify(memory.metadata) : null,
        embedderId,
        userKey(memory.userId),
      );
    this.insertVector(BigInt(lastInsertRowid), memory.userId, vector, embedderId);
  }

  async update(userId: string, id: string, changes: MemoryChanges, vector: Float32Array, embedderId: string): Promise<Memory | null> {
    return this.db.transaction(() => {
      const row = this.db
        .prepare<unknown[], MemoryRow>(
          `UPDATE memories SET text = ?, normalized = ?, type = ?, importance = ?, updated_at = ?, source_session_id = COALESCE(?, source_session_id), embedder = ?
           WHERE id = ? AND user_id = ? RETURNING *`,
        )
        .get(changes.text, normalizeMemoryText(changes.text), changes.type, changes.importance, changes.updatedAt, changes.sourceSessionId ?? null, embedderId, id, userId);
      if (!row) return null;
      this.db.prepare("DELETE FROM memory_vectors WHERE rowid = ?").run(BigInt(row.rowid));
      this.insertVector(BigInt(row.rowid), userId, vector, embedderId);
      return toMemory(row);
    })();
  }

  async get(userId: string, id: string): Promise<Memory | null> {
    const row = this.db.prepare<[string, string], MemoryRow>("SELECT * FROM memories WHERE id = ? AND user_id = ?").get(id, userId);
    return row ? toMemory(row) : null;
  }

  async findByNormalizedText(userId: string, normalized: string): Promise<Memory | null> {
    const row = this.db.prepare<[string, string], MemoryRow>("SELECT * FROM memories WHERE user_id = ? AND normalized = ? LIMIT 1").get(userId, normalized);
    return row ? toMemory(row) : null;
  }

  async vectorSearch(userId: string, vector: Float32Array, embedderId: string, limit: number): Promise<VectorHit[]> {
    const rows = this.db
      .prepare<[Buffer, number, string, string], MemoryRow & { distance: number }>(
        `WITH nearest AS (
           SELECT rowid, distance FROM memory_vectors
           WHERE embedding MATCH ? AND k = ? AND user_id = ? AND embedder = ?
         )
         SELECT m.*, nearest.distance FROM nearest JOIN memories m ON m.rowid = nearest.rowid ORDER BY nearest.distance`,
      )
      .all(asBlob(vector), limit, userId, embedderId);
    return rows.map((row) => ({ memory: toMemory(row), similarity: 1 - row.distance }));
  }

  async keywordSearch(userId: string, words: string[], limit: number): Promise<KeywordHit[]> {
    if (words.length === 0) return [];
    // Quoting every word keeps user text from being read as FTS5 query syntax.
    const query = `user_key:${userKey(userId)} AND text:(${words.map((w) => `"${w.replaceAll('"', "")}"`).join(" OR ")})`;
    const rows = this.db
      .prepare<[string, string, number], MemoryRow & { rank: number }>(
        `SELECT m.*, bm25(memories_fts) AS rank FROM memories_fts
         JOIN memories m ON m.rowid = memories_fts.rowid
         WHERE memories_fts MATCH ? AND m.user_id = ?
         ORDER BY rank LIMIT ?`,
      )
      .all(query, userId, limit);
    return rows.map((row) => ({ memory: toMemory(row), score: -row.rank }));
  }

  async list(userId: string, { limit, offset }: { limit: number; offset: number }): Promise<Memory[]> {
    return this.db
      .prepare<[string, number, number], MemoryRow>("SELECT * FROM memories WHERE user_id = ? ORDER BY updated_at DESC, rowid DESC LIMIT ? OFFSET ?")
      .all(userId, limit, offset)
      .map(toMemory);
  }

  async count(userId: string): Promise<number> {
    return this.db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM memories WHERE user_id = ?").get(userId)?.n ?? 0;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM memories WHERE id = ? AND user_id = ?").run(id, userId).changes > 0;
  }

  async deleteAll(userId: string): Promise<number> {
    return this.db.prepare("DELETE FROM memories WHERE user_id = ?").run(userId).changes;
  }

  async staleVectors(embedderId: string, limit: number): Promise<Array<{ userId: string; id: string; text: string }>> {
    return this.db
      .prepare<[string, number], { user_id: string; id: string; text: string }>("SELECT user_id, id, text FROM memories WHERE embedder <> ? LIMIT ?")
      .all(embedderId, limit)
      .map((r) => ({ userId: r.user_id, id: r.id, text: r.text }));
  }

  async replaceVector(userId: string, id: string, vector: Float32Array, embedderId: string): Promise<void> {
    this.db.transaction(() => {
      const row = this.db.prepare<[string, string], { rowid: number }>("SELECT rowid FROM memories WHERE id = ? AND user_id = ?").get(id, userId);
      if (!row) return;
      this.db.prepare("UPDATE memories SET embedder = ? WHERE rowid = ?").run(embedderId, row.rowid);
      this.db.prepare("DELETE FROM memory_vectors WHERE rowid = ?").run(BigInt(row.rowid));
      this.insertVector(BigInt(row.rowid), userId, vector, embedderId);
    })();
  }

  async backup(path: string): Promise<void> {
    await this.db.backup(path);
  }

  async ping(): Promise<void> {
    this.db.prepare("SELECT 1").get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private insertVector(rowid: bigint, userId: string, vector: Float32Array, embedderId: string): void {
    if (vector.length !== this.dimensions) throw new Error(`vector has ${vector.length} dimensions, the store expects ${this.dimensions}`);
    this.db.prepare("INSERT INTO memory_vectors (rowid, user_id, embedding, embedder) VALUES (?, ?, ?, ?)").run(rowid, userId, asBlob(vector), embedderId);
  }
}
