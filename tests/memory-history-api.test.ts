import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type RunningRose, startRose, tempDataDir } from "./helpers/rose-server.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

const dir = tempDataDir();
let server: RunningRose;
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator();
  server = await startRose(
    { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: "k", CHAT_MODEL: "sim-chat", SMALL_MODEL: "sim-small", RATE_LIMIT_PER_MINUTE: "0" },
    dir.path,
  );
});
afterEach(async () => {
  await server.client.request("DELETE", "/api/v1/memories");
  sim.reset();
});
afterAll(async () => {
  await server.stop();
  await sim.close();
  dir.remove();
});

const DAY = 86_400_000;
const localDate = (iso: string | number, timeZone: string) => new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date(iso));

describe("memories with their time, people and history, through the API", () => {
  it("imports with when things happened: given, or read from the text against created_at", async () => {
    const { client } = server;
    const { body } = await client.json("POST", "/api/v1/memories", {
      memories: [
        { text: "I went to the pottery workshop last Friday.", created_at: "2024-06-03T12:00:00Z" },
        { text: "We adopted a cat.", created_at: "2024-06-03T12:00:00Z", occurred_at: "2023-11-20T09:00:00Z" },
        { text: "My sister Marguerite teaches piano." },
      ],
    });
    const [friday, cat, sister] = body.memories;
    expect(new Date(friday.occurred_at).getUTCDay()).toBe(5);
    expect(Date.parse(friday.occurred_at)).toBeLessThan(Date.parse("2024-06-03T00:00:00Z"));
    expect(cat.occurred_at).toBe("2023-11-20T09:00:00.000Z");
    expect(sister.entities).toEqual([{ name: "Marguerite", kind: "person", relation: "sister", of: null }]);
    for (const m of body.memories) expect(m).toMatchObject({ supersedes: null, superseded_by: null, superseded_at: null });
  });

  it("refuses bad dates and bad ids with a clear 4xx, storing nothing", async () => {
    const { client } = server;
    for (const bad of [
      { text: "x", occurred_at: "next tuesday" },
      { text: "x", occurred_at: new Date(Date.now() + 30 * DAY).toISOString() },
      { text: "x", supersedes: "not-an-id" },
      { text: "x".repeat(1001) },
    ]) {
      const res = await client.json("POST", "/api/v1/memories", bad);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
    expect((await client.json("GET", "/api/v1/memories")).body.total).toBe(0);
  });

  it("a changed fact supersedes the old one: history in both directions, search prefers what is true now", async () => {
    const { client } = server;
    const york = (await client.json("POST", "/api/v1/memories", { text: "The user lives in York." })).body.memories[0];
    const moved = await client.json("POST", "/api/v1/memories", { text: "The user moved to Leeds.", supersedes: york.id });
    expect(moved.status).toBe(201);
    const leeds = moved.body.memories[0];
    expect(leeds).toMatchObject({ status: "updated", supersedes: york.id });

    const history = await client.json("GET", `/api/v1/memories/${leeds.id}/history`);
    expect(history.body).toMatchObject({ memory: { id: leeds.id }, earlier: [{ id: york.id, superseded_by: leeds.id }], later: [] });
    expect(history.body.earlier[0].superseded_at).toEqual(expect.any(String));
    const now = await client.json("GET", `/api/v1/memories?query=${encodeURIComponent("where do I live, York or Leeds")}`);
    expect(now.body.memories.map((m: { id: string }) => m.id)).toEqual([leeds.id]);
    const before = await client.json("GET", `/api/v1/memories?query=${encodeURIComponent("where did I live before, York?")}`);
    expect(before.body.memories[0].id).toBe(york.id);

    // Someone else's memory: 404, never 403, and nothing about it.
    const stranger = client.stranger();
    expect((await stranger.json("GET", `/api/v1/memories/${york.id}/history`)).status).toBe(404);
  });

  it("edits a memory's text and type; another person's is 404 and an empty edit a 400", async () => {
    const { client } = server;
    const m = (await client.json("POST", "/api/v1/memories", { text: "The user likes tea.", type: "preference" })).body.memories[0];
    const edited = await client.json("PATCH", `/api/v1/memories/${m.id}`, { text: "The user likes coffee, not tea.", type: "fact" });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id: m.id, text: "The user likes coffee, not tea.", type: "fact", created_at: m.created_at });
    expect((await client.json("GET", `/api/v1/memories/${m.id}`)).body.text).toBe("The user likes coffee, not tea.");
    expect((await client.json("GET", "/api/v1/memories?query=coffee")).body.memories.map((x: { id: string }) => x.id)).toEqual([m.id]);

    expect((await client.json("PATCH", `/api/v1/memories/${m.id}`, {})).status).toBe(400);
    expect((await client.json("PATCH", `/api/v1/memories/${m.id}`, { type: "nonsense" })).status).toBe(400);
    expect((await client.json("PATCH", `/api/v1/memories/${m.id}`, { text: "   " })).status).toBe(400);
    const stranger = client.stranger();
    expect((await stranger.json("PATCH", `/api/v1/memories/${m.id}`, { text: "mine now" })).status).toBe(404);
    expect((await client.json("GET", `/api/v1/memories/${m.id}`)).body.text).toBe("The user likes coffee, not tea.");
  });

  it("brings a hit's episode on request: the memories told just before and after it in the same conversation", async () => {
    const { client } = server;
    const at = (minute: number) => new Date(Date.parse("2024-05-01T18:00:00Z") + minute * 60_000).toISOString();
    const { body } = await client.json("POST", "/api/v1/memories", {
      memories: [
        { text: "I asked what the vet said about the limp.", created_at: at(0), source_session_id: "conv-1" },
        { text: "She said to rest him for a week.", created_at: at(1), source_session_id: "conv-1" },
      ],
    });
    const found = await client.json("GET", `/api/v1/memories?query=${encodeURIComponent("what did the vet say about the limp")}&limit=1&episodes=true`);
    expect(found.body.memories[0]).toMatchObject({ id: body.memories[0].id, episode: [{ id: body.memories[1].id }] });
    const plain = await client.json("GET", `/api/v1/memories?query=${encodeURIComponent("vet limp")}&limit=1`);
    expect(plain.body.memories[0].episode).toBeUndefined();
    expect((await client.json("GET", "/api/v1/memories?query=vet&episodes=maybe")).status).toBe(400);
  });

  it("dates what the person tells in a conversation by their time zone", async () => {
    const { client } = server;
    sim.script({
      match: { structured: "memory_analysis", lastUser: "pottery" },
      reply: { structured: { action: "add", memory: "The user went to a pottery workshop.", type: "event", importance: 0.5, replaces_id: "" } },
    });
    const said = Date.now();
    const turn = await client.json("POST", "/api/v1/chat", { message: "I went to a pottery workshop yesterday!", timezone: "Pacific/Kiritimati" });
    expect(turn.status).toBe(200);
    // The memory is written after the reply was delivered.
    const stored = await vi.waitFor(
      async () => {
        const [first] = (await client.json("GET", "/api/v1/memories")).body.memories;
        expect(first).toBeDefined();
        return first;
      },
      { timeout: 10_000 },
    );
    expect(stored.text).toBe("The user went to a pottery workshop.");
    expect(localDate(stored.occurred_at, "Pacific/Kiritimati")).toBe(localDate(said - DAY, "Pacific/Kiritimati"));
  });
});
