import Groq from "groq-sdk";
import OpenAI from "openai";
import { providerErrorFrom } from "../../../core/resilience/provider-error.js";
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

/**
 * Whisper APIs answer 400 (OpenAI: "Invalid file format" / "Audio file might be corrupted"; Groq: "could
 * not process file") for a recording they cannot decode, 415/422 on some compatible servers: the audio,
 * not the service, is the problem, so nobody retries it and the person is asked to record again.
 */
const UNREADABLE_AUDIO = { 400: "unreadable_input", 415: "unreadable_input", 422: "unreadable_input" } as const;

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
    try {
      const result = await this.client.audio.transcriptions.create({ file, model: this.model, response_format: "json" }, { signal });
      return result.text.trim();
    } catch (error) {
      throw providerErrorFrom(this.provider, error, UNREADABLE_AUDIO);
    }
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
