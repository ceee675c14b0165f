/**
 * `npm run memory:reembed`: re-embeds every long-term memory whose vector was written by another
 * embedder (typically the offline lexical fallback, once the real model could be downloaded).
 */
import { ConfigError, loadConfig } from "../core/config.js";
import { createLogger } from "../core/logger.js";
import { ProviderGuards } from "../core/resilience/guards.js";
import { createLongTermMemory } from "../modules/memory/create-memory.js";

try {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const guards = ProviderGuards.fromConfig(config, logger);
  const memory = await createLongTermMemory(
    config,
    { embeddings: guards.guard("embeddings", "memory"), vectorStore: guards.guard("vector_store", "memory") },
    logger,
  );
  const count = await memory.reembed();
  logger.info(`re-embedded ${count} memories with ${memory.embedder.id}`);
  await memory.close();
  guards.shutdown();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
}
