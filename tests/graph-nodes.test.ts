import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../src/core/config.js";
import { createLogger } from "../src/core/logger.js";
import { ProviderGuards } from "../src/core/resilience/guards.js";
import type { GraphDeps } from "../src/graph/deps.js";
import type { TurnEvent } from "../src/graph/events.js";
import { createContextInjectionNode } from "../src/graph/nodes/context-injection.js";
import { createGenerateNode } from "../src/graph/nodes/generate.js";
import { createMemoryExtractionNode } from "../src/graph/nodes/memory-extraction.js";
import { createMemoryInjectionNode } from "../src/graph/nodes/memory-injection.js";
import { createRouterNode } from "../src/graph/nodes/router.js";
import { createSummarizeNode } from "../src/graph/nodes/summarize.js";
import { RoseState, type RoseStateType } from "../src/graph/state.js";
import { ROSE } from "../src/modules/character/card.js";
import { APOLOGY_REPLY } from "../src/modules/character/prompts.js";
import { createLanguageModels } from "../src/modules/llm/language-model.js";
import Database from "better-sqlite3";
import { analyseForMemory } from "../src/modules/memory/analysis.js";
import { LexicalHashEmbedder } from "../src/modules/memory/embeddings/lexical-embedder.js";
import { LongTermMemory } from "../src/modules/memory/long-term-memory.js";
import { MemoryWriter } from "../src/modules/memory/memory-writer.js";
import { SqliteMemoryOutbox } from "../src/modules/memory/outbox/sqlite-outbox.js";
import { SqliteVecMemoryStore } from "../src/modules/memory/sqlite-vec-store.js";
import { tempDataDir } from "./helpers/rose-server.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

let sim: Simulator;
let memory: LongTermMemory;
let outboxDb: Database.Database;
let deps: GraphDeps;
const dir = tempDataDir();
const USER = "8a0b1f4e-2d4c-4c59-9a3e-7f1e2d3c4b5a";
const OTHER_USER = "1b2c3d4e-5f60-4a1b-8c2d-3e4f5a6b7c8d";

function state(overrides: Partial<RoseStateType>): RoseStateType {
  const defaults = Object.fromEntries(
    Object.entries(RoseState.spec).map(([key, channel]) => [key, (channel as { initialValueFactory?: () => unknown }).initialValueFactory?.()]),
  );
  return { ...defaults, messages: [], userId: USER, sessionId: "s1", timezone: "UTC", ...overrides } as RoseStateType;
}

function collector() {
  const events: TurnEvent[] = [];
  return { events, config: { writer: (chunk: unknown) => events.push(chunk as TurnEvent) } };
}

const fastPolicy = {
  timeoutMs: 5_000,
  retries: 1,
  baseDelayMs: 1,
  maxDelayMs: 2,
  errorThresholdPercentage: 50,
  volumeThreshold: 100,
  rollingWindowMs: 10_000,
  resetTimeoutMs: 1_000,
};

beforeAll(async () => {
  sim = await startSimulator();
  memory = new LongTermMemory(new SqliteVecMemoryStore(join(dir.path, "memories.db")), new LexicalHashEmbedder());
  outboxDb = new Database(join(dir.path, "outbox.db"));
  const config = loadConfig({ OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: "k", CHAT_MODEL: "sim-chat", SMALL_MODEL: "sim-small" });
  const llm = createLanguageModels(config.llm.providers, { temperature: 0.7 }, ProviderGuards.uniform(fastPolicy))!;
  const logger = createLogger("silent");
  deps = {
    llm,
    memory,
    memoryWriter: new MemoryWriter(new SqliteMemoryOutbox(outboxDb), memory, (message, known) => analyseForMemory(llm.small, message, known), logger),
    character: ROSE,
    logger,
    memoryTopK: 5,
    summary: { trigger: 6, keep: 2 },
    now: () => new Date("2026-11-20T07:30:00Z"),
  };
});

afterEach(() => sim.reset());

afterAll(async () => {
  await memory.close();
  outboxDb.close();
  await sim.close();
  dir.remove();
});

