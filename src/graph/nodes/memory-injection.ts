import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { GraphDeps } from "../deps.js";
import { emitterFrom } from "../events.js";
import { latestUserText } from "../messages.js";
import type { RoseStateType, RoseStateUpdate } from "../state.js";

/**
 * Hands the newest message to the memory writer, which decides (small model) whether it holds something
 * worth remembering and stores it for this user. Runs after the reply was delivered, so the person never
 * waits for it; the writer's durable outbox retries it if a provider or the store is down, and the turn
 * runner makes the user's next turn wait for it, so a fact told in turn N is recalled in turn N+1.
 */
export function createMemoryInjectionNode({ memoryWriter, logger }: GraphDeps) {
  return async function memoryInjection(state: RoseStateType, config?: LangGraphRunnableConfig): Promise<RoseStateUpdate> {
    const emit = emitterFrom(config);
    const message = latestUserText(state.messages);
    if (!message.trim()) return {};
    const result = await memoryWriter.submit({ userId: state.userId, sessionId: state.sessionId, message, recalledIds: state.memories.map((m) => m.id) });
    if (!result) emit({ type: "memory", status: "failed" });
    else if (result.status !== "nothing") {
      logger.info("memory stored", { outcome: result.status, memory_type: result.memory.type });
      emit({ type: "memory", status: result.status, text: result.memory.text });
    }
    return {};
  };
}
