import Database from "better-sqlite3";
import { join } from "node:path";
import * as sqliteVec from "sqlite-vec";
import { afterAll, describe, expect, it } from "vitest";
import { LexicalHashEmbedder } from "../src/modules/memory/embeddings/lexical-embedder.js";
import { LongTermMemory } from "../src/modules/memory/long-term-memory.js";
import { SqliteVecMemoryStore } from "../src/modules/memory/sqlite-vec-store.js";
import type { Memory } from "../src/modules/memory/types.js";
import { tempDataDir } from "./helpers/rose-server.js";

const dir = tempDataDir();
let counter = 0;
const ALICE = "a11ce000-0000-4000-8000-000000000001";
const BOB = "b0b00000-0000-4000-8000-000000000002";
const DAY = 86_400_000;

const freshPath = () => join(dir.path, `tph-${++counter}.db`);
const freshMemory = (path = freshPath()) => new LongTermMemory(new SqliteVecMemoryStore(path), new LexicalHashEmbedder());
/** The calendar date of an instant in a time zone, as the person there would say it (YYYY-MM-DD). */
const localDate = (iso: string | number, timeZone: string) => new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date(iso));
const add = async (memory: LongTermMemory, userId: string, text: string, extra: { createdAt?: string; timeZone?: string; sourceSessionId?: string } = {}) =>
  (await memory.remember(userId, { text, type: "event", importance: 0.5, ...extra })).memory;
const ids = (hits: Array<{ memory: Memory }>) => hits.map((h) => h.memory.id);

afterAll(() => dir.remove());

describe("when a memory happened", () => {
  it("resolves the dates in what was said against when it was told, in the person's time zone", async () => {
    const memory = freshMemory();
    // 23:30 UTC on 10 May 2024 is already the morning of 11 May in Auckland.
    const told = "2024-05-10T23:30:00.000Z";
    const there = await add(memory, ALICE, "I went to the pottery workshop yesterday", { createdAt: told, timeZone: "Pacific/Auckland" });
    const utc = await add(memory, BOB, "I went to the pottery workshop yesterday", { createdAt: told });
    expect(there.createdAt).toBe(told);
    expect(localDate(there.occurredAt!, "Pacific/Auckland")).toBe(localDate(Date.parse(told) - DAY, "Pacific/Auckland"));
    expect(localDate(utc.occurredAt!, "UTC")).toBe(localDate(Date.parse(told) - DAY, "UTC"));
    expect(there.occurredAt).not.toBe(utc.occurredAt);

    const friday = await add(memory, ALICE, "I ran my first 10k race last Friday", { createdAt: "2024-06-03T12:00:00.000Z" });
    expect(new Date(friday.occurredAt!).getUTCDay()).toBe(5);
    expect(Date.parse(friday.occurredAt!)).toBeLessThan(Date.parse("2024-06-03T00:00:00.000Z"));
    expect(Date.parse(friday.occurredAt!)).toBeGreaterThan(Date.parse("2024-06-03T00:00:00.000Z") - 7 * DAY);

    const weeks = await add(memory, ALICE, "we went camping near the lake two weeks ago", { createdAt: "2024-06-03T12:00:00.000Z" });
    expect(Math.round((Date.parse("2024-06-03T12:00:00.000Z") - Date.parse(weeks.occurredAt!)) / DAY)).toBeGreaterThanOrEqual(13);
    expect(Math.round((Date.parse("2024-06-03T12:00:00.000Z") - Date.parse(weeks.occurredAt!)) / DAY)).toBeLessThanOrEqual(15);

    // No date in it: it happened when it was told. A month said after the fact is never later than the telling.
    expect((await add(memory, ALICE, "I like green tea", { createdAt: "2024-06-03T12:00:00.000Z" })).occurredAt).toBe("2024-06-03T12:00:00.000Z");
    // A plan names a time to come: it is not dated to the last such month.
    const plan = await add(memory, ALICE, "In May the kids want to go to the lake", { createdAt: "2024-01-10T08:00:00.000Z" });
    expect(plan.occurredAt).toBe("2024-01-10T08:00:00.000Z");
    const may = await add(memory, ALICE, "I painted a mural in June", { createdAt: "2024-06-02T08:00:00.000Z" });
    expect(Date.parse(may.occurredAt!)).toBeLessThanOrEqual(Date.parse("2024-06-02T08:00:00.000Z"));
  });

  it("answers a question about a period by when things happened, not when they were told", async () => {
    const memory = freshMemory();
    const now = new Date("2024-07-10T12:00:00.000Z");
    // Told on 3 June about the Friday before (31 May).
    const race = await add(memory, ALICE, "I ran my first 10k race last Friday", { createdAt: "2024-06-03T09:00:00.000Z" });
    const shoes = await add(memory, ALICE, "I bought new running shoes", { createdAt: "2024-06-03T09:05:00.000Z" });
    const inMay = ids(await memory.search(ALICE, "what did I do in May?", { limit: 5, now }));
    expect(inMay).toContain(race.id);
    expect(inMay).not.toContain(shoes.id);
    const inJune = ids(await memory.search(ALICE, "what did I do in June?", { limit: 5, now }));
    expect(inJune).toContain(shoes.id);
    expect(inJune).not.toContain(race.id);
  });

  it("ranks by how recently things happened: a story told yesterday about 2019 is older than one told in March about March", async () => {
    const memory = freshMemory();
    const now = new Date("2024-06-25T12:00:00.000Z");
    const march = await add(memory, ALICE, "I saw a jazz concert in March", { createdAt: "2024-04-01T10:00:00.000Z" });
    const old = await add(memory, ALICE, "I saw a jazz concert in 2019", { createdAt: "2024-06-24T10:00:00.000Z" });
    expect(ids(await memory.search(ALICE, "jazz concert", { limit: 2, now }))).toEqual([march.id, old.id]);
  });
});

