export const MEMORY_TYPES = ["fact", "preference", "feeling", "goal", "person", "event"] as const;
export type MemoryType = (typeof MEMORY_TYPES)[number];

export interface Memory {
  id: string;
  userId: string;
  text: string;
  type: MemoryType;
  /** 0..1: how much the memory matters to the person. */
  importance: number;
  createdAt: string;
  updatedAt: string;
  sourceSessionId?: string;
  metadata?: Record<string, unknown>;
}

export interface NewMemory {
  text: string;
  type: MemoryType;
  importance: number;
  sourceSessionId?: string;
  metadata?: Record<string, unknown>;
  /** When the fact was first learnt (imports keep their original time); defaults to now. */
  createdAt?: string;
  /** Id of an existing memory of the same user that this one replaces (a fact that changed). */
  supersedes?: string;
}

export interface MemoryHit {
  memory: Memory;
  /** Higher is more relevant; only comparable within one search. */
  score: number;
}

export type RememberOutcome = { status: "added" | "updated"; memory: Memory } | { status: "duplicate"; memory: Memory };

/**
 * Long-term memory as the graph and the HTTP API see it. Every method takes the user id first:
 * there is no way to ask for memories without saying whose.
 */
export interface MemoryService {
  search(userId: string, query: string, options?: { limit?: number; context?: string; timeZone?: string }): Promise<MemoryHit[]>;
  remember(userId: string, memory: NewMemory): Promise<RememberOutcome>;
  list(userId: string, options?: { limit?: number; offset?: number }): Promise<Memory[]>;
  get(userId: string, id: string): Promise<Memory | null>;
  delete(userId: string, id: string): Promise<boolean>;
  deleteAll(userId: string): Promise<number>;
  close(): Promise<void>;
}

/** Lower-cased, punctuation-free, single-spaced: two phrasings that differ only in form count as one memory. */
export function normalizeMemoryText(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}
