import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { APOLOGY_REPLY } from "../src/modules/character/prompts.js";
import { ApiClient, sameUserAt } from "./helpers/api-client.js";
import { spokenWav, voiceForm } from "./helpers/audio.js";
import { HEALTHY_ANSWER_MS, type RunningRose } from "./helpers/rose-server.js";
import { useSimulatedRose } from "./helpers/simulated-rose.js";
import type { Simulator } from "./simulator/server.js";

const suite = useSimulatedRose();

/**
 * Small breaker numbers so a test can open, half-open and close it in a couple of seconds; the reset
 * time leaves room for a loaded CI machine to check the open breaker before it half-opens.
 */
const breakerEnv = (sim: Simulator, extra: Record<string, string> = {}) => ({
  OPENAI_BASE_URL: sim.openaiBaseUrl,
  OPENAI_API_KEY: "k",
  CHAT_MODEL: "sim-chat",
  SMALL_MODEL: "sim-small",
  PROVIDER_RETRIES: "0",
  BREAKER_MIN_CALLS: "3",
  BREAKER_ERROR_PERCENT: "50",
  BREAKER_RESET_MS: "1500",
  RATE_LIMIT_PER_MINUTE: "0",
  ...extra,
});

const rose = (env: Record<string, string>): Promise<RunningRose> => suite.rose(env);

const replyCalls = () => suite.sim.requests({ endpoint: "chat" }).filter((r) => r.model === "sim-chat").length;

describe("when the chat model fails", () => {
  it.each([
    ["errors", { status: 500 }],
    ["rate limits", { status: 429 }],
    ["hangs", { hang: true }],
  ])("on %s: answers in character, opens the breaker, fails fast, then recovers", async (_kind, fail) => {
    const { client, rose: service } = await rose(breakerEnv(suite.sim, { LLM_TIMEOUT_MS: HEALTHY_ANSWER_MS }));
    suite.sim.script({ match: { model: "sim-chat" }, fail });
    const sessionId = await client.startSession();

    for (let i = 0; i < 3; i++) {
      const { status, body } = await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: `Are you there? (${i})` });
      expect(status).toBe(200);
      expect(body).toMatchObject({ reply: APOLOGY_REPLY, fallback: true });
    }
    expect(service.guards["chat:openai"]!.state).toBe("open");
    const callsWhileOpen = replyCalls();
    const fast = await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "Still there?" });
    expect(fast.body.fallback).toBe(true);
    expect(replyCalls()).toBe(callsWhileOpen); // the open breaker did not even try the provider

    const health = await client.json("GET", "/api/v1/health");
    expect(health.body.services.llm).toMatchObject({ status: "degraded", breaker: "open" });

    suite.sim.reset(); // the provider recovers
    await new Promise((r) => setTimeout(r, 1_700));
    expect(service.guards["chat:openai"]!.state).toBe("half_open");
    const recovered = await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "Better now?" });
    expect(recovered.body.fallback).toBe(false);
    expect(service.guards["chat:openai"]!.state).toBe("closed");

    // Every turn, apologies included, is in the thread.
    const history = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.messages).toHaveLength(10);
  });

  it("streams the apology too, with done marking the fallback", async () => {
    const { client } = await rose(breakerEnv(suite.sim));
    suite.sim.script({ match: { model: "sim-chat" }, fail: { status: 503 } });
    const { events } = await client.stream("/api/v1/chat/stream", { message: "Hello?" });
    expect(events.map((e) => e.event)).toEqual(["session", "token", "done"]);
    expect(events[2]!.data).toMatchObject({ reply: APOLOGY_REPLY, fallback: true });
  });

  it("retries a transient failure before the first token without the person noticing", async () => {
    const { client } = await rose(breakerEnv(suite.sim, { PROVIDER_RETRIES: "2" }));
    // Rules match newest first: the two failures come before the good answer.
    suite.sim.script({ match: { model: "sim-chat" }, reply: { content: "Third time lucky." } });
    suite.sim.script({ match: { model: "sim-chat" }, times: 2, fail: { status: 502 } });
    const { body } = await client.json("POST", "/api/v1/chat", { message: "Hi" });
    expect(body).toMatchObject({ reply: "Third time lucky.", fallback: false });
    expect(replyCalls()).toBe(3);
  });
});

describe("when the small model fails", () => {
  it("still answers, and the memory is queued rather than lost", async () => {
    const server = await rose(breakerEnv(suite.sim));
    const { client } = server;
    suite.sim.script({ match: { model: "sim-small" }, fail: { status: 500 } });
    suite.sim.script({ match: { model: "sim-chat" }, reply: { content: "That sounds lovely." } });
    const { body } = await client.json("POST", "/api/v1/chat", { message: "I started pottery classes." });
    expect(body).toMatchObject({ reply: "That sounds lovely.", fallback: false });
    await client.json("GET", `/api/v1/sessions/${body.session_id}/messages`); // the turn (and its memory step) finished
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/rose_memory_operations_total\{operation="write",outcome="retry_queued"\} 1/);
  });
});

