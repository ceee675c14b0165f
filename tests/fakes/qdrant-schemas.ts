import { z } from "zod";

/**
 * Request bodies of the Qdrant REST API subset the fake serves, mirroring the OpenAPI schemas shipped in
 * @qdrant/js-client-rest (dist/types/openapi/generated_schema.d.ts). Objects are strict on purpose: a field the
 * fake does not implement must be rejected loudly rather than silently ignored, so a test can never pass
 * because the fake skipped part of a request.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** ExtendedPointId: an unsigned integer or a UUID. */
export const pointId = z.union([z.number().int().nonnegative(), z.string().regex(UUID, "point id must be an unsigned integer or a UUID")]);
export type PointId = z.infer<typeof pointId>;

const valueVariants = z.union([z.string(), z.number(), z.boolean()]);
const anyVariants = z.union([z.array(z.string()), z.array(z.number())]);

/** Match: MatchValue | MatchText | MatchTextAny | MatchAny | MatchExcept (MatchPhrase is not implemented). */
export const match = z.union([
  z.strictObject({ value: valueVariants }),
  z.strictObject({ text: z.string() }),
  z.strictObject({ text_any: z.string() }),
  z.strictObject({ any: anyVariants }),
  z.strictObject({ except: anyVariants }),
]);
export type Match = z.infer<typeof match>;

/** FieldCondition with a `match` (range, geo and values_count conditions are not implemented). */
export const fieldCondition = z.strictObject({ key: z.string().min(1), match });
export type FieldCondition = z.infer<typeof fieldCondition>;

export const hasIdCondition = z.strictObject({ has_id: z.array(pointId) });
export type HasIdCondition = z.infer<typeof hasIdCondition>;

export type Condition = FieldCondition | HasIdCondition | Filter;
type Conditions = Condition | Condition[] | null | undefined;
export interface Filter {
  must?: Conditions;
  should?: Conditions;
  must_not?: Conditions;
  min_should?: { conditions: Condition[]; min_count: number } | null | undefined;
}

// Condition and Filter refer to each other (a Filter is itself a Condition), hence the lazy schemas.
export const condition: z.ZodType<Condition> = z.lazy(() => z.union([fieldCondition, hasIdCondition, filter]));
const conditions = z.union([condition, z.array(condition)]).nullish();
export const filter: z.ZodType<Filter> = z.lazy(() =>
  z.strictObject({
    must: conditions,
    should: conditions,
    must_not: conditions,
    min_should: z.strictObject({ conditions: z.array(condition), min_count: z.number().int().nonnegative() }).nullish(),
  }),
);

/** WithPayloadInterface: boolean | string[] | PayloadSelector. */
export const withPayload = z.union([
  z.boolean(),
  z.array(z.string()),
  z.strictObject({ include: z.array(z.string()) }),
  z.strictObject({ exclude: z.array(z.string()) }),
]);
export type WithPayload = z.infer<typeof withPayload>;
/** WithVector: only the single unnamed vector is implemented. */
const withVector = z.boolean();

const denseVector = z.array(z.number()).min(1);

export const distance = z.enum(["Cosine", "Euclid", "Dot", "Manhattan"]);
export type Distance = z.infer<typeof distance>;

/** CreateCollection with a single unnamed VectorParams (named and sparse vectors are not implemented). */
export const createCollection = z.strictObject({
  vectors: z.strictObject({ size: z.number().int().positive(), distance, on_disk: z.boolean().nullish() }),
  shard_number: z.number().int().positive().nullish(),
  replication_factor: z.number().int().positive().nullish(),
  write_consistency_factor: z.number().int().positive().nullish(),
  on_disk_payload: z.boolean().nullish(),
});

const common = { on_disk: z.boolean().nullish() };
export const payloadSchemaType = z.enum(["keyword", "integer", "float", "geo", "text", "bool", "datetime", "uuid"]);
/** PayloadFieldSchema: a PayloadSchemaType or one of the *IndexParams objects. */
export const payloadFieldSchema = z.union([
  payloadSchemaType,
  z.strictObject({ type: z.literal("keyword"), is_tenant: z.boolean().nullish(), enable_hnsw: z.boolean().nullish(), ...common }),
  z.strictObject({
    type: z.literal("text"),
    tokenizer: z.enum(["prefix", "whitespace", "word", "multilingual"]).optional(),
    min_token_len: z.number().int().nonnegative().nullish(),
    max_token_len: z.number().int().nonnegative().nullish(),
    lowercase: z.boolean().nullish(),
    ascii_folding: z.boolean().nullish(),
    phrase_matching: z.boolean().nullish(),
    enable_hnsw: z.boolean().nullish(),
    ...common,
  }),
  z.strictObject({ type: z.literal("datetime"), is_principal: z.boolean().nullish(), enable_hnsw: z.boolean().nullish(), ...common }),
  z.strictObject({ type: z.literal("integer"), lookup: z.boolean().nullish(), range: z.boolean().nullish(), is_principal: z.boolean().nullish(), ...common }),
  z.strictObject({ type: z.literal("float"), is_principal: z.boolean().nullish(), ...common }),
  z.strictObject({ type: z.literal("bool"), ...common }),
  z.strictObject({ type: z.literal("uuid"), is_tenant: z.boolean().nullish(), ...common }),
]);
export type PayloadFieldSchema = z.infer<typeof payloadFieldSchema>;

// OpenAPI marks field_schema optional, but a real server cannot index a field without knowing its type.
export const createFieldIndex = z.strictObject({ field_name: z.string().min(1), field_schema: payloadFieldSchema });

const payload = z.record(z.string(), z.unknown());

/** PointInsertOperations as a PointsList (the column-wise PointsBatch is not implemented). */
export const upsertPoints = z.strictObject({
  points: z.array(z.strictObject({ id: pointId, vector: denseVector, payload: payload.nullish() })),
});

/** PointRequest: retrieve by ids. */
export const retrievePoints = z.strictObject({ ids: z.array(pointId), with_payload: withPayload.nullish(), with_vector: withVector.optional() });

const searchCommon = {
  filter: filter.nullish(),
  score_threshold: z.number().nullish(),
  offset: z.number().int().nonnegative().nullish(),
  with_payload: withPayload.nullish(),
  with_vector: withVector.nullish(),
};

/** SearchRequest (deprecated in favour of /points/query, still served by Qdrant). */
export const searchPoints = z.strictObject({ vector: denseVector, limit: z.number().int().positive(), ...searchCommon });

/** QueryRequest with a nearest-vector query, given as VectorInput or NearestQuery. */
export const queryPoints = z.strictObject({
  query: z.union([denseVector, z.strictObject({ nearest: denseVector })]),
  limit: z.number().int().positive().nullish(),
  ...searchCommon,
});

export const orderBy = z.union([
  z.string().min(1),
  z.strictObject({ key: z.string().min(1), direction: z.enum(["asc", "desc"]).nullish(), start_from: z.union([z.number(), z.string()]).nullish() }),
]);

export const scrollPoints = z.strictObject({
  offset: pointId.nullish(),
  limit: z.number().int().positive().nullish(),
  filter: filter.nullish(),
  with_payload: withPayload.nullish(),
  with_vector: withVector.optional(),
  order_by: orderBy.nullish(),
});

export const countPoints = z.strictObject({ filter: filter.nullish(), exact: z.boolean().optional() });

/** PointsSelector: PointIdsList | FilterSelector. */
export const deletePoints = z.union([z.strictObject({ points: z.array(pointId) }), z.strictObject({ filter })]);
