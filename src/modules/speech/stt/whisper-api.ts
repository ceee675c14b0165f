import Groq from "groq-sdk";
import OpenAI from "openai";
import { z } from "zod";
import { optionalString, url } from "../../../core/env-schema.js";
import { defineProvider } from "../../../core/providers.js";
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

export const STT_DEFAULT_MODELS = { groq: "whisper-large-v3-turbo", openai: "whisper-1" } as const;

/** Groq Whisper. GROQ_STT_MODEL wherever it stands in STT_PROVIDERS; STT_MODEL when it is the first. */
export const groqStt = defineProvider({
  id: "groq",
  env: (role) =>
    z.object({ GROQ_API_KEY: optionalString, GROQ_BASE_URL: url.optional(), GROQ_STT_MODEL: optionalString, STT_MODEL: optionalString }).transform((env) => ({
      apiKey: env.GROQ_API_KEY,
      baseUrl: env.GROQ_BASE_URL,
      model: env.GROQ_STT_MODEL ?? (role === "primary" ? env.STT_MODEL : undefined) ?? STT_DEFAULT_MODELS.groq,
    })),
  missing: (s) => (s.apiKey ? null : "needs GROQ_API_KEY: set it to your Groq API key, or choose another recogniser (openai)"),
  autoSelect: (s) => s.apiKey !== undefined,
  create: (s): SpeechToText => groqTranscriber({ apiKey: s.apiKey!, model: s.model, ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}) }),
});

/** OpenAI Whisper, or any OpenAI-compatible `/audio/transcriptions` (faster-whisper-server, LocalAI, vLLM...) at OPENAI_BASE_URL. */
export const openAiStt = defineProvider({
  id: "openai",
  env: (role) =>
    z
      .object({ OPENAI_API_KEY: optionalString, OPENAI_BASE_URL: url.optional(), OPENAI_STT_MODEL: optionalString, STT_MODEL: optionalString })
      .transform((env) => ({
        apiKey: env.OPENAI_API_KEY,
        baseUrl: env.OPENAI_BASE_URL,
        model: env.OPENAI_STT_MODEL ?? (role === "primary" ? env.STT_MODEL : undefined) ?? STT_DEFAULT_MODELS.openai,
      })),
  missing: (s) => (s.apiKey || s.baseUrl ? null : "needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server"),
  autoSelect: (s) => s.apiKey !== undefined || s.baseUrl !== undefined,
  create: (s): SpeechToText => openAiTranscriber({ model: s.model, ...(s.apiKey ? { apiKey: s.apiKey } : {}), ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}) }),
});
