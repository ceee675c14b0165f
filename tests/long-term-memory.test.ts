import Database from "better-sqlite3";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../src/core/logger.js";
import { LexicalHashEmbedder } from "../src/modules/memory/embeddings/lexical-embedder.js";
import { cosine } from "../src/modules/memory/embeddings/types.js";
import { LongTermMemory } from "../src/modules/memory/long-term-memory.js";
import { MemoryWriter } from "../src/modules/memory/memory-writer.js";
import { PgMemoryOutbox } from "../src/modules/memory/outbox/pg-outbox.js";
import { SqliteMemoryOutbox } from "../src/modules/memory/outbox/sqlite-outbox.js";
import type { MemoryOutbox } from "../src/modules/memory/outbox/types.js";
import { SqliteVecMemoryStore } from "../src/modules/memory/sqlite-vec-store.js";
import type { MemoryDecision } from "../src/modules/memory/analysis.js";
import { tempDataDir } from "./helpers/rose-server.js";
import { endPool } from "./helpers/temporary-database.js";

const dir = tempDataDir();
let counter = 0;
const ALICE = "a11ce000-0000-4000-8000-000000000001";
const BOB = "b0b00000-0000-4000-8000-000000000002";

function freshMemory(): LongTermMemory {
  return new LongTermMemory(new SqliteVecMemoryStore(join(dir.path, `ltm-${++counter}.db`)), new LexicalHashEmbedder());
}

afterAll(() => dir.remove());

describe("lexical fallback embedder", () => {
  it("is deterministic, normalised, and closer for texts that share words", async () => {
    const embedder = new LexicalHashEmbedder();
    const [a, b, c, again] = await embedder.embed([
      "My sister lives in Porto",
      "Her sister lives in Porto now",
      "I love jasmine tea",
      "My sister lives in Porto",
    ]);
    expect(Array.from(a!)).toEqual(Array.from(again!));
    expect(cosine(a!, a!)).toBeCloseTo(1, 5);
    expect(cosine(a!, b!)).toBeGreaterThan(0.6);
    expect(cosine(a!, c!)).toBeLessThan(0.1);
  });
});

