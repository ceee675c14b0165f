import { QdrantClient, type Schemas } from "@qdrant/js-client-rest";
import type { ProviderGuard } from "../../core/resilience/provider-guard.js";
import { entityKeys, extractEntities } from "./entities/extract-entities.js";
import { bm25 } from "./keywords/bm25.js";
import type { KeywordHit, MemoryChanges, MemoryStore, Period, VectorHit } from "./store.js";
import { type Memory, type MemoryEntity, type MemoryType, memoryTime, normalizeMemoryText } from "./types.js";

export interface QdrantStoreOptions {
  url: string;
  apiKey?: string;
  dimensions: number;
  collection?: string;
}

type Filter = Schemas["Filter"];
type Condition = Schemas["Condition"];
type PointId = Schemas["ExtendedPointId"];
type Api = ReturnType<QdrantClient["api"]>;

/** What one memory looks like as a Qdrant point payload (snake_case, like the SQLite columns). */
interface MemoryPayload {
  user_id: string;
  text: string;
  normalized: string;
  type: MemoryType;
  importance: number;
  created_at: string;
  updated_at: string;
  source_session_id: string | null;
  metadata: Record<string, unknown> | null;
  embedder: string;
  /** Absent on points written before memories carried their time: read as updated_at, back-filled on start-up. */
  occurred_at?: string;
  entities?: MemoryEntity[] | null;
  entity_keys?: string[];
  supersedes?: string | null;
  superseded_by?: string | null;
  superseded_at?: string | null;
}

/**
 * Payload indexes the store relies on. user_id is a tenant index, so Qdrant co-locates each user's points
 * and a filtered search only visits that user's part of the graph; updated_at is a datetime index because
 * `order_by` only works on range-capable indexes.
 */
const PAYLOAD_INDEXES: ReadonlyArray<Schemas["CreateFieldIndex"]> = [
  { field_name: "user_id", field_schema: { type: "keyword", is_tenant: true } },
  { field_name: "embedder", field_schema: "keyword" },
  { field_name: "normalized", field_schema: "keyword" },
  // ascii_folding matches the diacritic-free words keywordSearch receives (normalizeMemoryText strips accents).
  { field_name: "text", field_schema: { type: "text", tokenizer: "word", lowercase: true, ascii_folding: true } },
  { field_name: "updated_at", field_schema: "datetime" },
  { field_name: "created_at", field_schema: "datetime" },
  { field_name: "source_session_id", field_schema: "keyword" },
  { field_name: "entity_keys", field_schema: "keyword" },
  // Last: a collection without it predates memories' own times, and is back-filled when it is created (see backfill).
  { field_name: "occurred_at", field_schema: "datetime" },
];

/** Keyword candidates are ranked locally, so they are all fetched first; this bounds that for a very chatty user. */
const KEYWORD_CANDIDATE_CAP = 1_000;
const SCROLL_PAGE = 256;

const byUser = (userId: string): Condition => ({ key: "user_id", match: { value: userId } });
/** Every read, search and delete goes through this: the user filter is part of the Qdrant request itself. */
const userFilter = (userId: string, ...conditions: Condition[]): Filter => ({ must: [byUser(userId), ...conditions] });
const byId = (id: string): Condition => ({ has_id: [id] });

function toMemory(id: PointId, payload: unknown): Memory {
  const p = payload as MemoryPayload;
  return {
    id: String(id),
    userId: p.user_id,
    text: p.text,
    type: p.type,
    importance: p.importance,
    createdAt: p.created_at,
    updatedAt: p.updated_at,
    ...(p.source_session_id ? { sourceSessionId: p.source_session_id } : {}),
    ...(p.metadata ? { metadata: p.metadata } : {}),
    occurredAt: p.occurred_at ?? p.updated_at,
    ...(p.entities?.length ? { entities: p.entities } : {}),
    ...(p.supersedes ? { supersedes: p.supersedes } : {}),
    ...(p.superseded_by ? { supersededBy: p.superseded_by } : {}),
    ...(p.superseded_at ? { supersededAt: p.superseded_at } : {}),
  };
}

