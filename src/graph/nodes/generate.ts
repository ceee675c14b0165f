import { AIMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { newId } from "../../core/ids.js";
import { APOLOGY_REPLY } from "../../modules/character/prompts.js";
import type { GraphDeps } from "../deps.js";
import { emitterFrom } from "../events.js";
import type { RoseStateType, RoseStateUpdate } from "../state.js";

/**
 * Streams Rose's reply, token by token, to whoever is listening. If the chat model cannot answer, Rose
 * says a short in-character apology instead so the turn still completes and is checkpointed.
 * The person's pending message and the reply join the thread in this one update, so the checkpoint
 * written after this step is the first to hold either: a turn is all or nothing.
 */
export function createGenerateNode({ llm, logger }: GraphDeps) {
  return async function generate(state: RoseStateType, config?: LangGraphRunnableConfig): Promise<RoseStateUpdate> {
    const emit = emitterFrom(config);
    const pending = state.pendingUserMessage;
    const asked = pending ? [new HumanMessage({ content: pending.content, id: pending.id })] : [];
    const prompt = [new SystemMessage(state.systemPrompt), ...state.messages, ...asked];
    // The reply's id lets the turn runner recognise the checkpoint that holds it.
    const replyId = newId();
    const answer = (text: string, fallback: boolean): RoseStateUpdate => {
      emit({ type: "reply", text, fallback, route: state.route, memoriesUsed: state.memories.length, messageId: replyId });
      return { messages: [...asked, new AIMessage({ content: text, id: replyId })], pendingUserMessage: null, replyFallback: fallback };
    };
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
      return answer(reply, false);
    } catch (error) {
      if (config?.signal?.aborted) throw error;
      logger.error("chat model failed; answering with the fallback reply", { error: (error as Error).message, tokens_streamed: streamed });
      // Tokens already shown are superseded by the full fallback text in the reply event.
      emit({ type: "token", text: streamed > 0 ? ` ${APOLOGY_REPLY}` : APOLOGY_REPLY });
      return answer(APOLOGY_REPLY, true);
    }
  };
}