describe("LongTermMemory", () => {
  let memory: LongTermMemory;
  beforeEach(() => {
    memory = freshMemory();
  });

  it("finds the relevant memory by meaning-bearing words and injects nothing when nothing is relevant", async () => {
    await memory.remember(ALICE, { text: "The user's sister Ana lives in Porto.", type: "person", importance: 0.7 });
    await memory.remember(ALICE, { text: "The user is training for a half marathon.", type: "goal", importance: 0.6 });
    await memory.remember(ALICE, { text: "The user loves jasmine tea in the evening.", type: "preference", importance: 0.4 });

    const hits = await memory.search(ALICE, "I'm going running tomorrow morning for my marathon training", { limit: 5 });
    expect(hits[0]?.memory.text).toBe("The user is training for a half marathon.");
    expect(await memory.search(ALICE, "What a strange dream I had about spaceships", { limit: 5 })).toEqual([]);
  });

  it("never returns another user's memory, however well it matches", async () => {
    await memory.remember(BOB, { text: "The user's dog Biscuit is afraid of thunder.", type: "fact", importance: 0.5 });
    expect(await memory.search(ALICE, "Biscuit the dog is afraid of thunder", { limit: 5 })).toEqual([]);
    expect(await memory.list(ALICE)).toEqual([]);
    const [bobs] = await memory.list(BOB);
    expect(await memory.get(ALICE, bobs!.id)).toBeNull();
    expect(await memory.delete(ALICE, bobs!.id)).toBe(false);
    expect(await memory.list(BOB)).toHaveLength(1);
  });

  it("does not store the same fact twice, in any phrasing that differs only in form", async () => {
    const first = await memory.remember(ALICE, { text: "The user lives in Lisbon.", type: "fact", importance: 0.8 });
    const again = await memory.remember(ALICE, { text: "the user lives in LISBON!", type: "fact", importance: 0.8 });
    const near = await memory.remember(ALICE, { text: "The user lives in Lisbon", type: "fact", importance: 0.8 });
    expect(first.status).toBe("added");
    expect(again).toMatchObject({ status: "duplicate", memory: { id: first.memory.id } });
    expect(near.status).toBe("duplicate");
    expect(await memory.list(ALICE)).toHaveLength(1);
    // The same fact for another user is theirs to keep.
    expect((await memory.remember(BOB, { text: "The user lives in Lisbon.", type: "fact", importance: 0.8 })).status).toBe("added");
  });

  it("supersedes a fact that changed: the old one is history, not retrieved as current, but answers a question about before", async () => {
    const old = await memory.remember(ALICE, { text: "The user works as a barista.", type: "fact", importance: 0.5 });
    const updated = await memory.remember(ALICE, { text: "The user now works as a pastry chef.", type: "fact", importance: 0.6, supersedes: old.memory.id });
    expect(updated).toMatchObject({ status: "updated", memory: { text: "The user now works as a pastry chef.", supersedes: old.memory.id } });
    expect(updated.memory.id).not.toBe(old.memory.id);
    expect((await memory.search(ALICE, "pastry chef job", { limit: 5 }))[0]?.memory.id).toBe(updated.memory.id);
    expect(await memory.search(ALICE, "barista", { limit: 5 })).toEqual([]);
    const before = await memory.search(ALICE, "did I work as a barista before?", { limit: 5 });
    expect(before[0]?.memory).toMatchObject({ id: old.memory.id, supersededBy: updated.memory.id });
    expect(Date.parse(before[0]!.memory.supersededAt!)).toBeGreaterThanOrEqual(Date.parse(old.memory.createdAt));
  });

  it("recalls through the conversation summary when the latest turn alone says little", async () => {
    await memory.remember(ALICE, { text: "The user's grandmother Rosa is in hospital.", type: "person", importance: 0.9 });
    expect(await memory.search(ALICE, "yes, that's the one", { limit: 5 })).toEqual([]);
    const hits = await memory.search(ALICE, "yes, that's the one", { limit: 5, context: "The user is worried about grandmother Rosa in hospital." });
    expect(hits[0]?.memory.text).toBe("The user's grandmother Rosa is in hospital.");
  });

  it("re-embeds memories written by another embedder so they become searchable again", async () => {
    const path = join(dir.path, `ltm-${++counter}.db`);
    const before = new LongTermMemory(new SqliteVecMemoryStore(path), new LexicalHashEmbedder());
    await before.remember(ALICE, { text: "The user plays the cello.", type: "fact", importance: 0.5 });
    await before.close();
    // A different embedder id means a different vector space: old vectors must not be compared.
    const otherEmbedder = Object.assign(new LexicalHashEmbedder(), { id: "another-model:384" });
    const after = new LongTermMemory(new SqliteVecMemoryStore(path), otherEmbedder);
    expect(await after.search(ALICE, "cello", { limit: 5, mode: "vector" })).toEqual([]);
    expect(await after.reembed()).toBe(1);
    expect((await after.search(ALICE, "cello", { limit: 5, mode: "vector" }))[0]?.memory.text).toBe("The user plays the cello.");
    await after.close();
  });
});

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Where an outbox lives; `open` gives another handle on the same queue, as after a restart or on another instance. */
interface OutboxStorage {
  open(): Promise<MemoryOutbox>;
  close(): Promise<void>;
}

async function sqliteStorage(): Promise<OutboxStorage> {
  const path = join(dir.path, `outbox-${++counter}.db`);
  const handles: Database.Database[] = [];
  return {
    open: async () => {
      const db = new Database(path);
      handles.push(db);
      return new SqliteMemoryOutbox(db);
    },
    close: async () => handles.forEach((db) => db.close()),
  };
}

