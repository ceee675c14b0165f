import { newId } from "../../core/ids.js";
import type { Embedder } from "./embeddings/types.js";
import { extractEntities } from "./entities/extract-entities.js";
import { followEntities } from "./entities/follow-entities.js";
import { keywordTerms } from "./keywords/tokenizer.js";
import type { KeywordHit, MemoryStore, Period, VectorHit } from "./store.js";
import { resolveOccurredAt } from "./time/occurred-at.js";
import { timeWindow, within } from "./time/time-window.js";
import {
  type Memory,
  type MemoryHit,
  type MemoryService,
  type MemoryType,
  memoryTime,
  type NewMemory,
  type RememberOutcome,
  normalizeMemoryText,
} from "./types.js";

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
/**
 * Memories reached by following the question's relations ("my sister's husband" → Tom → Tom's memories) count
 * this much of a keyword list; the memories that made the links, half of that.
 */
const ENTITY_WEIGHT = 0.6;
/** A question about the past of a fact ("where did I live before?") prefers what is no longer true this much. */
const HISTORY_BOOST = 0.3;
/** Words that ask about what used to be true: only such questions retrieve replaced memories. */
const ASKS_ABOUT_THE_PAST =
  /\b(before|used to|previous(ly)?|formerly|former|earlier|originally|at first|in the past|anymore|any more|until|no longer|back then)\b/i;
/** A memory dated by what it says ("last Friday") rather than by when it was told is about its period: it counts this much more in it. */
const DATED_BOOST = 0.5;
/** "Where" questions about homes and travels are answered by places: the person's memories naming one are candidates. */
const ASKS_WHERE =
  /\bwhere\b.*\b(live|lives|living|lived|move|moved|moving|based|from|stay|stays|stayed|home|grew up|born|travel|go|went|trip|visit|visited)\b/i;
/** Episode context: the neighbours of this many top hits, this many on each side, told at most this long apart. */
const EPISODE_HITS = 2;
const EPISODE_RADIUS = 1;
const EPISODE_GAP_MS = 30 * 60_000;

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
  /** Follow the people and things the question names through the person's entities (on by default). */
  followEntities?: boolean;
}

/** A memory's history: what it replaced, oldest first, itself, and what replaced it. */
export interface MemoryHistory {
  memory: Memory;
  earlier: Memory[];
  later: Memory[];
}

export interface MemoryEdit {
  text?: string;
  type?: MemoryType;
  importance?: number;
}

/** Fresher is slightly better; "fresh" is the memory's own time (when it was said or last changed), not when it was stored. */
function recencyBoost(memory: Memory, now: Date): number {
  const ageDays = Math.max(0, (now.getTime() - Date.parse(memoryTime(memory))) / 86_400_000);
  return 1 + RECENCY_WEIGHT * Math.pow(0.5, ageDays / RECENCY_HALF_LIFE_DAYS);
}

/**
 * A new memory of `userId`: an imported one keeps its own time as both, since nothing has changed it since it was
 * said; when it happened is the caller's, or read from the dates in what was said against the time it was told.
 */
function newMemory(userId: string, text: string, input: NewMemory, now: string): Memory {
  const told = input.createdAt ?? now;
  const entities = extractEntities(text);
  return {
    id: newId(),
    userId,
    text,
    type: input.type,
    importance: input.importance,
    createdAt: told,
    updatedAt: told,
    occurredAt: input.occurredAt ?? resolveOccurredAt(input.saidText ?? text, new Date(told), input.timeZone) ?? told,
    ...(input.sourceSessionId ? { sourceSessionId: input.sourceSessionId } : {}),
    ...(input.metadata ? { metadata: input.metadata } : {}),
    ...(entities.length ? { entities } : {}),
  };
}

