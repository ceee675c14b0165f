import type { Memory, MemoryEntity, MemoryType } from "./types.js";

export interface VectorHit {
  memory: Memory;
  /** Cosine similarity, -1..1. */
  similarity: number;
}

export interface KeywordHit {
  memory: Memory;
  /** Higher is better; only comparable within one search. */
  score: number;
}

/** ISO times, `from` inclusive, `to` exclusive. */
export interface Period {
  from: string;
  to: string;
}

export interface MemoryChanges {
  text: string;
  type: MemoryType;
  importance: number;
  updatedAt: string;
  sourceSessionId?: string;
  /** The entities of the new text (replacing the old ones). */
  entities?: MemoryEntity[];
  /** A new time for what it says, when the change gives one; otherwise it keeps its own. */
  occurredAt?: string;
}

/**
 * Where long-term memories and their vectors are kept. Every method takes the user id, and every
 * implementation must filter by it in the query itself (not afterwards): that is the privacy boundary.
 * One contract test suite runs against each implementation.
 */
export interface MemoryStore {
  readonly name: string;
  insert(memory: Memory, vector: Float32Array, embedderId: string): Promise<void>;
  /** Inserts all of them or, on any failure, none (an import is one request, all or nothing). */
  insertMany(items: Array<{ memory: Memory; vector: Float32Array }>, embedderId: string): Promise<void>;
  /** Replaces text, type and vector of an existing memory (a fact that changed); null if it is not the user's. */
  update(userId: string, id: string, changes: MemoryChanges, vector: Float32Array, embedderId: string): Promise<Memory | null>;
  get(userId: string, id: string): Promise<Memory | null>;
  findByNormalizedText(userId: string, normalized: string): Promise<Memory | null>;
  /** Nearest memories of this user among vectors made by `embedderId` (vectors of other embedders are never compared). */
  vectorSearch(userId: string, vector: Float32Array, embedderId: string, limit: number): Promise<VectorHit[]>;
  /**
   * Memories of this user sharing words with `words` (already normalised content words, unstemmed), ranked by
   * statistics of this user's memories only. With `period`, only memories whose own time (occurredAt) is in it.
   */
  keywordSearch(userId: string, words: string[], limit: number, period?: Period): Promise<KeywordHit[]>;
  list(userId: string, options: { limit: number; offset: number }): Promise<Memory[]>;
  /** This user's memories whose own time (occurredAt) is in `period`, newest first (a question naming only a time). */
  inPeriod(userId: string, period: Period, limit: number): Promise<Memory[]>;
  /** Marks a memory of this user as replaced by `by` at `at` (kept as history); false if not theirs or already replaced. */
  markSuperseded(userId: string, id: string, by: string, at: string): Promise<boolean>;
  /** This user's memories carrying any of these entity keys (entities/extract-entities.ts entityKeys), newest first. */
  byEntities(userId: string, keys: string[], limit: number): Promise<Memory[]>;
  /**
   * The episode around a moment: up to `before` memories of this user's conversation `sessionId` told just before
   * `around` (a createdAt) and up to `after` just after, in the order they were told.
   */
  episode(userId: string, sessionId: string, around: string, before: number, after: number): Promise<Memory[]>;
  count(userId: string): Promise<number>;
  delete(userId: string, id: string): Promise<boolean>;
  deleteAll(userId: string): Promise<number>;
  /** Memories whose vector was made by another embedder, for re-embedding. */
  staleVectors(embedderId: string, limit: number): Promise<Array<{ userId: string; id: string; text: string }>>;
  replaceVector(userId: string, id: string, vector: Float32Array, embedderId: string): Promise<void>;
  /** Online copy of the store's file, for stores that keep one locally (the embedded store). */
  backup?(path: string): Promise<void>;
  /** Cheap check that the store answers (health/readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