function toPayload(memory: Memory, embedderId: string): MemoryPayload {
  return {
    user_id: memory.userId,
    text: memory.text,
    normalized: normalizeMemoryText(memory.text),
    type: memory.type,
    importance: memory.importance,
    created_at: memory.createdAt,
    updated_at: memory.updatedAt,
    source_session_id: memory.sourceSessionId ?? null,
    metadata: memory.metadata ?? null,
    embedder: embedderId,
    occurred_at: memory.occurredAt ?? memory.updatedAt,
    entities: memory.entities?.length ? memory.entities : null,
    entity_keys: entityKeys(memory.entities),
    supersedes: memory.supersedes ?? null,
    superseded_by: memory.supersededBy ?? null,
    superseded_at: memory.supersededAt ?? null,
  };
}

/** The generated client types every `result` as optional; a 200 without one is a broken server, not "nothing". */
function resultOf<T>(response: { data: { result?: T | null } }): T {
  const { result } = response.data;
  if (result === undefined || result === null) throw new Error("Qdrant answered without a result");
  return result;
}

/**
 * The generated client's ApiError says only "Bad Request"; Qdrant's reason is in the body. The status is kept on
 * the new error because the guard decides from it whether to retry and whether the breaker should count it.
 */
function withQdrantReason(error: unknown): unknown {
  const { status, data } = (error ?? {}) as { status?: unknown; data?: { status?: { error?: unknown } } };
  const reason = data?.status?.error;
  if (typeof status !== "number" || typeof reason !== "string") return error;
  return Object.assign(new Error(`Qdrant answered ${status}: ${reason}`, { cause: error }), { status });
}

/**
 * The server store: one Qdrant collection shared by all users, every point carrying its user id in the payload
 * and every request filtering by it. Each Qdrant call runs through the vector-store ProviderGuard (timeout,
 * retries, circuit breaker); writes wait for the index so a memory is searchable as soon as insert returns.
 */
export class QdrantMemoryStore implements MemoryStore {
  readonly name = "qdrant";
  private readonly api: Api;
  private readonly collection: string;
  private readonly dimensions: number;
  private ready: Promise<void> | null = null;

  constructor(
    options: QdrantStoreOptions,
    private readonly guard: ProviderGuard,
  ) {
    this.collection = options.collection ?? "rose_memories";
    this.dimensions = options.dimensions;
    const client = new QdrantClient({
      url: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      // The client's own timeout middleware would replace the guard's AbortSignal with its own (see api-client.js),
      // so it is switched off: the guard decides when an attempt has taken too long, and really cancels it.
      timeout: Number.POSITIVE_INFINITY,
      // The version probe fires from the constructor, outside the guard, and only ever logs a warning.
      checkCompatibility: false,
    });
    // The generated API (rather than QdrantClient's convenience methods) because only it accepts a RequestInit,
    // which is how the guard's per-attempt AbortSignal reaches fetch.
    this.api = client.api();
  }

  async insert(memory: Memory, vector: Float32Array, embedderId: string): Promise<void> {
    await this.upsert(memory.id, vector, toPayload(memory, embedderId));
  }

  async insertMany(items: Array<{ memory: Memory; vector: Float32Array }>, embedderId: string): Promise<void> {
    if (items.length === 0) return;
    for (const { vector } of items) this.checkDimensions(vector);
    const points = items.map(({ memory, vector }) => ({ id: memory.id, vector: Array.from(vector), payload: { ...toPayload(memory, embedderId) } }));
    try {
      // One upsert batch: Qdrant applies it as one operation.
      await this.call((api, signal) => api.upsertPoints({ collection_name: this.collection, wait: true, points }, { signal }));
    } catch (error) {
      // A timeout or a dropped connection can leave the batch applied after all: take back what may be there.
      // The ids are fresh, so the delete touches nothing that existed before.
      await this.call((api, signal) => api.deletePoints({ collection_name: this.collection, wait: true, points: points.map((p) => p.id) }, { signal })).catch(
        () => {},
      );
      throw error;
    }
  }

