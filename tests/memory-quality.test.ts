import Database from "better-sqlite3";
import { join } from "node:path";
import * as sqliteVec from "sqlite-vec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateConversations } from "../bench/data/conversations.js";
import { newId } from "../src/core/ids.js";
import { ProviderGuard, type ResiliencePolicy } from "../src/core/resilience/provider-guard.js";
import { LexicalHashEmbedder } from "../src/modules/memory/embeddings/lexical-embedder.js";
import { porterStem } from "../src/modules/memory/keywords/porter.js";
import { LongTermMemory, type SearchOptions } from "../src/modules/memory/long-term-memory.js";
import { QdrantMemoryStore } from "../src/modules/memory/qdrant-store.js";
import { SqliteVecMemoryStore } from "../src/modules/memory/sqlite-vec-store.js";
import type { MemoryStore } from "../src/modules/memory/store.js";
import { type QdrantFake, startQdrantFake } from "./fakes/qdrant-fake.js";
import { tempDataDir } from "./helpers/rose-server.js";

const dir = tempDataDir();
let counter = 0;
const ALICE = "a11ce000-0000-4000-8000-000000000001";
const BOB = "b0b00000-0000-4000-8000-000000000002";
const embedder = new LexicalHashEmbedder();

const freshPath = () => join(dir.path, `quality-${++counter}.db`);
const freshMemory = () => new LongTermMemory(new SqliteVecMemoryStore(freshPath()), embedder);
/** A fixed clock, so the recency boost is the same in every search of a test. */
const NOW = new Date("2026-06-01T12:00:00Z");
const ranked = async (memory: LongTermMemory, userId: string, query: string, options: SearchOptions = {}) =>
  (await memory.search(userId, query, { limit: 10, includeWeak: true, now: NOW, ...options })).map((h) => [h.memory.text, h.score] as const);
const texts = async (memory: LongTermMemory, userId: string, query: string, options: SearchOptions = {}) =>
  (await ranked(memory, userId, query, options)).map(([text]) => text);

afterAll(() => dir.remove());

const ALICE_MEMORIES = [
  "Alice: My sister Marguerite teaches piano at the conservatory.",
  "Alice: I went hiking in the mountains with my sister last weekend.",
  "Alice: The piano in our living room needs tuning.",
  "Alice: I adopted a cat called Miso from the shelter.",
  "Alice: Work at the hospital has been exhausting this month.",
  "Alice: Marguerite and I baked bread together on Sunday.",
];

let qdrant: QdrantFake;
beforeAll(async () => {
  qdrant = await startQdrantFake();
});
afterAll(() => qdrant.close());

const POLICY: ResiliencePolicy = {
  timeoutMs: 5_000,
  retries: 0,
  baseDelayMs: 5,
  maxDelayMs: 20,
  errorThresholdPercentage: 50,
  volumeThreshold: 50,
  rollingWindowMs: 10_000,
  resetTimeoutMs: 30_000,
};
const stores: Array<[string, () => MemoryStore]> = [
  ["sqlite-vec", () => new SqliteVecMemoryStore(freshPath())],
  [
    "Qdrant",
    () =>
      new QdrantMemoryStore(
        { url: qdrant.url, dimensions: embedder.dimensions, collection: `quality_${++counter}` },
        new ProviderGuard("vector_store", POLICY),
      ),
  ],
];

