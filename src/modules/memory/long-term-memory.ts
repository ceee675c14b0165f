import { newId } from "../../core/ids.js";
import type { Embedder } from "./embeddings/types.js";
import { keywordTerms } from "./keywords/tokenizer.js";
import type { KeywordHit, MemoryStore, Period, VectorHit } from "./store.js";
import { timeWindow, within } from "./time/time-window.js";
import { type Memory, type MemoryHit, type MemoryService, type NewMemory, type RememberOutcome, normalizeMemoryText } from "./types.js";

/** Two memories of one user this similar say the same thing: the second is not stored. */
export const NEAR_DUPLICATE_SIMILARITY = 0.9;
/**
 * Weighted reciprocal rank fusion: each list adds weight / (RRF_K + rank), its weight declared by the embedder
 * (Embedder.fusionWeights). 60 is the constant from the original RRF paper; it damps top-rank dominance.
 */
const RRF_K = 60;
/** Each retriever returns this many candidates per requested result before fusion. */
const CANDIDATES_PER_RESULT = 4;
const RECENCY_HALF_LIFE_DAYS = 60;
const CONTEXT_WEIGHT = 0.5;
const CONTEXT_CHARS = 400;
const RECENCY_WEIGHT = 0.15;
/** A memory from the period a question names ("in May", "last week") counts this much more. */
const PERIOD_BOOST = 0.5;
/** An import embeds this many texts per embedder call (providers cap a request's inputs). */
const EMBED_BATCH = 64;

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

export interface SearchOptions {
  limit?: number;
  /** Which retrievers to use; hybrid by default (the others exist for benchmarks and diagnostics). */
  mode?: "hybrid" | "vector" | "keyword";
  /**
   * Recent conversation context (the running summary): searched too, at half weight, so a short
   * reply like "yes, that one" still recalls what the conversation is about.
   */
  context?: string;
  /** Skip the relevance floor (listing-style search from the memory API). */
  includeWeak?: boolean;
  now?: Date;
  /** The person's IANA time zone: what "yesterday" and "in May" mean for them (UTC when absent). */
  timeZone?: string;
}

/** Fresher is slightly better; "fresh" is the memory's own time (when it was said or last changed), not when it was stored. */
function recencyBoost(memory: Memory, now: Date): number {
  const ageDays = Math.max(0, (now.getTime() - Date.parse(memory.updatedAt)) / 86_400_000);
  return 1 + RECENCY_WEIGHT * Math.pow(0.5, ageDays / RECENCY_HALF_LIFE_DAYS);
}

/** A new memory of `userId`: an imported one keeps its own time as both, since nothing has changed it since it was said. */
function newMemory(userId: string, text: string, input: NewMemory, now: string): Memory {
  return {
    id: newId(),
    userId,
    text,
    type: input.type,
    importance: input.importance,
    createdAt: input.createdAt ?? now,
    updatedAt: input.createdAt ?? now,
    ...(input.sourceSessionId ? { sourceSessionId: input.sourceSessionId } : {}),
    ...(input.metadata ? { metadata: input.metadata } : {}),
  };
}

/**
 * Long-term memory: hybrid retrieval (vectors + keywords fused by reciprocal rank, a relevance floor,
 * a gentle recency boost) and deduplicating writes, over any MemoryStore and Embedder.
 */
export class LongTermMemory implements MemoryService {
  constructor(
    private readonly store: MemoryStore,
    readonly embedder: Embedder,
  ) {}

  get storeName(): string {
    return this.store.name;
  }

