import type { Condition, Distance, FieldCondition, Filter, Match, PayloadFieldSchema, PointId, WithPayload } from "./qdrant-schemas.js";

/** A request Qdrant would reject with 4xx; the server turns it into Qdrant's error envelope. */
export class QdrantRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface StoredPoint {
  id: PointId;
  vector: number[];
  payload: Record<string, unknown>;
  version: number;
}

interface PayloadIndex {
  dataType: string;
  params?: Exclude<PayloadFieldSchema, string>;
}

export interface OutputPoint {
  id: PointId;
  payload?: Record<string, unknown>;
  vector?: number[];
  score?: number;
  version?: number;
  order_value?: number;
}

const RANGE_INDEX_TYPES = new Set(["integer", "float", "datetime"]);

const asList = (c: Condition | Condition[] | null | undefined): Condition[] => (c == null ? [] : Array.isArray(c) ? c : [c]);
const idKey = (id: PointId) => (typeof id === "number" ? `n:${id}` : `u:${id.toLowerCase()}`);

/** Qdrant's scroll order: integer ids first (numerically), then UUIDs (as 128-bit numbers, i.e. as hex strings). */
function compareIds(a: PointId, b: PointId): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0;
}

/** Dotted keys reach into nested objects; arrays match when any element does (Qdrant's semantics). */
function valuesAt(payload: Record<string, unknown>, key: string): unknown[] {
  let current: unknown[] = [payload];
  for (const part of key.split(".")) {
    current = current.flatMap((v) => (v && typeof v === "object" && !Array.isArray(v) ? [(v as Record<string, unknown>)[part]] : []));
    current = current.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => v !== undefined && v !== null);
  }
  return current;
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
function normalize(v: number[]): number[] {
  const n = norm(v);
  return n === 0 ? v : v.map((x) => x / n);
}

/** One collection: points in memory, payload indexes, and Qdrant's filter and scoring semantics. */
export class FakeCollection {
  private readonly points = new Map<string, StoredPoint>();
  private readonly indexes = new Map<string, PayloadIndex>();
  private operationId = 0;

  constructor(
    readonly name: string,
    readonly size: number,
    readonly distance: Distance,
  ) {}

