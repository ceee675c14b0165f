import { isHumanMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { localMoment } from "../../modules/character/activity.js";
import { systemPrompt } from "../../modules/character/prompts.js";
import { clientInstructionsSection } from "../../modules/character/client-instructions.js";
import { crisisCareSection } from "../../modules/care/care-prompt.js";
import { BUILT_IN_RESOURCES } from "../../modules/care/crisis-resources.js";
import { toneGuidance } from "../../modules/companion/tone.js";
import type { GraphDeps } from "../deps.js";
import { perceptionInFlightFrom } from "../perception-in-flight.js";
import type { RoseStateType, RoseStateUpdate } from "../state.js";

export const IMAGE_NOTE = "The person asked for a picture. You cannot send images yet: paint it for them in a few vivid words instead.";

/**
 * Builds the system prompt: Rose's rules, the character card (fenced, below the rules), her mood and
 * bond with the person, tone guidance from their feeling, crisis care when they may be in danger,
 * recalled memories, running summary, the person's local time and the character's activity.
 */
export function createContextInjectionNode({ character, companion, now = () => new Date() }: GraphDeps) {
  return async function contextInjection(state: RoseStateType, config?: LangGraphRunnableConfig): Promise<RoseStateUpdate> {
    const turn = state.companion;
    const card = turn && companion ? await companion.cardFor(state.userId, turn.characterId) : character;
    // A spoken turn's model reading, if it came while her memories were being recalled (it is never waited for here).
    const perception = perceptionInFlightFrom(config)?.soFar ?? state.perception;
    const prompt = systemPrompt({
      card,
      moment: localMoment(now(), state.timezone, card.daily_rhythm),
      summary: state.summary,
      memories: state.memories.map((m) => m.text),
      spoken: state.route === "audio",
      callMe: turn?.callMe ?? null,
      companion: turn?.mood ?? null,
      tone: perception ? toneGuidance(perception) : null,
      care: perception?.crisis ? crisisCareSection(perception.crisis, turn?.resources ?? BUILT_IN_RESOURCES.forPerson(null, state.timezone)) : null,
      asksIfAi: perception?.asksIfAi ?? false,
      // Only until the person has said anything (the thread holds at most her opener): their first message answers it.
      opener: turn?.opener && !state.messages.some(isHumanMessage) ? turn.opener : null,
    });
    const withImageNote = state.route === "image" ? `${prompt}\n\n${IMAGE_NOTE}` : prompt;
    // A client's own system prompt (the OpenAI-compatible API) comes last, fenced and beneath Rose's rules.
    const clientSection = clientInstructionsSection(state.clientInstructions);
    return { systemPrompt: clientSection ? `${withImageNote}\n\n${clientSection}` : withImageNote, perception };
  };
}
