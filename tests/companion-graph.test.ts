import type { BaseMessage } from "@langchain/core/messages";
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/core/config.js";
import { createLogger } from "../src/core/logger.js";
import { Metrics } from "../src/core/metrics.js";
import { ProviderGuards } from "../src/core/resilience/guards.js";
import { buildGraph } from "../src/graph/graph.js";
import { SqliteThreadStore } from "../src/graph/thread-store.js";
import { TurnRunner } from "../src/graph/turn-runner.js";
import { CrisisResources } from "../src/modules/care/crisis-resources.js";
import { loadCardFolders } from "../src/modules/character/card-files.js";
import { CharacterCatalog } from "../src/modules/character/catalog.js";
import { Companion } from "../src/modules/companion/companion.js";
import { SqliteCharacterStore, SqliteCompanionStore } from "../src/modules/companion/sqlite-companion-store.js";
import { createLanguageModels } from "../src/modules/llm/language-model.js";
import { analyseForMemory } from "../src/modules/memory/analysis.js";
import { LexicalHashEmbedder } from "../src/modules/memory/embeddings/lexical-embedder.js";
import { LongTermMemory } from "../src/modules/memory/long-term-memory.js";
import { MemoryWriter } from "../src/modules/memory/memory-writer.js";
import { SqliteMemoryOutbox } from "../src/modules/memory/outbox/sqlite-outbox.js";
import { SqliteVecMemoryStore } from "../src/modules/memory/sqlite-vec-store.js";
import { tempDataDir } from "./helpers/rose-server.js";
import { type Simulator, startSimulator } from "./simulator/server.js";

/** The compiled turn graph with the real companion layer (SQLite stores), driven through the turn runner. */
let sim: Simulator;
let db: Database.Database;
let memory: LongTermMemory;
let turns: TurnRunner;
let companionStore: SqliteCompanionStore;
let threads: SqliteThreadStore;
const metrics = new Metrics({ defaultMetrics: false });
const dir = tempDataDir();
const USER = "5b0c9a3e-1d2f-4a5b-8c7d-6e5f4a3b2c1d";
const SESSION = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
const policy = {
  timeoutMs: 5_000,
  retries: 0,
  baseDelayMs: 1,
  maxDelayMs: 2,
  errorThresholdPercentage: 50,
  volumeThreshold: 100,
  rollingWindowMs: 10_000,
  resetTimeoutMs: 1_000,
};

beforeAll(async () => {
  sim = await startSimulator();
  db = new Database(join(dir.path, "rose.db"));
  memory = new LongTermMemory(new SqliteVecMemoryStore(join(dir.path, "memories.db")), new LexicalHashEmbedder());
  const config = loadConfig({ OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: "k", CHAT_MODEL: "sim-chat", SMALL_MODEL: "sim-small" });
  const llm = createLanguageModels(config.llm.providers, { temperature: 0.7 }, ProviderGuards.uniform(policy))!;
  const logger = createLogger("silent");
  companionStore = new SqliteCompanionStore(db);
  const characters = new CharacterCatalog(loadCardFolders(), new SqliteCharacterStore(db));
  const companion = new Companion({
    characters,
    store: companionStore,
    resources: CrisisResources.load(),
    logger,
    small: llm.small,
    openerAfterMs: 0,
    voiceChoices: () => ({ provider: "openai", voices: ["nova", "onyx", "shimmer"] }),
  });
  await companion.updateSettings(USER, { characterId: "sage", voice: "onyx", speakingRate: 1.1 });
  threads = new SqliteThreadStore(db);
  const writer = new MemoryWriter(new SqliteMemoryOutbox(db), memory, (m, known) => analyseForMemory(llm.small, m, known), logger);
  const graph = buildGraph(
    {
      llm,
      memory,
      memoryWriter: writer,
      character: characters.defaultCard,
      companion,
      logger,
      memoryTopK: 5,
      summary: { trigger: 30, keep: 10 },
      metrics,
      // Room for the slow reading below (the simulator answers the others at once).
      perceptionTimeoutMs: 5_000,
    },
    threads.saver,
  );
  turns = new TurnRunner(graph, threads, logger, metrics);
});

afterEach(() => sim.reset());
afterAll(async () => {
  await turns.drain();
  await memory.close();
  db.close();
  await sim.close();
  dir.remove();
});