  async update(userId: string, id: string, changes: MemoryChanges, vector: Float32Array, embedderId: string): Promise<Memory | null> {
    this.checkDimensions(vector);
    const current = await this.findOne(userFilter(userId, byId(id)));
    if (!current) return null;
    const payload: MemoryPayload = {
      ...current.payload,
      text: changes.text,
      normalized: normalizeMemoryText(changes.text),
      type: changes.type,
      importance: changes.importance,
      updated_at: changes.updatedAt,
      source_session_id: changes.sourceSessionId ?? current.payload.source_session_id,
      embedder: embedderId,
      occurred_at: changes.occurredAt ?? current.payload.occurred_at ?? current.payload.updated_at,
      entities: changes.entities?.length ? changes.entities : null,
      entity_keys: entityKeys(changes.entities),
    };
    await this.upsert(id, vector, payload);
    return toMemory(id, payload);
  }

  async get(userId: string, id: string): Promise<Memory | null> {
    const found = await this.findOne(userFilter(userId, byId(id)));
    return found ? toMemory(found.id, found.payload) : null;
  }

  async findByNormalizedText(userId: string, normalized: string): Promise<Memory | null> {
    const found = await this.findOne(userFilter(userId, { key: "normalized", match: { value: normalized } }));
    return found ? toMemory(found.id, found.payload) : null;
  }

  async vectorSearch(userId: string, vector: Float32Array, embedderId: string, limit: number): Promise<VectorHit[]> {
    this.checkDimensions(vector);
    if (limit <= 0) return [];
    const { points } = await this.call((api, signal) =>
      api.queryPoints(
        {
          collection_name: this.collection,
          query: Array.from(vector),
          filter: userFilter(userId, { key: "embedder", match: { value: embedderId } }),
          limit,
          with_payload: true,
        },
        { signal },
      ),
    );
    // With Cosine distance Qdrant's score is the cosine similarity itself.
    return points.map((point) => ({ memory: toMemory(point.id, point.payload), similarity: point.score }));
  }

  /**
   * Qdrant's full-text match filters but does not rank, so the ranking is BM25 computed here over this person's
   * points only: document counts from exact counts under the user filter, term frequencies and lengths from
   * the candidates' text (tokenised like the index: lower-case words, accents folded, no stemming), the mean
   * length over those candidates (Qdrant cannot sum a payload field). Nobody else's points enter any of it.
   */
  async keywordSearch(userId: string, words: string[], limit: number, period?: Period): Promise<KeywordHit[]> {
    const distinct = [...new Set(words.filter(Boolean))];
    if (distinct.length === 0 || limit <= 0) return [];
    // A non-empty `should` means "at least one of these" (min_should 1), alongside the user filter in `must`.
    const filter: Filter = { ...userFilter(userId), should: distinct.map((word) => ({ key: "text", match: { text: word } })) };
    const [candidates, documents, ...frequencies] = await Promise.all([
      this.scrollAll(filter, KEYWORD_CANDIDATE_CAP),
      this.countMatching(userFilter(userId)),
      ...distinct.map((word) => this.countMatching(userFilter(userId, { key: "text", match: { text: word } }))),
    ]);
    const memories = candidates.map(({ id, payload }) => toMemory(id, payload));
    const tokens = memories.map((memory) => normalizeMemoryText(memory.text).split(" "));
    const postings = distinct.map((word) =>
      tokens.flatMap((t, doc) => {
        const tf = t.filter((token) => token === word).length;
        return tf > 0 ? [{ doc, tf, length: t.length }] : [];
      }),
    );
    const terms = tokens.reduce((n, t) => n + t.length, 0);
    const stats = { documents, terms: memories.length ? (terms / memories.length) * documents : 0 };
    return [...bm25(postings, stats, frequencies)]
      .map(([doc, score]) => ({ memory: memories[doc]!, score }))
      .filter((hit) => !period || (memoryTime(hit.memory) >= period.from && memoryTime(hit.memory) < period.to))
      .sort((a, b) => b.score - a.score || b.memory.updatedAt.localeCompare(a.memory.updatedAt))
      .slice(0, limit);
  }