describe.each(stores)("a person's keyword ranking is their own (%s)", (_name, makeStore) => {
  it("gives one person the same results, in the same order with the same scores, however many memories other people have", async () => {
    const store = makeStore();
    const memory = new LongTermMemory(store, embedder);
    await memory.rememberAll(
      ALICE,
      ALICE_MEMORIES.map((text) => ({ text, type: "fact" as const, importance: 0.5 })),
    );
    const queries = ["Who teaches piano in my family?", "What did I do with my sister?", "How is work at the hospital?", "Tell me about Miso the cat"];
    const before = await Promise.all(queries.flatMap((q) => [ranked(memory, ALICE, q, { mode: "keyword" }), ranked(memory, ALICE, q)]));
    // The store's own BM25 scores, not only the fused ranks built from them.
    const bm25 = () =>
      Promise.all(queries.map(async (q) => (await store.keywordSearch(ALICE, q.toLowerCase().split(/\W+/), 10)).map((h) => [h.memory.text, h.score])));
    const bm25Before = await bm25();

    // Bob talks about pianos and sisters all the time: with shared statistics those words would weigh less for Alice.
    const bobs = Array.from({ length: 300 }, (_, i) => ({
      text: `Bob: my sister plays piano number ${i} at the hospital with the cat ${i % 7}.`,
      type: "fact" as const,
      importance: 0.5,
    }));
    await memory.rememberAll(BOB, bobs);
    const after = await Promise.all(queries.flatMap((q) => [ranked(memory, ALICE, q, { mode: "keyword" }), ranked(memory, ALICE, q)]));
    expect(after).toEqual(before);
    expect(await bm25()).toEqual(bm25Before);
    expect(before[0]![0]![0]).toBe("Alice: My sister Marguerite teaches piano at the conservatory.");
    expect(bm25Before[0]!.length).toBeGreaterThan(1);

    // Forgetting Bob entirely leaves Alice's ranking where it was as well.
    await memory.deleteAll(BOB);
    expect(await Promise.all(queries.flatMap((q) => [ranked(memory, ALICE, q, { mode: "keyword" }), ranked(memory, ALICE, q)]))).toEqual(before);
    await memory.close();
  });

  it("keeps a person's statistics right through updates and deletes", async () => {
    const memory = new LongTermMemory(makeStore(), embedder);
    await memory.rememberAll(
      ALICE,
      ALICE_MEMORIES.map((text) => ({ text, type: "fact" as const, importance: 0.5 })),
    );
    const baseline = await ranked(memory, ALICE, "piano sister hospital", { mode: "keyword" });

    const extra = await memory.remember(ALICE, { text: "Alice: piano piano sister, nothing else.", type: "fact", importance: 0.5 });
    // An edit changes the memory in place (a superseding fact would be a new memory, the old one kept as history).
    const changed = await memory.edit(ALICE, extra.memory.id, { text: "Alice: I dropped piano and took up the cello." });
    expect(changed?.id).toBe(extra.memory.id);
    expect((await ranked(memory, ALICE, "piano sister hospital", { mode: "keyword" })).map(([t]) => t)).toContain(
      "Alice: I dropped piano and took up the cello.",
    );
    await memory.delete(ALICE, extra.memory.id);
    expect(await ranked(memory, ALICE, "piano sister hospital", { mode: "keyword" })).toEqual(baseline);
    await memory.close();
  });
});