describe("the turn graph with the companion layer", () => {
  it("reads the feeling beside recall, shapes the prompt with the card and her state, stores the feeling on the turn, and styles the voice", async () => {
    sim.script({ match: { structured: "perception" }, reply: { structured: { emotion: "grief", intensity: 0.8, crisis: "none", asks_if_ai: false } } });
    sim.script({ match: { model: "sim-chat" }, reply: { content: "I'm here. Tell me about him." } });
    const turn = turns.start({ userId: USER, sessionId: SESSION, message: "My brother's funeral was today.", timezone: "Europe/Dublin" });
    const reply = await turn.reply;
    await turn.completed;

    expect(reply.emotion).toEqual({ label: "grief", intensity: 0.8 });
    expect(reply.crisis).toBe(false);
    expect(reply.speechStyle).toEqual({
      delivery: "gentle",
      intensity: 0.8,
      rate: 1.1,
      voices: expect.objectContaining({ openai: "onyx", espeak: "en-gb+m3" }),
    });
    expect(turns.voiceStyle(SESSION)).toEqual(reply.speechStyle);

    const chat = sim.requests({ endpoint: "chat" }).find((r) => r.model === "sim-chat")!;
    const system = chat.messages!.find((m) => m.role === "system")!.content;
    expect(system).toMatch(/^You are Sage,/);
    expect(system).toContain("former lighthouse keeper");
    expect(system).toMatch(/Tone: The person is grieving/);
    expect(system).toMatch(/How you are:\n- You feel \w+/);
    expect(system).toMatch(/Ireland|Dublin/);

    const saved = await threads.saver.getTuple({ configurable: { thread_id: SESSION } });
    const messages = (saved!.checkpoint.channel_values as { messages: BaseMessage[] }).messages;
    expect(messages[0]!.additional_kwargs.emotion).toEqual({ label: "grief", intensity: 0.8, source: "model" });

    const state = await companionStore.state(USER, "sage");
    expect(state).toMatchObject({ exchanges: 1 });
    expect(state!.lastSeenAt).toEqual(expect.any(String));
  });

  it("keeps an explicit feeling word the model's neutral reading missed", async () => {
    sim.script({ match: { structured: "perception" }, reply: { structured: { emotion: "neutral", intensity: 0, crisis: "none", asks_if_ai: false } } });
    const reply = await turns.start({ userId: USER, sessionId: SESSION, message: "I feel so lonely, nobody calls me", timezone: "UTC" }).reply;
    expect(reply.emotion?.label).toBe("loneliness");
    expect(reply.speechStyle?.delivery).toBe("gentle");
  });

  it("does not hold a spoken reply for the model's reading, yet keeps it: her voice, the feeling stored, and help in a crisis only the model saw", async () => {
    // The rules and the lexicon see nothing in these words; the model, slower than the reply, reads a crisis.
    const message = "Lately I just feel like disappearing for good.";
    sim.script({
      match: { structured: "perception" },
      reply: { structured: { emotion: "sadness", intensity: 0.9, crisis: "suicide", asks_if_ai: false } },
      latency: { totalMs: 1_500 },
    });
    sim.script({ match: { model: "sim-chat" }, reply: { content: "I'm really glad you told me." } });
    const session = "0f1e2d3c-4b5a-4968-8776-655443322110";
    const turn = turns.start({ userId: USER, sessionId: session, message, timezone: "Europe/Dublin", forcedRoute: "audio" });
    const reply = await turn.reply;
    await turn.completed;

    // The reply was asked for before the reading came: its prompt has no tone or crisis care from it.
    const chat = sim.requests({ endpoint: "chat" }).find((r) => r.model === "sim-chat")!;
    const system = chat.messages!.find((m) => m.role === "system")!.content;
    expect(system).not.toMatch(/Tone: /);
    // The reading came before the reply was saved: help is in the reply (and was spoken, as a token), and the turn keeps the model's feeling.
    expect(reply.crisis).toBe(true);
    expect(reply.reply).toMatch(/^I'm really glad you told me\. .*(112|999)/s);
    expect(reply.emotion).toEqual({ label: "sadness", intensity: 0.9 });
    expect(reply.speechStyle?.delivery).toBe("gentle");
    expect(turns.voiceStyle(session)).toEqual(reply.speechStyle);
    const saved = await threads.saver.getTuple({ configurable: { thread_id: session } });
    const messages = (saved!.checkpoint.channel_values as { messages: BaseMessage[] }).messages;
    expect(messages[0]!.additional_kwargs.emotion).toEqual({ label: "sadness", intensity: 0.9, source: "model" });
    expect(await metrics.registry.getSingleMetricAsString("rose_crisis_turns_total")).toMatch(/kind="suicide",detector="model"\} 1/);
  });

  it("lets a written reply wait for the model's reading, which then shapes its prompt", async () => {
    sim.script({
      match: { structured: "perception" },
      reply: { structured: { emotion: "grief", intensity: 0.8, crisis: "none", asks_if_ai: false } },
      latency: { totalMs: 300 },
    });
    sim.script({ match: { model: "sim-chat" }, reply: { content: "I'm here." } });
    await turns.start({ userId: USER, sessionId: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", message: "Today was hard.", timezone: "UTC" }).reply;
    const chat = sim.requests({ endpoint: "chat" }).find((r) => r.model === "sim-chat")!;
    expect(chat.messages!.find((m) => m.role === "system")!.content).toMatch(/Tone: The person is grieving/);
  });

  it("counts a crisis turn by kind and detector", async () => {
    const turn = turns.start({ userId: USER, sessionId: SESSION, message: "he hits me and I'm scared he will kill me", timezone: "Europe/Dublin" });
    const reply = await turn.reply;
    await turn.completed;
    expect(reply.crisis).toBe(true);
    expect(reply.reply).toMatch(/112 or 999/);
    expect(reply.speechStyle?.delivery).toBe("gentle");
    expect(await metrics.registry.getSingleMetricAsString("rose_crisis_turns_total")).toMatch(/kind="abuse",detector="rules"\} 1/);
  });
});
