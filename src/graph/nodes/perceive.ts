import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { speechStyleFor } from "../../modules/companion/tone.js";
import { perceive } from "../../modules/perception/perceive.js";
import type { GraphDeps } from "../deps.js";
import { emitterFrom } from "../events.js";
import { turnUserText } from "../messages.js";
import type { RoseStateType, RoseStateUpdate } from "../state.js";

const DEFAULT_PERCEPTION_TIMEOUT_MS = 1_500;

/**
 * Runs beside memory_extraction, before the reply: reads how the person feels (the small model, the
 * offline lexicon when it does not answer), whether they may be in crisis (rules always, the model too)
 * or sincerely ask if Rose is an AI, and loads the companion they chose with her state for them.
 */
export function createPerceiveNode({ llm, companion, logger, metrics, perceptionTimeoutMs = DEFAULT_PERCEPTION_TIMEOUT_MS }: GraphDeps) {
  return async function perceiveNode(state: RoseStateType, config?: LangGraphRunnableConfig): Promise<RoseStateUpdate> {
    const message = turnUserText(state);
    const [perception, turnCompanion] = await Promise.all([
      perceive(llm.small, message, {
        timeoutMs: perceptionTimeoutMs,
        ...(config?.signal ? { signal: config.signal } : {}),
        onFallback: (error) => logger.info("the small model did not read the feeling; using the offline lexicon", { error: error.message }),
      }),
      // Her state is a nicety, the reply is not: a store that fails leaves the turn with the default character.
      companion
        ? companion.forTurn(state.userId, state.sessionId, state.timezone).catch((error: Error) => {
            logger.warn("could not load the companion's state; answering as the default character", { error: error.message });
            return null;
          })
        : Promise.resolve(null),
    ]);
    if (perception.crisis) metrics?.crisisTurns.inc({ kind: perception.crisis, detector: perception.crisisSource ?? "rules" });
    const speechStyle = speechStyleFor(perception, turnCompanion?.speakingRate ?? 1, turnCompanion?.voices ?? {});
    emitterFrom(config)({ type: "perceived", emotion: perception.emotion, intensity: perception.intensity, crisis: perception.crisis !== null, speechStyle });
    return { perception, companion: turnCompanion };
  };
}
