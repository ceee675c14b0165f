import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ChildRose, readUntilEvent, spawnRose } from "./helpers/child-rose.js";
import { tempDataDir } from "./helpers/rose-server.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

/**
 * Crashes (kill -9) of a real Rose process at the moments that used to lose something, then a restart
 * on the same DATA_DIR / DATABASE_URL: what the person saw, and what Rose was about to remember, is there.
 */
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const database = `rose_test_${process.pid}_${Date.now()}`;
const databaseUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${database}`);

let sim: Simulator;
const dirs: Array<{ remove(): void }> = [];
const children: ChildRose[] = [];

const REPLY = "Oh, a pottery wheel of your own, how wonderful. What will you make first?";
const MEMORY = "The user bought a pottery wheel.";

function env(backend: "sqlite" | "postgres"): Record<string, string> {
  const dir = tempDataDir();
  dirs.push(dir);
  return {
    OPENAI_BASE_URL: sim.openaiBaseUrl,
    OPENAI_API_KEY: "k",
    CHAT_MODEL: "sim-chat",
    SMALL_MODEL: "sim-small",
    PROVIDER_RETRIES: "0",
    RATE_LIMIT_PER_MINUTE: "0",
    JWT_SECRET: "durability-test-secret-0123456789abcdef",
    DATA_DIR: dir.path,
    ...(backend === "postgres" ? { DATABASE_URL: databaseUrl } : {}),
  };
}

async function spawn(environment: Record<string, string>): Promise<ChildRose> {
  const child = await spawnRose(environment);
  children.push(child);
  return child;
}

const memoryAnalyses = () => sim.requests({ endpoint: "chat" }).filter((r) => r.structured === "memory_analysis");

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  sim = await startSimulator();
});
afterEach(async () => {
  while (children.length) await children.pop()!.crash();
  sim.reset();
});
afterAll(async () => {
  await sim.close();
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  dirs.forEach((d) => d.remove());
});

// Spawned servers compile with tsx on start (slow on a busy machine); the outbox check polls up to 90 s.
describe.each(["sqlite", "postgres"] as const)("kill -9 with %s", { timeout: 240_000 }, (backend) => {
  it("right after done keeps the exchange exactly once, and the memory being written is stored after the restart", async () => {
    const environment = env(backend);
    const first = await spawn(environment);
    const sessionId = await first.client.startSession();
    // The memory analysis hangs: memory_injection is still waiting for it when done reaches the person.
    sim.script({ match: { structured: "memory_analysis" }, fail: { hang: true } });
    sim.script({ match: { model: "sim-chat" }, reply: { content: REPLY } });
    const response = await first.client.request("POST", "/api/v1/chat/stream", { session_id: sessionId, message: "I bought a pottery wheel today!" });
    const { text, reader } = await readUntilEvent(response, "done");
    expect(text).toContain(JSON.stringify(REPLY).slice(1, -1));
    for (let i = 0; i < 200 && memoryAnalyses().length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(memoryAnalyses()).toHaveLength(1); // the write is queued and claimed, its model call in flight
    await first.crash();
    await reader.cancel().catch(() => {});

    sim.reset(); // the small model is healthy again
    sim.script({
      match: { structured: "memory_analysis" },
      reply: { structured: { action: "add", memory: MEMORY, type: "fact", importance: 0.7, replaces_id: "" } },
    });
    const second = await spawn(environment);
    const client = first.client.at(second.client.baseUrl);
    const history = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.status).toBe(200);
    expect(history.body.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ["user", "I bought a pottery wheel today!"],
      ["assistant", REPLY],
    ]);

    // The write claimed by the dead process is retried well before the old ten-minute claim ran out.
    const stored = await waitFor(async () => {
      const { body } = await client.json("GET", "/api/v1/memories");
      return (body.memories as Array<{ text: string }>).find((m) => m.text === MEMORY);
    }, 90_000);
    expect(stored).toBeDefined();

    // The thread goes on with nothing duplicated.
    sim.script({ match: { model: "sim-chat" }, reply: { content: "Tell me more." } });
    expect((await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "A bowl, I think." })).status).toBe(200);
    const after = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(after.body.messages.map((m: { content: string }) => m.content)).toEqual([
      "I bought a pottery wheel today!",
      REPLY,
      "A bowl, I think.",
      "Tell me more.",
    ]);
  });

  it("in the middle of the reply leaves neither the message nor the reply", async () => {
    const environment = env(backend);
    const first = await spawn(environment);
    const sessionId = await first.client.startSession();
    await first.client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "My daughter is called Ines." });
    const before = await first.client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(before.body.messages).toHaveLength(2);

    sim.script({
      match: { model: "sim-chat" },
      latency: { firstTokenMs: 50, tokensPerSecond: 5 },
      reply: { content: "Oh, Ines is a beautiful name, tell me all about her please." },
    });
    const response = await first.client.request("POST", "/api/v1/chat/stream", { session_id: sessionId, message: "She turns five tomorrow." });
    const { reader } = await readUntilEvent(response, "token");
    await first.crash();
    await reader.cancel().catch(() => {});
    sim.reset();

    const second = await spawn(environment);
    const client = first.client.at(second.client.baseUrl);
    const history = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.messages).toEqual(before.body.messages);
    const next = await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "Are you still with me?" });
    expect(next.status).toBe(200);
    const after = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(after.body.messages.map((m: { content: string }) => m.content)).toEqual([
      "My daughter is called Ines.",
      before.body.messages[1].content,
      "Are you still with me?",
      next.body.reply,
    ]);
  });
});