describe("memory_extraction", () => {
  it("recalls the user's own relevant memories and nobody else's", async () => {
    await memory.remember(USER, { text: "The user's sister Ana lives in Porto.", type: "person", importance: 0.7 });
    await memory.remember(OTHER_USER, { text: "The user's sister Marta lives in Porto.", type: "person", importance: 0.7 });
    const node = createMemoryExtractionNode(deps);
    const update = await node(state({ messages: [new HumanMessage("I might visit my sister in Porto")] }));
    expect((update.memories as Array<{ text: string }>).map((m) => m.text)).toEqual(["The user's sister Ana lives in Porto."]);
  });
});

describe("router", () => {
  it("treats ordinary messages as conversation without asking a model", async () => {
    const update = await createRouterNode(deps)(state({ messages: [new HumanMessage("I had a long day at work")] }));
    expect(update.route).toBe("conversation");
    expect(sim.requests({ endpoint: "chat" })).toHaveLength(0);
  });

  it("asks the small model when the message might request media, and follows its decision", async () => {
    sim.script({ match: { structured: "route_decision" }, reply: { structured: { response_type: "audio" } } });
    const update = await createRouterNode(deps)(state({ messages: [new HumanMessage("Could you send me a voice note tonight?")] }));
    expect(update.route).toBe("audio");
    expect(sim.requests({ endpoint: "chat" })[0]).toMatchObject({ model: "sim-small", structured: "route_decision" });
  });

  it("honours a route forced by the interface", async () => {
    const update = await createRouterNode(deps)(state({ forcedRoute: "audio", messages: [new HumanMessage("hello")] }));
    expect(update.route).toBe("audio");
  });
});

describe("context_injection", () => {
  it("puts the character, memories, summary, local time and activity into the system prompt", async () => {
    const update = await createContextInjectionNode(deps)(
      state({
        timezone: "Asia/Tokyo",
        summary: "They talked about moving house.",
        memories: [{ id: "m1", text: "The user loves jasmine tea." }],
        route: "audio",
      }),
    );
    const prompt = update.systemPrompt!;
    expect(prompt).toContain("You are Rose,");
    expect(prompt).toContain("The user loves jasmine tea.");
    expect(prompt).toContain("They talked about moving house.");
    expect(prompt).toContain("Friday, 16:30"); // 07:30 UTC is 16:30 in Tokyo
    expect(prompt).toContain("seeing people for long conversations");
    expect(prompt).toContain("spoken aloud");
  });
});

describe("generate", () => {
  it("streams tokens to the writer and returns the whole reply as an AI message", async () => {
    sim.script({ match: { model: "sim-chat" }, reply: { content: "Breathe slowly with me for a moment." } });
    const { events, config } = collector();
    const update = await createGenerateNode(deps)(state({ systemPrompt: "You are Rose.", messages: [new HumanMessage("I feel anxious")] }), config as never);
    const tokens = events.filter((e) => e.type === "token").map((e) => (e as { text: string }).text);
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.join("")).toBe("Breathe slowly with me for a moment.");
    expect(events.at(-1)).toMatchObject({ type: "reply", fallback: false });
    expect((update.messages as AIMessage[])[0]!.content).toBe("Breathe slowly with me for a moment.");
  });

  it("retries a transient failure before the first token", async () => {
    sim.script({ match: { model: "sim-chat" }, reply: { content: "Here I am." } });
    sim.script({ match: { model: "sim-chat" }, times: 1, fail: { status: 503 } }); // newest first: fails once
    const update = await createGenerateNode(deps)(state({ systemPrompt: "You are Rose.", messages: [new HumanMessage("Hello?")] }));
    expect((update.messages as AIMessage[])[0]!.content).toBe("Here I am.");
    expect(sim.requests({ endpoint: "chat" }).map((r) => r.status)).toEqual([503, 200]);
  });

  it("falls back to an in-character apology when the model keeps failing", async () => {
    sim.script({ match: { model: "sim-chat" }, fail: { status: 500 } });
    const { events, config } = collector();
    const update = await createGenerateNode(deps)(state({ systemPrompt: "You are Rose.", messages: [new HumanMessage("Hello?")] }), config as never);
    expect(update.replyFallback).toBe(true);
    expect((update.messages as AIMessage[])[0]!.content).toBe(APOLOGY_REPLY);
    expect(events.at(-1)).toMatchObject({ type: "reply", text: APOLOGY_REPLY, fallback: true });
  });
});

