import { join } from "node:path";
import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import type { ProviderGuard } from "../../core/resilience/provider-guard.js";
import { createEmbedder } from "./embeddings/create-embedder.js";
import { LongTermMemory } from "./long-term-memory.js";
import { SqliteVecMemoryStore } from "./sqlite-vec-store.js";
import type { MemoryStore } from "./store.js";

/** The configured long-term memory: embedded sqlite-vec store by default, Qdrant when QDRANT_URL is set. */
export async function createLongTermMemory(
  config: Config,
  guards: { embeddings: ProviderGuard; vectorStore: ProviderGuard },
  logger: Logger,
): Promise<LongTermMemory> {
  const embedder = await createEmbedder(config, guards.embeddings, logger);
  let store: MemoryStore;
  if (config.memory.qdrantUrl) {
    const { QdrantMemoryStore } = await import("./qdrant-store.js");
    store = new QdrantMemoryStore({ url: config.memory.qdrantUrl, apiKey: config.memory.qdrantApiKey, dimensions: embedder.dimensions }, guards.vectorStore);
  } else {
    store = new SqliteVecMemoryStore(join(config.dataDir, "long_term_memory.db"), embedder.dimensions);
  }
  logger.info("long-term memory ready", { store: store.name, embedder: embedder.id });
  return new LongTermMemory(store, embedder);
}
