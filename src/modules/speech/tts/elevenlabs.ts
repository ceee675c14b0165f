import { ElevenLabsClient } from "@elevenlabs/elevenlabs-js";
import type { SynthesizedSpeech, TextToSpeech } from "../types.js";

/** 44.1 kHz / 128 kbps MP3: plays in every browser and is available on every ElevenLabs plan. */
const OUTPUT_FORMAT = "mp3_44100_128";

/**
 * ElevenLabs through its streaming endpoint (`/v1/text-to-speech/:voice/stream`): the first bytes
 * arrive while the rest is still being synthesized.
 */
export class ElevenLabsSpeech implements TextToSpeech {
  readonly provider = "elevenlabs";
  private readonly client: ElevenLabsClient;

  constructor(private readonly options: { apiKey: string; baseUrl?: string; voiceId: string; model: string }) {
    // Retries belong to the provider guard; the guard's signal bounds each attempt.
    this.client = new ElevenLabsClient({ apiKey: options.apiKey, maxRetries: 0, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) });
  }

  get model(): string {
    return this.options.model;
  }

  async synthesize(text: string, signal: AbortSignal): Promise<SynthesizedSpeech> {
    const stream = await this.client.textToSpeech.stream(
      this.options.voiceId,
      { text, modelId: this.options.model, outputFormat: OUTPUT_FORMAT },
      { abortSignal: signal, maxRetries: 0 },
    );
    return { mime: "audio/mpeg", stream };
  }

  /** The model list: free, and readable by keys restricted to text to speech. */
  async probe(signal: AbortSignal): Promise<void> {
    await this.client.models.list({ abortSignal: signal, maxRetries: 0 });
  }
}
