import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";
import { withDeadline } from "../../core/resilience/deadline.js";
import type { LanguageModel } from "../llm/language-model.js";
import { asksIfAiOffline, CRISIS_KINDS, type CrisisKind, detectCrisisOffline } from "./crisis-rules.js";
import { readEmotionOffline } from "./emotion-lexicon.js";
import { EMOTIONS, type EmotionReading } from "./emotions.js";

/** What Rose notices about the person's message, each turn, before she answers. */
export interface Perception extends EmotionReading {
  /** Where the emotion came from: the small model, or the offline lexicon when no model answered. */
  source: "model" | "lexicon";
  /** A crisis the message speaks of (rules or model), else null. */
  crisis: CrisisKind | null;
  crisisSource: "rules" | "model" | null;
  /** The person sincerely asks whether Rose is a human or an AI. */
  asksIfAi: boolean;
}

// Benign values first: a model (or the simulator) that answers with the first choice reads "calm, no crisis".
export const perceptionSchema = z.object({
  emotion: z.enum(EMOTIONS).describe("the main feeling the person expresses in their latest message"),
  intensity: z.number().min(0).max(1).describe("0 barely there .. 1 overwhelming"),
  crisis: z
    .enum(["none", ...CRISIS_KINDS])
    .describe("suicide: thoughts of ending their life; self_harm; abuse: they are being harmed by someone; medical: an emergency now; none otherwise"),
  asks_if_ai: z.boolean().describe("true only if the person sincerely asks whether they are talking to a human or an AI"),
});

export const PERCEPTION_PROMPT = `You read the feelings in the person's latest message to a companion.
Choose the main emotion from the list and how intense it is (0 to 1).
Flag a crisis only when the person themselves is at risk now: thoughts of suicide, self-harm, being harmed by someone, or a medical emergency. Figures of speech ("this traffic is killing me", "I could die of embarrassment"), song lyrics, fiction and news are "none".
asks_if_ai is true only for a sincere question about whether they are talking to a human.`;

/** The lexicon and the rules alone: what Rose notices when no model answers. */
export function perceiveOffline(message: string): Perception {
  const crisis = detectCrisisOffline(message);
  return { ...readEmotionOffline(message), source: "lexicon", crisis, crisisSource: crisis ? "rules" : null, asksIfAi: asksIfAiOffline(message) };
}

/**
 * The small model reads the feeling (structured output); the rules run always, and a crisis either of
 * them sees counts: a missed crisis costs far more than a gentle word too many. The model gets a short
 * time limit, since the reply waits for it; past it, or when it fails, the offline reading stands.
 */
export async function perceive(
  model: LanguageModel | null,
  message: string,
  options: { timeoutMs: number; signal?: AbortSignal; onFallback?: (error: Error) => void },
): Promise<Perception> {
  const offline = perceiveOffline(message);
  if (!model || !message.trim()) return offline;
  try {
    const reading = await withDeadline(options.timeoutMs, options.signal, (signal) =>
      model.structured(perceptionSchema, "perception").invoke([new SystemMessage(PERCEPTION_PROMPT), new HumanMessage(message)], { signal }),
    );
    const modelCrisis = reading.crisis === "none" ? null : reading.crisis;
    const crisis = offline.crisis ?? modelCrisis;
    // A model that reads nothing in "I'm so nervous" missed it: an explicit feeling word is never hidden by a neutral reading.
    const modelSawNothing = reading.emotion === "neutral" || reading.intensity < 0.1;
    const feeling =
      modelSawNothing && offline.emotion !== "neutral" ? { emotion: offline.emotion, intensity: offline.intensity, source: "lexicon" as const } : null;
    return {
      emotion: feeling?.emotion ?? reading.emotion,
      intensity: feeling?.intensity ?? Math.round(reading.intensity * 100) / 100,
      source: feeling?.source ?? "model",
      crisis,
      crisisSource: offline.crisis ? "rules" : modelCrisis ? "model" : null,
      asksIfAi: offline.asksIfAi || reading.asks_if_ai,
    };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    options.onFallback?.(error as Error);
    return offline;
  }
}