const isCurrent = (memory: Memory) => !memory.supersededBy;
/** Dated by what it says, or by the caller, rather than by when it was told. */
const isDated = (memory: Memory) => memory.occurredAt !== undefined && memory.occurredAt !== memory.createdAt;

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
    const follow = mode !== "vector" && options.followEntities !== false;
    const [[vectorHits, contextHits], keywordHits, periodHits, entityHits] = await Promise.all([
      vectorSearch(),
      mode === "vector" ? [] : this.store.keywordSearch(userId, terms, candidates),
      mode === "vector" || !period ? [] : this.periodCandidates(userId, terms, candidates, period),
      follow ? this.entityCandidates(userId, query, terms, candidates) : { reached: [], links: [], places: [] },
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
    entityHits.reached.forEach((hit, rank) => {
      const e = entry(hit.memory);
      e.rrf += (weights.keyword * ENTITY_WEIGHT) / (RRF_K + rank + 1);
      e.relevant = true;
    });
    entityHits.links.forEach((memory, rank) => {
      const e = entry(memory);
      e.rrf += (weights.keyword * ENTITY_WEIGHT * 0.5) / (RRF_K + rank + 1);
      e.relevant = true;
    });
    // A "where" question's places count like a keyword list: they are the kind of memory that answers it.
    entityHits.places.forEach((memory, rank) => {
      const e = entry(memory);
      e.rrf += weights.keyword / (RRF_K + rank + 1);
      e.relevant = true;
    });

    // What is no longer true is history: only a question about the past retrieves it, and then prefers it.
    const aboutThePast = ASKS_ABOUT_THE_PAST.test(query);
    return [...fused.values()]
      .filter((e) => (options.includeWeak || e.relevant) && (aboutThePast || isCurrent(e.memory)))
      .map((e) => ({
        memory: e.memory,
        score:
          e.rrf *
          recencyBoost(e.memory, now) *
          (window && within(window, memoryTime(e.memory)) ? 1 + PERIOD_BOOST + (isDated(e.memory) ? DATED_BOOST : 0) : 1) *
          (aboutThePast && !isCurrent(e.memory) ? 1 + HISTORY_BOOST : 1),
      }))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }

  /**
   * Multi-hop: the question's relations followed through the person's entities ("my sister's husband" → Tom),
   * then the memories about whom they lead to, ranked by the question's words with the names added.
   */
  private async entityCandidates(
    userId: string,
    query: string,
    terms: string[],
    limit: number,
  ): Promise<{ reached: KeywordHit[]; links: Memory[]; places: Memory[] }> {
    const [followed, places] = await Promise.all([
      followEntities({ byEntities: (keys, n) => this.store.byEntities(userId, keys, n) }, query, limit),
      ASKS_WHERE.test(query) ? this.store.byEntities(userId, ["kind:place"], limit) : [],
    ]);
    if (followed.names.length === 0) return { reached: [], links: followed.links, places };
    const nameWords = keywordTerms(followed.names.join(" "));
    const reached = await this.store.keywordSearch(userId, [...new Set([...terms, ...nameWords])], limit);
    // Only memories that name whom the relations led to (as a word, capitalised): the question's other words found the rest already.
    const named = followed.names.map((name) => new RegExp(`(?<![\\p{L}\\p{N}])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\p{N}])`, "u"));
    return { reached: reached.filter((hit) => named.some((pattern) => pattern.test(hit.memory.text))), links: followed.links, places };
  }

  /**
   * The episode context of the top hits: the memories told just before and after each in the same conversation
   * (within half an hour), so a reply like "yes, at the harbour" comes with the question it answered. Only for the
   * first few hits and one memory each side, so the prompt is not flooded; never a memory that is already a hit.
   */
  async episodeContext(userId: string, hits: MemoryHit[]): Promise<Map<string, Memory[]>> {
    const seen = new Set(hits.map((h) => h.memory.id));
    const context = new Map<string, Memory[]>();
    for (const { memory } of hits.slice(0, EPISODE_HITS)) {
      if (!memory.sourceSessionId) continue;
      const told = Date.parse(memory.createdAt);
      const neighbours = (await this.store.episode(userId, memory.sourceSessionId, memory.createdAt, EPISODE_RADIUS, EPISODE_RADIUS)).filter(
        (n) => !seen.has(n.id) && isCurrent(n) && Math.abs(Date.parse(n.createdAt) - told) <= EPISODE_GAP_MS,
      );
      for (const n of neighbours) seen.add(n.id);
      if (neighbours.length > 0) context.set(memory.id, neighbours);
    }
    return context;
  }

  /** What a memory replaced and what replaced it (a fact's history), or null if it is not the user's. */
  async history(userId: string, id: string): Promise<MemoryHistory | null> {
    const memory = await this.store.get(userId, id);
    if (!memory) return null;
    const earlier: Memory[] = [];
    const later: Memory[] = [];
    const seen = new Set([memory.id]);
    // Bounded walks: a chain is a handful of changes, and a cycle (never written, but cheap to rule out) ends it.
    for (let at = memory; at.supersedes && earlier.length < 50;) {
      const previous = await this.store.get(userId, at.supersedes);
      if (!previous || seen.has(previous.id)) break;
      seen.add(previous.id);
      earlier.unshift(previous);
      at = previous;
    }
    for (let at = memory; at.supersededBy && later.length < 50;) {
      const next = await this.store.get(userId, at.supersededBy);
      if (!next || seen.has(next.id)) break;
      seen.add(next.id);
      later.push(next);
      at = next;
    }
    return { memory, earlier, later };
  }

  /** The person's own correction of a memory (text, type, importance): re-embedded and re-read for entities; null if not theirs. */
  async edit(userId: string, id: string, changes: MemoryEdit): Promise<Memory | null> {
    const current = await this.store.get(userId, id);
    if (!current) return null;
    const text = changes.text?.trim() || current.text;
    const [vector] = await this.embedder.embed([text]);
    return this.store.update(
      userId,
      id,
      {
        text,
        type: changes.type ?? current.type,
        importance: changes.importance ?? current.importance,
        updatedAt: new Date().toISOString(),
        entities: extractEntities(text),
      },
      vector!,
      this.embedder.id,
    );
  }

  /** The period's memories matching the query's words or, when it has none ("what did I do yesterday?"), all of them. */
  private async periodCandidates(userId: string, terms: string[], limit: number, period: Period): Promise<KeywordHit[]> {
    if (terms.length > 0) return this.store.keywordSearch(userId, terms, limit, period);
    return (await this.store.inPeriod(userId, period, limit)).map((memory) => ({ memory, score: 0 }));
  }

  async remember(userId: string, input: NewMemory): Promise<RememberOutcome> {
    const text = input.text.trim();
    const sameText = await this.store.findByNormalizedText(userId, normalizeMemoryText(text));
    // A fact that was true again ("back in York") is new again, not a duplicate of its own history.
    if (sameText && isCurrent(sameText)) return { status: "duplicate", memory: sameText };
    const [vector] = await this.embedder.embed([text]);
    const now = new Date().toISOString();

    // A changed fact: the new memory replaces the old, which is kept as history with the time it stopped being true.
    const replaced = input.supersedes ? await this.store.get(userId, input.supersedes) : null;
    if (replaced && isCurrent(replaced)) {
      const memory = { ...newMemory(userId, text, input, now), supersedes: replaced.id };
      await this.store.insert(memory, vector!, this.embedder.id);
      await this.store.markSuperseded(userId, replaced.id, memory.id, memory.createdAt);
      return { status: "updated", memory };
    }

    const [nearest] = await this.store.vectorSearch(userId, vector!, this.embedder.id, 1);
    if (nearest && nearest.similarity >= NEAR_DUPLICATE_SIMILARITY && isCurrent(nearest.memory)) return { status: "duplicate", memory: nearest.memory };

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
      const replaced = input.supersedes ? await this.store.get(userId, input.supersedes) : null;
      const memory = { ...newMemory(userId, text, input, now), ...(replaced && isCurrent(replaced) ? { supersedes: replaced.id } : {}) };
      accepted.push({ memory, vector });
      acceptedByText.set(normalized, memory);
      outcomes.push({ status: memory.supersedes ? "updated" : "added", memory });
    }
    await this.store.insertMany(accepted, this.embedder.id);
    for (const { memory } of accepted) if (memory.supersedes) await this.store.markSuperseded(userId, memory.supersedes, memory.id, memory.createdAt);
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