describe("readiness", () => {
  it("is 503 while the chat provider cannot be reached and 200 once it can", async () => {
    const { client } = await rose(breakerEnv(suite.sim));
    expect((await client.json("GET", "/api/v1/health/ready")).status).toBe(200);
    const down = await rose(breakerEnv(suite.sim, { OPENAI_BASE_URL: "http://127.0.0.1:9/v1" }));
    const ready = await down.client.json("GET", "/api/v1/health/ready");
    expect(ready.status).toBe(503);
    expect(ready.body.failing).toEqual([{ service: "llm", reason: "unreachable or refused" }]);
    const noModel = await rose({});
    expect((await noModel.client.json("GET", "/api/v1/health/ready")).body.failing[0].service).toBe("llm");
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function spawnRose(env: Record<string, string>): Promise<{ child: ChildProcess; client: ApiClient }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const client = new ApiClient(`http://127.0.0.1:${port}`);
  // Generous: tsx compiles the service on start, which takes a while on a busy 2-core machine.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${client.baseUrl}/api/v1/health`)).ok) return { child, client };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill("SIGKILL");
  throw new Error("the server did not start");
}

// Spawned servers compile with tsx on start: slow on a busy machine.
describe("a crash in the middle of a turn", { timeout: 150_000 }, () => {
  it("leaves the thread intact and usable after kill -9 and a restart", async () => {
    const dir = suite.tempDataDir();
    const env = { ...breakerEnv(suite.sim), DATA_DIR: dir.path };
    const first = await spawnRose(env);
    const sessionId = await first.client.startSession();
    await first.client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "My daughter is called Ines." });
    await first.client.json("GET", `/api/v1/sessions/${sessionId}/messages`);

    // A slow reply: kill the process once the first tokens are out.
    suite.sim.script({
      match: { model: "sim-chat" },
      latency: { firstTokenMs: 50, tokensPerSecond: 10 },
      reply: { content: "Oh, Ines is a beautiful name, tell me all about her please." },
    });
    const response = await first.client.request("POST", "/api/v1/chat/stream", { session_id: sessionId, message: "She turns five tomorrow." });
    const reader = response.body!.getReader();
    let received = "";
    while (!received.includes("event: token")) {
      const { value, done } = await reader.read();
      expect(done).toBe(false);
      received += new TextDecoder().decode(value);
    }
    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));
    await reader.cancel().catch(() => {});
    suite.sim.reset();

    const second = await spawnRose(env);
    const client = sameUserAt(first.client, second.client.baseUrl);
    const history = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(history.status).toBe(200);
    expect(history.body.messages[0].content).toBe("My daughter is called Ines.");
    const next = await client.json("POST", "/api/v1/chat", { session_id: sessionId, message: "Are you still with me?" });
    expect(next.status).toBe(200);
    const after = await client.json("GET", `/api/v1/sessions/${sessionId}/messages`);
    expect(after.body.messages.at(-1).content).toBe(next.body.reply);
    second.child.kill("SIGTERM");
    await new Promise((resolve) => second.child.once("exit", resolve));
  });
});

// Spawned servers compile with tsx on start: slow on a busy machine.
describe("graceful shutdown", { timeout: 150_000 }, () => {
  it("on SIGTERM lets the turn in flight finish, then exits cleanly", async () => {
    const dir = suite.tempDataDir();
    const server = await spawnRose({ ...breakerEnv(suite.sim), DATA_DIR: dir.path });
    suite.sim.script({
      match: { model: "sim-chat" },
      latency: { firstTokenMs: 50, tokensPerSecond: 20 },
      reply: { content: "Let us take a slow breath together before you go to sleep tonight." },
    });
    const streaming = server.client.stream("/api/v1/chat/stream", { message: "Help me wind down." });
    await new Promise((r) => setTimeout(r, 200)); // the reply is streaming now
    server.child.kill("SIGTERM");
    const exited = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
    const { events } = await streaming;
    expect(events.at(-1)).toMatchObject({ event: "done", data: { reply: "Let us take a slow breath together before you go to sleep tonight." } });
    expect(await exited).toBe(0);
  });

  it("on SIGTERM lets a request that is not a turn yet (voice still in speech-to-text) finish with every store open", async () => {
    const dir = suite.tempDataDir();
    const server = await spawnRose({ ...breakerEnv(suite.sim), DATA_DIR: dir.path });
    const sessionId = await server.client.startSession(); // a keep-alive connection, idle while the voice request runs
    suite.sim.script({ match: { endpoint: "transcription" }, latency: { totalMs: 1_500 }, reply: { transcript: "I could not sleep last night." } });
    suite.sim.script({ match: { model: "sim-chat" }, reply: { content: "I am sorry. Shall we try a slow breath together?" } });
    const voice = server.client.json(
      "POST",
      "/api/v1/voice/process",
      voiceForm(spokenWav("I could not sleep last night."), "clip.wav", { session_id: sessionId }),
    );
    for (let i = 0; i < 250 && suite.sim.requests({ endpoint: "transcription" }).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(suite.sim.requests({ endpoint: "transcription" })).toHaveLength(1); // the recording is with the speech-to-text provider now
    const exited = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
    server.child.kill("SIGTERM");

    const { status, body } = await voice;
    expect(status).toBe(200);
    // The turn after the transcription ran and was saved: the databases were still open.
    expect(body).toMatchObject({
      session_id: sessionId,
      transcript: "I could not sleep last night.",
      text: "I am sorry. Shall we try a slow breath together?",
      fallback: false,
    });
    expect(await exited).toBe(0);
  });
});