  async search(userId: string, query: string, options: SearchOptions = {}): Promise<MemoryHit[]> {
    const limit = options.limit ?? 5;
    const mode = options.mode ?? "hybrid";
    const now = options.now ?? new Date();
    if (!query.trim()) return [];
    const window = timeWindow(query, now, options.timeZone);
    // "In May" says when, not what: those words would match memories that mention May, not ones from May.
    const terms = keywordTerms(window ? query.replace(window.phrase, " ") : query);
    const candidates = limit * CANDIDATES_PER_RESULT;

    const context = options.context?.trim().slice(-CONTEXT_CHARS) ?? "";
    const vectorSearch = async (): Promise<[VectorHit[], VectorHit[]]> => {
      if (mode === "keyword") return [[], []];
      const [queryVector, contextVector] = await this.embedder.embed(context ? [query, context] : [query]);
      return Promise.all([
        this.store.vectorSearch(userId, queryVector!, this.embedder.id, candidates),
        contextVector ? this.store.vectorSearch(userId, contextVector, this.embedder.id, candidates) : [],
      ]);
    };
    // A question about a period also asks the keyword index for that period's memories alone, so they are
    // candidates even when words common to every period would crowd them out.
    const period = window ? { from: window.from.toISOString(), to: window.to.toISOString() } : undefined;
    const [[vectorHits, contextHits], keywordHits, periodHits] = await Promise.all([
      vectorSearch(),
      mode === "vector" ? [] : this.store.keywordSearch(userId, terms, candidates),
      mode === "vector" || !period ? [] : this.periodCandidates(userId, terms, candidates, period),
    ]);

    const weights = this.embedder.fusionWeights;
    const fused = new Map<string, { memory: Memory; rrf: number; relevant: boolean }>();
    const entry = (memory: Memory) => {
      let found = fused.get(memory.id);
      if (!found) fused.set(memory.id, (found = { memory, rrf: 0, relevant: false }));
      return found;
    };
    vectorHits.forEach((hit, rank) => {
      const e = entry(hit.memory);
      e.rrf += weights.vector / (RRF_K + rank + 1);
      if (hit.similarity >= this.embedder.relevanceFloor) e.relevant = true;
    });
    contextHits.forEach((hit, rank) => {
      const e = entry(hit.memory);
      e.rrf += (weights.vector * CONTEXT_WEIGHT) / (RRF_K + rank + 1);
      if (hit.similarity >= this.embedder.relevanceFloor) e.relevant = true;
    });
    keywordHits.forEach((hit, rank) => {
      const e = entry(hit.memory);
      e.rrf += weights.keyword / (RRF_K + rank + 1);
      // The keyword index only returns memories sharing a (stemmed, non-stop) word with the query: evidence enough.
      e.relevant = true;
    });
    periodHits.forEach((hit, rank) => {
      const e = entry(hit.memory);
      e.rrf += weights.keyword / (RRF_K + rank + 1);
      e.relevant = true;
    });

    return [...fused.values()]
      .filter((e) => options.includeWeak || e.relevant)
      .map((e) => ({ memory: e.memory, score: e.rrf * recencyBoost(e.memory, now) * (window && within(window, e.memory.updatedAt) ? 1 + PERIOD_BOOST : 1) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }

  /** The period's memories matching the query's words or, when it has none ("what did I do yesterday?"), all of them. */
  private async periodCandidates(userId: string, terms: string[], limit: number, period: Period): Promise<KeywordHit[]> {
    if (terms.length > 0) return this.store.keywordSearch(userId, terms, limit, period);
    return (await this.store.inPeriod(userId, period, limit)).map((memory) => ({ memory, score: 0 }));
  }

  async remember(userId: string, input: NewMemory): Promise<RememberOutcome> {
    const text = input.text.trim();
    const sameText = await this.store.findByNormalizedText(userId, normalizeMemoryText(text));
    if (sameText) return { status: "duplicate", memory: sameText };
    const [vector] = await this.embedder.embed([text]);
    const now = new Date().toISOString();

    if (input.supersedes) {
      const updated = await this.store.update(
        userId,
        input.supersedes,
        { text, type: input.type, importance: input.importance, updatedAt: now, ...(input.sourceSessionId ? { sourceSessionId: input.sourceSessionId } : {}) },
        vector!,
        this.embedder.id,
      );
      if (updated) return { status: "updated", memory: updated };
    }

    const [nearest] = await this.store.vectorSearch(userId, vector!, this.embedder.id, 1);
    if (nearest && nearest.similarity >= NEAR_DUPLICATE_SIMILARITY) return { status: "duplicate", memory: nearest.memory };

    const memory = newMemory(userId, text, input, now);
    await this.store.insert(memory, vector!, this.embedder.id);
    return { status: "added", memory };
  }

  /**
   * An import, all or nothing: every text is embedded and every duplicate decision (the same text or a
   * near-duplicate, against what is stored and within the batch) is made before anything is written,
   * then the new memories go to the store in one operation. A failure anywhere stores none of them.
   */
  async rememberAll(userId: string, inputs: NewMemory[]): Promise<RememberOutcome[]> {
    const texts = inputs.map((input) => input.text.trim());
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += EMBED_BATCH) vectors.push(...(await this.embedder.embed(texts.slice(i, i + EMBED_BATCH))));
    const now = new Date().toISOString();
    const outcomes: RememberOutcome[] = [];
    const accepted: Array<{ memory: Memory; vector: Float32Array }> = [];
    const acceptedByText = new Map<string, Memory>();
    for (const [i, input] of inputs.entries()) {
      const text = texts[i]!;
      const vector = vectors[i]!;
      const normalized = normalizeMemoryText(text);
      const sameText = acceptedByText.get(normalized) ?? (await this.store.findByNormalizedText(userId, normalized));
      if (sameText) {
        outcomes.push({ status: "duplicate", memory: sameText });
        continue;
      }
      const nearInBatch = accepted.find((a) => cosine(a.vector, vector) >= NEAR_DUPLICATE_SIMILARITY);
      const [nearest] = nearInBatch ? [] : await this.store.vectorSearch(userId, vector, this.embedder.id, 1);
      const near = nearInBatch?.memory ?? (nearest && nearest.similarity >= NEAR_DUPLICATE_SIMILARITY ? nearest.memory : undefined);
      if (near) {
        outcomes.push({ status: "duplicate", memory: near });
        continue;
      }
      const memory = newMemory(userId, text, input, now);
      accepted.push({ memory, vector });
      acceptedByText.set(normalized, memory);
      outcomes.push({ status: "added", memory });
    }
    await this.store.insertMany(accepted, this.embedder.id);
    return outcomes;
  }

  list(userId: string, { limit = 50, offset = 0 } = {}): Promise<Memory[]> {
    return this.store.list(userId, { limit, offset });
  }

  count(userId: string): Promise<number> {
    return this.store.count(userId);
  }

  get(userId: string, id: string): Promise<Memory | null> {
    return this.store.get(userId, id);
  }

  delete(userId: string, id: string): Promise<boolean> {
    return this.store.delete(userId, id);
  }

  deleteAll(userId: string): Promise<number> {
    return this.store.deleteAll(userId);
  }

  /** Re-embeds memories written by another embedder (after the real model becomes available). */
  async reembed(batchSize = 64): Promise<number> {
    let done = 0;
    for (;;) {
      const stale = await this.store.staleVectors(this.embedder.id, batchSize);
      if (stale.length === 0) return done;
      const vectors = await this.embedder.embed(stale.map((s) => s.text));
      for (const [i, item] of stale.entries()) await this.store.replaceVector(item.userId, item.id, vectors[i]!, this.embedder.id);
      done += stale.length;
    }
  }

  /** The store's backup hook, if its data lives in a local file. */
  get backup(): ((path: string) => Promise<void>) | undefined {
    return this.store.backup?.bind(this.store);
  }

  ping(): Promise<void> {
    return this.store.ping();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