describe("the people and things in a person's life", () => {
  it("links memories through the people they mention, so a question can follow a relation to someone's other memories", async () => {
    const memory = freshMemory();
    const intro = await add(memory, ALICE, "My sister Marguerite is coming to stay with us next week.");
    const husband = await add(memory, ALICE, "Marguerite's husband Tom is so funny.");
    const job = await add(memory, ALICE, "Tom works nights at the harbour fire station.");
    for (let i = 0; i < 6; i++) await add(memory, ALICE, `I had a quiet evening number ${i} with tea.`);
    expect(intro.entities).toEqual([{ name: "Marguerite", kind: "person", relation: "sister" }]);
    expect(husband.entities).toEqual([{ name: "Tom", kind: "person", relation: "husband", of: "Marguerite" }]);

    const question = "What does my sister's husband do?";
    const followed = ids(await memory.search(ALICE, question, { limit: 3 }));
    expect(followed).toContain(job.id);
    // The same question without the links does not reach him: no word of it is in his memory.
    expect(ids(await memory.search(ALICE, question, { limit: 3, followEntities: false }))).not.toContain(job.id);
  });

  it("follows only the person's own entities", async () => {
    const memory = freshMemory();
    await add(memory, BOB, "My sister Rosa is a music teacher.");
    const bobs = await add(memory, BOB, "Rosa plays the cello in an orchestra.");
    const alices = await add(memory, ALICE, "My sister Irene is a nurse.");
    const hits = await memory.search(ALICE, "what instrument does my sister play?", { limit: 5 });
    expect(ids(hits)).not.toContain(bobs.id);
    expect(hits.every((h) => h.memory.userId === ALICE)).toBe(true);
    expect(ids(hits)).toContain(alices.id);
  });
});

describe("facts with history", () => {
  it("keeps what a changed fact replaced, with when it stopped being true, and answers questions about before", async () => {
    const memory = freshMemory();
    const york = await add(memory, ALICE, "The user lives in York.");
    const leeds = (await memory.remember(ALICE, { text: "The user moved to Leeds.", type: "fact", importance: 0.6, supersedes: york.id })).memory;
    const now = ids(await memory.search(ALICE, "where do I live? York or Leeds?", { limit: 5 }));
    expect(now).toContain(leeds.id);
    expect(now).not.toContain(york.id);
    const before = await memory.search(ALICE, "where did I live before Leeds? York?", { limit: 5 });
    expect(before[0]?.memory.id).toBe(york.id);

    const ofOld = await memory.history(ALICE, york.id);
    expect(ofOld).toMatchObject({ memory: { id: york.id, supersededBy: leeds.id }, earlier: [], later: [{ id: leeds.id }] });
    expect(ofOld!.memory.supersededAt).toBe(leeds.createdAt);
    expect(await memory.history(ALICE, leeds.id)).toMatchObject({ memory: { id: leeds.id, supersedes: york.id }, earlier: [{ id: york.id }], later: [] });
    expect(await memory.history(BOB, leeds.id)).toBeNull();
    // Another person's memory cannot be replaced by someone else's fact.
    const bobs = await add(memory, BOB, "Bob lives in Hull.");
    const attempt = await memory.remember(ALICE, { text: "The user lives in Bristol.", type: "fact", importance: 0.5, supersedes: bobs.id });
    expect(attempt.status).toBe("added");
    expect((await memory.get(BOB, bobs.id))?.supersededBy).toBeUndefined();
  });

  it("edits a memory: new text, type and entities, found by the new words only", async () => {
    const memory = freshMemory();
    const m = await add(memory, ALICE, "My dog Biscuit loves the beach.");
    const edited = await memory.edit(ALICE, m.id, { text: "My cat Miso loves the sofa.", type: "fact" });
    expect(edited).toMatchObject({ id: m.id, text: "My cat Miso loves the sofa.", type: "fact", entities: [{ name: "Miso", kind: "pet", relation: "cat" }] });
    expect(ids(await memory.search(ALICE, "sofa", { limit: 5 }))).toEqual([m.id]);
    expect(await memory.search(ALICE, "beach", { limit: 5 })).toEqual([]);
    expect(await memory.edit(BOB, m.id, { text: "Bob's now" })).toBeNull();
  });
});

