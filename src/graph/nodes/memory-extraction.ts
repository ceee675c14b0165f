import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { GraphDeps } from "../deps.js";
import { turnUserText } from "../messages.js";
import type { RoseStateType, RoseStateUpdate } from "../state.js";

/**
 * Recalls what Rose already knows that bears on the newest message. The recalled memories feed both the
 * prompt (context_injection) and the write-side analysis (memory_injection), which dedupes against them.
 * The LLM analysis itself runs after the reply (memory_injection) so it never delays the first token.
 */
export function createMemoryExtractionNode({ memory, memoryTopK, logger, metrics }: GraphDeps) {
  return async function memoryExtraction(state: RoseStateType, _config?: LangGraphRunnableConfig): Promise<RoseStateUpdate> {
    const query = turnUserText(state);
    if (!query.trim()) return { memories: [] };
    try {
      const hits = await memory.search(state.userId, query, { limit: memoryTopK, context: state.summary, timeZone: state.timezone });
      metrics?.memoryOperations.inc({ operation: "recall", outcome: hits.length > 0 ? "hit" : "none" });
      // The episode around the best hits ("…and what did she say?" answered in the next turn) rides along with them.
      const episodes = (await memory.episodeContext?.(state.userId, hits)) ?? new Map<string, Array<{ text: string }>>();
      return {
        memories: hits.map(({ memory: m }) => {
          const around = episodes.get(m.id);
          return { id: m.id, text: around ? `${m.text} (in the same conversation: ${around.map((n) => n.text).join(" / ")})` : m.text };
        }),
      };
    } catch (error) {
      metrics?.memoryOperations.inc({ operation: "recall", outcome: "failed" });
      // A memory store outage must not cost the person their reply: answer without memories.
      logger.warn("memory recall failed; replying without memories", { error: (error as Error).message });
      return { memories: [] };
    }
  };
}
