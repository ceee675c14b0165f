import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { APOLOGY_REPLY } from "../src/modules/character/prompts.js";
import { type ApiClient, parseSse } from "./helpers/api-client.js";
import { type RunningRose, startRose, tempDataDir } from "./helpers/rose-server.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

/**
 * A failed reply (Rose's fallback apology) is marked as such in the thread and can be tried again,
 * replacing it; a reply being written can be stopped, keeping what was written, marked stopped.
 */

let sim: Simulator;
let server: RunningRose;
const dir = tempDataDir();

const LONG_REPLY = Array.from({ length: 60 }, (_, i) => `word${i}`).join(" ");

interface Message {
  role: string;
  content: string;
  failed?: boolean;
  stopped?: boolean;
}

async function history(client: ApiClient, sessionId: string): Promise<Message[]> {
  const { status, body } = await client.json<{ messages: Message[] }>("GET", `/api/v1/sessions/${sessionId}/messages`);
  expect(status).toBe(200);
  return body.messages;
}

/** The messages of Rose's most recent request for a reply, as the model saw them. */
function lastPrompt(): Array<{ role: string; content: string }> {
  const chats = sim.requests({ endpoint: "chat" }).filter((r) => r.model === "sim-chat");
  return (chats.at(-1)!.body as { messages: Array<{ role: string; content: string }> }).messages;
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

describe("trying a failed reply again", () => {
  it("marks the fallback apology as failed in the history, and a retry replaces the failed exchange", async () => {
    const { client } = server;
    const sessionId = await client.startSession();
    expect((await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "My sister is Anna." })).status).toBe(200);

    sim.script({ match: { model: "sim-chat" }, fail: { status: 500 }, times: 1 });
    const failed = await client.stream("/api/v1/chat/stream", { session_id: sessionId, message: "Do you remember her name?" });
    expect(failed.events.at(-1)).toMatchObject({ event: "done", data: { reply: APOLOGY_REPLY, fallback: true } });
    const before = await history(client, sessionId);
    expect(before.slice(-2)).toEqual([
      expect.objectContaining({ role: "user", content: "Do you remember her name?" }),
      expect.objectContaining({ role: "assistant", content: APOLOGY_REPLY, failed: true }),
    ]);
    expect(before[1]).not.toHaveProperty("failed");

    sim.script({ match: { model: "sim-chat" }, reply: { content: "Of course: Anna, your sister." } });
    const retried = await client.stream("/api/v1/chat/stream", { session_id: sessionId, message: "Do you remember her name?", retry: true });
    expect(retried.events.at(-1)).toMatchObject({ event: "done", data: { reply: "Of course: Anna, your sister.", fallback: false } });

    // The apology is gone from the thread and from what the model was shown; the question is there once.
    const after = await history(client, sessionId);
    expect(after.map((m) => m.content)).toEqual([before[0]!.content, before[1]!.content, "Do you remember her name?", "Of course: Anna, your sister."]);
    expect(after.some((m) => m.failed)).toBe(false);
    const prompt = lastPrompt().map((m) => m.content);
    expect(prompt.filter((c) => c === "Do you remember her name?")).toHaveLength(1);
    expect(prompt).not.toContain(APOLOGY_REPLY);
  });

  it("refuses a retry when there is nothing to retry, and changes nothing", async () => {
    const { client } = server;
    const sessionId = await client.startSession();
    await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "Hello Rose." });
    const before = await history(client, sessionId);
    const calls = sim.requests({ endpoint: "chat" }).length;

    const refused = await client.json("POST", "/api/v1/chat/stream", { session_id: sessionId, message: "Hello Rose.", retry: true });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("conflict");
    const noSession = await client.json("POST", "/api/v1/chat", { message: "Hello Rose.", retry: true });
    expect(noSession.status).toBe(400);
    const notBoolean = await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "Hello Rose.", retry: "yes" });
    expect(notBoolean.status).toBe(400);

    expect(await history(client, sessionId)).toEqual(before);
    expect(sim.requests({ endpoint: "chat" })).toHaveLength(calls);
  });
});

describe("stopping a reply", () => {
  it("ends the generation and keeps the words written so far, marked stopped", async () => {
    const { client } = server;
    const sessionId = await client.startSession();
    sim.script({ match: { model: "sim-chat" }, reply: { content: LONG_REPLY }, latency: { firstTokenMs: 20, tokensPerSecond: 8 } });

    const response = await client.request("POST", "/api/v1/chat/stream", { session_id: sessionId, message: "Tell me a long story." });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    // Read until the first words have arrived, then press Stop.
    while (!text.includes("event: token")) text += decoder.decode((await reader.read()).value, { stream: true });
    const stop = await client.json("POST", "/api/v1/chat/stop", { session_id: sessionId });
    expect(stop.status).toBe(202);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }

    const events = parseSse(text);
    const done = events.find((e) => e.event === "done")!.data as { reply: string; stopped: boolean; fallback: boolean };
    expect(done).toMatchObject({ stopped: true, fallback: false });
    expect(done.reply.length).toBeGreaterThan(0);
    expect(LONG_REPLY.startsWith(done.reply) && done.reply.length < LONG_REPLY.length).toBe(true);

    const kept = await history(client, sessionId);
    expect(kept).toEqual([
      expect.objectContaining({ role: "user", content: "Tell me a long story." }),
      expect.objectContaining({ role: "assistant", content: done.reply, stopped: true }),
    ]);
  });

  it("refuses a stop when no reply is being written, or for someone else's conversation", async () => {
    const { client } = server;
    const sessionId = await client.startSession();
    const idle = await client.json("POST", "/api/v1/chat/stop", { session_id: sessionId });
    expect(idle.status).toBe(409);
    expect(idle.body.error.code).toBe("conflict");
    expect((await client.stranger().json("POST", "/api/v1/chat/stop", { session_id: sessionId })).status).toBe(404);
    expect((await client.json("POST", "/api/v1/chat/stop", { session_id: "not-a-session" })).status).toBe(400);
    expect(await history(client, sessionId)).toEqual([]);
  });
});
