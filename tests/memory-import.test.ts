import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type QdrantFake, startQdrantFake } from "./fakes/qdrant-fake.js";
import { type RunningRose, startRose, tempDataDir } from "./helpers/rose-server.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

/** One import request is all or nothing, for both memory stores, whatever fails part-way through it. */
let sim: Simulator;
let qdrant: QdrantFake;
const dirs: Array<{ remove(): void }> = [];
const servers: RunningRose[] = [];

const stores: Array<[string, () => Record<string, string>]> = [
  ["sqlite-vec", () => ({})],
  ["Qdrant", () => ({ QDRANT_URL: qdrant.url })],
];

async function rose(extra: Record<string, string>): Promise<RunningRose> {
  const dir = tempDataDir();
  dirs.push(dir);
  const server = await startRose(
    { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: "k", EMBEDDINGS_PROVIDER: "openai", PROVIDER_RETRIES: "0", RATE_LIMIT_PER_MINUTE: "0", ...extra },
    dir.path,
  );
  servers.push(server);
  return server;
}

/** A batch larger than one embeddings request, so the embedder is called more than once. */
const batch = (n: number, tag: string) => ({
  memories: Array.from({ length: n }, (_, i) => ({
    text: `The user's ${tag} note number ${i} mentions ${["tea", "boats", "violins", "maps", "owls"][i % 5]} and the year ${1900 + i}.`,
  })),
});

const stored = async (server: RunningRose) => (await server.client.json("GET", "/api/v1/memories")).body.total as number;

beforeAll(async () => {
  sim = await startSimulator();
  qdrant = await startQdrantFake();
});
afterEach(async () => {
  while (servers.length) await servers.pop()!.stop();
  sim.reset();
  qdrant.failUpserts(null);
});
afterAll(async () => {
  await sim.close();
  await qdrant.close();
  dirs.forEach((d) => d.remove());
});

describe.each(stores)("a memory import into %s", (_name, storeEnv) => {
  it("stores nothing when the embedder fails part-way through", async () => {
    const server = await rose(storeEnv());
    // Rules match newest first: one embeddings call succeeds, every later one fails.
    sim.script({ match: { endpoint: "embeddings" }, fail: { status: 500 } });
    sim.script({ match: { endpoint: "embeddings" }, times: 1, latency: { totalMs: 0 } });
    const { status, body } = await server.client.json("POST", "/api/v1/memories", batch(80, "first"));
    expect(status).toBeGreaterThanOrEqual(500);
    expect(body.error.code).toEqual(expect.any(String));
    expect(sim.requests({ endpoint: "embeddings" }).length).toBeGreaterThan(1); // it failed part-way, not at once
    expect(await stored(server)).toBe(0);

    sim.reset(); // healthy again: the same request now imports everything
    const retried = await server.client.json("POST", "/api/v1/memories", batch(80, "first"));
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ imported: 80, duplicates: 0 });
    expect(await stored(server)).toBe(80);
  });

  it("refuses duplicates within the batch and against what is stored, before writing anything", async () => {
    const server = await rose(storeEnv());
    await server.client.json("POST", "/api/v1/memories", { text: "The user keeps bees." });
    const { status, body } = await server.client.json("POST", "/api/v1/memories", {
      memories: [
        { text: "The user plays the cello." },
        { text: "the user keeps BEES" },
        { text: "The user plays the cello!" },
        { text: "The user sails on Sundays." },
      ],
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({ imported: 2, duplicates: 2 });
    expect(body.memories.map((m: { status: string }) => m.status)).toEqual(["added", "duplicate", "duplicate", "added"]);
    expect(await stored(server)).toBe(3);
  });
});

describe("a memory import into Qdrant", () => {
  it("takes back a batch whose upsert was applied but answered with an error", async () => {
    const server = await rose({ QDRANT_URL: qdrant.url });
    qdrant.failUpserts({ applied: true });
    const { status } = await server.client.json("POST", "/api/v1/memories", batch(5, "second"));
    expect(status).toBeGreaterThanOrEqual(500);
    qdrant.failUpserts(null);
    expect(await stored(server)).toBe(0);
  });
});

describe("the embeddings provider behind its guard", () => {
  it("retries a transient failure and stores the memory", async () => {
    const server = await rose({ PROVIDER_RETRIES: "2" });
    sim.script({ match: { endpoint: "embeddings" }, times: 1, fail: { status: 503 } });
    const added = await server.client.json("POST", "/api/v1/memories", { text: "The user keeps bees on the roof." });
    expect(added.status).toBe(201);
    expect(sim.requests({ endpoint: "embeddings" }).length).toBe(2);
  });

  it("answers a refused key with 503, not 500, without retrying it, and stores nothing", async () => {
    const server = await rose({ PROVIDER_RETRIES: "2" });
    sim.script({ match: { endpoint: "embeddings" }, fail: { status: 401 } });
    const added = await server.client.json("POST", "/api/v1/memories", { text: "The user keeps bees on the roof." });
    expect(added.status).toBe(503);
    expect(added.body.error).toMatchObject({ code: "provider_unavailable", request_id: expect.any(String) });
    expect(sim.requests({ endpoint: "embeddings" }).length).toBe(1);
    sim.reset();
    expect(await stored(server)).toBe(0);
  });
});
