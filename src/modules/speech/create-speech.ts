import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import type { ProviderGuard } from "../../core/resilience/provider-guard.js";
import { Speech, type SpeechProviders } from "./speech.js";
import { groqTranscriber, openAiTranscriber } from "./stt/whisper-api.js";
import { ElevenLabsSpeech } from "./tts/elevenlabs.js";
import { EspeakSpeech } from "./tts/espeak.js";
import { OPENAI_TTS_DEFAULTS, OpenAiSpeech } from "./tts/openai-speech.js";
import type { SpeechToText, TextToSpeech } from "./types.js";

const NO_STT = "set GROQ_API_KEY for Groq Whisper, or OPENAI_BASE_URL (and OPENAI_API_KEY if needed) with STT_PROVIDER=openai for an OpenAI-compatible server";

function speechToText(config: Config): Pick<SpeechProviders, "stt" | "sttMissing"> {
  const { groq, openai } = config.llm;
  const model = config.speech.sttModel;
  switch (config.speech.sttProvider) {
    case "groq":
      // Config validation guarantees the key when STT_PROVIDER=groq, and only picks groq by default when it is set.
      return groq.apiKey ? { stt: groqTranscriber({ apiKey: groq.apiKey, baseUrl: groq.baseUrl, model }), sttMissing: "" } : { stt: null, sttMissing: "STT_PROVIDER=groq needs GROQ_API_KEY" };
    case "openai":
      return openai.apiKey || openai.baseUrl
        ? { stt: openAiTranscriber({ apiKey: openai.apiKey, baseUrl: openai.baseUrl, model }), sttMissing: "" }
        : { stt: null, sttMissing: "STT_PROVIDER=openai needs OPENAI_BASE_URL or OPENAI_API_KEY" };
    case "none":
      return { stt: null, sttMissing: NO_STT };
  }
}

function textToSpeech(config: Config, logger: Logger): TextToSpeech | null {
  const { speech, llm } = config;
  switch (speech.ttsProvider) {
    case "elevenlabs":
      return new ElevenLabsSpeech({ apiKey: speech.elevenlabs.apiKey ?? "", baseUrl: speech.elevenlabs.baseUrl, voiceId: speech.elevenlabs.voiceId, model: speech.elevenlabs.model });
    case "openai":
      if (!llm.openai.apiKey && !llm.openai.baseUrl) {
        logger.warn("TTS_PROVIDER=openai needs OPENAI_BASE_URL or OPENAI_API_KEY; replies will be text only");
        return null;
      }
      return new OpenAiSpeech({
        apiKey: llm.openai.apiKey,
        baseUrl: llm.openai.baseUrl,
        model: speech.ttsModel ?? OPENAI_TTS_DEFAULTS.model,
        voice: speech.ttsVoice ?? OPENAI_TTS_DEFAULTS.voice,
      });
    case "espeak":
      return new EspeakSpeech(speech.ttsVoice);
    case "none":
      return null;
  }
}

/** Builds the configured recogniser and voice; either may be absent and the service still boots. */
export function createSpeech(config: Config, guards: { stt: ProviderGuard; tts: ProviderGuard }, logger: Logger): Speech {
  const providers: SpeechProviders = { ...speechToText(config), tts: textToSpeech(config, logger) };
  const describe = (p: SpeechToText | TextToSpeech | null) => (p ? `${p.provider}${p.model ? ` (${p.model})` : ""}` : "none");
  logger.info("speech configured", { stt: describe(providers.stt), tts: describe(providers.tts) });
  return new Speech(providers, guards, logger);
}