  info() {
    const payload_schema = Object.fromEntries(
      [...this.indexes].map(([field, index]) => [
        field,
        {
          data_type: index.dataType,
          ...(index.params ? { params: index.params } : {}),
          points: [...this.points.values()].filter((p) => valuesAt(p.payload, field).length > 0).length,
        },
      ]),
    );
    return {
      status: "green",
      optimizer_status: "ok",
      points_count: this.points.size,
      indexed_vectors_count: 0,
      segments_count: 1,
      config: {
        params: {
          vectors: { size: this.size, distance: this.distance },
          shard_number: 1,
          replication_factor: 1,
          write_consistency_factor: 1,
          on_disk_payload: true,
        },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
        optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, flush_interval_sec: 5 },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
      },
      payload_schema,
    };
  }

  createIndex(field: string, schema: PayloadFieldSchema): number {
    this.indexes.set(field, typeof schema === "string" ? { dataType: schema } : { dataType: schema.type, params: schema });
    return ++this.operationId;
  }

  upsert(points: Array<{ id: PointId; vector: number[]; payload?: Record<string, unknown> | null | undefined }>): number {
    const operation = ++this.operationId;
    for (const point of points) {
      this.checkDimensions(point.vector);
      // Cosine collections store normalised vectors, so the score is a plain dot product (as in Qdrant).
      const vector = this.distance === "Cosine" ? normalize(point.vector) : point.vector;
      this.points.set(idKey(point.id), { id: point.id, vector, payload: structuredClone(point.payload ?? {}), version: operation });
    }
    return operation;
  }

  retrieve(ids: PointId[], withPayload: WithPayload | null | undefined, withVector: boolean | undefined): OutputPoint[] {
    return ids.flatMap((id) => {
      const point = this.points.get(idKey(id));
      return point ? [this.output(point, withPayload ?? true, withVector ?? false)] : [];
    });
  }

  search(request: {
    vector: number[];
    filter?: Filter | null | undefined;
    limit: number;
    offset?: number | null | undefined;
    score_threshold?: number | null | undefined;
    with_payload?: WithPayload | null | undefined;
    with_vector?: boolean | null | undefined;
  }): OutputPoint[] {
    this.checkDimensions(request.vector);
    const query = this.distance === "Cosine" ? normalize(request.vector) : request.vector;
    const higherIsBetter = this.distance === "Cosine" || this.distance === "Dot";
    const threshold = request.score_threshold;
    const offset = request.offset ?? 0;
    return this.matching(request.filter)
      .map((point) => ({ point, score: this.score(query, point.vector) }))
      .filter(({ score }) => threshold == null || (higherIsBetter ? score >= threshold : score <= threshold))
      .sort((a, b) => (higherIsBetter ? b.score - a.score : a.score - b.score))
      .slice(offset, offset + request.limit)
      .map(({ point, score }) => ({ ...this.output(point, request.with_payload ?? false, request.with_vector ?? false), score, version: point.version }));
  }

  scroll(request: {
    offset?: PointId | null | undefined;
    limit?: number | null | undefined;
    filter?: Filter | null | undefined;
    with_payload?: WithPayload | null | undefined;
    with_vector?: boolean | undefined;
    order_by?: string | { key: string; direction?: "asc" | "desc" | null | undefined; start_from?: number | string | null | undefined } | null | undefined;
  }): { points: OutputPoint[]; next_page_offset: PointId | null } {
    const limit = request.limit ?? 10;
    const withPayload = request.with_payload ?? true; // scroll returns payloads unless told otherwise
    const withVector = request.with_vector ?? false;
    const points = this.matching(request.filter);

    if (request.order_by != null) {
      const orderBy = typeof request.order_by === "string" ? { key: request.order_by } : request.order_by;
      const index = this.indexes.get(orderBy.key);
      if (!index || !RANGE_INDEX_TYPES.has(index.dataType)) {
        throw new QdrantRequestError(400, `Bad request: No range index for \`order_by\` key: \`${orderBy.key}\`. Please create one to use \`order_by\`.`);
      }
      if (request.offset != null) throw new QdrantRequestError(400, "Bad request: Cannot use an `offset` when using `order_by`");
      const descending = orderBy.direction === "desc";
      const toNumber = (v: unknown) => (index.dataType === "datetime" ? Date.parse(String(v)) : Number(v));
      const start = orderBy.start_from == null ? undefined : toNumber(orderBy.start_from);
      const ordered = points
        .flatMap((point) => valuesAt(point.payload, orderBy.key).map((v) => ({ point, value: toNumber(v) })))
        .filter(({ value }) => !Number.isNaN(value) && (start === undefined || (descending ? value <= start : value >= start)))
        .sort((a, b) => (descending ? b.value - a.value : a.value - b.value) || compareIds(a.point.id, b.point.id));
      // With order_by Qdrant pages by start_from, never by point id.
      return {
        points: ordered.slice(0, limit).map(({ point, value }) => ({ ...this.output(point, withPayload, withVector), order_value: value })),
        next_page_offset: null,
      };
    }

    const byId = points.sort((a, b) => compareIds(a.id, b.id));
    const from = request.offset == null ? 0 : byId.findIndex((p) => compareIds(p.id, request.offset!) >= 0);
    const page = from < 0 ? [] : byId.slice(from, from + limit);
    const next = from < 0 ? undefined : byId[from + limit];
    return { points: page.map((p) => this.output(p, withPayload, withVector)), next_page_offset: next?.id ?? null };
  }

  count(filter: Filter | null | undefined): number {
    return this.matching(filter).length;
  }

  deleteIds(ids: PointId[]): number {
    for (const id of ids) this.points.delete(idKey(id));
    return ++this.operationId;
  }

  deleteMatching(filter: Filter): number {
    for (const point of this.matching(filter)) this.points.delete(idKey(point.id));
    return ++this.operationId;
  }

  private matching(filter: Filter | null | undefined): StoredPoint[] {
    return [...this.points.values()].filter((point) => !filter || this.satisfies(point, filter));
  }

  private satisfies(point: StoredPoint, filter: Filter): boolean {
    const holds = (c: Condition) => this.conditionHolds(point, c);
    const must = asList(filter.must);
    const should = asList(filter.should);
    const mustNot = asList(filter.must_not);
    if (!must.every(holds)) return false;
    if (should.length > 0 && !should.some(holds)) return false;
    if (mustNot.some(holds)) return false;
    if (filter.min_should && filter.min_should.conditions.filter(holds).length < filter.min_should.min_count) return false;
    return true;
  }

  private conditionHolds(point: StoredPoint, condition: Condition): boolean {
    if ("has_id" in condition) return condition.has_id.some((id) => idKey(id) === idKey(point.id));
    if ("key" in condition) return this.fieldMatches(point, condition);
    return this.satisfies(point, condition);
  }

  private fieldMatches(point: StoredPoint, { key, match }: FieldCondition): boolean {
    const values = valuesAt(point.payload, key);
    if ("value" in match) return values.some((v) => v === match.value);
    if ("any" in match) return values.some((v) => (match.any as unknown[]).includes(v));
    if ("except" in match) return values.length > 0 && values.every((v) => !(match.except as unknown[]).includes(v));
    return values.some((v) => typeof v === "string" && this.textMatches(key, v, match));
  }

  /**
   * With a full-text index the query is tokenised like the field and every token (MatchText) or any token
   * (MatchTextAny) must occur; without one, Qdrant falls back to substring matching of each term.
   */
  private textMatches(key: string, value: string, match: Extract<Match, { text: string } | { text_any: string }>): boolean {
    const query = "text" in match ? match.text : match.text_any;
    const index = this.indexes.get(key);
    const needAll = "text" in match;
    if (index?.dataType !== "text") {
      const terms = query.split(/\s+/).filter(Boolean);
      return needAll ? terms.every((t) => value.includes(t)) : terms.some((t) => value.includes(t));
    }
    const tokens = new Set(this.tokenize(value, index.params));
    const wanted = this.tokenize(query, index.params);
    return wanted.length > 0 && (needAll ? wanted.every((t) => tokens.has(t)) : wanted.some((t) => tokens.has(t)));
  }

  /** The word tokenizer: runs of letters and digits; lowercase by default, accents folded when asked. */
  private tokenize(text: string, params: PayloadIndex["params"]): string[] {
    const options = params?.type === "text" ? params : undefined;
    if (options?.tokenizer && options.tokenizer !== "word")
      throw new QdrantRequestError(400, `This fake implements only the word tokenizer, not ${options.tokenizer}`);
    let source = options?.lowercase === false ? text : text.toLowerCase();
    if (options?.ascii_folding) source = source.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
    const min = options?.min_token_len ?? 0;
    const max = options?.max_token_len ?? Infinity;
    return (source.match(/[\p{L}\p{N}]+/gu) ?? []).filter((t) => t.length >= min && t.length <= max);
  }

  private score(query: number[], vector: number[]): number {
    switch (this.distance) {
      case "Cosine":
      case "Dot":
        return dot(query, vector);
      case "Euclid":
        return Math.sqrt(query.reduce((s, x, i) => s + (x - vector[i]!) ** 2, 0));
      case "Manhattan":
        return query.reduce((s, x, i) => s + Math.abs(x - vector[i]!), 0);
    }
  }

  private output(point: StoredPoint, withPayload: WithPayload, withVector: boolean | null): OutputPoint {
    const out: OutputPoint = { id: point.id };
    const payload = selectPayload(point.payload, withPayload);
    if (payload) out.payload = structuredClone(payload);
    if (withVector) out.vector = [...point.vector];
    return out;
  }

  private checkDimensions(vector: number[]): void {
    if (vector.length !== this.size) throw new QdrantRequestError(400, `Wrong input: Vector dimension error: expected dim: ${this.size}, got ${vector.length}`);
  }
}

function selectPayload(payload: Record<string, unknown>, selector: WithPayload): Record<string, unknown> | undefined {
  if (selector === false) return undefined;
  if (selector === true) return payload;
  if (Array.isArray(selector)) return Object.fromEntries(Object.entries(payload).filter(([k]) => selector.includes(k)));
  if ("include" in selector) return Object.fromEntries(Object.entries(payload).filter(([k]) => selector.include.includes(k)));
  return Object.fromEntries(Object.entries(payload).filter(([k]) => !selector.exclude.includes(k)));
}