describe("episodes", () => {
  it("brings the memories told just before and after a top hit in the same conversation, and nothing from far away", async () => {
    const memory = freshMemory();
    const at = (minutes: number) => new Date(Date.parse("2024-05-01T18:00:00.000Z") + minutes * 60_000).toISOString();
    const inConversation = (text: string, minutes: number, sourceSessionId = "conv-1") => add(memory, ALICE, text, { createdAt: at(minutes), sourceSessionId });
    await inConversation("It was a long day.", 0);
    const question = await inConversation("My friend asked what the vet said about the limp.", 1);
    const answer = await inConversation("She said it is nothing serious, just rest for a week.", 2);
    await inConversation("Unrelated, but the vet bill was huge.", 180);
    await inConversation("Another chat about the vet.", 2, "conv-2");

    const hits = await memory.search(ALICE, "what did the vet say about the limp", { limit: 1 });
    expect(ids(hits)).toEqual([question.id]);
    const context = await memory.episodeContext(ALICE, hits);
    expect(context.get(question.id)?.map((m) => m.id)).toContain(answer.id);
    expect(
      context
        .get(question.id)
        ?.every((m) => m.sourceSessionId === "conv-1" && Math.abs(Date.parse(m.createdAt) - Date.parse(question.createdAt)) <= 30 * 60_000),
    ).toBe(true);
    expect(await memory.episodeContext(BOB, hits)).toEqual(new Map());
  });
});

describe("an existing memory file", () => {
  it("is migrated: memories keep their time as when they happened and get the entities of their text", async () => {
    const path = freshPath();
    const before = freshMemory(path);
    const m = await add(before, ALICE, "My sister Marguerite teaches piano.", { createdAt: "2024-01-05T10:00:00.000Z" });
    await before.close();
    // Back to the previous schema: the columns and index version 2 added gone, version 1 recorded.
    const db = new Database(path);
    sqliteVec.load(db);
    db.exec(`
      DROP TRIGGER memories_ad;
      CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
        DELETE FROM memory_vectors WHERE rowid = old.rowid;
        UPDATE memory_people SET documents = documents - 1, terms = terms - (SELECT COALESCE(SUM(tf), 0) FROM memory_terms WHERE memory = old.rowid)
          WHERE user_id = old.user_id;
        DELETE FROM memory_terms WHERE memory = old.rowid;
      END;
      DROP INDEX memories_user_occurred;
      DROP INDEX memories_user_session;
      ALTER TABLE memories DROP COLUMN occurred_at;
      ALTER TABLE memories DROP COLUMN entities;
      ALTER TABLE memories DROP COLUMN supersedes;
      ALTER TABLE memories DROP COLUMN superseded_by;
      ALTER TABLE memories DROP COLUMN superseded_at;
      DROP TABLE memory_entity_keys;
      PRAGMA user_version = 1;
    `);
    db.close();

    const after = freshMemory(path);
    expect(await after.get(ALICE, m.id)).toMatchObject({
      text: m.text,
      occurredAt: "2024-01-05T10:00:00.000Z",
      entities: [{ name: "Marguerite", kind: "person", relation: "sister" }],
    });
    expect(ids(await after.search(ALICE, "what does my sister teach?", { limit: 3 }))).toContain(m.id);
    // Deleting still cleans every index, the new one included.
    expect(await after.delete(ALICE, m.id)).toBe(true);
    await after.close();
    const check = new Database(path);
    expect(check.prepare("SELECT COUNT(*) AS n FROM memory_entity_keys").get()).toEqual({ n: 0 });
    check.close();
  });
});
