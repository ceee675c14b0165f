import type { Express } from "express";
import type { Server } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "./core/config.js";
import type { Logger } from "./core/logger.js";
import { ServiceHealth } from "./core/health/service-health.js";
import { Metrics } from "./core/metrics.js";
import { ProviderGuards } from "./core/resilience/guards.js";
import type { ProviderGuard } from "./core/resilience/provider-guard.js";
import { type JobLock, RedisJobLock } from "./core/jobs/job-lock.js";
import { JobScheduler } from "./core/jobs/scheduler.js";
import { type BackupSource, SqliteBackups } from "./core/jobs/sqlite-backup.js";
import { connectRedis, type RedisClient } from "./core/redis.js";
import { makeDataDirPrivate, tighten } from "./core/private-files.js";
import { resolveSigningSecret } from "./core/signing-secret.js";
import { buildGraph, type RoseGraph } from "./graph/graph.js";
import { LeaseThreadGate, LOCAL_THREAD_GATE } from "./graph/thread-gate.js";
import { TurnRunner } from "./graph/turn-runner.js";
import { RedisStore } from "rate-limit-redis";
import type { HttpDeps } from "./interfaces/http/context.js";
import { createHttpApp } from "./interfaces/http/app.js";
import { openPersistence, openSqlite } from "./persistence.js";
import { Accounts } from "./modules/accounts/accounts.js";
import { Passkeys } from "./modules/accounts/passkeys.js";
import { CharacterCatalog } from "./modules/character/catalog.js";
import { Companion } from "./modules/companion/companion.js";
import { chainHealth } from "./core/health/chain-health.js";
import { ClientTasks } from "./modules/client-conversations/client-tasks.js";
import { createLanguageModels } from "./modules/llm/language-model.js";
import { analyseForMemory } from "./modules/memory/analysis.js";
import { createLongTermMemory } from "./modules/memory/create-memory.js";
import { MemoryWriter } from "./modules/memory/memory-writer.js";
import type { Memory } from "./modules/memory/types.js";
import { createSpeech } from "./modules/speech/create-speech.js";
import type { SessionStore } from "./modules/sessions/types.js";
import { ApiKeys } from "./modules/api-keys/api-keys.js";
import { createPictures } from "./modules/images/create-pictures.js";
import type { ImageStore } from "./modules/images/image-store.js";
import { type PersonalDataHolder, PersonalDataRegistry } from "./core/personal-data.js";
import { conversationData } from "./graph/conversation-data.js";
import { memoryData } from "./modules/memory/memory-data.js";
import { ConversationIndex } from "./modules/sessions/conversation-index.js";
import { modelNamer } from "./modules/sessions/titles.js";
import { attachLiveVoice, type LiveVoiceSocket } from "./interfaces/live/voice-socket.js";
import { SharedCallLeases } from "./modules/voice/call-leases.js";
import { createLiveVoiceParts } from "./modules/voice/live-voice.js";
import { VoicePipeline } from "./modules/voice/pipeline.js";

export interface Rose {
  app: Express;
  turns: TurnRunner;
  /** Every provider guard by name ("chat:groq", "small:groq", "tts", "embeddings"...): breaker states for tests and operators. */
  guards: Record<string, ProviderGuard>;
  backups: SqliteBackups;
  /** Serves the live voice socket (GET /api/v1/voice/live) on the HTTP server the app listens on; close() ends its calls. */
  attach(server: Server): LiveVoiceSocket;
  /** Runs a background job now (under its lease); false when another instance holds it. */
  runJob(name: string): Promise<boolean>;
  /** Bytes a thread's checkpoints occupy (benchmarks and operators' checks). */
  threadBytes(threadId: string): Promise<number>;
  /**
   * Graceful shutdown: flips readiness, stops the job timers, runs `stopHttp` (the HTTP server's close,
   * resolving once requests in flight are answered) while every store is still open, waits for turns in
   * flight, then closes every database.
   */
  close(options?: { stopHttp?: () => Promise<void> }): Promise<void>;
}

