/**
 * `npm run memory:reembed`: re-embeds every long-term memory whose vector was written by another
 * embedder (typically the offline lexical fallback, once the real model could be downloaded).
 */
import { ConfigError, loadConfig } from "../core/config.js";
import { createLogger } from "../core/logger.js";
import { guardsFromConfig } from "../core/resilience/guards.js";
import { createLongTermMemory } from "../modules/memory/create-memory.js";

try {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const guards = guardsFromConfig(config, logger);
  const memory = await createLongTermMemory(config, { embeddings: guards.embeddings, vectorStore: guards.vector_store }, logger);
  const count = await memory.reembed();
  logger.info(`re-embedded ${count} memories with ${memory.embedder.id}`);
  await memory.close();
  for (const guard of Object.values(guards)) guard.shutdown();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
}
