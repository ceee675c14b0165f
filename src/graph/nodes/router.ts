import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { ROUTER_PROMPT } from "../../modules/character/prompts.js";
import type { GraphDeps } from "../deps.js";
import { turnUserText } from "../messages.js";
import { ROUTES, type RoseStateType, type RoseStateUpdate } from "../state.js";

const routeSchema = z.object({ response_type: z.enum(ROUTES).describe("how to answer the latest message") });

/**
 * Audio and image replies happen only on an explicit request, so a message that mentions none of these
 * words is a conversation without asking a model: one LLM round trip fewer on almost every turn.
 */
const EXPLICIT_MEDIA_REQUEST =
  /\b(voice (note|message|memo)|say (it|that|this)? ?(out )?loud|speak|read (it|that|this) (to me|aloud)|sing|picture|image|photo|draw|paint|sketch|show me)\b/i;

export function mightRequestMedia(text: string): boolean {
  return EXPLICIT_MEDIA_REQUEST.test(text);
}

export function createRouterNode({ llm, logger }: GraphDeps) {
  const classifier = llm.small.structured(routeSchema, "route_decision");

  return async function router(state: RoseStateType, config?: LangGraphRunnableConfig): Promise<RoseStateUpdate> {
    if (state.forcedRoute) return { route: state.forcedRoute };
    const text = turnUserText(state);
    if (!mightRequestMedia(text)) return { route: "conversation" };
    try {
      const decision = await classifier.invoke([new SystemMessage(ROUTER_PROMPT), new HumanMessage(text)], config?.signal ? { signal: config.signal } : {});
      return { route: decision.response_type };
    } catch (error) {
      logger.warn("router model failed; treating the turn as conversation", { error: (error as Error).message });
      return { route: "conversation" };
    }
  };
}