/** Forgets threads nobody has touched for the retention period: checkpoints, writes and the session row. */
async function removeIdleThreads(sessions: SessionStore, turns: TurnRunner, images: ImageStore, cutoff: Date): Promise<{ removed: number }> {
  let removed = 0;
  for (;;) {
    const idle = await sessions.idleSince(cutoff, 100);
    if (idle.length === 0) return { removed };
    for (const session of idle) {
      await turns.clear(session.id);
      await images.deleteSession(session.id);
      await sessions.delete(session.id);
      removed++;
    }
  }
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

/** The composition root: builds every component from the configuration and wires them together. */
export async function createRose(config: Config, logger: Logger): Promise<Rose> {
  // Conversations, memories and the signing secret: readable by the service's user only.
  makeDataDirPrivate(config.dataDir);
  const { secret, source } = resolveSigningSecret(config.jwtSecret, config.dataDir);
  if (source === "generated") logger.warn("JWT_SECRET is not set: generated a signing secret and stored it in DATA_DIR (set JWT_SECRET in production)");
  if (config.environment === "production" && !config.metricsToken)
    logger.warn("GET /metrics is readable by anyone who can reach the service: set METRICS_TOKEN and give it to your scraper as a bearer token");

  // The local SQLite file always exists: it holds the conversations and the memory outbox unless
  // DATABASE_URL moves them to PostgreSQL.
  const conversationDb = openSqlite(join(config.dataDir, "memory.db"));
  const persistence = await openPersistence(
    config.databaseUrl,
    { db: conversationDb, audioDir: join(config.dataDir, "audio"), audioTtlMs: config.audioTtlMs },
    logger,
  );
  const { threads, sessions } = persistence;
  const metrics = new Metrics();
  const guards = ProviderGuards.fromConfig(config, logger, metrics);
  const memoryGuards = { embeddings: guards.guard("embeddings", "memory"), vectorStore: guards.guard("vector_store", "memory") };
  const memory = await createLongTermMemory(config, memoryGuards, logger);
  // The databases and their -wal/-shm exist now: private even where the umask could not be set.
  tighten(config.dataDir);
  const pictures = createPictures(config, persistence.images, guards, logger);
  const models = createLanguageModels(config.llm.providers, { temperature: config.llm.temperature }, guards, logger);
  const speech = createSpeech(config, guards, logger);
  const characters = new CharacterCatalog(config.companion.cards, persistence.characters);
  const companion = new Companion({
    characters,
    store: persistence.companion,
    resources: config.companion.crisisResources,
    logger,
    small: models?.small ?? null,
    openerAfterMs: config.companion.openerAfterMs,
    voiceChoices: () => speech.voiceChoices,
  });
  let graph: RoseGraph | null = null;
  let memoryWriter: MemoryWriter | null = null;
  if (models) {
    const describe = (role: "chat" | "small") => models[role].chain.members.map((m) => `${m.id} (${m.model})`).join(", then ");
    logger.info("chat model configured", { providers: config.llm.providers.map((p) => p.id), chat_model: describe("chat"), small_model: describe("small") });
    const analyse = (message: string, known: Memory[]) => analyseForMemory(models.small, message, known);
    memoryWriter = new MemoryWriter(persistence.memoryOutbox, memory, analyse, logger, metrics);
    memoryWriter.start();
    graph = buildGraph(
      {
        llm: models,
        memory,
        memoryWriter,
        character: characters.defaultCard,
        companion,
        perceptionTimeoutMs: config.companion.perceptionTimeoutMs,
        logger,
        memoryTopK: config.memory.topK,
        summary: config.summary,
        metrics,
        pictures,
      },
      threads.saver,
    );
  } else {
    logger.warn("no chat model configured: set GROQ_API_KEY, or OPENAI_BASE_URL / OPENAI_API_KEY; chat turns answer 503 until then");
  }
  const redis: RedisClient | null = config.redisUrl ? await connectRedis(config.redisUrl, logger) : null;
  const lock: JobLock = redis ? new RedisJobLock(redis) : persistence.lock;
  // Conversations in PostgreSQL may be served by several instances: a thread's turns take a shared lease.
  const gate = persistence.kind === "postgres" ? new LeaseThreadGate(lock, logger) : LOCAL_THREAD_GATE;
  const turns = new TurnRunner(graph, threads, logger, metrics, gate);
  // The conversation list: each saved turn updates its session row; first exchanges are named in the background.
  const conversationIndex = new ConversationIndex(sessions, models ? modelNamer(models.small) : null, logger);
  turns.onTurnSaved((turn) => conversationIndex.recordTurn(turn));

  // Every store holding a person's data, in erasure order: what lets a program act for them (API keys) and
  // what points into their conversations first, then the conversations (erasing a thread waits for its turn
  // in flight), then queued memory writes (one could store a memory again), then the memories; the account last.
  const apiKeys = new ApiKeys(persistence.apiKeys);
  const holder = (name: string, store: Pick<PersonalDataHolder, "exportUser" | "eraseUser">): PersonalDataHolder => ({
    name,
    exportUser: (userId) => store.exportUser(userId),
    eraseUser: (userId) => store.eraseUser(userId),
  });
  const personalData = new PersonalDataRegistry(logger)
    .register(holder("api_keys", apiKeys))
    .register(holder("client_conversations", persistence.conversationLinks))
    .register(holder("images", persistence.images))
    .register(holder("companion_state", persistence.companion))
    .register(holder("characters", persistence.characters))
    .register(conversationData(sessions, turns))
    .register(persistence.memoryOutbox)
    .register(memoryData(memory))
    .register(persistence.audio)
    // The account last: if erasure stops part-way, the person can still sign in and ask again.
    .register(holder("account", persistence.accounts));

  const jobs = new JobScheduler(lock, logger);
  const backupSources: BackupSource[] = [{ name: "memory.db", backup: (path) => conversationDb.backup(path) }];
  if (memory.backup) backupSources.push({ name: "long_term_memory.db", backup: memory.backup });
  const backups = new SqliteBackups(join(config.dataDir, "backups"), backupSources, config.backup.keep);
  jobs.schedule({ name: "sqlite-backup", intervalMs: config.backup.intervalMs, run: () => backups.run() });
  jobs.schedule({
    name: "thread-cleanup",
    intervalMs: 60 * 60_000,
    run: () => removeIdleThreads(sessions, turns, persistence.images, new Date(Date.now() - config.sessionRetentionDays * 86_400_000)),
  });
  const audioStore = persistence.audio;
  // Expired audio is never served; the sweep only frees space, so a few minutes' lag is harmless.
  jobs.schedule({ name: "audio-cleanup", intervalMs: Math.min(config.audioTtlMs, 10 * 60_000), run: () => audioStore.removeExpired() });

  let accepting = true;
  const health = new ServiceHealth();
  if (models) {
    health.register("llm", chainHealth(models.chat.chain, { requiredForReadiness: true }));
  } else {
    health.notConfigured("llm", "set GROQ_API_KEY, or OPENAI_BASE_URL / OPENAI_API_KEY");
  }
  health.register("memory", {
    provider: memory.storeName,
    model: memory.embedder.id,
    probe: () => memory.ping(),
    breaker: () => memoryGuards.vectorStore.state,
    requiredForReadiness: true,
  });
  health.register("checkpoints", { provider: persistence.kind, probe: () => persistence.ping(), requiredForReadiness: true });
  speech.registerHealth(health);

  const accounts = new Accounts(persistence.accounts, secret, config.auth);
  if (config.environment === "production" && (!config.auth.webauthnRpId || config.auth.webauthnOrigins.length === 0))
    logger.warn("WEBAUTHN_RP_ID / WEBAUTHN_ORIGINS are not set: passkeys bind to whatever host name the page was served from; set both to your public domain");
  const passkeys = new Passkeys(accounts, {
    rpName: config.auth.webauthnRpName,
    origins: config.auth.webauthnOrigins,
    ...(config.auth.webauthnRpId ? { rpId: config.auth.webauthnRpId } : {}),
  });
  const deps: HttpDeps = {
    config,
    logger,
    version: packageVersion(),
    signingSecret: secret,
    sessions,
    turns,
    memory,
    memoryOutbox: memoryWriter,
    speech,
    audioStore,
    pictures,
    companion,
    metrics,
    health,
    personalData,
    isAccepting: () => accepting,
    accounts,
    passkeys,
    apiKeys,
    conversationLinks: persistence.conversationLinks,
    clientTasks: models ? new ClientTasks(models.small) : null,
  };
  if (redis) deps.rateLimitStore = (prefix) => new RedisStore({ prefix, sendCommand: (...args: string[]) => redis.sendCommand(args) });
  const app = createHttpApp(deps);
  const live = await createLiveVoiceParts(config, guards, logger);
  const liveSockets: LiveVoiceSocket[] = [];

  return {
    app,
    turns,
    guards: guards.byName(),
    backups,
    attach(server) {
      const socket = attachLiveVoice(server, {
        app,
        signingSecret: secret,
        identity: { accounts, requireAuthentication: config.requireAuthentication },
        corsOrigins: config.corsOrigins,
        rateLimitPerMinute: config.rateLimitPerMinute,
        defaultTimezone: config.defaultTimezone,
        limits: live.limits,
        logger,
        ...(deps.rateLimitStore ? { rateLimitStore: deps.rateLimitStore } : {}),
        call: {
          pipeline: new VoicePipeline({ turns, speech, sessions, audioStore, logger, maxMessageChars: config.maxMessageChars }),
          sessions,
          turns,
          vad: live.vad,
          openRecognition: live.openRecognition,
          assertCanTranscribe: () => speech.assertCanTranscribe(),
          // Several instances share PostgreSQL: a conversation's call is held across all of them, like its turns (the gate above).
          ...(persistence.kind === "postgres" ? { leases: new SharedCallLeases(lock, logger) } : {}),
        },
      });
      liveSockets.push(socket);
      return socket;
    },
    runJob: (name) => jobs.runNow(name),
    threadBytes: (threadId) => threads.storedBytes(threadId),
    async close({ stopHttp } = {}) {
      accepting = false;
      // Live calls cannot finish "in flight" like a request: they are told and closed first.
      for (const socket of liveSockets) socket.close();
      const jobsStopped = jobs.stop(); // no new runs from here; a run in progress finishes
      await stopHttp?.();
      await jobsStopped;
      await turns.drain();
      await conversationIndex.close();
      await memoryWriter?.stop();
      guards.shutdown();
      await memory.close();
      await live.vad.close?.();
      await threads.close();
      await persistence.close();
      conversationDb.close();
      await redis?.quit();
    },
  };
}
