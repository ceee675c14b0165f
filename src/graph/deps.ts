import type { Logger } from "../core/logger.js";
import type { Metrics } from "../core/metrics.js";
import type { CharacterCard } from "../modules/character/card.js";
import type { Companion } from "../modules/companion/companion.js";
import type { LanguageModel } from "../modules/llm/language-model.js";
import type { MemoryWriter } from "../modules/memory/memory-writer.js";
import type { MemoryService } from "../modules/memory/types.js";
import type { Pictures } from "../modules/images/pictures.js";

/** What the nodes need from the outside world, passed in once when the graph is compiled. */
export interface GraphDeps {
  /** Guarded, with providers standing in for each other: nodes just call them. */
  llm: { chat: LanguageModel; small: LanguageModel; vision?: LanguageModel | null };
  memory: MemoryService;
  memoryWriter: MemoryWriter;
  /** The default character, used when there is no companion layer (tests of single nodes). */
  character: CharacterCard;
  /** The companion layer: each person's character, her state with them, settings, crisis lines. */
  companion?: Companion;
  /** How long the reply waits for the small model to read the person's feeling before the lexicon stands in (default 1.5 s). */
  perceptionTimeoutMs?: number;
  logger: Logger;
  memoryTopK: number;
  /** How long a turn waits for its memory write before letting the thread move on (default 8 s). */
  memoryWriteWaitMs?: number;
  summary: { trigger: number; keep: number };
  now?: () => Date;
  metrics?: Metrics;
  /** The person's pictures (for a vision model) and Rose's (image generation); absent: a text-only turn. */
  pictures?: Pictures;
}
