import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RunningRose, startRose, tempDataDir } from "./helpers/rose-server.js";

const dir = tempDataDir();
let server: RunningRose;

beforeAll(async () => {
  server = await startRose({}, dir.path);
});
afterEach(async () => {
  await server.client.request("DELETE", "/api/v1/memories");
});
afterAll(async () => {
  await server.stop();
  dir.remove();
});

describe("the person's own memories", () => {
  it("adds one memory with metadata, lists it, and finds it by search", async () => {
    const { client } = server;
    const added = await client.json("POST", "/api/v1/memories", {
      text: "The user's favourite flower is the peony.",
      type: "preference",
      metadata: { source: "onboarding" },
    });
    expect(added.status).toBe(201);
    expect(added.body.memories[0]).toMatchObject({
      status: "added",
      text: "The user's favourite flower is the peony.",
      type: "preference",
      metadata: { source: "onboarding" },
    });
    const memory = added.body.memories[0];
    for (const field of ["id", "created_at", "updated_at"]) expect(memory[field]).toEqual(expect.any(String));

    const listed = await client.json("GET", "/api/v1/memories");
    expect(listed.body).toMatchObject({ total: 1, memories: [{ id: memory.id }] });
    const found = await client.json("GET", "/api/v1/memories?query=peony%20flowers&limit=3");
    expect(found.body.memories.map((m: { id: string }) => m.id)).toEqual([memory.id]);
    expect((await client.json("GET", "/api/v1/memories?query=submarines")).body.memories).toEqual([]);
  });

  it("imports JSON Lines, skips duplicates, and exports everything back as JSON Lines", async () => {
    const { client } = server;
    const lines = [
      { text: "The user grew up in Galway.", type: "fact", created_at: "2025-03-01T10:00:00Z", metadata: { from: "old-app" } },
      { text: "The user is learning Portuguese.", type: "goal" },
      { text: "the user grew up in galway", type: "fact" },
    ]
      .map((l) => JSON.stringify(l))
      .join("\n");
    const imported = await client.json("POST", "/api/v1/memories", lines, { "content-type": "application/x-ndjson" });
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({ imported: 2, duplicates: 1 });
    expect(imported.body.memories[0].created_at).toBe("2025-03-01T10:00:00.000Z");
    // The memory's own time, not the import's: recency and questions about periods go by it.
    expect(imported.body.memories[0].updated_at).toBe("2025-03-01T10:00:00.000Z");

    const exported = await client.request("GET", "/api/v1/memories/export");
    expect(exported.headers.get("content-type")).toMatch(/application\/x-ndjson/);
    const rows = (await exported.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.text).sort()).toEqual(["The user grew up in Galway.", "The user is learning Portuguese."]);
    expect(rows.find((r) => r.text.includes("Galway")).metadata).toEqual({ from: "old-app" });
  });

  it("rejects bad input with a 4xx and stores nothing", async () => {
    const { client } = server;
    const cases: Array<[unknown, Record<string, string> | undefined, number, RegExp]> = [
      [{ text: "" }, undefined, 400, /text: must not be empty/],
      [{ text: "x".repeat(1001) }, undefined, 400, /at most 1000 characters/],
      [{ text: "ok", type: "secret" }, undefined, 400, /type: must be one of/],
      [{ memories: [] }, undefined, 400, /at least one memory/],
      [{ text: "The user will have won the lottery.", created_at: "2999-01-01T00:00:00Z" }, undefined, 400, /created_at: must not be in the future/],
      ['{"text":"The user likes rain."}\n{not json}', { "content-type": "application/x-ndjson" }, 400, /Line 2 is not valid JSON/],
    ];
    for (const [body, headers, status, message] of cases) {
      const response = await client.json("POST", "/api/v1/memories", body, headers);
      expect(response.status).toBe(status);
      expect(response.body.error.message).toMatch(message);
    }
    expect((await client.json("GET", "/api/v1/memories")).body.total).toBe(0);
    for (const query of ["limit=0", "limit=101", "limit=abc", "offset=-1"]) {
      expect((await client.json("GET", `/api/v1/memories?${query}`)).status).toBe(400);
    }
    expect((await client.json("DELETE", "/api/v1/memories/not-a-uuid")).status).toBe(400);
  });

  it("keeps each person's memories private: another's id answers 404, and forgetting is per person", async () => {
    const { client } = server;
    const stranger = client.stranger();
    const mine = (await client.json("POST", "/api/v1/memories", { text: "The user keeps bees." })).body.memories[0];
    await stranger.json("POST", "/api/v1/memories", { text: "The user keeps chickens." });

    expect((await stranger.json("GET", `/api/v1/memories/${mine.id}`)).status).toBe(404);
    expect((await stranger.json("DELETE", `/api/v1/memories/${mine.id}`)).status).toBe(404);
    expect((await stranger.json("GET", "/api/v1/memories?query=bees")).body.memories).toEqual([]);
    expect((await stranger.json("DELETE", "/api/v1/memories")).body).toEqual({ deleted: 1 });

    expect((await client.json("GET", "/api/v1/memories")).body.memories.map((m: { text: string }) => m.text)).toEqual(["The user keeps bees."]);
    expect((await client.request("DELETE", `/api/v1/memories/${mine.id}`)).status).toBe(204);
    expect((await client.json("GET", `/api/v1/memories/${mine.id}`)).status).toBe(404);
  });
});

describe("importing many memories at once", () => {
  it("takes a JSON array larger than other requests may be", async () => {
    // 300 memories of ~900 characters: about 280 KB, over the 256 KB that other JSON bodies may have.
    const words = ["river", "lantern", "violin", "orchard", "harbour", "meadow", "compass", "saffron", "glacier", "pottery", "falcon", "cedar"];
    const memories = Array.from({ length: 300 }, (_, i) => ({
      text: `Note ${i}: ${Array.from({ length: 120 }, (_, j) => `${words[(i * 7 + j * ((i % 11) + 1)) % words.length]}${(i * 31 + j) % 97}`).join(" ")}`.slice(
        0,
        900,
      ),
    }));
    const body = JSON.stringify({ memories });
    expect(body.length).toBeGreaterThan(256 * 1024);
    const imported = await server.client.json("POST", "/api/v1/memories", { memories });
    expect(imported.status).toBe(201);
    expect(imported.body.imported + imported.body.duplicates).toBe(300);
    // The larger limit is the import's alone.
    const chat = await server.client.json("POST", "/api/v1/chat", { message: "x".repeat(300 * 1024) });
    expect(chat.status).toBe(413);
  });
});

describe("when the memory store is down", () => {
  it("answers 503 memory_unavailable with Retry-After, not a 500", async () => {
    const downDir = tempDataDir();
    // Nothing listens on port 9 (discard): every Qdrant call fails as a network error.
    const down = await startRose({ QDRANT_URL: "http://127.0.0.1:9", PROVIDER_RETRIES: "0" }, downDir.path);
    try {
      for (const [method, path, body] of [
        ["GET", "/api/v1/memories", undefined],
        ["GET", "/api/v1/memories?query=garden", undefined],
        ["POST", "/api/v1/memories", { text: "The user keeps bees." }],
      ] as const) {
        const response = await down.client.json(method, path, body);
        expect(response.status, `${method} ${path}`).toBe(503);
        expect(response.body.error).toMatchObject({ code: "memory_unavailable", request_id: expect.any(String) });
        expect(response.body.error.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|qdrant/i);
        expect(response.headers.get("retry-after")).toBe("30");
      }
    } finally {
      await down.stop();
      downDir.remove();
    }
  });
});
