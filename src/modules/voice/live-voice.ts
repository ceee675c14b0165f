import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import { instantiate } from "../../core/providers.js";
import type { ProviderGuards } from "../../core/resilience/guards.js";
import { DEFAULT_LIVE_LIMITS, type LiveCallLimits, type OpenRecognition } from "./live-call.js";
import { loadVoiceActivity, type VoiceActivityModel } from "./vad.js";

/**
 * The live call's building blocks from the configuration: the voice detector (loaded once, shared by
 * every call) and the streaming recognisers, each opened through its own guard ("stt_live:deepgram":
 * breaker, attempt timeout, retries), the next one standing in when one cannot open.
 */
export interface LiveVoiceParts {
  vad: VoiceActivityModel;
  openRecognition: OpenRecognition;
  limits: LiveCallLimits;
  /** Names of the live recognisers, for the start-up log. */
  recognizers: string[];
}

export async function createLiveVoiceParts(config: Config, guards: ProviderGuards, logger: Logger): Promise<LiveVoiceParts> {
  const vad = await loadVoiceActivity(logger, config.voiceLive.vad);
  const recognizers = instantiate(config.voiceLive.streamingStt, undefined).map((provider) => ({
    provider,
    guard: guards.guard(`stt_live:${provider.provider}`, "stt"),
  }));
  const limits: LiveCallLimits = { ...DEFAULT_LIVE_LIMITS, endOfTurnMs: config.voiceLive.endOfTurnMs, idleMs: config.voiceLive.idleMs };
  const openRecognition: OpenRecognition = (handlers) => {
    if (recognizers.length === 0) return null;
    return (async () => {
      let lastError: unknown;
      for (const { provider, guard } of recognizers) {
        try {
          // Opening is retried like any transient failure; a stream that breaks mid-call is not reopened (the call falls back).
          return await guard.run((signal) => provider.open({ sampleRate: 16_000, endOfSpeechMs: Math.min(limits.endOfTurnMs, 500) }, handlers, signal));
        } catch (error) {
          lastError = error;
          logger.warn("live recognition could not open", { provider: provider.provider, error: (error as Error).message });
        }
      }
      throw lastError;
    })();
  };
  logger.info("live voice configured", {
    vad: vad.name,
    live_stt: recognizers.map((r) => r.provider.provider).join(", ") || "none (utterances go to batch recognition)",
    end_of_turn_ms: limits.endOfTurnMs,
  });
  return { vad, openRecognition, limits, recognizers: recognizers.map((r) => r.provider.provider) };
}
