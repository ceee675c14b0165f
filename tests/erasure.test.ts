import { existsSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerKey } from "../src/modules/speech/audio-store.js";
import { type QdrantFake, startQdrantFake } from "./fakes/qdrant-fake.js";
import type { ApiClient } from "./helpers/api-client.js";
import { spokenWav, voiceForm } from "./helpers/audio.js";
import { postgresTables, scanFiles, scanPostgres, scanQdrant, scanSqlite, sqliteTables } from "./helpers/personal-data-scan.js";
import type { RunningRose } from "./helpers/rose-server.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";

/**
 * Everything portable, everything erasable: GET /me/export holds all of a person's data, and after
 * DELETE /me no table of any database (found from the catalogue, so stores added later are searched
 * too), no Qdrant point and no file holds their id, their messages or their memories, while a second
 * person's data is untouched.
 */
const harness = useSimulatedRose();
let qdrant: QdrantFake;

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = `rose_erasure_${process.pid}_${Date.now()}`;
const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  qdrant = await startQdrantFake();
  await admin(`CREATE DATABASE ${database}`);
});
afterAll(async () => {
  await qdrant.close();
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

const env = (extra: Record<string, string>) => ({
  OPENAI_BASE_URL: harness.sim.openaiBaseUrl,
  OPENAI_API_KEY: "sim-key",
  CHAT_MODEL: "sim-chat",
  SMALL_MODEL: "sim-small",
  EMBEDDINGS_PROVIDER: "openai",
  RATE_LIMIT_PER_MINUTE: "0",
  PROVIDER_RETRIES: "0",
  BREAKER_MIN_CALLS: "1000",
  ...extra,
});

interface Person {
  client: ApiClient;
  userId: string;
  /** Words only this person said or that only their memories hold. */
  said: string[];
  remembered: string[];
  queued: string;
}

/** A person with two conversations (one spoken), a memory learnt in a turn, one imported, and a memory write still queued. */
let people = 0;

async function personWithHistory(client: ApiClient, name: string): Promise<Person> {
  const { sim } = harness;
  // Unique words per person and test: the PostgreSQL database and the Qdrant fake outlive a test.
  const tag = `${name}${++people}x`;
  const learnt = `The user keeps bees called ${tag}honey.`;
  const imported = `The user's sister ${tag}ana lives by the sea.`;
  const said = [`My bees ${tag}buzz all summer long.`, `I walked to the ${tag}harbour today.`, `I am telling you this aloud, ${tag}voice.`];
  const queued = `Please remember my ${tag}queued thought.`;
  sim.script({
    match: { structured: "memory_analysis", lastUser: `${tag}buzz` },
    reply: { structured: { action: "add", memory: learnt, type: "fact", importance: 0.8, replaces_id: "" } },
  });
  // This person's last memory write fails and stays queued in the outbox.
  sim.script({ match: { structured: "memory_analysis", lastUser: `${tag}queued` }, fail: { status: 500 } });

  const first = await client.startSession();
  expect((await client.json("POST", "/api/v1/chat", { session_id: first, message: said[0] })).status).toBe(200);
  const second = await client.startSession();
  expect((await client.json("POST", "/api/v1/chat", { session_id: second, message: said[1] })).status).toBe(200);
  sim.script({ match: { endpoint: "transcription" }, times: 1, reply: { transcript: said[2] } });
  const voice = await client.json("POST", "/api/v1/voice/process", voiceForm(spokenWav("Hello Rose."), "clip.wav", { session_id: second }));
  expect(voice.status).toBe(200);
  expect(voice.body.audio_url).toEqual(expect.any(String));
  expect((await client.json("POST", "/api/v1/memories", { text: imported })).status).toBe(201);
  expect((await client.json("POST", "/api/v1/chat", { session_id: first, message: queued })).status).toBe(200);

  const { body } = await client.json("GET", "/api/v1/me/export");
  // The learnt memory is stored by the outbox in the background: wait for it.
  for (let i = 0; i < 400; i++) {
    const memories = (await client.json("GET", "/api/v1/memories")).body.memories as Array<{ text: string }>;
    if (memories.some((m) => m.text === learnt)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return { client, userId: body.user_id as string, said, remembered: [learnt, imported], queued };
}

const needlesOf = (p: Person) => [p.userId, ownerKey(p.userId), ...p.said, ...p.remembered, p.queued];

interface Backend {
  name: string;
  env: () => Record<string, string>;
  scan: (server: RunningRose, needles: string[]) => Promise<string[]>;
  tables: (server: RunningRose) => Promise<string[]>;
  /** Tables the scan must have covered (a sample: it searches every table it finds). */
  expectedTables: string[];
}

/** The service's own files: memory.db, the long-term memory file, and every other file (audio) in DATA_DIR. */
const sqliteFiles = (server: RunningRose) => ["memory.db", "long_term_memory.db"].map((f) => join(server.dataDir, f)).filter((f) => existsSync(f));
const localScan = (server: RunningRose, needles: string[]) => [
  ...sqliteFiles(server).flatMap((file) => scanSqlite(file, needles)),
  // SQLite files (searched table by table above) and backups (kept until rotated out, see the README) aside.
  ...scanFiles(server.dataDir, needles, (path) => /\.db(-wal|-shm|-journal)?$/.test(path) || path.endsWith("/backups")),
];
const localTables = async (server: RunningRose) => sqliteFiles(server).flatMap((file) => sqliteTables(file));

const backends: Backend[] = [
  {
    name: "SQLite",
    env: () => ({}),
    scan: async (s, n) => localScan(s, n),
    tables: localTables,
    expectedTables: ["sessions", "checkpoints", "writes", "memory_outbox", "memories"],
  },
  {
    name: "PostgreSQL",
    env: () => ({ DATABASE_URL: databaseUrl }),
    scan: async (s, n) => [...localScan(s, n), ...(await scanPostgres(databaseUrl, n))],
    tables: async (s) => [...(await localTables(s)), ...(await postgresTables(databaseUrl))],
    expectedTables: ["rose_sessions", "checkpoints", "checkpoint_blobs", "checkpoint_writes", "rose_memory_outbox", "rose_audio", "memories"],
  },
  {
    name: "Qdrant",
    env: () => ({ QDRANT_URL: qdrant.url }),
    scan: async (s, n) => [...localScan(s, n), ...(await scanQdrant(qdrant.url, n))],
    tables: localTables,
    expectedTables: ["sessions", "checkpoints", "memory_outbox"],
  },
];

describe.each(backends)("with $name", { timeout: 60_000 }, (backend) => {
  it("GET /me/export is one JSON download of all the person's data, and none of anyone else's", async () => {
    const server = await harness.rose(env(backend.env()));
    const maya = await personWithHistory(server.client, "maya");
    const other = await personWithHistory(server.client.stranger(), "omar");

    const response = await maya.client.request("GET", "/api/v1/me/export");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("content-disposition")).toMatch(/^attachment; filename="rose-export-\d{4}-\d{2}-\d{2}\.json"$/);
    const text = await response.text();
    const archive = JSON.parse(text);
    expect(archive).toMatchObject({ format: "rose-export", version: 1, user_id: maya.userId });
    const { conversations, memories, queued_memory_writes, reply_audio } = archive.data;
    expect(conversations).toHaveLength(2);
    for (const c of conversations) expect(c).toEqual(expect.objectContaining({ id: expect.any(String), summary: "", messages: expect.any(Array) }));
    const contents = conversations.flatMap((c: { messages: Array<{ content: string }> }) => c.messages.map((m) => m.content));
    for (const words of [...maya.said, maya.queued]) expect(contents).toContain(words);
    expect(conversations.reduce((n: number, c: { message_count: number }) => n + c.message_count, 0)).toBe(8);
    expect(memories.map((m: { text: string }) => m.text).sort()).toEqual([...maya.remembered].sort());
    expect(queued_memory_writes).toEqual([expect.objectContaining({ message: maya.queued })]);
    expect(reply_audio).toEqual([expect.objectContaining({ id: expect.stringMatching(/\.(wav|mp3|ogg|opus)$/), mime: expect.any(String) })]);
    for (const needle of needlesOf(other)) expect(text).not.toContain(needle);
  });

  it("DELETE /me erases the person everywhere, clears their cookies, is idempotent, and leaves the other person whole", async () => {
    const server = await harness.rose(env(backend.env()));
    const maya = await personWithHistory(server.client, "maya");
    const other = await personWithHistory(server.client.stranger(), "omar");
    const sameBrowserLater = maya.client.at(server.url);

    // The scan sees both people before: it finds what it looks for, in the tables it should.
    const before = await backend.scan(server, [...needlesOf(maya), ...needlesOf(other)]);
    for (const needle of [maya.userId, ...maya.said, ...maya.remembered, maya.queued, other.userId, ...other.said, ...other.remembered]) {
      expect(
        before.some((hit) => hit.endsWith(`: ${needle}`)),
        needle,
      ).toBe(true);
    }
    expect(await backend.tables(server)).toEqual(expect.arrayContaining(backend.expectedTables));

    const erased = await maya.client.request("DELETE", "/api/v1/me");
    expect(erased.status).toBe(204);
    const cleared = erased.headers.getSetCookie();
    expect(cleared.some((c) => /^rose_uid=;/.test(c) && /Expires=Thu, 01 Jan 1970/.test(c))).toBe(true);

    expect(await backend.scan(server, needlesOf(maya))).toEqual([]);
    // Erasing again (say, a retry after a lost answer) succeeds and changes nothing.
    expect((await sameBrowserLater.request("DELETE", "/api/v1/me")).status).toBe(204);
    expect((await sameBrowserLater.json("GET", "/api/v1/sessions")).body.sessions).toEqual([]);
    expect((await sameBrowserLater.json("GET", "/api/v1/memories")).body.total).toBe(0);

    // The other person is untouched: everything of theirs is still found, and still served to them.
    const after = await backend.scan(server, needlesOf(other));
    for (const needle of [other.userId, ...other.said, ...other.remembered, other.queued])
      expect(
        after.some((hit) => hit.endsWith(`: ${needle}`)),
        needle,
      ).toBe(true);
    expect((await other.client.json("GET", "/api/v1/sessions")).body.sessions).toHaveLength(2);
    expect((await other.client.json("GET", "/api/v1/memories")).body.total).toBe(2);
  });
});

describe("an erasure that fails part-way", { timeout: 90_000 }, () => {
  it("is reported (503 naming what remains, cookies kept), and asking again finishes it", async () => {
    const server = await harness.rose(env({ QDRANT_URL: qdrant.url, MEMORY_TIMEOUT_MS: "1500" }));
    const maya = await personWithHistory(server.client, "nadia");
    qdrant.setLatency(4_000); // Qdrant stops answering in time: the memories cannot be erased
    const failed = await maya.client.json("DELETE", "/api/v1/me");
    qdrant.setLatency(0);
    expect(failed.status).toBe(503);
    expect(failed.body.error).toMatchObject({ code: "erasure_incomplete", details: { remaining: ["memories"] } });
    expect(failed.headers.getSetCookie()).toEqual([]);
    // The rest is erased already; the memories wait for the retry.
    expect((await maya.client.json("GET", "/api/v1/sessions")).body.sessions).toEqual([]);
    expect((await maya.client.json("GET", "/api/v1/memories")).body.total).toBe(2);

    expect((await maya.client.request("DELETE", "/api/v1/me")).status).toBe(204);
    expect(await scanQdrant(qdrant.url, needlesOf(maya))).toEqual([]);
    expect(localScan(server, needlesOf(maya))).toEqual([]);
  });
});
