import type { CapabilitySpec } from "../../../core/providers.js";
import type { SpeechToText } from "../types.js";
import { groqStt, openAiStt } from "./whisper-api.js";

/**
 * Speech recognition providers, one line each. Without STT_PROVIDER(S), every one whose credentials
 * are set serves, in this order: Groq Whisper, then the OpenAI-compatible recogniser standing in for
 * it. A new recogniser (a Deepgram) is its file plus a line here.
 */
export const STT_PROVIDERS = [groqStt, openAiStt] as const;

export const STT_CAPABILITY: CapabilitySpec<SpeechToText, void> = {
  label: "speech recognition",
  listVariable: "STT_PROVIDERS",
  singleVariable: "STT_PROVIDER",
  providers: STT_PROVIDERS,
  allowsNone: true,
  chainsConfigured: true,
};