  async list(userId: string, { limit, offset }: { limit: number; offset: number }): Promise<Memory[]> {
    if (limit <= 0) return [];
    // Qdrant cannot combine order_by with a point-id offset, so the page is cut out of the first offset+limit.
    const { points } = await this.call((api, signal) =>
      api.scrollPoints(
        {
          collection_name: this.collection,
          filter: userFilter(userId),
          order_by: { key: "updated_at", direction: "desc" },
          limit: offset + limit,
          with_payload: true,
        },
        { signal },
      ),
    );
    return points.slice(offset).map((point) => toMemory(point.id, point.payload));
  }

  async inPeriod(userId: string, period: Period, limit: number): Promise<Memory[]> {
    if (limit <= 0) return [];
    // Newest first from the period's end (start_from is inclusive, so the end itself is dropped below).
    const { points } = await this.call((api, signal) =>
      api.scrollPoints(
        {
          collection_name: this.collection,
          filter: userFilter(userId),
          order_by: { key: "occurred_at", direction: "desc", start_from: period.to },
          limit: limit + 1,
          with_payload: true,
        },
        { signal },
      ),
    );
    return points
      .map((point) => toMemory(point.id, point.payload))
      .filter((m) => memoryTime(m) >= period.from && memoryTime(m) < period.to)
      .slice(0, limit);
  }

  async markSuperseded(userId: string, id: string, by: string, at: string): Promise<boolean> {
    const current = await this.findOne(userFilter(userId, byId(id)), true);
    if (!current?.vector || current.payload.superseded_by) return false;
    await this.upsert(id, current.vector, { ...current.payload, superseded_by: by, superseded_at: at });
    return true;
  }

  async byEntities(userId: string, keys: string[], limit: number): Promise<Memory[]> {
    if (keys.length === 0 || limit <= 0) return [];
    const { points } = await this.call((api, signal) =>
      api.scrollPoints(
        {
          collection_name: this.collection,
          filter: userFilter(userId, { key: "entity_keys", match: { any: keys } }),
          order_by: { key: "occurred_at", direction: "desc" },
          limit,
          with_payload: true,
        },
        { signal },
      ),
    );
    return points.map((point) => toMemory(point.id, point.payload));
  }

  async episode(userId: string, sessionId: string, around: string, before: number, after: number): Promise<Memory[]> {
    // start_from is inclusive, so one more is asked for and the moment itself dropped.
    const side = async (direction: "asc" | "desc", limit: number) => {
      if (limit <= 0) return [];
      const { points } = await this.call((api, signal) =>
        api.scrollPoints(
          {
            collection_name: this.collection,
            filter: userFilter(userId, { key: "source_session_id", match: { value: sessionId } }),
            order_by: { key: "created_at", direction, start_from: around },
            limit: limit + 1,
            with_payload: true,
          },
          { signal },
        ),
      );
      return points
        .map((point) => toMemory(point.id, point.payload))
        .filter((m) => m.createdAt !== around)
        .slice(0, limit);
    };
    const [earlier, later] = await Promise.all([side("desc", before), side("asc", after)]);
    return [...earlier.reverse(), ...later];
  }

  async count(userId: string): Promise<number> {
    return this.countMatching(userFilter(userId));
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const filter = userFilter(userId, byId(id));
    // Delete answers "completed" whether or not anything matched, so ownership is checked first.
    if ((await this.countMatching(filter)) === 0) return false;
    await this.deleteMatching(filter);
    return true;
  }

  async deleteAll(userId: string): Promise<number> {
    const filter = userFilter(userId);
    const existing = await this.countMatching(filter);
    if (existing > 0) await this.deleteMatching(filter);
    return existing;
  }

