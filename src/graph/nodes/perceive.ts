import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { speechStyleFor } from "../../modules/companion/tone.js";
import { type Perception, perceive, perceiveOffline } from "../../modules/perception/perceive.js";
import type { TurnCompanion } from "../../modules/companion/companion.js";
import type { GraphDeps } from "../deps.js";
import { emitterFrom } from "../events.js";
import { perceptionInFlightFrom } from "../perception-in-flight.js";
import { turnUserText } from "../messages.js";
import type { RoseStateType, RoseStateUpdate } from "../state.js";

const DEFAULT_PERCEPTION_TIMEOUT_MS = 1_500;

/**
 * Runs beside memory_extraction, before the reply: reads how the person feels (the small model, the
 * offline lexicon when it does not answer), whether they may be in crisis (rules always, the model too)
 * or sincerely ask if Rose is an AI, and loads the companion they chose with her state for them. A
 * spoken turn does not wait for the model: it starts on the offline reading, and the model's is followed
 * as it arrives (PerceptionInFlight); a written one waits for it (within PERCEPTION_TIMEOUT_MS).
 */
export function createPerceiveNode({ llm, companion, logger, metrics, perceptionTimeoutMs = DEFAULT_PERCEPTION_TIMEOUT_MS }: GraphDeps) {
  return async function perceiveNode(state: RoseStateType, config?: LangGraphRunnableConfig): Promise<RoseStateUpdate> {
    const message = turnUserText(state);
    const emit = emitterFrom(config);
    const reading = perceive(llm.small, message, {
      timeoutMs: perceptionTimeoutMs,
      ...(config?.signal ? { signal: config.signal } : {}),
      onFallback: (error) => logger.info("the small model did not read the feeling; using the offline lexicon", { error: error.message }),
    });
    // Her state is a nicety, the reply is not: a store that fails leaves the turn with the default character.
    const loading = companion
      ? companion.forTurn(state.userId, state.sessionId, state.timezone).catch((error: Error) => {
          logger.warn("could not load the companion's state; answering as the default character", { error: error.message });
          return null;
        })
      : Promise.resolve(null);
    const noticed = (perception: Perception, turnCompanion: TurnCompanion | null) =>
      emit({
        type: "perceived",
        emotion: perception.emotion,
        intensity: perception.intensity,
        crisis: perception.crisis !== null,
        speechStyle: speechStyleFor(perception, turnCompanion?.speakingRate ?? 1, turnCompanion?.voices ?? {}),
      });
    const counted = (perception: Perception) => {
      if (perception.crisis) metrics?.crisisTurns.inc({ kind: perception.crisis, detector: perception.crisisSource ?? "rules" });
    };

    // A spoken reply starts on the offline reading; the model's follows it (see PerceptionInFlight).
    const inFlight = state.forcedRoute === "audio" ? perceptionInFlightFrom(config) : null;
    if (inFlight) {
      inFlight.follow(reading);
      const turnCompanion = await loading;
      const quick = inFlight.soFar ?? perceiveOffline(message);
      noticed(quick, turnCompanion);
      void inFlight.final().then((late) => {
        counted(late ?? quick);
        if (late && late !== quick) noticed(late, turnCompanion); // her voice follows from the next sentence
      });
      return { perception: quick, companion: turnCompanion };
    }

    const [perception, turnCompanion] = await Promise.all([reading, loading]);
    counted(perception);
    noticed(perception, turnCompanion);
    return { perception, companion: turnCompanion };
  };
}
