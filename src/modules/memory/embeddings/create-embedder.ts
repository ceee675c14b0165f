import { join } from "node:path";
import type { Config } from "../../../core/config.js";
import type { Logger } from "../../../core/logger.js";
import type { ProviderGuard } from "../../../core/resilience/provider-guard.js";
import { GuardedEmbedder } from "./guarded-embedder.js";
import { LexicalHashEmbedder } from "./lexical-embedder.js";
import { OpenAiEmbedder } from "./openai-embedder.js";
import { TransformersEmbedder } from "./transformers-embedder.js";
import type { Embedder } from "./types.js";

/**
 * The configured embedder. `local` tries the real sentence-transformer; when it cannot be had (no
 * internet and no cached weights) Rose keeps working on the lexical fallback and says so loudly.
 */
export async function createEmbedder(config: Config, guard: ProviderGuard, logger: Logger): Promise<Embedder> {
  if (config.memory.embeddingsProvider === "openai") {
    const model = config.memory.embeddingsModel ?? "text-embedding-3-small";
    return new GuardedEmbedder(new OpenAiEmbedder({ apiKey: config.memory.openai.apiKey, baseUrl: config.memory.openai.baseUrl, model }), guard);
  }
  try {
    return await TransformersEmbedder.load(join(config.dataDir, "models"), logger);
  } catch (error) {
    const fallback = new LexicalHashEmbedder();
    logger.warn(
      "FALLBACK: the local embedding model could not be loaded, so long-term memory uses the lexical hashing embedder (word overlap, no synonyms). " +
        "Connect to the internet once (or copy the model into DATA_DIR/models), restart, then run `npm run memory:reembed` to upgrade stored memories.",
      { model: "sentence-transformers/all-MiniLM-L6-v2", fallback: fallback.id, reason: (error as Error).message },
    );
    return fallback;
  }
}
