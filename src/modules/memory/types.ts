export const MEMORY_TYPES = ["fact", "preference", "feeling", "goal", "person", "event"] as const;
export type MemoryType = (typeof MEMORY_TYPES)[number];

/** Someone or something in the person's life that a memory mentions ("my sister Marguerite", "Biscuit, our dog", "Lisbon"). */
export interface MemoryEntity {
  name: string;
  kind: "person" | "pet" | "place" | "name";
  /** How it relates: "sister", "dog", "husband"; absent for a bare mention. */
  relation?: string;
  /** Whose relation it is when not the person's own ("Marguerite's husband Tom": of = "Marguerite"). */
  of?: string;
}

export interface Memory {
  id: string;
  userId: string;
  text: string;
  type: MemoryType;
  /** 0..1: how much the memory matters to the person. */
  importance: number;
  /** When it was told (an import keeps its own time). */
  createdAt: string;
  updatedAt: string;
  /**
   * When what it says happened: "I went to the vet yesterday", told on 3 May, happened on 2 May. The time it was
   * told when it names none. Stores always return it; recency and questions about periods use it.
   */
  occurredAt?: string;
  /** The conversation it came from (its episode); neighbours in it are the memories told just before and after. */
  sourceSessionId?: string;
  metadata?: Record<string, unknown>;
  /** The people, pets and places it mentions (rule-based extraction; see entities/extract-entities.ts). */
  entities?: MemoryEntity[];
  /** The memory this one replaced (a fact that changed). */
  supersedes?: string;
  /** Set once a newer memory replaced this one: it is history, no longer retrieved as current. */
  supersededBy?: string;
  /** When it stopped being true (when the newer memory was learnt). */
  supersededAt?: string;
}

/** The time a memory is about: when it happened, else when it was last changed. */
export const memoryTime = (memory: Memory): string => memory.occurredAt ?? memory.updatedAt;

export interface NewMemory {
  text: string;
  type: MemoryType;
  importance: number;
  sourceSessionId?: string;
  metadata?: Record<string, unknown>;
  /** When the fact was first learnt (imports keep their original time); defaults to now. */
  createdAt?: string;
  /** When it happened, if the caller knows; otherwise resolved from dates in the text ("yesterday") against createdAt. */
  occurredAt?: string;
  /** The text the dates are read from when it is not `text` itself (the person's own message, not the model's summary). */
  saidText?: string;
  /** The person's IANA time zone, for what "yesterday" meant to them (UTC when absent). */
  timeZone?: string;
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
  /** The memories told just before and after the top hits in their conversations (see LongTermMemory.episodeContext). */
  episodeContext?(userId: string, hits: MemoryHit[]): Promise<Map<string, Memory[]>>;
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
