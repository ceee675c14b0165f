import { AppError, serviceUnavailable } from "../../core/errors.js";
import type { ServiceCheck, ServiceHealth } from "../../core/health/service-health.js";
import type { Logger } from "../../core/logger.js";
import { isProviderError } from "../../core/resilience/provider-error.js";
import type { ProviderGuard } from "../../core/resilience/provider-guard.js";
import type { AudioClip, SpeechToText, SpokenAudio, SynthesizedSpeech, TextToSpeech } from "./types.js";

export const STT_UNAVAILABLE = serviceUnavailable(
  "stt_unavailable",
  "Rose could not make out your recording because speech recognition is unavailable right now. Please try again in a moment, or type your message instead.",
);

/** The recogniser could read nothing from the recording (corrupt, truncated, not really speech audio): a 422, not an outage. */
export const AUDIO_UNREADABLE = new AppError(
  422,
  "audio_unreadable",
  "Rose could not make out your recording: the audio could not be read. Please record your message again, or type it instead.",
);

/** Whether a recognition failure was the recording itself (the provider could not read it), not the provider. */
function isUnreadableAudio(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (isProviderError(e)) return e.kind === "unreadable_input";
  }
  return false;
}

export function sttNotConfigured(detail: string): AppError {
  return serviceUnavailable("stt_not_configured", `Speech recognition is not configured: ${detail}, then restart Rose. Until then, type your message instead.`);
}

export interface SpeechProviders {
  stt: SpeechToText | null;
  /** Why there is no speech recognition, naming the variable to set. */
  sttMissing: string;
  tts: TextToSpeech | null;
}

async function bytesOf(speech: SynthesizedSpeech): Promise<Buffer> {
  if ("bytes" in speech) return speech.bytes;
  const chunks: Uint8Array[] = [];
  for await (const chunk of speech.stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Speech in and out for voice turns, every provider call through its guard (breaker, per-attempt
 * timeout, jittered retries on transient failures only). Callers see plain outcomes: a transcript or
 * a 503 that tells the person what to do; audio bytes or an error they can fall back from.
 */
export class Speech {
  constructor(
    private readonly providers: SpeechProviders,
    private readonly guards: { stt: ProviderGuard; tts: ProviderGuard },
    private readonly logger: Logger,
  ) {}

  /** Throws the 503 `stt_not_configured` when there is no recogniser, so a request can be refused up front. */
  assertCanTranscribe(): void {
    if (!this.providers.stt) throw sttNotConfigured(this.providers.sttMissing);
  }

  get canSpeak(): boolean {
    return this.providers.tts !== null;
  }

  async transcribe(clip: AudioClip): Promise<string> {
    this.assertCanTranscribe();
    const stt = this.providers.stt!;
    try {
      return await this.guards.stt.run((signal) => stt.transcribe(clip, signal));
    } catch (error) {
      this.logger.warn("speech recognition failed", { provider: stt.provider, error: (error as Error).message, format: clip.format.name, bytes: clip.bytes.length });
      throw isUnreadableAudio(error) ? AUDIO_UNREADABLE : STT_UNAVAILABLE;
    }
  }

  /** The whole audio for a text. Throws when there is no voice or the provider failed; callers fall back to text. */
  async synthesize(text: string, signal?: AbortSignal): Promise<SpokenAudio> {
    const tts = this.providers.tts;
    if (!tts) throw new Error("no text-to-speech provider is configured");
    return this.guards.tts.run(
      async (attemptSignal) => {
        // The whole body is read inside the attempt: a stream that breaks off midway is retried like any transient failure.
        const speech = await tts.synthesize(text, attemptSignal);
        const bytes = await bytesOf(speech);
        if (bytes.length === 0) throw new Error(`${tts.provider} returned no audio`);
        return { mime: speech.mime, bytes };
      },
      signal ? { signal } : {},
    );
  }

  /** Reports both to the service's health: provider, model, breaker state and a real (cached) probe. Neither is needed for readiness: text turns work without them. */
  registerHealth(health: ServiceHealth): void {
    const { stt, tts, sttMissing } = this.providers;
    const checkOf = (provider: SpeechToText | TextToSpeech, guard: ProviderGuard): ServiceCheck => ({
      provider: provider.provider,
      ...(provider.model ? { model: provider.model } : {}),
      ...(provider.probe ? { probe: (signal: AbortSignal) => provider.probe!(signal) } : {}),
      breaker: () => guard.state,
      requiredForReadiness: false,
    });
    if (stt) health.register("stt", checkOf(stt, this.guards.stt));
    else health.notConfigured("stt", sttMissing);
    if (tts) health.register("tts", checkOf(tts, this.guards.tts));
    else health.notConfigured("tts", "TTS_PROVIDER=none: replies are text only");
  }
}
