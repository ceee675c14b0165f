import { ElevenLabsClient } from "@elevenlabs/elevenlabs-js";
import { z } from "zod";
import { optionalString, url } from "../../../core/env-schema.js";
import { defineProvider } from "../../../core/providers.js";
import { providerErrorFrom, translatedStream } from "../../../core/resilience/provider-error.js";
import { paceOf, voiceFor } from "../style.js";
import type { InputStreamOptions, SpeechInputHandlers, SpeechInputStream, SpeechStyle, SynthesizedSpeech, TextToSpeech } from "../types.js";
import { openStreamInput } from "./elevenlabs-stream-input.js";

/** ElevenLabs' premade voices (stable ids across accounts), offered beside the configured one. */
const PREMADE_VOICES = [
  "21m00Tcm4TlvDq8ikWAM",
  "EXAVITQu4vr4xnSDxMaL",
  "MF3mGyEYCl7XYWbV9V6O",
  "AZnzlk1XvdvUeBnXmlld",
  "pNInz6obpgDQGcFmaJgB",
  "ErXwobaYiN019PkySvjV",
  "TxGEqnHWrfWFTfGW9XjX",
];

/**
 * How a delivery sounds in ElevenLabs' terms: higher stability is steadier and softer, style adds
 * expressiveness. Gentle for grief is steady and unhurried; bright for joy livelier.
 */
const DELIVERY_SETTINGS: Record<SpeechStyle["delivery"], { stability: number; style: number }> = {
  gentle: { stability: 0.8, style: 0.1 },
  calm: { stability: 0.75, style: 0.05 },
  warm: { stability: 0.55, style: 0.25 },
  bright: { stability: 0.4, style: 0.45 },
};

export function elevenLabsVoiceSettings(style: SpeechStyle): { stability: number; similarityBoost: number; style: number; speed: number } {
  const d = DELIVERY_SETTINGS[style.delivery];
  const toward = (from: number, to: number) => Math.round((from + (to - from) * style.intensity) * 100) / 100;
  // Intensity moves from the warm default towards the delivery: a faint sadness barely changes the voice.
  const warm = DELIVERY_SETTINGS.warm;
  return { stability: toward(warm.stability, d.stability), similarityBoost: 0.75, style: toward(warm.style, d.style), speed: paceOf(style, 0.7, 1.2) };
}

/** 44.1 kHz / 128 kbps MP3: plays in every browser and is available on every ElevenLabs plan. */
const OUTPUT_FORMAT = "mp3_44100_128";
const DEFAULT_BASE_URL = "https://api.elevenlabs.io";
/**
 * Input streaming's buffer before the service generates on its own (its default is 120, 160, 250, 290):
 * a long first sentence starts sounding after 50 characters; later chunks take more text, which reads
 * more naturally. Every sentence's end is flushed anyway, so short sentences never wait for it.
 */
const CHUNK_LENGTH_SCHEDULE = [50, 120, 160, 250];

/** How a reply is sent: sentence by sentence over HTTP, or as it is written over one stream-input WebSocket. */
export const ELEVENLABS_STREAMING_MODES = ["http", "websocket"] as const;
export type ElevenLabsStreaming = (typeof ELEVENLABS_STREAMING_MODES)[number];

export interface ElevenLabsOptions {
  apiKey: string;
  baseUrl?: string;
  voiceId: string;
  model: string;
  /** "websocket": replies in live calls and /voice/stream go over the stream-input WebSocket. Default "http". */
  streaming?: ElevenLabsStreaming;
}

/**
 * ElevenLabs through its streaming endpoint (`/v1/text-to-speech/:voice/stream`): the first bytes
 * arrive while the rest is still being synthesized.
 */
export class ElevenLabsSpeech implements TextToSpeech {
  readonly provider = "elevenlabs";
  private readonly client: ElevenLabsClient;
  /** Present only when configured: its presence is what makes replies stream over the socket. */
  readonly openInputStream?: (options: InputStreamOptions, handlers: SpeechInputHandlers) => Promise<SpeechInputStream>;

  constructor(private readonly options: ElevenLabsOptions) {
    // Retries belong to the provider guard; the guard's signal bounds each attempt.
    this.client = new ElevenLabsClient({ apiKey: options.apiKey, maxRetries: 0, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) });
    if (options.streaming === "websocket") this.openInputStream = (streamOptions, handlers) => this.streamInput(streamOptions, handlers);
  }

  get model(): string {
    return this.options.model;
  }

  get voices(): readonly string[] {
    return [...new Set([this.options.voiceId, ...PREMADE_VOICES])];
  }

  async synthesize(text: string, signal: AbortSignal, style?: SpeechStyle): Promise<SynthesizedSpeech> {
    try {
      const stream = await this.client.textToSpeech.stream(
        voiceFor(style, this.provider) ?? this.options.voiceId,
        { text, modelId: this.options.model, outputFormat: OUTPUT_FORMAT, ...(style ? { voiceSettings: elevenLabsVoiceSettings(style) } : {}) },
        { abortSignal: signal, maxRetries: 0 },
      );
      return { mime: "audio/mpeg", stream: translatedStream(this.provider, stream) };
    } catch (error) {
      throw providerErrorFrom(this.provider, error);
    }
  }

  private async streamInput({ style, signal, stallMs }: InputStreamOptions, handlers: SpeechInputHandlers): Promise<SpeechInputStream> {
    const { apiKey, baseUrl, model } = this.options;
    const request = {
      baseUrl: baseUrl ?? DEFAULT_BASE_URL,
      apiKey,
      voiceId: voiceFor(style, this.provider) ?? this.options.voiceId,
      model,
      outputFormat: OUTPUT_FORMAT,
      mime: "audio/mpeg",
      ...(style ? { voiceSettings: elevenLabsVoiceSettings(style) } : {}),
      chunkLengthSchedule: CHUNK_LENGTH_SCHEDULE,
      stallMs,
    };
    return openStreamInput(this.provider, request, handlers, signal);
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
        ELEVENLABS_STREAMING: z
          .enum(ELEVENLABS_STREAMING_MODES, { error: "use http (sentence by sentence) or websocket (stream-input, text sent as it is written)" })
          .default("http"),
      })
      .transform((env) => ({
        apiKey: env.ELEVENLABS_API_KEY,
        baseUrl: env.ELEVENLABS_BASE_URL,
        voiceId: env.ELEVENLABS_VOICE_ID,
        model: env.ELEVENLABS_MODEL,
        streaming: env.ELEVENLABS_STREAMING,
      })),
  missing: (s) => (s.apiKey ? null : "needs ELEVENLABS_API_KEY: set it, or use TTS_PROVIDER=espeak for offline speech"),
  autoSelect: (s) => s.apiKey !== undefined,
  create: (s): TextToSpeech =>
    new ElevenLabsSpeech({ apiKey: s.apiKey!, voiceId: s.voiceId, model: s.model, streaming: s.streaming, ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}) }),
});
