import { setTimeout as sleep } from "node:timers/promises";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { GraphDeps } from "../deps.js";
import { emitterFrom } from "../events.js";
import { turnUserText } from "../messages.js";
import type { RoseStateType, RoseStateUpdate } from "../state.js";

const DEFAULT_WRITE_WAIT_MS = 8_000;
const STILL_WRITING = Symbol("still writing");

/**
 * Hands the newest message to the memory writer, which decides (small model) whether it holds something
 * worth remembering and stores it for this user. Runs after the reply was delivered, so the person never
 * waits for it; the writer's durable outbox retries it if a provider or the store is down, and the turn
 * runner makes the user's next turn wait for it, so a fact told in turn N is recalled in turn N+1.
 * The wait is bounded: a hung small model must not hold the conversation's next turn for minutes, and the
 * write goes on (and is retried from the outbox) without it.
 */
export function createMemoryInjectionNode({ memoryWriter, companion, logger, memoryWriteWaitMs = DEFAULT_WRITE_WAIT_MS }: GraphDeps) {
  return async function memoryInjection(state: RoseStateType, config?: LangGraphRunnableConfig): Promise<RoseStateUpdate> {
    const emit = emitterFrom(config);
    const message = turnUserText(state);
    if (!message.trim()) return {};
    // What the exchange leaves behind is also in her: mood, energy and the bond with this person move on.
    const remembered =
      state.companion && state.perception && companion
        ? companion.recordExchange(state.userId, state.companion.characterId, state.timezone, message, state.perception)
        : null;
    await remembered?.catch((error: Error) => logger.warn("could not save the companion's state after the exchange", { error: error.message }));
    const writing = memoryWriter.submit({
      userId: state.userId,
      sessionId: state.sessionId,
      message,
      recalledIds: state.memories.map((m) => m.id),
      timeZone: state.timezone,
    });
    const waited = new AbortController();
    const result = await Promise.race([writing, sleep(memoryWriteWaitMs, STILL_WRITING, { signal: waited.signal })]).finally(() => waited.abort());
    if (result === STILL_WRITING) {
      logger.warn("memory write still running; the conversation moves on without waiting for it", { wait_ms: memoryWriteWaitMs });
      emit({ type: "memory", status: "pending" });
      return {};
    }
    if (!result) emit({ type: "memory", status: "failed" });
    else if (result.status !== "nothing") {
      logger.info("memory stored", { outcome: result.status, memory_type: result.memory.type });
      emit({ type: "memory", status: result.status, text: result.memory.text });
    }
    return {};
  };
}
