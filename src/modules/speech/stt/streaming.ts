import type { CapabilitySpec } from "../../../core/providers.js";
import { deepgramLive } from "./deepgram-live.js";
import { openAiRealtime } from "./openai-realtime.js";
import type { StreamingSpeechToText } from "./streaming-types.js";

/**
 * Live (streaming) speech recognition providers, one line each. Without STREAMING_STT_PROVIDER(S),
 * every one whose credentials are set serves, in this order (OpenAI Realtime only when named: its key also
 * serves OpenAI-compatible servers that have no Realtime API). Without any, the live voice socket cuts
 * utterances with its own voice detection and sends each to the batch recogniser (Whisper).
 */
export const STREAMING_STT_PROVIDERS = [deepgramLive, openAiRealtime] as const;

export const STREAMING_STT_CAPABILITY: CapabilitySpec<StreamingSpeechToText, void> = {
  label: "live speech recognition",
  listVariable: "STREAMING_STT_PROVIDERS",
  singleVariable: "STREAMING_STT_PROVIDER",
  providers: STREAMING_STT_PROVIDERS,
  allowsNone: true,
  chainsConfigured: true,
};