describe("memory_injection", () => {
  const FRESH_USER = "2c3d4e5f-6071-4b2c-9d3e-4f5a6b7c8d9e";

  it("stores what the analysis says is worth remembering, and updates a fact that changed", async () => {
    const node = createMemoryInjectionNode(deps);
    sim.script({
      match: { structured: "memory_analysis" },
      times: 1,
      reply: { structured: { action: "add", memory: "The user works as a nurse.", type: "fact", importance: 0.6, replaces_id: "" } },
    });
    await node(state({ userId: FRESH_USER, messages: [new HumanMessage("I work as a nurse")] }));
    const [stored] = await memory.list(FRESH_USER);
    expect(stored).toMatchObject({ text: "The user works as a nurse.", type: "fact", sourceSessionId: "s1" });

    sim.script({
      match: { structured: "memory_analysis" },
      reply: { structured: { action: "update", memory: "The user works as a midwife.", type: "fact", importance: 0.6, replaces_id: stored!.id } },
    });
    await node(
      state({ userId: FRESH_USER, memories: [{ id: stored!.id, text: stored!.text }], messages: [new HumanMessage("Actually I retrained as a midwife")] }),
    );
    // The changed fact is a new memory; the old one is kept as history, marked as replaced by it.
    const after = await memory.list(FRESH_USER);
    const current = after.filter((m) => !m.supersededBy);
    expect(current.map((m) => m.text)).toEqual(["The user works as a midwife."]);
    expect(current[0]!.supersedes).toBe(stored!.id);
    expect(after.find((m) => m.id === stored!.id)).toMatchObject({ text: "The user works as a nurse.", supersededBy: current[0]!.id });

    const analysis = sim.requests({ endpoint: "chat" }).at(-1)!.body as { messages: Array<{ content: string }> };
    expect(analysis.messages[0]!.content).toContain(`[${stored!.id}] The user works as a nurse.`);
  });

  it("lets the turn move on while a slow analysis is still writing, and the write still lands", async () => {
    const slowUser = "4e5f6071-8293-4d4e-9f50-6b7c8d9e0f1a";
    sim.script({
      match: { structured: "memory_analysis" },
      reply: { structured: { action: "add", memory: "The user is training for a marathon.", type: "goal", importance: 0.7, replaces_id: "" } },
      latency: { firstTokenMs: 800 },
    });
    const { events, config } = collector();
    await createMemoryInjectionNode({ ...deps, memoryWriteWaitMs: 50 })(
      state({ userId: slowUser, messages: [new HumanMessage("I'm training for a marathon")] }),
      config as never,
    );
    expect(events).toEqual([{ type: "memory", status: "pending" }]);
    expect(await memory.list(slowUser)).toEqual([]);
    await vi.waitFor(async () => expect((await memory.list(slowUser)).map((m) => m.text)).toEqual(["The user is training for a marathon."]), {
      timeout: 5_000,
      interval: 50,
    });
  });

  it("stores nothing for small talk", async () => {
    sim.script({
      match: { structured: "memory_analysis" },
      reply: { structured: { action: "nothing", memory: "", type: "fact", importance: 0, replaces_id: "" } },
    });
    const other = "3d4e5f60-7182-4c3d-8e4f-5a6b7c8d9e0f";
    await createMemoryInjectionNode(deps)(state({ userId: other, messages: [new HumanMessage("hi there")] }));
    expect(await memory.list(other)).toEqual([]);
  });
});

describe("summarize", () => {
  it("folds all but the newest messages into the summary", async () => {
    sim.script({ match: { system: "concise conversation summaries" }, reply: { content: "The user described six days." } });
    const messages = Array.from({ length: 8 }, (_, i) =>
      i % 2 === 0 ? new HumanMessage({ content: `u${i}`, id: `m${i}` }) : new AIMessage({ content: `a${i}`, id: `m${i}` }),
    );
    const update = await createSummarizeNode(deps)(state({ messages, summary: "Earlier: they met Rose." }));
    expect(update.summary).toBe("The user described six days.");
    expect((update.messages as Array<{ id: string }>).map((m) => m.id)).toEqual(["m0", "m1", "m2", "m3", "m4", "m5"]);
    const sent = sim.requests({ endpoint: "chat" }).at(-1)!.body as { messages: Array<{ content: string }> };
    expect(sent.messages.at(-1)!.content).toContain("Earlier: they met Rose.");
  });
});
