import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sameUserAt } from "./helpers/api-client.js";
import { isWav, spokenWav, voiceForm } from "./helpers/audio.js";
import { type RunningRose, startRose, tempDataDir } from "./helpers/rose-server.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = `rose_test_${process.pid}_${Date.now()}`;
const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);
let sim: Simulator;
const dirs: Array<{ remove(): void }> = [];
const servers: RunningRose[] = [];

async function instance(extra: Record<string, string> = {}): Promise<RunningRose> {
  const dir = tempDataDir();
  dirs.push(dir);
  const server = await startRose(
    {
      OPENAI_BASE_URL: sim.openaiBaseUrl,
      OPENAI_API_KEY: "k",
      CHAT_MODEL: "sim-chat",
      SMALL_MODEL: "sim-small",
      DATABASE_URL: databaseUrl,
      JWT_SECRET: "shared-secret-for-all-instances-0123456789",
      RATE_LIMIT_PER_MINUTE: "0",
      ...extra,
    },
    dir.path,
  );
  servers.push(server);
  return server;
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  sim = await startSimulator();
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  await sim.close();
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  dirs.forEach((d) => d.remove());
});

describe("conversations in PostgreSQL", () => {
  it("continue on another instance: both serve the same thread to the same user", async () => {
    const a = await instance();
    const b = await instance();
    const sessionId = await a.client.startSession();
    await a.client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "I'm Maya and I teach piano." });
    await a.client.json("GET", `/api/v1/sessions/${sessionId}/messages`);

    const onB = sameUserAt(a.client, b.url);
    const history = await onB.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.messages[0].content).toBe("I'm Maya and I teach piano.");
    await onB.json("POST", "/api/v1/chat", { session_id: sessionId, message: "What do I teach?" });
    const sent = sim
      .requests({ endpoint: "chat" })
      .filter((r) => r.model === "sim-chat")
      .at(-1)!.body as { messages: Array<{ content: string }> };
    expect(sent.messages.map((m) => m.content)).toContain("I'm Maya and I teach piano.");
    expect((await b.client.stranger().json("GET", `/api/v1/sessions/${sessionId}/messages`)).status).toBe(404);
  });

  it("keeps Rose's opener as the first message of the conversation it opens, and answers after it", async () => {
    const a = await instance({ OPENER_AFTER_MINUTES: "0" });
    await a.client.json("POST", "/api/v1/memories", { text: "The user has a job interview on Friday.", type: "event", importance: 0.8 });
    await a.client.json("POST", "/api/v1/chat", { message: "hello" });
    const back = (await a.client.json("POST", "/api/v1/session/start")).body as { session_id: string; opener: string | null };
    expect(back.opener).toMatch(/interview/);
    const kept = await a.client.json("GET", `/api/v1/sessions/${back.session_id}/messages`);
    expect(kept.body.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([["assistant", back.opener]]);
    await a.client.json("POST", "/api/v1/chat", { session_id: back.session_id, message: "It went well!" });
    const after = await a.client.json("GET", `/api/v1/sessions/${back.session_id}/messages`);
    expect(after.body.messages.map((m: { role: string }) => m.role)).toEqual(["assistant", "user", "assistant"]);
  });

  it("keeps a long thread small: one checkpoint and only the blobs it points at", async () => {
    sim.script({ match: { system: "concise conversation summaries" }, reply: { content: "They talked about piano lessons." } });
    const server = await instance({ SUMMARY_TRIGGER: "6", SUMMARY_KEEP: "2" });
    const sessionId = await server.client.startSession();
    for (let i = 0; i < 8; i++) await server.client.json("POST", "/api/v1/chat", { session_id: sessionId, message: `Lesson ${i} went well.` });
    const history = await server.client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.summary).toBe("They talked about piano lessons.");

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const count = async (table: string) => Number((await db.query(`SELECT COUNT(*) AS n FROM ${table} WHERE thread_id = $1`, [sessionId])).rows[0].n);
    expect(await count("checkpoints")).toBe(1);
    expect(await count("checkpoint_writes")).toBe(0);
    const channels = Number((await db.query("SELECT COUNT(DISTINCT channel) AS n FROM checkpoint_blobs WHERE thread_id = $1", [sessionId])).rows[0].n);
    expect(await count("checkpoint_blobs")).toBe(channels); // one version per channel, no history
    await db.end();
  });

  it("serves a spoken reply from any instance, only to its owner", async () => {
    sim.script({ match: { endpoint: "transcription" }, reply: { transcript: "Good morning, Rose." } });
    sim.script({ match: { model: "sim-chat" }, reply: { content: "Good morning. Did you sleep well?" } });
    const a = await instance();
    const b = await instance();
    const { status, body } = await a.client.json("POST", "/api/v1/voice/process", voiceForm(spokenWav("Good morning, Rose."), "clip.wav"));
    expect(status).toBe(200);

    const onB = sameUserAt(a.client, b.url);
    const audio = await onB.request("GET", body.audio_url);
    expect(audio.status).toBe(200);
    expect(isWav(Buffer.from(await audio.arrayBuffer()))).toBe(true);
    expect((await b.client.stranger().request("GET", body.audio_url)).status).toBe(404);
  });

  it("runs one turn of a thread at a time across instances, so no exchange is lost", async () => {
    sim.script({ match: { model: "sim-chat" }, latency: { firstTokenMs: 300, tokensPerSecond: 50 }, reply: { content: "I am glad you told me that." } });
    const a = await instance();
    const b = await instance();
    const sessionId = await a.client.startSession();
    const onB = sameUserAt(a.client, b.url);
    const [first, second] = await Promise.all([
      a.client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "I planted tulips today." }),
      onB.json("POST", "/api/v1/chat", { session_id: sessionId, message: "And I repainted the fence." }),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    // Either instance reads its own and the other's writes: a read waits for a turn in flight anywhere.
    for (const client of [a.client, onB]) {
      const history = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
      const said = history.body.messages.filter((m: { role: string }) => m.role === "user").map((m: { content: string }) => m.content);
      expect(said.sort()).toEqual(["And I repainted the fence.", "I planted tulips today."]);
      expect(history.body.messages).toHaveLength(4);
    }
  });

  it("reads a turn finished on another instance, even right after its reply", async () => {
    sim.script({ match: { model: "sim-chat" }, reply: { content: "Tell me more about the fence." } });
    const a = await instance();
    const b = await instance();
    const sessionId = await a.client.startSession();
    await sameUserAt(a.client, b.url).json("POST", "/api/v1/chat", { session_id: sessionId, message: "I repainted the fence." });
    // The reply is sent before the turn's checkpoint is written; the read on A still sees it.
    const history = await a.client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.messages.map((m: { content: string }) => m.content)).toEqual(["I repainted the fence.", "Tell me more about the fence."]);
  });
});
