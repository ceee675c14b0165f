import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient } from "./helpers/api-client.js";
import { type RunningRose, startRose, tempDataDir } from "./helpers/rose-server.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

/**
 * Regenerate the last reply and edit-and-resend the last message: both replace the thread's last
 * exchange in place; a request with nothing to replace, or with bad input, changes nothing.
 * Every saved message carries the time it was saved.
 */

let sim: Simulator;
let server: RunningRose;
const dir = tempDataDir();

interface Message {
  id?: string;
  role: string;
  content: string;
  created_at?: string;
  failed?: boolean;
  stopped?: boolean;
}

async function history(client: ApiClient, sessionId: string): Promise<Message[]> {
  const { status, body } = await client.json<{ messages: Message[] }>("GET", `/api/v1/sessions/${sessionId}/messages`);
  expect(status).toBe(200);
  return body.messages;
}

/** The messages of Rose's most recent request for a reply, as the model saw them. */
function lastPrompt(): string[] {
  const chats = sim.requests({ endpoint: "chat" }).filter((r) => r.model === "sim-chat");
  return (chats.at(-1)!.body as { messages: Array<{ content: string }> }).messages.map((m) => m.content);
}

async function conversation(client: ApiClient): Promise<string> {
  const sessionId = await client.startSession();
  sim.script({ match: { model: "sim-chat" }, reply: { content: "Hello! How was your day?" }, times: 1 });
  expect((await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "Hi Rose." })).status).toBe(200);
  sim.script({ match: { model: "sim-chat" }, reply: { content: "A walk sounds lovely." }, times: 1 });
  expect((await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "I went for a walk." })).status).toBe(200);
  return sessionId;
}

beforeAll(async () => {
  sim = await startSimulator();
  server = await startRose(
    {
      OPENAI_BASE_URL: sim.openaiBaseUrl,
      OPENAI_API_KEY: "sim-key",
      CHAT_MODEL: "sim-chat",
      SMALL_MODEL: "sim-small",
      PROVIDER_RETRIES: "0",
      RATE_LIMIT_PER_MINUTE: "0",
    },
    dir.path,
  );
});

afterEach(() => sim.reset());

afterAll(async () => {
  await server?.stop();
  await sim?.close();
  dir.remove();
});

describe("regenerating the last reply", () => {
  it("replaces the last reply with a new answer to the same message (stream)", async () => {
    const { client } = server;
    const sessionId = await conversation(client);
    const before = await history(client, sessionId);

    sim.script({ match: { model: "sim-chat" }, reply: { content: "Where did you walk?" } });
    const again = await client.stream("/api/v1/chat/stream", { session_id: sessionId, regenerate: true });
    expect(again.events.at(-1)).toMatchObject({ event: "done", data: { reply: "Where did you walk?", fallback: false } });

    const after = await history(client, sessionId);
    expect(after.map((m) => m.content)).toEqual(["Hi Rose.", "Hello! How was your day?", "I went for a walk.", "Where did you walk?"]);
    // The asked message keeps the time the person sent it; the old reply is not shown to the model.
    expect(after[2]!.created_at).toBe(before[2]!.created_at);
    const prompt = lastPrompt();
    expect(prompt.filter((c) => c === "I went for a walk.")).toHaveLength(1);
    expect(prompt).not.toContain("A walk sounds lovely.");
  });

  it("works on POST /chat too", async () => {
    const { client } = server;
    const sessionId = await conversation(client);
    sim.script({ match: { model: "sim-chat" }, reply: { content: "Tell me about it." } });
    const again = await client.json("POST", "/api/v1/chat", { session_id: sessionId, regenerate: true });
    expect(again.status).toBe(200);
    expect(again.body.reply).toBe("Tell me about it.");
    expect((await history(client, sessionId)).map((m) => m.content).slice(-2)).toEqual(["I went for a walk.", "Tell me about it."]);
  });

  it("keeps the old exchange when the new reply is stopped before a word", async () => {
    const { client } = server;
    const sessionId = await conversation(client);
    const before = await history(client, sessionId);
    const calls = sim.requests({ endpoint: "chat" }).filter((r) => r.model === "sim-chat").length;
    sim.script({ match: { model: "sim-chat" }, reply: { content: "Never said." }, latency: { firstTokenMs: 60_000 } });

    const response = await client.request("POST", "/api/v1/chat/stream", { session_id: sessionId, regenerate: true });
    // Stop once the model has been asked (the reply is being written, no word of it yet).
    while (sim.requests({ endpoint: "chat" }).filter((r) => r.model === "sim-chat").length === calls) await new Promise((r) => setImmediate(r));
    expect((await client.json("POST", "/api/v1/chat/stop", { session_id: sessionId })).status).toBe(202);
    await response.text();

    expect(await history(client, sessionId)).toEqual(before);
  });

  it("refuses when there is nothing to regenerate, with a message, or for someone else's session, and changes nothing", async () => {
    const { client } = server;
    const empty = await client.startSession();
    const nothing = await client.json("POST", "/api/v1/chat/stream", { session_id: empty, regenerate: true });
    expect(nothing.status).toBe(409);
    expect(nothing.body.error.code).toBe("conflict");
    expect(await history(client, empty)).toEqual([]);

    const sessionId = await conversation(client);
    const before = await history(client, sessionId);
    const calls = sim.requests({ endpoint: "chat" }).length;
    expect((await client.stranger().json("POST", "/api/v1/chat", { session_id: sessionId, regenerate: true })).status).toBe(404);
    expect((await client.json("POST", "/api/v1/chat", { regenerate: true })).status).toBe(400);
    expect((await client.json("POST", "/api/v1/chat", { session_id: sessionId, regenerate: true, message: "Other words" })).status).toBe(400);
    expect((await client.json("POST", "/api/v1/chat", { session_id: sessionId, regenerate: true, retry: true })).status).toBe(400);
    expect((await client.json("POST", "/api/v1/chat", { session_id: sessionId, regenerate: "yes" })).status).toBe(400);
    expect(await history(client, sessionId)).toEqual(before);
    expect(sim.requests({ endpoint: "chat" })).toHaveLength(calls);
  });
});

