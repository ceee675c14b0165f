import Database from "better-sqlite3";
import { cacheStatements } from "../../core/statement-cache.js";
import { createHash } from "node:crypto";
import * as sqliteVec from "sqlite-vec";
import { entityKeys, extractEntities } from "./entities/extract-entities.js";
import { bm25 } from "./keywords/bm25.js";
import { indexTerms, stemTerm } from "./keywords/tokenizer.js";
import type { KeywordHit, MemoryChanges, MemoryStore, Period, VectorHit } from "./store.js";
import { type Memory, type MemoryEntity, type MemoryType, normalizeMemoryText } from "./types.js";

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
  occurred_at: string | null;
  entities: string | null;
  supersedes: string | null;
  superseded_by: string | null;
  superseded_at: string | null;
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
  occurredAt: row.occurred_at ?? row.updated_at,
  ...(row.entities ? { entities: JSON.parse(row.entities) as MemoryEntity[] } : {}),
  ...(row.supersedes ? { supersedes: row.supersedes } : {}),
  ...(row.superseded_by ? { supersededBy: row.superseded_by } : {}),
  ...(row.superseded_at ? { supersededAt: row.superseded_at } : {}),
});

/** A fixed-length key per user, kept in a column older databases require (the FTS5 index that used it is gone). */
const userKey = (userId: string) => `u${createHash("sha256").update(userId).digest("hex").slice(0, 32)}`;

/** PRAGMA user_version of a database whose keyword index is the per-person one. */
const KEYWORD_INDEX_VERSION = 1;
/** PRAGMA user_version of a database whose memories carry their time, entities and history (version 2). */
const TIME_ENTITIES_HISTORY_VERSION = 2;

const asBlob = (vector: Float32Array) => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);

/**
 * The embedded store: one SQLite file in DATA_DIR holding the memories, a sqlite-vec index partitioned by
 * user id (a KNN query only ever scans that user's vectors) and an FTS5 index for keywords.
 */
export class SqliteVecMemoryStore implements MemoryStore {
  readonly name = "sqlite-vec";
  private readonly db: Database.Database;

