import Groq from "groq-sdk";
import OpenAI from "openai";
import type { AudioClip, SpeechToText } from "../types.js";

/**
 * Whisper behind the OpenAI-style `/audio/transcriptions` endpoint, which Groq and any OpenAI-compatible
 * server (faster-whisper-server, LocalAI, vLLM...) speak alike; only the SDK client differs.
 */

/** The slice of either SDK's client this needs: both have exactly this call. */
interface TranscriptionClient {
  audio: {
    transcriptions: {
      create(body: { file: File; model: string; response_format: "json" }, options: { signal: AbortSignal }): PromiseLike<{ text: string }>;
    };
  };
  models: { list(options: { signal: AbortSignal }): PromiseLike<unknown> };
}

/** Retries belong to the provider guard (jittered, transient failures only); SDK retries would multiply them. */
const NO_SDK_RETRIES = 0;

export class WhisperApiTranscriber implements SpeechToText {
  constructor(
    readonly provider: string,
    readonly model: string,
    private readonly client: TranscriptionClient,
  ) {}

  async transcribe(clip: AudioClip, signal: AbortSignal): Promise<string> {
    // The APIs check the file name's extension as well as the bytes, so name it after what was detected.
    const file = new File([clip.bytes], `recording.${clip.format.name}`, { type: clip.format.mime });
    const result = await this.client.audio.transcriptions.create({ file, model: this.model, response_format: "json" }, { signal });
    return result.text.trim();
  }

  async probe(signal: AbortSignal): Promise<void> {
    await this.client.models.list({ signal });
  }
}

export function groqTranscriber(options: { apiKey: string; baseUrl?: string; model: string }): WhisperApiTranscriber {
  const client = new Groq({ apiKey: options.apiKey, baseURL: options.baseUrl, maxRetries: NO_SDK_RETRIES });
  return new WhisperApiTranscriber("groq", options.model, client);
}

export function openAiTranscriber(options: { apiKey?: string; baseUrl?: string; model: string }): WhisperApiTranscriber {
  // Local OpenAI-compatible servers accept any key; the SDK insists on one.
  const client = new OpenAI({ apiKey: options.apiKey ?? "not-needed", baseURL: options.baseUrl, maxRetries: NO_SDK_RETRIES });
  return new WhisperApiTranscriber("openai", options.model, client);
}
