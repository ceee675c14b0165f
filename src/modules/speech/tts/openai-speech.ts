import OpenAI from "openai";
import type { SynthesizedSpeech, TextToSpeech } from "../types.js";

export const OPENAI_TTS_DEFAULTS = { model: "gpt-4o-mini-tts", voice: "nova" } as const;

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

  async synthesize(text: string, signal: AbortSignal): Promise<SynthesizedSpeech> {
    const response = await this.client.audio.speech.create(
      { model: this.options.model, voice: this.options.voice, input: text, response_format: "mp3" },
      { signal },
    );
    if (!response.body) throw new Error("the speech endpoint answered without a body");
    return { mime: "audio/mpeg", stream: response.body };
  }

  async probe(signal: AbortSignal): Promise<void> {
    await this.client.models.list({ signal });
  }
}
