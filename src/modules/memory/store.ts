import type { Memory, MemoryType } from "./types.js";

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
   * statistics of this user's memories only. With `period`, only memories whose own time (updatedAt) is in it.
   */
  keywordSearch(userId: string, words: string[], limit: number, period?: Period): Promise<KeywordHit[]>;
  list(userId: string, options: { limit: number; offset: number }): Promise<Memory[]>;
  /** This user's memories whose own time (updatedAt) is in `period`, newest first (a question naming only a time). */
  inPeriod(userId: string, period: Period, limit: number): Promise<Memory[]>;
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
