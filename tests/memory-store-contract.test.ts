import { QdrantClient } from "@qdrant/js-client-rest";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ProviderGuard, ProviderUnavailableError, type ResiliencePolicy } from "../src/core/resilience/provider-guard.js";
import { LexicalHashEmbedder } from "../src/modules/memory/embeddings/lexical-embedder.js";
import { QdrantMemoryStore } from "../src/modules/memory/qdrant-store.js";
import { SqliteVecMemoryStore } from "../src/modules/memory/sqlite-vec-store.js";
import type { MemoryStore } from "../src/modules/memory/store.js";
import { type Memory, normalizeMemoryText } from "../src/modules/memory/types.js";
import { type QdrantFake, type RecordedRequest, startQdrantFake } from "./fakes/qdrant-fake.js";
import { tempDataDir } from "./helpers/rose-server.js";

const embedder = new LexicalHashEmbedder(384);
const OTHER_EMBEDDER = "other-model:384";

interface StoreUnderTest {
  store: MemoryStore;
  dispose(): Promise<void>;
}

const vectorOf = async (text: string) => (await embedder.embed([text]))[0]!;

/** Strictly increasing timestamps, so "newest first" has one right answer in every store. */
let clock = Date.parse("2024-03-01T10:00:00.000Z");
const later = () => new Date((clock += 60_000)).toISOString();

function memoryOf(userId: string, text: string, extra: Partial<Memory> = {}): Memory {
  const at = later();
  return { id: randomUUID(), userId, text, type: "fact", importance: 0.5, createdAt: at, updatedAt: at, occurredAt: at, ...extra };
}

async function add(store: MemoryStore, userId: string, text: string, extra: Partial<Memory> = {}, embedderId = embedder.id): Promise<Memory> {
  const memory = memoryOf(userId, text, extra);
  await store.insert(memory, await vectorOf(text), embedderId);
  return memory;
}

/**
 * The behaviour every MemoryStore must have, above all the privacy boundary: nothing a user asks for may ever
 * return, change or delete another user's memory. Each test gets a fresh, empty store.
 */
function describeMemoryStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`MemoryStore contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: MemoryStore;
    // Fresh ids per test, so a store shared by mistake between tests would show up as a failure.
    let alice: string;
    let bob: string;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
      alice = `alice-${randomUUID()}`;
      bob = `bob-${randomUUID()}`;
    });
    afterEach(async () => {
      await subject.dispose();
    });

    it("answers a ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it("returns an inserted memory with every field, and without the optional ones when they were absent", async () => {
      const full = await add(store, alice, "The user's sister Ana lives in Porto.", {
        type: "person",
        importance: 0.75,
        sourceSessionId: randomUUID(),
        metadata: { source: "import", tags: ["family", "porto"], nested: { confidence: 0.9 } },
      });
      const bare = await add(store, alice, "The user loves jasmine tea.", { type: "preference", importance: 0.25 });

      expect(await store.get(alice, full.id)).toEqual(full);
      const bareAgain = await store.get(alice, bare.id);
      expect(bareAgain).toEqual(bare);
      expect(bareAgain).not.toHaveProperty("sourceSessionId");
      expect(bareAgain).not.toHaveProperty("metadata");
    });

    it("answers null or false for another user's memory and leaves it untouched", async () => {
      const bobs = await add(store, bob, "The user's dog Biscuit is afraid of thunder.", { metadata: { k: 1 } });
      const changes = { text: "Hijacked", type: "fact" as const, importance: 1, updatedAt: later() };

      expect(await store.get(alice, bobs.id)).toBeNull();
      expect(await store.update(alice, bobs.id, changes, await vectorOf("Hijacked"), embedder.id)).toBeNull();
      expect(await store.delete(alice, bobs.id)).toBe(false);
      await store.replaceVector(alice, bobs.id, await vectorOf("Hijacked"), OTHER_EMBEDDER);

      expect(await store.get(bob, bobs.id)).toEqual(bobs);
      expect(await store.count(bob)).toBe(1);
      // Still findable by its own vector under the original embedder: replaceVector did nothing.
      const [hit] = await store.vectorSearch(bob, await vectorOf(bobs.text), embedder.id, 1);
      expect(hit?.memory.id).toBe(bobs.id);
    });

    it("finds the user's nearest memories first, with a cosine similarity, and never another user's", async () => {
      const sister = await add(store, alice, "The user's sister Ana lives in Porto.");
      await add(store, alice, "The user is training for a half marathon.");
      await add(store, alice, "The user loves jasmine tea in the evening.");
      // Bob's memory is the exact query text: it would be the nearest of all if the filter were missing.
      await add(store, bob, "My sister Ana lives in Porto");

      const hits = await store.vectorSearch(alice, await vectorOf("My sister Ana lives in Porto"), embedder.id, 10);
      expect(hits).toHaveLength(3);
      expect(hits[0]!.memory).toEqual(sister);
      expect(hits.every((h) => h.memory.userId === alice)).toBe(true);
      for (const { similarity } of hits) {
        expect(similarity).toBeGreaterThanOrEqual(-1 - 1e-6);
        expect(similarity).toBeLessThanOrEqual(1 + 1e-6);
      }
      expect(hits[0]!.similarity).toBeGreaterThan(0.5);
      const similarities = hits.map((h) => h.similarity);
      expect(similarities).toEqual([...similarities].sort((a, b) => b - a));

      expect(await store.vectorSearch(alice, await vectorOf("sister"), embedder.id, 1)).toHaveLength(1);
    });

    it("compares a query only with vectors of the same embedder", async () => {
      const text = "The user plays the cello on Sundays.";
      const foreign = await add(store, alice, text, {}, OTHER_EMBEDDER);
      const query = await vectorOf(text);

      expect(await store.vectorSearch(alice, query, embedder.id, 5)).toEqual([]);
      const hits = await store.vectorSearch(alice, query, OTHER_EMBEDDER, 5);
      expect(hits.map((h) => h.memory.id)).toEqual([foreign.id]);
    });

    it("finds memories by words, best match first, only the user's", async () => {
      const both = await add(store, alice, "The user's sister lives in Porto.");
      const one = await add(store, alice, "The user visited Porto last spring.");
      await add(store, alice, "The user loves jasmine tea.");
      await add(store, bob, "Bob's sister lives in Porto.");

      const hits = await store.keywordSearch(alice, ["sister", "porto"], 10);
      expect(hits.map((h) => h.memory.id)).toEqual([both.id, one.id]);
      expect(hits[0]!.memory).toEqual(both);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);

      expect(await store.keywordSearch(alice, ["porto"], 1)).toHaveLength(1);
      expect(await store.keywordSearch(alice, ["spaceship"], 10)).toEqual([]);
      expect(await store.keywordSearch(alice, [], 10)).toEqual([]);
    });

    it("finds a memory by its normalised text, only for its owner", async () => {
      const memory = await add(store, alice, "The user's sister, Ána, lives in Porto!");
      const sameInAnotherForm = normalizeMemoryText("the USER'S sister ana -- lives in porto");

      expect(await store.findByNormalizedText(alice, sameInAnotherForm)).toEqual(memory);
      expect(await store.findByNormalizedText(bob, sameInAnotherForm)).toBeNull();
      expect(await store.findByNormalizedText(alice, normalizeMemoryText("The user's brother lives in Porto"))).toBeNull();
    });

    it("updates text, type and vector in place: searches find the new text, not the old", async () => {
      const sessionId = randomUUID();
      const original = await add(store, alice, "The user lives in Lisbon.", { metadata: { origin: "chat" }, sourceSessionId: sessionId });
      const changes = { text: "The user moved to Berlin.", type: "event" as const, importance: 0.9, updatedAt: later() };

      const updated = await store.update(alice, original.id, changes, await vectorOf(changes.text), embedder.id);
      // An update without a session keeps the original one; createdAt and metadata survive too.
      expect(updated).toEqual({ ...original, ...changes });
      expect(await store.get(alice, original.id)).toEqual(updated);
      expect(await store.count(alice)).toBe(1);

      expect((await store.keywordSearch(alice, ["berlin"], 5)).map((h) => h.memory.id)).toEqual([original.id]);
      expect(await store.keywordSearch(alice, ["lisbon"], 5)).toEqual([]);
      expect(await store.findByNormalizedText(alice, normalizeMemoryText(changes.text))).toEqual(updated);
      expect(await store.findByNormalizedText(alice, normalizeMemoryText(original.text))).toBeNull();
      const [nearest] = await store.vectorSearch(alice, await vectorOf("moved to Berlin"), embedder.id, 1);
      expect(nearest?.memory.text).toBe(changes.text);
      expect(nearest!.similarity).toBeGreaterThan(0.5);

      const newSession = randomUUID();
      const again = await store.update(
        alice,
        original.id,
        { ...changes, updatedAt: later(), sourceSessionId: newSession },
        await vectorOf(changes.text),
        embedder.id,
      );
      expect(again?.sourceSessionId).toBe(newSession);
    });

    it("lists the user's memories newest-updated first, with offset and limit", async () => {
      // Inserted out of order: the order must come from updatedAt, not from insertion.
      const stamps = [later(), later(), later(), later()];
      const [t1, t2, t3, t4] = stamps as [string, string, string, string];
      const m3 = await add(store, alice, "third", { createdAt: t3, updatedAt: t3 });
      const m1 = await add(store, alice, "first", { createdAt: t1, updatedAt: t1 });
      const m4 = await add(store, alice, "fourth", { createdAt: t4, updatedAt: t4 });
      const m2 = await add(store, alice, "second", { createdAt: t2, updatedAt: t2 });
      await add(store, bob, "bob's own");

      const ids = async (limit: number, offset: number) => (await store.list(alice, { limit, offset })).map((m) => m.id);
      expect(await ids(10, 0)).toEqual([m4.id, m3.id, m2.id, m1.id]);
      expect(await ids(2, 1)).toEqual([m3.id, m2.id]);
      expect(await ids(10, 3)).toEqual([m1.id]);
      expect(await ids(10, 4)).toEqual([]);
      expect((await store.list(alice, { limit: 1, offset: 0 }))[0]).toEqual(m4);

      await store.update(
        alice,
        m1.id,
        { text: "first, revised", type: "fact", importance: 0.5, updatedAt: later() },
        await vectorOf("first revised"),
        embedder.id,
      );
      expect(await ids(1, 0)).toEqual([m1.id]);
    });

    it("lists the user's memories of a period by when they happened (not when told), newest first, end excluded", async () => {
      const [t1, t2, t3, t4] = [later(), later(), later(), later()] as [string, string, string, string];
      // Told later, in the reverse order: only their own times decide.
      const told = () => ({ createdAt: later(), updatedAt: later() });
      await add(store, alice, "at the end", { ...told(), occurredAt: t4 });
      const m3 = await add(store, alice, "in it, second", { ...told(), occurredAt: t3 });
      const m2 = await add(store, alice, "in it, first", { ...told(), occurredAt: t2 });
      await add(store, alice, "before", { ...told(), occurredAt: t1 });
      await add(store, bob, "bob's, in it", { ...told(), occurredAt: t3 });
      expect((await store.inPeriod(alice, { from: t2, to: t4 }, 10)).map((m) => m.id)).toEqual([m3.id, m2.id]);
      expect((await store.inPeriod(alice, { from: t2, to: t4 }, 1)).map((m) => m.id)).toEqual([m3.id]);
      expect(await store.inPeriod(alice, { from: later(), to: later() }, 10)).toEqual([]);
    });

    it("counts only the user's memories", async () => {
      await add(store, alice, "one");
      await add(store, alice, "two");
      await add(store, alice, "three");
      await add(store, bob, "bob's");
      expect(await store.count(alice)).toBe(3);
      expect(await store.count(bob)).toBe(1);
      expect(await store.count(`nobody-${randomUUID()}`)).toBe(0);
    });

    it("deletes one memory, which then no search returns", async () => {
      const gone = await add(store, alice, "The user's cat is called Miso.");
      const kept = await add(store, alice, "The user's cat likes tuna.");

      expect(await store.delete(alice, gone.id)).toBe(true);
      expect(await store.get(alice, gone.id)).toBeNull();
      expect(await store.delete(alice, gone.id)).toBe(false);
      expect(await store.count(alice)).toBe(1);
      expect((await store.keywordSearch(alice, ["cat", "miso"], 10)).map((h) => h.memory.id)).toEqual([kept.id]);
      expect((await store.vectorSearch(alice, await vectorOf(gone.text), embedder.id, 10)).map((h) => h.memory.id)).toEqual([kept.id]);
      expect(await store.findByNormalizedText(alice, normalizeMemoryText(gone.text))).toBeNull();
    });

    it("deletes all of one user's memories and says how many, leaving other users alone", async () => {
      await add(store, alice, "one");
      await add(store, alice, "two");
      await add(store, alice, "three");
      const bobs = [await add(store, bob, "bob one"), await add(store, bob, "bob two")];

      expect(await store.deleteAll(alice)).toBe(3);
      expect(await store.count(alice)).toBe(0);
      expect(await store.list(alice, { limit: 10, offset: 0 })).toEqual([]);
      expect(await store.deleteAll(alice)).toBe(0);
      expect(await store.count(bob)).toBe(2);
      expect(await store.get(bob, bobs[0]!.id)).toEqual(bobs[0]);
    });

    it("marks a memory as replaced, once, only for its owner, and returns its history fields", async () => {
      const old = await add(store, alice, "Alice lives in York.");
      const bobs = await add(store, bob, "Bob lives in York.");
      const at = later();
      expect(await store.markSuperseded(bob, old.id, bobs.id, at)).toBe(false);
      expect(await store.markSuperseded(alice, old.id, "a-newer-memory", at)).toBe(true);
      expect(await store.markSuperseded(alice, old.id, "yet-another", later())).toBe(false);
      expect(await store.get(alice, old.id)).toEqual({ ...old, supersededBy: "a-newer-memory", supersededAt: at });
      expect(await store.get(bob, bobs.id)).toEqual(bobs);
      // Still found by words and vectors: whether history is shown is the caller's choice.
      expect((await store.keywordSearch(alice, ["york"], 5)).map((h) => h.memory.id)).toEqual([old.id]);
    });

    it("finds a user's memories by entity key, newest first, never another user's", async () => {
      const sister = { name: "Marguerite", kind: "person" as const, relation: "sister" };
      const intro = await add(store, alice, "My sister Marguerite is visiting.", { entities: [sister], occurredAt: later() });
      const job = await add(store, alice, "Marguerite teaches piano.", { entities: [{ name: "Marguerite", kind: "name" }], occurredAt: later() });
      await add(store, alice, "I like tea.");
      await add(store, bob, "My sister Marguerite is visiting.", { entities: [sister] });
      expect((await store.byEntities(alice, ["rel:sister"], 10)).map((m) => m.id)).toEqual([intro.id]);
      expect((await store.byEntities(alice, ["name:marguerite", "rel:nobody"], 10)).map((m) => m.id)).toEqual([job.id, intro.id]);
      expect((await store.byEntities(alice, ["name:marguerite"], 1)).map((m) => m.id)).toEqual([job.id]);
      expect((await store.get(alice, intro.id))?.entities).toEqual([sister]);
      expect(await store.byEntities(alice, [], 10)).toEqual([]);
      // Changing the text replaces the entities it is found by.
      await store.update(
        alice,
        intro.id,
        { text: "I like coffee.", type: "fact", importance: 0.5, updatedAt: later(), entities: [] },
        await vectorOf("I like coffee."),
        embedder.id,
      );
      expect((await store.byEntities(alice, ["rel:sister"], 10)).map((m) => m.id)).toEqual([]);
      await store.delete(alice, job.id);
      expect(await store.byEntities(alice, ["name:marguerite"], 10)).toEqual([]);
    });

    it("returns the episode around a memory: the same conversation's neighbours in the order told, only the user's", async () => {
      const told = [later(), later(), later(), later(), later()];
      const m = await Promise.all(told.map((at, i) => add(store, alice, `turn ${i}`, { createdAt: at, updatedAt: at, sourceSessionId: "conv-1" })));
      await add(store, alice, "another conversation", { createdAt: told[2], sourceSessionId: "conv-2" });
      await add(store, bob, "bob's turn", { createdAt: told[2], sourceSessionId: "conv-1" });
      expect((await store.episode(alice, "conv-1", told[2]!, 1, 1)).map((x) => x.id)).toEqual([m[1]!.id, m[3]!.id]);
      expect((await store.episode(alice, "conv-1", told[2]!, 2, 0)).map((x) => x.id)).toEqual([m[0]!.id, m[1]!.id]);
      expect((await store.episode(alice, "conv-1", told[0]!, 1, 1)).map((x) => x.id)).toEqual([m[1]!.id]);
      expect(await store.episode(bob, "conv-2", told[2]!, 1, 1)).toEqual([]);
    });

    it("lists vectors of other embedders for re-embedding and replaces them", async () => {
      const current = await add(store, alice, "The user speaks Portuguese.");
      const stale = await add(store, alice, "The user studies Japanese.", {}, OTHER_EMBEDDER);
      const bobStale = await add(store, bob, "Bob studies Korean.", {}, OTHER_EMBEDDER);

      const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
      expect((await store.staleVectors(embedder.id, 10)).sort(byId)).toEqual(
        [
          { userId: alice, id: stale.id, text: stale.text },
          { userId: bob, id: bobStale.id, text: bobStale.text },
        ].sort(byId),
      );
      expect(await store.staleVectors(embedder.id, 1)).toHaveLength(1);
      expect((await store.staleVectors(OTHER_EMBEDDER, 10)).map((s) => s.id)).toEqual([current.id]);

      await store.replaceVector(alice, stale.id, await vectorOf(stale.text), embedder.id);
      expect((await store.staleVectors(embedder.id, 10)).map((s) => s.id)).toEqual([bobStale.id]);
      expect(await store.get(alice, stale.id)).toEqual(stale);
      const [hit] = await store.vectorSearch(alice, await vectorOf("studies Japanese"), embedder.id, 1);
      expect(hit?.memory.id).toBe(stale.id);
      expect(await store.vectorSearch(alice, await vectorOf(stale.text), OTHER_EMBEDDER, 5)).toEqual([]);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------

/** Fast enough for tests, but with the real guard semantics (breaker, per-attempt timeout). */
const testPolicy = (overrides: Partial<ResiliencePolicy> = {}): ResiliencePolicy => ({
  timeoutMs: 5_000,
  retries: 1,
  baseDelayMs: 5,
  maxDelayMs: 20,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  rollingWindowMs: 10_000,
  resetTimeoutMs: 30_000,
  ...overrides,
});

const uniqueCollection = () => `rose_contract_${randomUUID().replaceAll("-", "").slice(0, 12)}`;

function qdrantStore(url: string, options: { collection?: string; apiKey?: string; dimensions?: number; guard?: ProviderGuard } = {}) {
  const guard = options.guard ?? new ProviderGuard("vector_store", testPolicy());
  const collection = options.collection ?? uniqueCollection();
  const store = new QdrantMemoryStore(
    { url, dimensions: options.dimensions ?? embedder.dimensions, collection, ...(options.apiKey ? { apiKey: options.apiKey } : {}) },
    guard,
  );
  return { store, guard, collection };
}

describe("SqliteVecMemoryStore", () => {
  const dir = tempDataDir("rose-contract-");
  afterAll(() => dir.remove());
  let n = 0;
  describeMemoryStoreContract("sqlite-vec", async () => {
    const store = new SqliteVecMemoryStore(join(dir.path, `contract-${++n}.db`), embedder.dimensions);
    return { store, dispose: () => store.close() };
  });
});

describe("QdrantMemoryStore against the loopback Qdrant fake", () => {
  let fake: QdrantFake;
  beforeAll(async () => {
    fake = await startQdrantFake();
  });
  afterAll(async () => {
    await fake.close();
  });

  describeMemoryStoreContract("qdrant (fake)", async () => {
    const { store, guard } = qdrantStore(fake.url);
    return {
      store,
      async dispose() {
        await store.close();
        guard.shutdown();
      },
    };
  });

  describe("adapter specifics", () => {
    const guards: ProviderGuard[] = [];
    afterAll(() => guards.forEach((g) => g.shutdown()));
    const fresh = (options: Parameters<typeof qdrantStore>[1] = {}) => {
      const made = qdrantStore(fake.url, options);
      guards.push(made.guard);
      return made;
    };
    const sentTo = (collection: string, since = 0) => fake.requests.slice(since).filter((r) => r.path.startsWith(`/collections/${collection}`));
    const POINT_READS_AND_DELETES = /\/points\/(query|search|scroll|count|delete)$/;
    const userFilterOf = (request: RecordedRequest) => {
      const must = (request.body as { filter?: { must?: unknown } }).filter?.must;
      return (Array.isArray(must) ? must : [must]).find((c) => (c as { key?: string } | undefined)?.key === "user_id") as
        { match?: { value?: unknown } } | undefined;
    };

    it("creates the collection once, even under concurrent first calls, with cosine distance, the size and the payload indexes", async () => {
      const { store, collection } = fresh();
      await Promise.all([
        store.count("u1"),
        store.count("u2"),
        store.list("u3", { limit: 5, offset: 0 }),
        add(store, "u4", "hello there"),
        store.get("u5", randomUUID()),
      ]);

      const requests = sentTo(collection);
      const creates = requests.filter((r) => r.method === "PUT" && r.path === `/collections/${collection}`);
      expect(creates).toHaveLength(1);
      expect(creates[0]!.body).toEqual({ vectors: { size: 384, distance: "Cosine" } });
      expect(requests.filter((r) => r.path.endsWith("/exists"))).toHaveLength(1);

      const indexes = Object.fromEntries(
        requests
          .filter((r) => r.path.endsWith("/index"))
          .map((r) => [(r.body as { field_name: string }).field_name, (r.body as { field_schema: unknown }).field_schema]),
      );
      expect(indexes).toEqual({
        user_id: { type: "keyword", is_tenant: true },
        embedder: "keyword",
        normalized: "keyword",
        text: { type: "text", tokenizer: "word", lowercase: true, ascii_folding: true },
        updated_at: "datetime",
        created_at: "datetime",
        source_session_id: "keyword",
        entity_keys: "keyword",
        occurred_at: "datetime",
      });
      expect(requests.filter((r) => r.path.endsWith("/index")).every((r) => r.query.wait === "true")).toBe(true);

      const info = (await (await fetch(`${fake.url}/collections/${collection}`)).json()) as {
        result: { payload_schema: Record<string, { data_type: string; params?: unknown }> };
      };
      expect(info.result.payload_schema.user_id).toMatchObject({ data_type: "keyword", params: { is_tenant: true } });
    });

    it("reuses an existing collection without re-creating it or its indexes", async () => {
      const { store, collection } = fresh();
      await add(store, "u1", "kept across restarts");
      const mark = fake.requests.length;
      const { store: restarted } = fresh({ collection });
      expect(await restarted.count("u1")).toBe(1);
      const after = sentTo(collection, mark);
      expect(after.filter((r) => r.method === "PUT")).toEqual([]);
      expect(after.map((r) => `${r.method} ${r.path.replace(`/collections/${collection}`, "")}`)).toEqual(["GET /exists", "GET ", "POST /points/count"]);
    });

    it("back-fills a collection written before memories had their own time and entities, once", async () => {
      const collection = `old_${randomUUID().replaceAll("-", "")}`;
      const client = new QdrantClient({ url: fake.url, checkCompatibility: false });
      await client.createCollection(collection, { vectors: { size: 384, distance: "Cosine" } });
      for (const [field_name, field_schema] of [
        ["user_id", { type: "keyword", is_tenant: true }],
        ["embedder", "keyword"],
        ["normalized", "keyword"],
        ["text", { type: "text", tokenizer: "word", lowercase: true, ascii_folding: true }],
        ["updated_at", "datetime"],
      ] as const) {
        await client.createPayloadIndex(collection, { field_name, field_schema, wait: true });
      }
      const text = "My sister Marguerite lives in Porto.";
      const id = randomUUID();
      const at = "2024-02-01T10:00:00.000Z";
      await client.upsert(collection, {
        wait: true,
        points: [
          {
            id,
            vector: Array.from(await vectorOf(text)),
            payload: {
              user_id: "u1",
              text,
              normalized: normalizeMemoryText(text),
              type: "fact",
              importance: 0.5,
              created_at: at,
              updated_at: at,
              source_session_id: null,
              metadata: null,
              embedder: embedder.id,
            },
          },
        ],
      });

      const { store } = fresh({ collection });
      expect(await store.get("u1", id)).toMatchObject({
        occurredAt: at,
        entities: [
          { name: "Marguerite", kind: "person", relation: "sister" },
          { name: "Porto", kind: "place" },
        ],
      });
      expect((await store.byEntities("u1", ["rel:sister"], 5)).map((m) => m.id)).toEqual([id]);
      expect((await store.inPeriod("u1", { from: "2024-02-01T00:00:00.000Z", to: "2024-02-02T00:00:00.000Z" }, 5)).map((m) => m.id)).toEqual([id]);
      const mark = fake.requests.length;
      const { store: again } = fresh({ collection });
      await again.count("u1");
      expect(sentTo(collection, mark).filter((r) => r.method === "PUT")).toEqual([]);
    });

    it("refuses an existing collection made for another vector size", async () => {
      const { store, collection } = fresh();
      await add(store, "u1", "384 dimensions");
      const { store: mismatched } = fresh({ collection, dimensions: 8 });
      await expect(mismatched.count("u1")).rejects.toThrow(/384-dimension Cosine vectors; this store needs 8-dimension/);
    });

    it("stores the memory id as the point id with the documented payload, and waits for every write", async () => {
      const { store, collection } = fresh();
      const memory = await add(store, "u1", "The user's Sister lives in Porto!", { sourceSessionId: "s-1", metadata: { a: 1 } });
      await store.update("u1", memory.id, { text: "Changed", type: "goal", importance: 0.1, updatedAt: later() }, await vectorOf("Changed"), embedder.id);

      const upserts = sentTo(collection).filter((r) => r.method === "PUT" && r.path.endsWith("/points"));
      expect(upserts).toHaveLength(2);
      expect(upserts.every((r) => r.query.wait === "true")).toBe(true);
      const [point] = (upserts[0]!.body as { points: Array<{ id: string; vector: number[]; payload: Record<string, unknown> }> }).points;
      expect(point!.id).toBe(memory.id);
      expect(point!.vector).toHaveLength(384);
      expect(point!.payload).toEqual({
        user_id: "u1",
        text: memory.text,
        normalized: "the user s sister lives in porto",
        type: "fact",
        importance: 0.5,
        created_at: memory.createdAt,
        updated_at: memory.updatedAt,
        source_session_id: "s-1",
        metadata: { a: 1 },
        embedder: embedder.id,
        occurred_at: memory.occurredAt,
        entities: null,
        entity_keys: [],
        supersedes: null,
        superseded_by: null,
        superseded_at: null,
      });
      const deletes = sentTo(collection).filter((r) => r.path.endsWith("/points/delete"));
      await store.deleteAll("u1");
      expect(
        sentTo(collection)
          .filter((r) => r.path.endsWith("/points/delete"))
          .slice(deletes.length)
          .every((r) => r.query.wait === "true"),
      ).toBe(true);
    });

    it("puts the user filter into every search, scroll, count and delete request it makes for a user", async () => {
      const { store, collection } = fresh();
      const ALICE = "alice";
      const bobs = await add(store, "bob", "Bob's sister lives in Porto.");
      const mark = fake.requests.length;

      const mine = await add(store, ALICE, "The user's sister lives in Porto.");
      await store.get(ALICE, mine.id);
      await store.get(ALICE, bobs.id);
      await store.findByNormalizedText(ALICE, normalizeMemoryText(mine.text));
      await store.vectorSearch(ALICE, await vectorOf("sister in Porto"), embedder.id, 5);
      await store.keywordSearch(ALICE, ["sister", "porto"], 5);
      await store.list(ALICE, { limit: 10, offset: 0 });
      await store.count(ALICE);
      await store.update(ALICE, mine.id, { text: "Moved", type: "fact", importance: 0.5, updatedAt: later() }, await vectorOf("Moved"), embedder.id);
      await store.replaceVector(ALICE, mine.id, await vectorOf("Moved"), embedder.id);
      await store.delete(ALICE, bobs.id);
      await store.delete(ALICE, mine.id);
      await store.deleteAll(ALICE);

      const reads = sentTo(collection, mark).filter((r) => POINT_READS_AND_DELETES.test(r.path));
      const kinds = new Set(reads.map((r) => r.path.split("/").pop()));
      expect(kinds).toEqual(new Set(["query", "scroll", "count", "delete"]));
      for (const request of reads) {
        expect(userFilterOf(request), `${request.path} ${JSON.stringify(request.body)}`).toEqual({ key: "user_id", match: { value: ALICE } });
      }
      // Bob's memory survived Alice's delete and deleteAll.
      expect(await store.get("bob", bobs.id)).toEqual(bobs);
    });

    it("validates requests like Qdrant does, and the store checks vector sizes before sending", async () => {
      const { store, collection } = fresh();
      await store.count("u1");
      const post = (path: string, body: unknown) =>
        fetch(`${fake.url}/collections/${collection}${path}`, {
          method: path === "/points" ? "PUT" : "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });

      const typo = await post("/points/scroll", { filter: { must: [{ key: "user_id", match: { valeu: "u1" } }] } });
      expect(typo.status).toBe(400);
      const answer = (await typo.json()) as { status: { error: string }; time: number };
      expect(answer.status.error).toMatch(/^Format error in JSON body/);
      expect(typeof answer.time).toBe("number");
      expect((await post("/points", { points: [{ id: "not-a-uuid", vector: [1], payload: {} }] })).status).toBe(400);
      expect((await post("/points", { points: [{ id: randomUUID(), vector: [1, 2, 3] }] })).status).toBe(400);

      const before = fake.requests.length;
      await expect(store.insert(memoryOf("u1", "short"), new Float32Array(3), embedder.id)).rejects.toThrow(/3 dimensions/);
      expect(fake.requests.length).toBe(before);
    });

    it("asks Qdrant for keyword candidates with one full-text condition per word (at least one must match)", async () => {
      const { store, collection } = fresh();
      await add(store, "u1", "The user's sister lives in Porto.");
      const mark = fake.requests.length;
      await store.keywordSearch("u1", ["sister", "porto", "sister"], 5);
      const [scroll] = sentTo(collection, mark).filter((r) => r.path.endsWith("/points/scroll"));
      expect((scroll!.body as { filter: unknown }).filter).toEqual({
        must: [{ key: "user_id", match: { value: "u1" } }],
        should: [
          { key: "text", match: { text: "sister" } },
          { key: "text", match: { text: "porto" } },
        ],
      });
    });

    it("the fake filters and scores like Qdrant (so the contract run above means something)", async () => {
      const { store, collection } = fresh();
      const porto = await add(store, "u1", "Lives in PORTO, near the river.");
      const cello = await add(store, "u1", "Plays the cello.");
      await add(store, "u2", "Also lives in Porto.");
      const scroll = async (filter: unknown) => {
        const response = await fetch(`${fake.url}/collections/${collection}/points/scroll`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ filter, limit: 10, with_payload: false }),
        });
        return ((await response.json()) as { result: { points: Array<{ id: string }> } }).result.points.map((p) => p.id).sort();
      };
      const u1 = { key: "user_id", match: { value: "u1" } };
      expect(await scroll({ must: [u1], should: [{ key: "text", match: { text: "porto" } }] })).toEqual([porto.id]);
      expect(
        await scroll({
          must: [u1],
          should: [
            { key: "text", match: { text: "river" } },
            { key: "text", match: { text: "cello" } },
          ],
        }),
      ).toEqual([porto.id, cello.id].sort());
      expect(await scroll({ must: [u1], must_not: [{ has_id: [porto.id] }] })).toEqual([cello.id]);
      expect(await scroll({ must: [u1, { key: "text", match: { text: "porto cello" } }] })).toEqual([]);
      expect(await scroll({ must: [{ key: "user_id", match: { any: ["u1", "u2"] } }] })).toHaveLength(3);
      expect(await scroll({ min_should: { conditions: [u1, { key: "text", match: { text: "river" } }], min_count: 2 } })).toEqual([porto.id]);
    });

    it("reports Qdrant's own reason for a refusal, and a 404 does not count against the breaker", async () => {
      const guard = new ProviderGuard("vector_store", testPolicy({ retries: 0, volumeThreshold: 2 }));
      guards.push(guard);
      const { store, collection } = qdrantStore(fake.url, { guard });
      await store.count("u1");
      await fetch(`${fake.url}/collections/${collection}`, { method: "DELETE" });
      for (let i = 0; i < 4; i++) {
        await expect(store.count("u1")).rejects.toMatchObject({
          status: 404,
          message: `Qdrant answered 404: Not found: Collection \`${collection}\` doesn't exist!`,
        });
      }
      expect(guard.state).toBe("closed");
    });

    it("runs every call through the guard: a Qdrant outage opens the breaker", async () => {
      const ownFake = await startQdrantFake();
      const guard = new ProviderGuard("vector_store", testPolicy({ retries: 0, volumeThreshold: 3, errorThresholdPercentage: 50 }));
      guards.push(guard);
      const states: string[] = [];
      guard.onStateChange((_provider, state) => states.push(state));
      const { store } = qdrantStore(ownFake.url, { guard });
      expect(await store.count("u1")).toBe(0);
      await ownFake.close();

      // The collection set-up calls succeeded and count in the rolling window, so it takes a few failures to pass 50%.
      let failures = 0;
      while (guard.state !== "open" && failures < 30) {
        await expect(store.count("u1")).rejects.toThrow();
        failures++;
      }
      expect(guard.state).toBe("open");
      expect(states).toContain("open");
      await expect(store.count("u1")).rejects.toBeInstanceOf(ProviderUnavailableError);
      await expect(store.ping()).rejects.toMatchObject({ reason: "circuit_open" });
    });

    it("lets the guard's timeout cancel a request that hangs", async () => {
      const guard = new ProviderGuard("vector_store", testPolicy({ timeoutMs: 150, retries: 0 }));
      guards.push(guard);
      const { store } = qdrantStore(fake.url, { guard });
      await store.count("u1");
      fake.setLatency(3_000);
      try {
        const started = Date.now();
        await expect(store.count("u1")).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(1_500);
      } finally {
        fake.setLatency(0);
      }
    });
  });
});

describe.skipIf(!process.env.QDRANT_URL)("QdrantMemoryStore against a live Qdrant (QDRANT_URL)", () => {
  const url = process.env.QDRANT_URL ?? "";
  const apiKey = process.env.QDRANT_API_KEY;
  const admin = new QdrantClient({ url, ...(apiKey ? { apiKey } : {}), checkCompatibility: false });

  describeMemoryStoreContract("qdrant (live)", async () => {
    const { store, guard, collection } = qdrantStore(url, apiKey ? { apiKey } : {});
    return {
      store,
      async dispose() {
        await store.close();
        guard.shutdown();
        await admin.deleteCollection(collection).catch(() => undefined);
      },
    };
  });
});