describe("keyword matching", () => {
  it("stems like the Porter algorithm (examples from Porter's paper and its reference vocabulary)", () => {
    const cases: Record<string, string> = {
      caresses: "caress",
      ponies: "poni",
      cats: "cat",
      feed: "feed",
      agreed: "agre",
      plastered: "plaster",
      motoring: "motor",
      sing: "sing",
      conflated: "conflat",
      troubled: "troubl",
      sized: "size",
      hopping: "hop",
      falling: "fall",
      hissing: "hiss",
      filing: "file",
      happy: "happi",
      sky: "sky",
      relational: "relat",
      conditional: "condit",
      rational: "ration",
      digitizer: "digit",
      vietnamization: "vietnam",
      operator: "oper",
      feudalism: "feudal",
      decisiveness: "decis",
      hopefulness: "hope",
      formaliti: "formal",
      sensibiliti: "sensibl",
      triplicate: "triplic",
      formative: "form",
      electrical: "electr",
      goodness: "good",
      revival: "reviv",
      allowance: "allow",
      inference: "infer",
      airliner: "airlin",
      adjustable: "adjust",
      replacement: "replac",
      adoption: "adopt",
      communism: "commun",
      effective: "effect",
      probate: "probat",
      rate: "rate",
      cease: "ceas",
      controll: "control",
      roll: "roll",
      generalizations: "gener",
    };
    expect(Object.fromEntries(Object.keys(cases).map((word) => [word, porterStem(word)]))).toEqual(cases);
  });

  it("matches other forms of a word, accents or not, and needs only one of the query's words", async () => {
    const memory = freshMemory();
    await memory.rememberAll(ALICE, [
      { text: "Alice: Marguerite is teaching piano lessons to children.", type: "fact", importance: 0.5 },
      { text: "Alice: We met at Zoë's café near the river.", type: "fact", importance: 0.5 },
      { text: "Alice: I moved to Lisbon in the spring.", type: "event", importance: 0.5 },
    ]);
    expect((await texts(memory, ALICE, "who teaches the piano?", { mode: "keyword" }))[0]).toBe("Alice: Marguerite is teaching piano lessons to children.");
    expect((await texts(memory, ALICE, "zoe's cafe", { mode: "keyword" }))[0]).toBe("Alice: We met at Zoë's café near the river.");
    expect((await texts(memory, ALICE, "when was the big move and the wedding?", { mode: "keyword" }))[0]).toBe("Alice: I moved to Lisbon in the spring.");
    await memory.close();
  });

  it("never lets the relevance floor drop a keyword hit", async () => {
    const memory = freshMemory();
    await memory.rememberAll(ALICE, [
      { text: "Alice: Running along the canal clears my head.", type: "preference", importance: 0.5 },
      { text: "Alice: The canal boats are painted red.", type: "fact", importance: 0.5 },
    ]);
    // Without includeWeak, as the prompt and GET /memories?query= search: "run" and "running" are one word.
    expect((await memory.search(ALICE, "Do you still run?", { limit: 5, now: NOW })).map((h) => h.memory.text)).toEqual([
      "Alice: Running along the canal clears my head.",
    ]);
    await memory.close();
  });

  it("keeps a name that is also a stop word when it is written as a name", async () => {
    const memory = freshMemory();
    await memory.rememberAll(ALICE, [
      { text: "Alice: My neighbour Will fixed the boiler.", type: "fact", importance: 0.5 },
      { text: "Alice: The boiler broke again, it is old.", type: "fact", importance: 0.5 },
    ]);
    expect(await texts(memory, ALICE, "Have you heard from Will lately?", { mode: "keyword" })).toEqual(["Alice: My neighbour Will fixed the boiler."]);
    // At the start of a sentence it is the verb again.
    expect(await texts(memory, ALICE, "Will it rain?", { mode: "keyword" })).toEqual([]);
    await memory.close();
  });

  it("rebuilds an older database's keyword index (FTS5, shared statistics) into the per-person one at start-up", async () => {
    const path = freshPath();
    const [vector] = await embedder.embed(["Alice: My sister teaches piano."]);
    const old = new Database(path);
    sqliteVec.load(old);
    old.exec(`
      CREATE TABLE memories (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, user_id TEXT NOT NULL, text TEXT NOT NULL, normalized TEXT NOT NULL, type TEXT NOT NULL,
        importance REAL NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, source_session_id TEXT, metadata TEXT, embedder TEXT NOT NULL, user_key TEXT NOT NULL);
      CREATE VIRTUAL TABLE memory_vectors USING vec0(user_id TEXT PARTITION KEY, embedding FLOAT[384] DISTANCE_METRIC=cosine, embedder TEXT);
      CREATE VIRTUAL TABLE memories_fts USING fts5(text, user_key, content='memories', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2');
      CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN INSERT INTO memories_fts(rowid, text, user_key) VALUES (new.rowid, new.text, new.user_key); END;
      CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts(memories_fts, rowid, text, user_key) VALUES ('delete', old.rowid, old.text, old.user_key);
        DELETE FROM memory_vectors WHERE rowid = old.rowid;
      END;
    `);
    const at = "2024-05-01T10:00:00.000Z";
    const id = newId();
    old
      .prepare(
        "INSERT INTO memories VALUES (1, ?, ?, 'Alice: My sister teaches piano.', 'alice my sister teaches piano', 'fact', 0.5, ?, ?, NULL, NULL, ?, 'ualice')",
      )
      .run(id, ALICE, at, at, embedder.id);
    old.prepare("INSERT INTO memory_vectors (rowid, user_id, embedding, embedder) VALUES (1, ?, ?, ?)").run(ALICE, Buffer.from(vector!.buffer), embedder.id);
    old.close();

    const memory = new LongTermMemory(new SqliteVecMemoryStore(path), embedder);
    expect(await texts(memory, ALICE, "who is teaching piano?", { mode: "keyword" })).toEqual(["Alice: My sister teaches piano."]);
    expect(await memory.delete(ALICE, id)).toBe(true);
    expect(await texts(memory, ALICE, "piano", { mode: "keyword" })).toEqual([]);
    await memory.close();
    const db = new Database(path, { readonly: true });
    // Both migrations ran: the per-person keyword index (1), then times, entities and history (2).
    expect(db.pragma("user_version", { simple: true })).toBe(2);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'memories_fts%'").all()).toEqual([]);
    expect(db.prepare("SELECT COUNT(*) AS n FROM memory_terms").get()).toEqual({ n: 0 });
    db.close();
  });
});

describe("fusion calibrated to the embedder", () => {
  it("with the lexical fallback, hybrid search finds at least as much evidence as keyword search alone", async () => {
    const conversations = generateConversations(3, 10, 5);
    const memory = freshMemory();
    let keyword = 0;
    let hybrid = 0;
    for (const [p, conversation] of conversations.entries()) {
      const userId = `00000000-0000-4000-9000-00000000000${p}`;
      const outcomes = await memory.rememberAll(
        userId,
        conversation.turns.map((t) => ({ text: t.text, type: "event" as const, importance: 0.5, createdAt: t.at })),
      );
      for (const q of conversation.questions) {
        const evidence = q.evidence.map((turn) => outcomes[turn]!.memory.id);
        const found = async (options: SearchOptions) => (await memory.search(userId, q.question, { limit: 10, ...options })).map((h) => h.memory.id);
        const [k, h] = await Promise.all([found({ mode: "keyword", includeWeak: true }), found({})]);
        keyword += evidence.filter((id) => k.includes(id)).length / evidence.length;
        hybrid += evidence.filter((id) => h.includes(id)).length / evidence.length;
      }
    }
    expect(keyword).toBeGreaterThan(0);
    expect(hybrid).toBeGreaterThanOrEqual(keyword);
    await memory.close();
  });
});

