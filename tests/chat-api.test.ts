import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { APOLOGY_REPLY } from "../src/modules/character/prompts.js";
import { sameUserAt } from "./helpers/api-client.js";
import { type RunningRose, startRose, tempDataDir } from "./helpers/rose-server.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

let sim: Simulator;
const dirs: Array<{ remove(): void }> = [];
const servers: RunningRose[] = [];

const llmEnv = (sim: Simulator, extra: Record<string, string> = {}) => ({
  OPENAI_BASE_URL: sim.openaiBaseUrl,
  OPENAI_API_KEY: "sim-key",
  CHAT_MODEL: "sim-chat",
  SMALL_MODEL: "sim-small",
  ...extra,
});

async function rose(env: Record<string, string> = llmEnv(sim), dataDir?: string): Promise<RunningRose> {
  const dir = dataDir ?? (dirs[dirs.push(tempDataDir()) - 1] as unknown as { path: string }).path;
  const server = await startRose(env, dir);
  servers.push(server);
  return server;
}

/** The system prompt Rose sent with her most recent reply request. */
function lastReplyPrompt(): string {
  const chats = sim.requests({ endpoint: "chat" }).filter((r) => r.model === "sim-chat");
  const messages = (chats.at(-1)?.body as { messages: Array<{ role: string; content: string }> }).messages;
  return messages
    .filter((m) => m.role === "system")
    .map((m) => m.content)
    .join("\n");
}

function replyRequests() {
  return sim.requests({ endpoint: "chat" }).filter((r) => r.model === "sim-chat");
}

beforeAll(async () => {
  sim = await startSimulator();
});

afterEach(async () => {
  while (servers.length) await servers.pop()!.stop();
  sim.reset();
});

afterAll(async () => {
  await sim.close();
  for (const dir of dirs) dir.remove();
});

describe("a streamed conversation", () => {
  it("streams the reply token by token, then sends done with the whole reply", async () => {
    sim.script({ match: { model: "sim-chat" }, reply: { content: "Hello there, dear friend. How is your heart today?" } });
    const { client } = await rose();
    const sessionId = await client.startSession();
    const { status, events, contentType } = await client.stream("/api/v1/chat/stream", { session_id: sessionId, message: "Hi Rose" });

    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/event-stream/);
    // The first event names the session, so a reply interrupted before `done` still joins the browser's thread.
    expect(events[0]).toEqual({ event: "session", data: { session_id: sessionId } });
    expect(events.filter((e) => e.event === "session")).toHaveLength(1);
    const tokens = events.filter((e) => e.event === "token").map((e) => (e.data as { text: string }).text);
    expect(tokens.length).toBeGreaterThan(3);
    const done = events.at(-1)!;
    expect(done.event).toBe("done");
    expect(done.data).toMatchObject({
      session_id: sessionId,
      reply: "Hello there, dear friend. How is your heart today?",
      fallback: false,
      route: "conversation",
    });
    expect(tokens.join("")).toBe((done.data as { reply: string }).reply);
    expect(replyRequests().at(-1)?.stream).toBe(true);
  });

  it("names a newly started session in its first event, before the reply is done", async () => {
    sim.script({ match: { model: "sim-chat" }, reply: { content: "Hello there, dear friend." } });
    const { client } = await rose();
    const { events } = await client.stream("/api/v1/chat/stream", { message: "Hi Rose" });
    expect(events[0]!.event).toBe("session");
    const { session_id } = events[0]!.data as { session_id: string };
    expect(session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(events.at(-1)).toMatchObject({ event: "done", data: { session_id } });
  });

  it("carries earlier turns into later ones and keeps the history", async () => {
    const { client } = await rose();
    const sessionId = await client.startSession();
    sim.script({ match: { model: "sim-chat", lastUser: "garden" }, reply: { content: "A garden is a good place to heal." } });
    await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "I spent the day in my garden." });
    const second = await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "What do you think about that?" });
    expect(second.status).toBe(200);

    const sent = (replyRequests().at(-1)!.body as { messages: Array<{ role: string; content: string }> }).messages;
    expect(sent.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(sent[1]!.content).toBe("I spent the day in my garden.");
    expect(sent[2]!.content).toBe("A garden is a good place to heal.");

    const history = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(history.body.messages[3].content).toBe(second.body.reply);
  });

  it("starts a session by itself when the first message has none", async () => {
    const { client } = await rose();
    const { status, body } = await client.json("POST", "/api/v1/chat", { message: "Hello?" });
    expect(status).toBe(200);
    const history = await client.json("GET", `/api/v1/sessions/${body.session_id}/messages`);
    expect(history.body.messages).toHaveLength(2);
  });

  it("talks to Groq through the Groq client", async () => {
    const { client } = await rose({ GROQ_API_KEY: "gsk-sim", GROQ_BASE_URL: sim.groqBaseUrl, CHAT_MODEL: "sim-chat", SMALL_MODEL: "sim-small" });
    sim.script({ match: { provider: "groq", model: "sim-chat" }, reply: { content: "Groq says hello." } });
    const { body } = await client.json("POST", "/api/v1/chat", { message: "Hi" });
    expect(body.reply).toBe("Groq says hello.");
    expect(sim.requests({ provider: "groq" }).length).toBeGreaterThan(0);
    expect(sim.requests({ provider: "openai" })).toHaveLength(0);
  });

  it("answers with an in-character apology when the chat model fails, and keeps the turn", async () => {
    const { client } = await rose();
    sim.script({ match: { model: "sim-chat" }, fail: { status: 500 } });
    const sessionId = await client.startSession();
    const { status, body } = await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "Are you there?" });
    expect(status).toBe(200);
    expect(body).toMatchObject({ reply: APOLOGY_REPLY, fallback: true });
    const history = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.messages.map((m: { content: string }) => m.content)).toEqual(["Are you there?", APOLOGY_REPLY]);
  });
});

