import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../src/core/logger.js";
import { LexicalHashEmbedder } from "../src/modules/memory/embeddings/lexical-embedder.js";
import { cosine } from "../src/modules/memory/embeddings/types.js";
import { LongTermMemory } from "../src/modules/memory/long-term-memory.js";
import { MemoryWriter } from "../src/modules/memory/memory-writer.js";
import { SqliteVecMemoryStore } from "../src/modules/memory/sqlite-vec-store.js";
import type { MemoryDecision } from "../src/modules/memory/analysis.js";
import { tempDataDir } from "./helpers/rose-server.js";

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
    const [a, b, c, again] = await embedder.embed(["My sister lives in Porto", "Her sister lives in Porto now", "I love jasmine tea", "My sister lives in Porto"]);
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

  it("supersedes a fact that changed instead of keeping both", async () => {
    const old = await memory.remember(ALICE, { text: "The user works as a barista.", type: "fact", importance: 0.5 });
    const updated = await memory.remember(ALICE, { text: "The user now works as a pastry chef.", type: "fact", importance: 0.6, supersedes: old.memory.id });
    expect(updated).toMatchObject({ status: "updated", memory: { id: old.memory.id, text: "The user now works as a pastry chef." } });
    expect((await memory.search(ALICE, "pastry chef job", { limit: 5 }))[0]?.memory.id).toBe(old.memory.id);
    expect(await memory.search(ALICE, "barista", { limit: 5 })).toEqual([]);
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

describe("MemoryWriter outbox", () => {
  it("keeps a memory job through provider failures and a restart, then stores it", async () => {
    const memory = freshMemory();
    const dbPath = join(dir.path, "outbox.db");
    let failing = true;
    const analyse = async (): Promise<MemoryDecision> => {
      if (failing) throw Object.assign(new Error("small model down"), { status: 503 });
      return { action: "add", memory: "The user adopted a kitten named Pepper.", type: "fact", importance: 0.6, replaces_id: "" };
    };
    const logger = createLogger("silent");
    const firstDb = new Database(dbPath);
    const writer = new MemoryWriter(firstDb, memory, analyse, logger);
    expect(await writer.submit({ userId: ALICE, sessionId: "s", message: "I adopted a kitten named Pepper", recalledIds: [] })).toBeNull();
    expect(writer.pending()).toBe(1);
    firstDb.close();

    failing = false;
    const reopened = new MemoryWriter(new Database(dbPath), memory, analyse, logger);
    expect(reopened.pending()).toBe(1);
    expect(await reopened.processDue(Date.now())).toBe(0); // not due yet: backoff
    expect(await reopened.processDue(Date.now() + 60_000)).toBe(1);
    expect(reopened.pending()).toBe(0);
    expect((await memory.list(ALICE)).map((m) => m.text)).toEqual(["The user adopted a kitten named Pepper."]);
  });

  /** An analysis that waits until the test lets it answer. */
  function heldAnalysis(decision: MemoryDecision) {
    const calls: Array<() => void> = [];
    const analyse = () => new Promise<MemoryDecision>((resolve) => calls.push(() => resolve(decision)));
    return { analyse, calls, release: () => calls.forEach((answer) => answer()) };
  }
  const kitten: MemoryDecision = { action: "add", memory: "The user adopted a kitten named Pepper.", type: "fact", importance: 0.6, replaces_id: "" };

  it("never hands a job being attempted to a retry pass as well", async () => {
    const memory = freshMemory();
    const held = heldAnalysis(kitten);
    const writer = new MemoryWriter(new Database(join(dir.path, `outbox-${++counter}.db`)), memory, held.analyse, createLogger("silent"));
    const submitted = writer.submit({ userId: ALICE, sessionId: "s", message: "I adopted a kitten named Pepper", recalledIds: [] });
    await vi.waitFor(() => expect(held.calls).toHaveLength(1));
    expect(await writer.processDue(Date.now() + 60_000)).toBe(0); // a slow model: the job is still claimed
    held.release();
    expect(await submitted).toMatchObject({ status: "added" });
    expect(held.calls).toHaveLength(1);
    expect(writer.pending()).toBe(0);
  });

  it("drops a user's queued writes when they ask to be forgotten, even one in flight", async () => {
    const memory = freshMemory();
    const held = heldAnalysis(kitten);
    const writer = new MemoryWriter(new Database(join(dir.path, `outbox-${++counter}.db`)), memory, held.analyse, createLogger("silent"));
    const inFlight = writer.submit({ userId: ALICE, sessionId: "s", message: "I adopted a kitten named Pepper", recalledIds: [] });
    const bobs = writer.submit({ userId: BOB, sessionId: "t", message: "I adopted a kitten named Pepper", recalledIds: [] });
    await vi.waitFor(() => expect(held.calls).toHaveLength(2)); // both are with the model now
    expect(writer.forgetUser(ALICE)).toBe(1);
    held.release();
    expect(await inFlight).toBeNull();
    expect(await bobs).toMatchObject({ status: "added" });
    expect(await memory.list(ALICE)).toEqual([]);
    expect((await memory.list(BOB)).map((m) => m.text)).toEqual([kitten.memory]);
    expect(writer.pending()).toBe(0);
  });
});
