import type { CapabilitySpec } from "../../../core/providers.js";
import type { TextToSpeech } from "../types.js";
import { elevenLabsTts } from "./elevenlabs.js";
import { espeakTts } from "./espeak.js";
import { openAiTts } from "./openai-speech.js";

/**
 * Speech synthesis providers, one line each, in the order they are picked when TTS_PROVIDER(S) names
 * none: ElevenLabs when its key is set, else espeak-ng. A new voice is its file plus a line here.
 */
export const TTS_PROVIDERS = [elevenLabsTts, openAiTts, espeakTts] as const;

export const TTS_CAPABILITY: CapabilitySpec<TextToSpeech, void> = {
  label: "speech synthesis",
  listVariable: "TTS_PROVIDERS",
  singleVariable: "TTS_PROVIDER",
  providers: TTS_PROVIDERS,
  allowsNone: true,
  // Without an explicit TTS_PROVIDERS list, espeak-ng (when installed) speaks whenever the chosen voice cannot: Rose is never silent.
  lastResort: ["espeak"],
};