describe("identity and sessions", () => {
  it("issues a signed HttpOnly identity cookie and hides one user's session from another", async () => {
    const { client } = await rose();
    const response = await client.request("POST", "/api/v1/session/start");
    expect(response.headers.get("set-cookie")).toMatch(/rose_uid=s%3A.+HttpOnly/i);
    const { session_id: sessionId } = (await response.json()) as { session_id: string };
    await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "A secret of mine." });

    const stranger = client.stranger();
    const read = await stranger.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe("not_found");
    const write = await stranger.json("POST", "/api/v1/chat", { session_id: sessionId, message: "Let me in" });
    expect(write.status).toBe(404);
    const wipe = await stranger.json("DELETE", `/api/v1/sessions/${sessionId}/messages`);
    expect(wipe.status).toBe(404);
    expect((await client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).body.messages).toHaveLength(2);
  });

  it("rejects a forged identity cookie by issuing a fresh identity", async () => {
    const { client, url } = await rose();
    const sessionId = await client.startSession();
    const forged = await fetch(`${url}/api/v1/sessions/${sessionId}/messages`, {
      headers: { cookie: "rose_uid=s%3A00000000-0000-4000-8000-000000000000.forged" },
    });
    expect(forged.status).toBe(404);
    expect(forged.headers.get("set-cookie")).toMatch(/rose_uid=/);
  });

  it("clears a thread's history on request", async () => {
    const { client } = await rose();
    const sessionId = await client.startSession();
    await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "Remember this conversation?" });
    expect((await client.request("DELETE", `/api/v1/sessions/${sessionId}/messages`)).status).toBe(204);
    expect((await client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).body.messages).toEqual([]);
    expect((await client.request("DELETE", `/api/v1/sessions/${sessionId}`)).status).toBe(204);
    expect((await client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).status).toBe(404);
  });
});

describe("long-term memory through the turn", () => {
  it("recalls a fact told in one session in the user's next session, and never for another user", async () => {
    const { client } = await rose();
    sim.script({
      match: { structured: "memory_analysis", lastUser: "Lisbon" },
      reply: { structured: { action: "add", memory: "The user moved to Lisbon last month.", type: "fact", importance: 0.8, replaces_id: "" } },
    });
    await client.json("POST", "/api/v1/chat", { message: "I moved to Lisbon last month." });

    const nextSession = await client.startSession();
    await client.json("POST", "/api/v1/chat", { session_id: nextSession, message: "Lisbon feels lonely some evenings." });
    expect(lastReplyPrompt()).toContain("The user moved to Lisbon last month.");

    const stranger = client.stranger();
    await stranger.json("POST", "/api/v1/chat", { message: "Lisbon feels lonely some evenings." });
    expect(lastReplyPrompt()).not.toContain("moved to Lisbon");
  });
});

