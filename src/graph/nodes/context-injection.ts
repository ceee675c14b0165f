import { localMoment } from "../../modules/character/activity.js";
import { systemPrompt } from "../../modules/character/prompts.js";
import { clientInstructionsSection } from "../../modules/character/client-instructions.js";
import type { GraphDeps } from "../deps.js";
import type { RoseStateType, RoseStateUpdate } from "../state.js";

export const IMAGE_NOTE = "The person asked for a picture. You cannot send images yet: paint it for them in a few vivid words instead.";

/** Builds the system prompt: character card, recalled memories, running summary, the person's local time and Rose's activity. */
export function createContextInjectionNode({ character, now = () => new Date() }: GraphDeps) {
  return function contextInjection(state: RoseStateType): RoseStateUpdate {
    const prompt = systemPrompt({
      card: character,
      moment: localMoment(now(), state.timezone),
      summary: state.summary,
      memories: state.memories.map((m) => m.text),
      spoken: state.route === "audio",
    });
    const withImageNote = state.route === "image" ? `${prompt}\n\n${IMAGE_NOTE}` : prompt;
    // A client's own system prompt (the OpenAI-compatible API) comes last, fenced and beneath Rose's rules.
    const clientSection = clientInstructionsSection(state.clientInstructions);
    return { systemPrompt: clientSection ? `${withImageNote}\n\n${clientSection}` : withImageNote };
  };
}