  /** Across all users by design: re-embedding is maintenance, not a request made on anyone's behalf. */
  async staleVectors(embedderId: string, limit: number): Promise<Array<{ userId: string; id: string; text: string }>> {
    if (limit <= 0) return [];
    const { points } = await this.call((api, signal) =>
      api.scrollPoints(
        {
          collection_name: this.collection,
          filter: { must_not: [{ key: "embedder", match: { value: embedderId } }] },
          limit,
          with_payload: ["user_id", "text"],
        },
        { signal },
      ),
    );
    return points.map((point) => {
      const payload = point.payload as Pick<MemoryPayload, "user_id" | "text">;
      return { userId: payload.user_id, id: String(point.id), text: payload.text };
    });
  }

  async replaceVector(userId: string, id: string, vector: Float32Array, embedderId: string): Promise<void> {
    this.checkDimensions(vector);
    const current = await this.findOne(userFilter(userId, byId(id)));
    if (!current) return;
    await this.upsert(id, vector, { ...current.payload, embedder: embedderId });
  }

  async ping(): Promise<void> {
    await this.guarded((signal) => this.api.collectionExists({ collection_name: this.collection }, { signal }));
  }

  async close(): Promise<void> {
    // Nothing to release: the client holds no session, and its keep-alive sockets time out on their own.
  }

  /** One Qdrant request on the memories, once the collection exists. */
  private async call<T>(request: (api: Api, signal: AbortSignal) => Promise<{ data: { result?: T | null } }>): Promise<T> {
    await this.ensureCollection();
    return this.guarded((signal) => request(this.api, signal));
  }

  /** The single way out to Qdrant: through the guard, with Qdrant's reason on errors and its `result` unwrapped. */
  private guarded<T>(request: (signal: AbortSignal) => Promise<{ data: { result?: T | null } }>): Promise<T> {
    return this.guard.run(async (signal) => {
      try {
        return resultOf(await request(signal));
      } catch (error) {
        throw withQdrantReason(error);
      }
    });
  }

  private async upsert(id: string, vector: Float32Array, payload: MemoryPayload): Promise<void> {
    this.checkDimensions(vector);
    await this.call((api, signal) =>
      api.upsertPoints({ collection_name: this.collection, wait: true, points: [{ id, vector: Array.from(vector), payload: { ...payload } }] }, { signal }),
    );
  }

  private async findOne(filter: Filter, withVector = false): Promise<{ id: PointId; payload: MemoryPayload; vector?: Float32Array } | null> {
    const { points } = await this.call((api, signal) =>
      api.scrollPoints({ collection_name: this.collection, filter, limit: 1, with_payload: true, with_vector: withVector }, { signal }),
    );
    const [point] = points;
    if (!point) return null;
    const vector = Array.isArray(point.vector) && typeof point.vector[0] === "number" ? new Float32Array(point.vector as number[]) : undefined;
    return { id: point.id, payload: point.payload as unknown as MemoryPayload, ...(vector ? { vector } : {}) };
  }

  /** Follows next_page_offset until the filter is exhausted or `cap` points were read. */
  private async scrollAll(filter: Filter, cap: number): Promise<Array<{ id: PointId; payload: MemoryPayload }>> {
    const found: Array<{ id: PointId; payload: MemoryPayload }> = [];
    let offset: PointId | undefined;
    do {
      const page = await this.call((api, signal) =>
        api.scrollPoints(
          {
            collection_name: this.collection,
            filter,
            limit: Math.min(SCROLL_PAGE, cap - found.length),
            with_payload: true,
            ...(offset !== undefined ? { offset } : {}),
          },
          { signal },
        ),
      );
      for (const point of page.points) found.push({ id: point.id, payload: point.payload as unknown as MemoryPayload });
      const next = page.next_page_offset;
      offset = typeof next === "string" || typeof next === "number" ? next : undefined;
    } while (offset !== undefined && found.length < cap);
    return found;
  }

  private async countMatching(filter: Filter): Promise<number> {
    const { count } = await this.call((api, signal) => api.countPoints({ collection_name: this.collection, filter, exact: true }, { signal }));
    return count;
  }

