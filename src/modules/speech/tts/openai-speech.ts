import OpenAI from "openai";
import { z } from "zod";
import { optionalString, url } from "../../../core/env-schema.js";
import { defineProvider } from "../../../core/providers.js";
import { ProviderError, providerErrorFrom, translatedStream } from "../../../core/resilience/provider-error.js";
import { paceOf, voiceFor } from "../style.js";
import type { SpeechStyle, SynthesizedSpeech, TextToSpeech } from "../types.js";

export const OPENAI_TTS_DEFAULTS = { model: "gpt-4o-mini-tts", voice: "nova" } as const;

const OPENAI_VOICES = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"];

/** Spoken-direction for models that take instructions (gpt-4o-mini-tts; tts-1 ignores or refuses them). */
const DELIVERY_INSTRUCTIONS: Record<SpeechStyle["delivery"], string> = {
  gentle: "Speak softly, slowly and tenderly, with warm pauses, as to someone who is grieving or hurting.",
  calm: "Speak in a calm, steady, reassuring voice, unhurried and grounded.",
  warm: "Speak warmly and naturally, like a kind friend.",
  bright: "Speak with bright, gentle joy, sharing the person's happiness.",
};

export function openAiSpeechOptions(model: string, style: SpeechStyle): { speed: number; instructions?: string } {
  return { speed: paceOf(style, 0.25, 4), ...(/^tts-1/.test(model) ? {} : { instructions: DELIVERY_INSTRUCTIONS[style.delivery] }) };
}

/** OpenAI's `/audio/speech`, or any server that speaks it (Kokoro-FastAPI, LocalAI, openedai-speech...). */
export class OpenAiSpeech implements TextToSpeech {
  readonly provider = "openai";
  private readonly client: OpenAI;

  constructor(private readonly options: { apiKey?: string; baseUrl?: string; model: string; voice: string }) {
    this.client = new OpenAI({ apiKey: options.apiKey ?? "not-needed", baseURL: options.baseUrl, maxRetries: 0 });
  }

  get model(): string {
    return this.options.model;
  }

  get voices(): readonly string[] {
    return [...new Set([this.options.voice, ...OPENAI_VOICES])];
  }

  async synthesize(text: string, signal: AbortSignal, style?: SpeechStyle): Promise<SynthesizedSpeech> {
    let response: Response;
    try {
      response = await this.client.audio.speech.create(
        {
          model: this.options.model,
          voice: voiceFor(style, this.provider) ?? this.options.voice,
          input: text,
          response_format: "mp3",
          ...(style ? openAiSpeechOptions(this.options.model, style) : {}),
        },
        { signal },
      );
    } catch (error) {
      throw providerErrorFrom(this.provider, error);
    }
    if (!response.body) throw new ProviderError({ provider: this.provider, kind: "server", message: "the speech endpoint answered without a body" });
    return { mime: "audio/mpeg", stream: translatedStream(this.provider, response.body as ReadableStream<Uint8Array>) };
  }

  async probe(signal: AbortSignal): Promise<void> {
    await this.client.models.list({ signal });
  }
}

/** Chosen only when named (TTS_PROVIDER=openai or in TTS_PROVIDERS): an OpenAI key alone does not mean OpenAI's voices. */
export const openAiTts = defineProvider({
  id: "openai",
  env: (role) =>
    z
      .object({
        OPENAI_API_KEY: optionalString,
        OPENAI_BASE_URL: url.optional(),
        OPENAI_TTS_MODEL: optionalString,
        OPENAI_TTS_VOICE: optionalString,
        TTS_MODEL: optionalString,
        TTS_VOICE: optionalString,
      })
      .transform((env) => ({
        apiKey: env.OPENAI_API_KEY,
        baseUrl: env.OPENAI_BASE_URL,
        model: env.OPENAI_TTS_MODEL ?? (role === "primary" ? env.TTS_MODEL : undefined) ?? OPENAI_TTS_DEFAULTS.model,
        voice: env.OPENAI_TTS_VOICE ?? (role === "primary" ? env.TTS_VOICE : undefined) ?? OPENAI_TTS_DEFAULTS.voice,
      })),
  missing: (s) => (s.apiKey || s.baseUrl ? null : "needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server"),
  autoSelect: () => false,
  create: (s): TextToSpeech =>
    new OpenAiSpeech({ model: s.model, voice: s.voice, ...(s.apiKey ? { apiKey: s.apiKey } : {}), ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}) }),
});
