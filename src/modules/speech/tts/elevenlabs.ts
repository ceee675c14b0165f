import { ElevenLabsClient } from "@elevenlabs/elevenlabs-js";
import { z } from "zod";
import { optionalString, url } from "../../../core/env-schema.js";
import { defineProvider } from "../../../core/providers.js";
import { providerErrorFrom, translatedStream } from "../../../core/resilience/provider-error.js";
import type { SynthesizedSpeech, TextToSpeech } from "../types.js";

/** 44.1 kHz / 128 kbps MP3: plays in every browser and is available on every ElevenLabs plan. */
const OUTPUT_FORMAT = "mp3_44100_128";

export interface ElevenLabsOptions {
  apiKey: string;
  baseUrl?: string;
  voiceId: string;
  model: string;
}

/**
 * ElevenLabs through its streaming endpoint (`/v1/text-to-speech/:voice/stream`): the first bytes
 * arrive while the rest is still being synthesized.
 */
export class ElevenLabsSpeech implements TextToSpeech {
  readonly provider = "elevenlabs";
  private readonly client: ElevenLabsClient;

  constructor(private readonly options: ElevenLabsOptions) {
    // Retries belong to the provider guard; the guard's signal bounds each attempt.
    this.client = new ElevenLabsClient({ apiKey: options.apiKey, maxRetries: 0, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) });
  }

  get model(): string {
    return this.options.model;
  }

  async synthesize(text: string, signal: AbortSignal): Promise<SynthesizedSpeech> {
    try {
      const stream = await this.client.textToSpeech.stream(
        this.options.voiceId,
        { text, modelId: this.options.model, outputFormat: OUTPUT_FORMAT },
        { abortSignal: signal, maxRetries: 0 },
      );
      return { mime: "audio/mpeg", stream: translatedStream(this.provider, stream) };
    } catch (error) {
      throw providerErrorFrom(this.provider, error);
    }
  }

  /** The model list: free, and readable by keys restricted to text to speech. */
  async probe(signal: AbortSignal): Promise<void> {
    await this.client.models.list({ abortSignal: signal, maxRetries: 0 });
  }
}

export const elevenLabsTts = defineProvider({
  id: "elevenlabs",
  env: () =>
    z
      .object({
        ELEVENLABS_API_KEY: optionalString,
        ELEVENLABS_BASE_URL: url.optional(),
        ELEVENLABS_VOICE_ID: z.string().default("21m00Tcm4TlvDq8ikWAM"),
        ELEVENLABS_MODEL: z.string().default("eleven_flash_v2_5"),
      })
      .transform((env) => ({
        apiKey: env.ELEVENLABS_API_KEY,
        baseUrl: env.ELEVENLABS_BASE_URL,
        voiceId: env.ELEVENLABS_VOICE_ID,
        model: env.ELEVENLABS_MODEL,
      })),
  missing: (s) => (s.apiKey ? null : "needs ELEVENLABS_API_KEY: set it, or use TTS_PROVIDER=espeak for offline speech"),
  autoSelect: (s) => s.apiKey !== undefined,
  create: (s): TextToSpeech => new ElevenLabsSpeech({ apiKey: s.apiKey!, voiceId: s.voiceId, model: s.model, ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}) }),
});
