import { AIMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { APOLOGY_REPLY } from "../../modules/character/prompts.js";
import type { GraphDeps } from "../deps.js";
import { emitterFrom } from "../events.js";
import type { RoseStateType, RoseStateUpdate } from "../state.js";

/**
 * Streams Rose's reply, token by token, to whoever is listening. If the chat model cannot answer, Rose
 * says a short in-character apology instead so the turn still completes and is checkpointed.
 */
export function createGenerateNode({ llm, logger }: GraphDeps) {
  return async function generate(state: RoseStateType, config?: LangGraphRunnableConfig): Promise<RoseStateUpdate> {
    const emit = emitterFrom(config);
    const prompt = [new SystemMessage(state.systemPrompt), ...state.messages];
    let streamed = 0;
    try {
      // Retries and fallback providers happen only before the first token: nothing reaches the person twice.
      const reply = await llm.chat.stream(prompt, {
        ...(config?.signal ? { signal: config.signal } : {}),
        onToken: (text) => {
          streamed++;
          emit({ type: "token", text });
        },
      });
      emit({ type: "reply", text: reply, fallback: false, route: state.route, memoriesUsed: state.memories.length });
      return { messages: [new AIMessage(reply)], replyFallback: false };
    } catch (error) {
      if (config?.signal?.aborted) throw error;
      logger.error("chat model failed; answering with the fallback reply", { error: (error as Error).message, tokens_streamed: streamed });
      // Tokens already shown are superseded by the full fallback text in the reply event.
      emit({ type: "token", text: streamed > 0 ? ` ${APOLOGY_REPLY}` : APOLOGY_REPLY });
      emit({ type: "reply", text: APOLOGY_REPLY, fallback: true, route: state.route, memoriesUsed: state.memories.length });
      return { messages: [new AIMessage(APOLOGY_REPLY)], replyFallback: true };
    }
  };
}