describe("editing and resending the last message", () => {
  it("replaces the last exchange with the edited message and a new reply", async () => {
    const { client } = server;
    const sessionId = await conversation(client);
    sim.script({ match: { model: "sim-chat" }, reply: { content: "A run! Well done." } });
    const edited = await client.stream("/api/v1/chat/stream", { session_id: sessionId, edit: true, message: "  I went for a run.  " });
    expect(edited.events.at(-1)).toMatchObject({ event: "done", data: { reply: "A run! Well done." } });

    const after = await history(client, sessionId);
    expect(after.map((m) => m.content)).toEqual(["Hi Rose.", "Hello! How was your day?", "I went for a run.", "A run! Well done."]);
    const prompt = lastPrompt();
    expect(prompt).toContain("I went for a run.");
    expect(prompt).not.toContain("I went for a walk.");
    expect(prompt).not.toContain("A walk sounds lovely.");
  });

  it("refuses an empty edit, an edit with nothing to edit, or of someone else's session, and changes nothing", async () => {
    const { client } = server;
    const empty = await client.startSession();
    const nothing = await client.json("POST", "/api/v1/chat", { session_id: empty, edit: true, message: "New words" });
    expect(nothing.status).toBe(409);
    expect(nothing.body.error.code).toBe("conflict");

    const sessionId = await conversation(client);
    const before = await history(client, sessionId);
    const calls = sim.requests({ endpoint: "chat" }).length;
    const blank = await client.json("POST", "/api/v1/chat/stream", { session_id: sessionId, edit: true, message: "   " });
    expect(blank.status).toBe(400);
    expect(blank.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect((await client.json("POST", "/api/v1/chat", { session_id: sessionId, edit: true })).status).toBe(400);
    expect((await client.stranger().json("POST", "/api/v1/chat", { session_id: sessionId, edit: true, message: "Mine now" })).status).toBe(404);
    expect(await history(client, empty)).toEqual([]);
    expect(await history(client, sessionId)).toEqual(before);
    expect(sim.requests({ endpoint: "chat" })).toHaveLength(calls);
  });
});

describe("stopping a turn that already ended", () => {
  it("is a 409 and changes nothing", async () => {
    const { client } = server;
    const sessionId = await conversation(client);
    const before = await history(client, sessionId);
    const late = await client.json("POST", "/api/v1/chat/stop", { session_id: sessionId });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: "conflict", message: expect.any(String), request_id: expect.any(String) });
    expect(await history(client, sessionId)).toEqual(before);
  });
});

describe("message times", () => {
  it("saves each message with its time, in the order they were written", async () => {
    const { client } = server;
    const started = Date.now();
    const sessionId = await conversation(client);
    const messages = await history(client, sessionId);
    expect(messages).toHaveLength(4);
    const times = messages.map((m) => Date.parse(m.created_at ?? ""));
    for (const t of times) expect(t).toBeGreaterThanOrEqual(started - 1000);
    for (const t of times) expect(t).toBeLessThanOrEqual(Date.now());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});
