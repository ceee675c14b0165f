import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import { instantiate } from "../../core/providers.js";
import type { ProviderGuards } from "../../core/resilience/guards.js";
import { Speech, speechChain } from "./speech.js";
import type { SpeechToText, TextToSpeech } from "./types.js";

const NO_STT = "set GROQ_API_KEY for Groq Whisper, or OPENAI_BASE_URL (and OPENAI_API_KEY if needed) with STT_PROVIDER=openai for an OpenAI-compatible server";

/** The parts of a Speech, built by hand (tests) or from the configuration. */
export function buildSpeech(parts: { stt: SpeechToText[]; sttMissing?: string; tts: TextToSpeech[] }, guards: ProviderGuards, logger: Logger): Speech {
  const describe = (providers: Array<SpeechToText | TextToSpeech>) =>
    providers.map((p) => `${p.provider}${p.model ? ` (${p.model})` : ""}`).join(", then ") || "none";
  logger.info("speech configured", { stt: describe(parts.stt), tts: describe(parts.tts) });
  // Only the first voice's streaming is used: a fallback voice speaks sentence by sentence.
  const primary = parts.tts[0];
  const ttsStream = primary?.openInputStream ? { provider: primary, guard: guards.guard(`tts_stream:${primary.provider}`, "tts") } : null;
  if (ttsStream) logger.info("speech streams replies as they are written", { tts: primary!.provider });
  return new Speech(
    {
      stt: speechChain("stt", parts.stt, guards, logger),
      sttMissing: parts.sttMissing ?? NO_STT,
      tts: speechChain("tts", parts.tts, guards, logger),
      ttsStream,
    },
    logger,
  );
}

/** Builds the configured recognisers and voices; either may be absent and the service still boots. */
export function createSpeech(config: Config, guards: ProviderGuards, logger: Logger): Speech {
  const stt = instantiate(config.speech.stt, undefined);
  const tts = instantiate(config.speech.tts, undefined, (id) =>
    logger.info(`${id} is not installed: it will not stand in when the configured voice fails`, { provider: id }),
  );
  return buildSpeech({ stt, sttMissing: NO_STT, tts }, guards, logger);
}