  constructor(
    path: string,
    readonly dimensions = 384,
  ) {
    this.db = cacheStatements(new Database(path));
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
      -- The keyword index: every person's own postings (stemmed term -> memory, with the term's frequency and the
      -- memory's length) and their own totals, so BM25 statistics never mix people (see keywords/bm25.ts).
      CREATE TABLE IF NOT EXISTS memory_people (
        person INTEGER PRIMARY KEY,
        user_id TEXT NOT NULL UNIQUE,
        documents INTEGER NOT NULL DEFAULT 0,
        terms INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE IF NOT EXISTS memory_terms (
        person INTEGER NOT NULL,
        term TEXT NOT NULL,
        memory INTEGER NOT NULL,
        tf INTEGER NOT NULL,
        length INTEGER NOT NULL,
        PRIMARY KEY (person, term, memory)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS memory_terms_memory ON memory_terms(memory);
      -- Entity keys (entities/extract-entities.ts entityKeys) per person: "rel:sister" -> the memories naming the sister.
      CREATE TABLE IF NOT EXISTS memory_entity_keys (
        person INTEGER NOT NULL,
        key TEXT NOT NULL,
        memory INTEGER NOT NULL,
        PRIMARY KEY (person, key, memory)
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS memory_entity_keys_memory ON memory_entity_keys(memory);
    `);
    this.migrate();
    this.migrateTimeEntitiesHistory();
  }

  /**
   * Schema version 2: a memory's own time (occurred_at, filled from updated_at, the time it had until now), the
   * entities it mentions (extracted here from the stored texts) and its history (what it replaced, what replaced
   * it and when). Runs once per database, in one transaction; an existing DATA_DIR keeps every memory.
   */
  private migrateTimeEntitiesHistory(): void {
    if (Number(this.db.pragma("user_version", { simple: true })) >= TIME_ENTITIES_HISTORY_VERSION) return;
    this.db.transaction(() => {
      const columns = new Set(
        this.db
          .prepare<[], { name: string }>("PRAGMA table_info(memories)")
          .all()
          .map((c) => c.name),
      );
      for (const column of ["occurred_at", "entities", "supersedes", "superseded_by", "superseded_at"]) {
        if (!columns.has(column)) this.db.exec(`ALTER TABLE memories ADD COLUMN ${column} TEXT`);
      }
      this.db.exec(`
        UPDATE memories SET occurred_at = updated_at WHERE occurred_at IS NULL;
        CREATE INDEX IF NOT EXISTS memories_user_occurred ON memories(user_id, occurred_at);
        CREATE INDEX IF NOT EXISTS memories_user_session ON memories(user_id, source_session_id, created_at);
        DROP TRIGGER IF EXISTS memories_ad;
        CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
          DELETE FROM memory_vectors WHERE rowid = old.rowid;
          UPDATE memory_people SET documents = documents - 1, terms = terms - (SELECT COALESCE(SUM(tf), 0) FROM memory_terms WHERE memory = old.rowid)
            WHERE user_id = old.user_id;
          DELETE FROM memory_terms WHERE memory = old.rowid;
          DELETE FROM memory_entity_keys WHERE memory = old.rowid;
        END;
        DELETE FROM memory_entity_keys;
      `);
      const rows = this.db.prepare<[], { rowid: number; user_id: string; text: string }>("SELECT rowid, user_id, text FROM memories").all();
      const setEntities = this.db.prepare("UPDATE memories SET entities = ? WHERE rowid = ?");
      for (const row of rows) {
        const entities = extractEntities(row.text);
        setEntities.run(entities.length ? JSON.stringify(entities) : null, row.rowid);
        this.indexEntities(row.rowid, row.user_id, entities);
      }
      this.db.pragma(`user_version = ${TIME_ENTITIES_HISTORY_VERSION}`);
    })();
  }

  /** Adds a memory's entity keys to its person's entity index (inside the caller's transaction). */
  private indexEntities(rowid: number | bigint, userId: string, entities: readonly MemoryEntity[] | undefined): void {
    const keys = entityKeys(entities);
    if (keys.length === 0) return;
    const person = this.personOf(userId);
    const insert = this.db.prepare("INSERT OR IGNORE INTO memory_entity_keys (person, key, memory) VALUES (?, ?, ?)");
    for (const key of keys) insert.run(person, key, rowid);
  }

  private personOf(userId: string): number {
    return this.db
      .prepare<[string], { person: number }>(
        "INSERT INTO memory_people (user_id) VALUES (?) ON CONFLICT(user_id) DO UPDATE SET user_id = excluded.user_id RETURNING person",
      )
      .get(userId)!.person;
  }

  /**
   * Schema version 1 replaces the FTS5 index (whose bm25() counts every person's memories) with the per-person
   * keyword index, built here from the stored memories. Runs once per database, in one transaction.
   */
  private migrate(): void {
    if (Number(this.db.pragma("user_version", { simple: true })) >= KEYWORD_INDEX_VERSION) return;
    this.db.transaction(() => {
      this.db.exec(`
        DROP TRIGGER IF EXISTS memories_ai;
        DROP TRIGGER IF EXISTS memories_au;
        DROP TRIGGER IF EXISTS memories_ad;
        DROP TABLE IF EXISTS memories_fts;
        DELETE FROM memory_terms;
        DELETE FROM memory_people;
        CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
          DELETE FROM memory_vectors WHERE rowid = old.rowid;
          UPDATE memory_people SET documents = documents - 1, terms = terms - (SELECT COALESCE(SUM(tf), 0) FROM memory_terms WHERE memory = old.rowid)
            WHERE user_id = old.user_id;
          DELETE FROM memory_terms WHERE memory = old.rowid;
        END;
      `);
      const rows = this.db.prepare<[], { rowid: number; user_id: string; text: string }>("SELECT rowid, user_id, text FROM memories").all();
      for (const row of rows) this.indexText(row.rowid, row.user_id, row.text);
      this.db.pragma(`user_version = ${KEYWORD_INDEX_VERSION}`);
    })();
  }

  /** Adds one memory to its person's keyword index and totals (inside the caller's transaction). */
  private indexText(rowid: number | bigint, userId: string, text: string): void {
    const terms = indexTerms(text);
    const { person } = this.db
      .prepare<[string, number], { person: number }>(
        "INSERT INTO memory_people (user_id, documents, terms) VALUES (?, 1, ?) ON CONFLICT(user_id) DO UPDATE SET documents = documents + 1, terms = terms + excluded.terms RETURNING person",
      )
      .get(userId, terms.length)!;
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    const insert = this.db.prepare("INSERT INTO memory_terms (person, term, memory, tf, length) VALUES (?, ?, ?, ?, ?)");
    for (const [term, tf] of counts) insert.run(person, term, rowid, tf, terms.length);
  }

  /** Takes one memory out of its person's keyword index and totals (inside the caller's transaction). */
  private unindexText(rowid: number | bigint, userId: string): void {
    this.db
      .prepare(
        "UPDATE memory_people SET documents = documents - 1, terms = terms - (SELECT COALESCE(SUM(tf), 0) FROM memory_terms WHERE memory = ?) WHERE user_id = ?",
      )
      .run(rowid, userId);
    this.db.prepare("DELETE FROM memory_terms WHERE memory = ?").run(rowid);
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
        `INSERT INTO memories (id, user_id, text, normalized, type, importance, created_at, updated_at, source_session_id, metadata, embedder, user_key,
           occurred_at, entities, supersedes, superseded_by, superseded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        memory.occurredAt ?? memory.updatedAt,
        memory.entities?.length ? JSON.stringify(memory.entities) : null,
        memory.supersedes ?? null,
        memory.supersededBy ?? null,
        memory.supersededAt ?? null,
      );
    this.insertVector(BigInt(lastInsertRowid), memory.userId, vector, embedderId);
    this.indexText(lastInsertRowid, memory.userId, memory.text);
    this.indexEntities(lastInsertRowid, memory.userId, memory.entities);
  }

  async update(userId: string, id: string, changes: MemoryChanges, vector: Float32Array, embedderId: string): Promise<Memory | null> {
    return this.db.transaction(() => {
      const row = this.db
        .prepare<unknown[], MemoryRow>(
          `UPDATE memories SET text = ?, normalized = ?, type = ?, importance = ?, updated_at = ?, source_session_id = COALESCE(?, source_session_id), embedder = ?,
             entities = ?, occurred_at = COALESCE(?, occurred_at)
           WHERE id = ? AND user_id = ? RETURNING *`,
        )
        .get(
          changes.text,
          normalizeMemoryText(changes.text),
          changes.type,
          changes.importance,
          changes.updatedAt,
          changes.sourceSessionId ?? null,
          embedderId,
          changes.entities?.length ? JSON.stringify(changes.entities) : null,
          changes.occurredAt ?? null,
          id,
          userId,
        );
      if (!row) return null;
      this.unindexText(row.rowid, userId);
      this.indexText(row.rowid, userId, row.text);
      this.db.prepare("DELETE FROM memory_entity_keys WHERE memory = ?").run(row.rowid);
      this.indexEntities(row.rowid, userId, changes.entities);
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

  /** BM25 over this person's own keyword index: their postings, their document count and mean length. */
  async keywordSearch(userId: string, words: string[], limit: number, period?: Period): Promise<KeywordHit[]> {
    const stems = [...new Set(words.map(stemTerm).filter(Boolean))];
    if (stems.length === 0 || limit <= 0) return [];
    const person = this.db
      .prepare<[string], { person: number; documents: number; terms: number }>("SELECT person, documents, terms FROM memory_people WHERE user_id = ?")
      .get(userId);
    if (!person) return [];
    const postings = this.db.prepare<[number, string], { memory: number; tf: number; length: number }>(
      "SELECT memory, tf, length FROM memory_terms WHERE person = ? AND term = ?",
    );
    const lists = stems.map((stem) => postings.all(person.person, stem).map((p) => ({ doc: p.memory, tf: p.tf, length: p.length })));
    const inPeriod = period
      ? new Set(
          this.db
            .prepare<[string, string, string], { rowid: number }>("SELECT rowid FROM memories WHERE user_id = ? AND occurred_at >= ? AND occurred_at < ?")
            .all(userId, period.from, period.to)
            .map((r) => r.rowid),
        )
      : null;
    const top = [...bm25(lists, person)]
      .filter(([rowid]) => !inPeriod || inPeriod.has(rowid))
      .sort((a, b) => b[1] - a[1] || b[0] - a[0])
      .slice(0, limit);
    if (top.length === 0) return [];
    const rows = this.db
      .prepare<unknown[], MemoryRow>(`SELECT * FROM memories WHERE user_id = ? AND rowid IN (${top.map(() => "?").join(",")})`)
      .all(userId, ...top.map(([rowid]) => rowid));
    const byRowid = new Map(rows.map((row) => [row.rowid, row]));
    return top.flatMap(([rowid, score]) => {
      const row = byRowid.get(rowid);
      return row ? [{ memory: toMemory(row), score }] : [];
    });
  }

  async list(userId: string, { limit, offset }: { limit: number; offset: number }): Promise<Memory[]> {
    return this.db
      .prepare<[string, number, number], MemoryRow>("SELECT * FROM memories WHERE user_id = ? ORDER BY updated_at DESC, rowid DESC LIMIT ? OFFSET ?")
      .all(userId, limit, offset)
      .map(toMemory);
  }

  async inPeriod(userId: string, period: Period, limit: number): Promise<Memory[]> {
    return this.db
      .prepare<[string, string, string, number], MemoryRow>(
        "SELECT * FROM memories WHERE user_id = ? AND occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at DESC, rowid DESC LIMIT ?",
      )
      .all(userId, period.from, period.to, limit)
      .map(toMemory);
  }

  async markSuperseded(userId: string, id: string, by: string, at: string): Promise<boolean> {
    return (
      this.db.prepare("UPDATE memories SET superseded_by = ?, superseded_at = ? WHERE id = ? AND user_id = ? AND superseded_by IS NULL").run(by, at, id, userId)
        .changes > 0
    );
  }

  async byEntities(userId: string, keys: string[], limit: number): Promise<Memory[]> {
    if (keys.length === 0 || limit <= 0) return [];
    return this.db
      .prepare<unknown[], MemoryRow>(
        `SELECT m.* FROM memories m WHERE m.user_id = ? AND m.rowid IN (
           SELECT k.memory FROM memory_entity_keys k JOIN memory_people p ON p.person = k.person WHERE p.user_id = ? AND k.key IN (${keys.map(() => "?").join(",")})
         ) ORDER BY m.occurred_at DESC, m.rowid DESC LIMIT ?`,
      )
      .all(userId, userId, ...keys, limit)
      .map(toMemory);
  }

  async episode(userId: string, sessionId: string, around: string, before: number, after: number): Promise<Memory[]> {
    const earlier = this.db
      .prepare<[string, string, string, number], MemoryRow>(
        "SELECT * FROM memories WHERE user_id = ? AND source_session_id = ? AND created_at < ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
      )
      .all(userId, sessionId, around, before)
      .reverse();
    const later = this.db
      .prepare<[string, string, string, number], MemoryRow>(
        "SELECT * FROM memories WHERE user_id = ? AND source_session_id = ? AND created_at > ? ORDER BY created_at ASC, rowid ASC LIMIT ?",
      )
      .all(userId, sessionId, around, after);
    return [...earlier, ...later].map(toMemory);
  }

  async count(userId: string): Promise<number> {
    return this.db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM memories WHERE user_id = ?").get(userId)?.n ?? 0;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    return this.db.prepare("DELETE FROM memories WHERE id = ? AND user_id = ?").run(id, userId).changes > 0;
  }

  async deleteAll(userId: string): Promise<number> {
    return this.db.transaction(() => {
      const removed = this.db.prepare("DELETE FROM memories WHERE user_id = ?").run(userId).changes;
      // The person's keyword totals still name them when they count nothing: forgetting everything leaves no trace.
      this.db.prepare("DELETE FROM memory_people WHERE user_id = ?").run(userId);
      return removed;
    })();
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