  private async deleteMatching(filter: Filter): Promise<void> {
    await this.call((api, signal) => api.deletePoints({ collection_name: this.collection, wait: true, filter }, { signal }));
  }

  /** Created lazily, once: concurrent first calls share one promise; a failure is forgotten so the next call retries. */
  private ensureCollection(): Promise<void> {
    this.ready ??= this.createCollectionIfMissing().catch((error: unknown) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  private async createCollectionIfMissing(): Promise<void> {
    const collection_name = this.collection;

    let existingIndexes: Record<string, unknown> = {};
    const { exists } = await this.guarded((signal) => this.api.collectionExists({ collection_name }, { signal }));
    if (exists) {
      existingIndexes = this.checkExistingCollection(await this.guarded((signal) => this.api.getCollection({ collection_name }, { signal })));
    } else {
      try {
        await this.guarded((signal) => this.api.createCollection({ collection_name, vectors: { size: this.dimensions, distance: "Cosine" } }, { signal }));
      } catch (error) {
        // Another instance may have created it between our check and our create: that is success, not failure.
        const { exists: createdMeanwhile } = await this.guarded((signal) => this.api.collectionExists({ collection_name }, { signal }));
        if (!createdMeanwhile) throw error;
      }
    }
    const needsBackfill = exists && !("occurred_at" in existingIndexes);
    for (const index of PAYLOAD_INDEXES) {
      if (index.field_name in existingIndexes) continue;
      await this.guarded((signal) => this.api.createFieldIndex({ collection_name, wait: true, ...index }, { signal }));
    }
    if (needsBackfill) await this.backfill();
  }

  /**
   * A collection written before memories carried their own time and entities: every point gets occurred_at (its
   * updated_at, the time it had until now) and the entities of its text, so periods, ordering and entity links
   * find it. Across all users by design (maintenance, like re-embedding); upserts are idempotent, so an
   * interrupted back-fill is simply done again on the next start.
   */
  private async backfill(): Promise<void> {
    let offset: PointId | undefined;
    do {
      const page = await this.guarded((signal) =>
        this.api.scrollPoints(
          { collection_name: this.collection, limit: SCROLL_PAGE, with_payload: true, with_vector: true, ...(offset !== undefined ? { offset } : {}) },
          { signal },
        ),
      );
      const points = page.points.flatMap((point) => {
        const payload = point.payload as unknown as MemoryPayload;
        if (payload.occurred_at || !Array.isArray(point.vector)) return [];
        const entities = extractEntities(payload.text);
        return [
          {
            id: point.id,
            vector: point.vector as number[],
            payload: { ...payload, occurred_at: payload.updated_at, entities: entities.length ? entities : null, entity_keys: entityKeys(entities) },
          },
        ];
      });
      if (points.length > 0) await this.guarded((signal) => this.api.upsertPoints({ collection_name: this.collection, wait: true, points }, { signal }));
      const next = page.next_page_offset;
      offset = typeof next === "string" || typeof next === "number" ? next : undefined;
    } while (offset !== undefined);
  }

  /** Refuses a collection made for another embedding size (every upsert would fail); returns its payload indexes. */
  private checkExistingCollection(info: Schemas["CollectionInfo"]): Record<string, unknown> {
    const vectors = info.config.params.vectors as Partial<Schemas["VectorParams"]> | undefined;
    if (vectors?.size !== this.dimensions || vectors.distance !== "Cosine") {
      throw new Error(
        `Qdrant collection "${this.collection}" holds ${vectors?.size ?? "named"}-dimension ${vectors?.distance ?? "?"} vectors; ` +
          `this store needs ${this.dimensions}-dimension Cosine vectors (use another collection name or re-create it)`,
      );
    }
    return info.payload_schema;
  }

  private checkDimensions(vector: Float32Array): void {
    if (vector.length !== this.dimensions) throw new Error(`vector has ${vector.length} dimensions, the store expects ${this.dimensions}`);
  }
}
