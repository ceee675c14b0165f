import { HumanMessage, RemoveMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { summaryPrompt } from "../../modules/character/prompts.js";
import type { GraphDeps } from "../deps.js";
import type { RoseStateType, RoseStateUpdate } from "../state.js";

const removeAll = (messages: BaseMessage[]) => messages.flatMap((m) => (m.id ? [new RemoveMessage({ id: m.id })] : []));

/**
 * Folds the older messages of a long thread into the running summary and keeps only the newest
 * SUMMARY_KEEP, so a thread's state (and every checkpoint of it) stays small however long it runs.
 */
export function createSummarizeNode({ llm, summary, logger }: GraphDeps) {
  return async function summarize(state: RoseStateType, config?: LangGraphRunnableConfig): Promise<RoseStateUpdate> {
    const older = state.messages.slice(0, -summary.keep);
    if (older.length === 0) return {};
    try {
      const response = await llm.small.invoke(
        [new SystemMessage("You write concise conversation summaries."), ...older, new HumanMessage(summaryPrompt(state.summary))],
        config?.signal ? { signal: config.signal } : {},
      );
      const text = response.trim();
      if (!text) throw new Error("empty summary");
      return { summary: text, messages: removeAll(older) };
    } catch (error) {
      logger.warn("summarization failed; will retry next turn", { error: (error as Error).message });
      // Bound the thread even if the small model stays down: past twice the trigger, drop the oldest.
      if (state.messages.length > summary.trigger * 2) return { messages: removeAll(older) };
      return {};
    }
  };
}