describe("time", () => {
  it("keeps an imported memory's own time, and recency follows it rather than the time of the import", async () => {
    const memory = freshMemory();
    // The older fact is imported last: by import time it would be the fresher one.
    const [recent, old] = await memory.rememberAll(ALICE, [
      { text: "Alice: I live in Lisbon now, near the river.", type: "fact", importance: 0.5, createdAt: "2026-05-20T09:00:00.000Z" },
      { text: "Alice: I live in Porto, near the river.", type: "fact", importance: 0.5, createdAt: "2024-01-10T09:00:00.000Z" },
    ]);
    expect(old!.memory.updatedAt).toBe("2024-01-10T09:00:00.000Z");
    expect(recent!.memory.updatedAt).toBe("2026-05-20T09:00:00.000Z");
    expect(await texts(memory, ALICE, "Where do I live? Near the river?")).toEqual([
      "Alice: I live in Lisbon now, near the river.",
      "Alice: I live in Porto, near the river.",
    ]);
    await memory.close();
  });

  it("prefers memories from the period a question names, resolved against the time of the search", async () => {
    const memory = freshMemory();
    const say = (text: string, at: string) => ({ text: `Alice: ${text}`, type: "event" as const, importance: 0.5, createdAt: at });
    await memory.rememberAll(ALICE, [
      say("We went to the beach with the kids, lovely day.", "2026-05-31T15:00:00.000Z"),
      say("We went to a concert with the kids.", "2026-03-14T15:00:00.000Z"),
      say("We went to the zoo with the kids, they loved the penguins.", "2026-05-08T15:00:00.000Z"),
      say("We went to the museum with the kids.", "2025-05-11T15:00:00.000Z"),
      say("We went to the cinema with the kids.", "2026-04-20T15:00:00.000Z"),
      // Mentions May but is from January: "in May" asks when, so this one must not win on the word.
      say("In May the kids want to go to the lake, we said maybe.", "2026-01-10T15:00:00.000Z"),
    ]);
    const top = async (q: string, n: number) => (await texts(memory, ALICE, q)).slice(0, n);
    expect(await top("What did we do with the kids in March?", 1)).toEqual(["Alice: We went to a concert with the kids."]);
    expect(await top("Where did we go with the kids in May 2025?", 1)).toEqual(["Alice: We went to the museum with the kids."]);
    expect(new Set(await top("Where did we go with the kids in May?", 2))).toEqual(
      new Set(["Alice: We went to the beach with the kids, lovely day.", "Alice: We went to the zoo with the kids, they loved the penguins."]),
    );
    expect(await texts(memory, ALICE, "What happened in May?", { mode: "keyword" })).not.toContain(
      "Alice: In May the kids want to go to the lake, we said maybe.",
    );
    // NOW is 1 June 2026: yesterday is the 31st of May, three weeks ago around the 11th.
    expect(await top("What did we do with the kids yesterday?", 1)).toEqual(["Alice: We went to the beach with the kids, lovely day."]);
    expect(await top("What did we do with the kids three weeks ago?", 1)).toEqual(["Alice: We went to the zoo with the kids, they loved the penguins."]);
    await memory.close();
  });

  it("reads 'yesterday' in the person's own time zone", async () => {
    const memory = freshMemory();
    await memory.rememberAll(ALICE, [
      // 31 May 09:00 UTC (still 31 May in Auckland, UTC+12: 21:00); 1 June 06:00 UTC (18:00 on 1 June in Auckland).
      { text: "Alice: We played board games with the kids.", type: "event", importance: 0.5, createdAt: "2026-05-31T09:00:00.000Z" },
      { text: "Alice: We baked a cake with the kids.", type: "event", importance: 0.5, createdAt: "2026-06-01T06:00:00.000Z" },
    ]);
    // NOW, 1 June 12:00 UTC, is midnight going into 2 June in Auckland.
    const first = async (timeZone?: string) => (await texts(memory, ALICE, "What did we do with the kids yesterday?", timeZone ? { timeZone } : {}))[0];
    expect(await first()).toBe("Alice: We played board games with the kids.");
    expect(await first("Pacific/Auckland")).toBe("Alice: We baked a cake with the kids.");
    expect(await first("Not/AZone")).toBe("Alice: We played board games with the kids.");
    // A question with nothing but the time in it still finds that day's memories.
    const yesterday = await memory.search(ALICE, "What did I do yesterday?", { limit: 5, now: NOW, timeZone: "Pacific/Auckland" });
    expect(yesterday.map((h) => h.memory.text)).toEqual(["Alice: We baked a cake with the kids."]);
    await memory.close();
  });
});