describe("durability and bounded threads", () => {
  it("resumes a conversation after a restart", async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const first = await rose(llmEnv(sim), dir.path);
    const sessionId = await first.client.startSession();
    await first.client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "My cat is called Miso." });
    await first.stop();
    servers.splice(servers.indexOf(first), 1);

    const second = await rose(llmEnv(sim), dir.path);
    const client = sameUserAt(first.client, second.url);
    const history = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.messages[0].content).toBe("My cat is called Miso.");
    const next = await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "What is my cat called?" });
    expect(next.status).toBe(200);
    const sent = (replyRequests().at(-1)!.body as { messages: Array<{ content: string }> }).messages;
    expect(sent.map((m) => m.content)).toContain("My cat is called Miso.");
  });

  it("folds old messages into the summary, keeps the newest, and prunes old checkpoints", async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const { client } = await rose(llmEnv(sim, { SUMMARY_TRIGGER: "6", SUMMARY_KEEP: "2" }), dir.path);
    sim.script({ match: { system: "concise conversation summaries" }, reply: { content: "The user has been telling Rose about their week." } });
    const sessionId = await client.startSession();
    for (let i = 1; i <= 4; i++) await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: `Day ${i} of my week was fine.` });

    const history = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.summary).toBe("The user has been telling Rose about their week.");
    expect(history.body.messages.map((m: { content: string }) => m.content)[0]).toBe("Day 4 of my week was fine.");
    expect(history.body.messages).toHaveLength(2);

    await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "And today?" });
    expect(lastReplyPrompt()).toContain("The user has been telling Rose about their week.");
    await client.json("GET", `/api/v1/sessions/${sessionId}/messages`); // waits for the turn to finish

    const db = new Database(join(dir.path, "memory.db"), { readonly: true });
    const { n } = db.prepare("SELECT COUNT(*) AS n FROM checkpoints WHERE thread_id = ?").get(sessionId) as { n: number };
    db.close();
    expect(n).toBe(1);
  });
});

describe("bad input", () => {
  it("answers each mistake with a 4xx JSON error and leaves the thread unchanged", async () => {
    const { client } = await rose();
    const sessionId = await client.startSession();
    await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "First message." });
    const before = (await client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).body;
    const chatsBefore = sim.requests({ endpoint: "chat" }).length;

    const cases: Array<[unknown, number, string, RegExp]> = [
      [{ session_id: sessionId }, 400, "bad_request", /message/],
      [{ session_id: sessionId, message: "   " }, 400, "bad_request", /must not be empty/],
      [{ session_id: sessionId, message: "x".repeat(4001) }, 400, "bad_request", /at most 4000 characters/],
      [{ session_id: sessionId, message: 42 }, 400, "bad_request", /message/],
      [{ session_id: "not-a-uuid", message: "hi" }, 400, "bad_request", /session_id/],
      [{ session_id: "6c1c6f1e-4a40-4d59-9d5c-3f1f1d4f0b9a", message: "hi" }, 404, "not_found", /Session not found/],
      ['{"session_id": "', 400, "malformed_json", /not valid JSON/],
    ];
    for (const path of ["/api/v1/chat", "/api/v1/chat/stream"]) {
      for (const [body, status, code, message] of cases) {
        const response = await client.json("POST", path, body);
        expect(response.status, JSON.stringify(body).slice(0, 60)).toBe(status);
        expect(response.body.error).toMatchObject({ code, request_id: expect.any(String) });
        expect(response.body.error.message).toMatch(message);
        expect(response.body.error.request_id).toBe(response.headers.get("x-request-id"));
      }
    }
    expect((await client.json("GET", `/api/v1/sessions/${sessionId}/messages`)).body).toEqual(before);
    expect(sim.requests({ endpoint: "chat" }).length).toBe(chatsBefore);
    expect((await client.json("GET", "/api/v1/sessions/not-a-uuid/messages")).status).toBe(400);
  });

  it("answers unknown API paths with 404 JSON on both prefixes", async () => {
    const { client } = await rose();
    for (const path of ["/api/v1/nothing-here", "/api/nothing-here"]) {
      const { status, body } = await client.json("GET", path);
      expect(status).toBe(404);
      expect(body.error.code).toBe("not_found");
    }
    expect((await client.json("GET", "/api/health")).body.status).toBeDefined();
  });
});

describe("without a chat model", () => {
  it("boots, reports the LLM as not configured and refuses turns with a 503 naming the variable", async () => {
    const { client } = await rose({});
    const health = await client.json("GET", "/api/v1/health");
    expect(health.status).toBe(200);
    expect(health.body.services.llm.status).toBe("not_configured");
    for (const path of ["/api/v1/chat", "/api/v1/chat/stream"]) {
      const { status, body } = await client.json("POST", path, { message: "Hello?" });
      expect(status).toBe(503);
      expect(body.error.code).toBe("llm_not_configured");
      expect(body.error.message).toMatch(/GROQ_API_KEY/);
    }
  });
});