async function postgresStorage(): Promise<OutboxStorage> {
  const database = `rose_outbox_test_${process.pid}_${++counter}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const pools: pg.Pool[] = [];
  return {
    open: async () => {
      const pool = new pg.Pool({ connectionString: ADMIN_URL.replace(/\/[^/]*$/, `/${database}`) });
      pools.push(pool);
      return PgMemoryOutbox.open(pool);
    },
    close: async () => {
      await Promise.all(pools.map(endPool));
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.end();
    },
  };
}

describe.each([
  ["in the local SQLite file", sqliteStorage],
  ["in PostgreSQL", postgresStorage],
])("MemoryWriter outbox %s", (_name, makeStorage) => {
  const storages: OutboxStorage[] = [];
  const storage = async () => {
    const made = await makeStorage();
    storages.push(made);
    return made;
  };
  afterAll(async () => {
    for (const made of storages) await made.close();
  });

  it("keeps a memory job through provider failures and a restart (or another instance), then stores it", async () => {
    const memory = freshMemory();
    const queue = await storage();
    let failing = true;
    const analyse = async (): Promise<MemoryDecision> => {
      if (failing) throw Object.assign(new Error("small model down"), { status: 503 });
      return { action: "add", memory: "The user adopted a kitten named Pepper.", type: "fact", importance: 0.6, replaces_id: "" };
    };
    const logger = createLogger("silent");
    const writer = new MemoryWriter(await queue.open(), memory, analyse, logger);
    expect(await writer.submit({ userId: ALICE, sessionId: "s", message: "I adopted a kitten named Pepper", recalledIds: [] })).toBeNull();
    expect(await writer.pending()).toBe(1);

    failing = false;
    const reopened = new MemoryWriter(await queue.open(), memory, analyse, logger);
    expect(await reopened.pending()).toBe(1);
    expect(await reopened.processDue(Date.now())).toBe(0); // not due yet: backoff
    expect(await reopened.processDue(Date.now() + 60_000)).toBe(1);
    expect(await reopened.pending()).toBe(0);
    expect((await memory.list(ALICE)).map((m) => m.text)).toEqual(["The user adopted a kitten named Pepper."]);
  });

  it("dates a memory by what the person said, in their time zone, against when they said it, even when retried later", async () => {
    const memory = freshMemory();
    const queue = await storage();
    let failing = true;
    const analyse = async (): Promise<MemoryDecision> => {
      if (failing) throw Object.assign(new Error("small model down"), { status: 503 });
      // The model's summary drops the date: it is read from the person's own words.
      return { action: "add", memory: "The user went to a pottery workshop.", type: "event", importance: 0.5, replaces_id: "" };
    };
    const writer = new MemoryWriter(await queue.open(), memory, analyse, createLogger("silent"));
    const said = Date.now();
    const job = { userId: ALICE, sessionId: "s", message: "I went to a pottery workshop yesterday!", recalledIds: [], timeZone: "Pacific/Kiritimati" };
    expect(await writer.submit(job)).toBeNull();
    failing = false;
    expect(await writer.processDue(Date.now() + 60_000)).toBe(1);
    const [stored] = await memory.list(ALICE);
    const day = (t: number | string) => new Intl.DateTimeFormat("en-CA", { timeZone: "Pacific/Kiritimati" }).format(new Date(t));
    expect(day(stored!.occurredAt!)).toBe(day(said - 86_400_000));
    expect(Math.abs(Date.parse(stored!.createdAt) - said)).toBeLessThan(60_000);
  });

  /** An analysis that waits until the test lets it answer. */
  function heldAnalysis(decision: MemoryDecision) {
    const calls: Array<() => void> = [];
    const analyse = () => new Promise<MemoryDecision>((resolve) => calls.push(() => resolve(decision)));
    return { analyse, calls, release: () => calls.forEach((answer) => answer()) };
  }
  const kitten: MemoryDecision = { action: "add", memory: "The user adopted a kitten named Pepper.", type: "fact", importance: 0.6, replaces_id: "" };

  it("never hands a job being attempted to a retry pass as well, here or on another instance", async () => {
    const memory = freshMemory();
    const held = heldAnalysis(kitten);
    const queue = await storage();
    const writer = new MemoryWriter(await queue.open(), memory, held.analyse, createLogger("silent"));
    const other = new MemoryWriter(await queue.open(), memory, held.analyse, createLogger("silent"));
    const submitted = writer.submit({ userId: ALICE, sessionId: "s", message: "I adopted a kitten named Pepper", recalledIds: [] });
    await vi.waitFor(() => expect(held.calls).toHaveLength(1), { timeout: 10_000 });
    // A slow model: the job is still claimed (its 30 s lease, which a heartbeat renews while the attempt runs).
    expect(await writer.processDue(Date.now() + 20_000)).toBe(0);
    expect(await other.processDue(Date.now() + 20_000)).toBe(0);
    held.release();
    expect(await submitted).toMatchObject({ status: "added" });
    expect(held.calls).toHaveLength(1);
    expect(await writer.pending()).toBe(0);
  });

  it("drops a user's queued writes when they ask to be forgotten, even one in flight", async () => {
    const memory = freshMemory();
    const held = heldAnalysis(kitten);
    const writer = new MemoryWriter(await (await storage()).open(), memory, held.analyse, createLogger("silent"));
    const inFlight = writer.submit({ userId: ALICE, sessionId: "s", message: "I adopted a kitten named Pepper", recalledIds: [] });
    const bobs = writer.submit({ userId: BOB, sessionId: "t", message: "I adopted a kitten named Pepper", recalledIds: [] });
    await vi.waitFor(() => expect(held.calls).toHaveLength(2), { timeout: 10_000 }); // both are with the model now
    expect(await writer.forgetUser(ALICE)).toBe(1);
    held.release();
    expect(await inFlight).toBeNull();
    expect(await bobs).toMatchObject({ status: "added" });
    expect(await memory.list(ALICE)).toEqual([]);
    expect((await memory.list(BOB)).map((m) => m.text)).toEqual([kitten.memory]);
    expect(await writer.pending()).toBe(0);
  });
});
