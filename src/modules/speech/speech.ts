import { AppError, serviceUnavailable } from "../../core/errors.js";
import { chainHealth } from "../../core/health/chain-health.js";
import type { ServiceHealth } from "../../core/health/service-health.js";
import type { Logger } from "../../core/logger.js";
import { FallbackChain } from "../../core/resilience/fallback-chain.js";
import type { ProviderGuards } from "../../core/resilience/guards.js";
import type { ProviderGuard } from "../../core/resilience/provider-guard.js";
import { isProviderError, ProviderError } from "../../core/resilience/provider-error.js";
import type { AudioClip, SpeechInputHandlers, SpeechInputStream, SpeechStyle, SpeechToText, SpokenAudio, SynthesizedSpeech, TextToSpeech } from "./types.js";

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
  /** Recognisers standing in for each other, or null when none is configured. */
  stt: FallbackChain<SpeechToText> | null;
  /** Why there is no speech recognition, naming the variable to set. */
  sttMissing: string;
  /** Voices standing in for each other (espeak-ng last), or null for text-only replies. */
  tts: FallbackChain<TextToSpeech> | null;
  /** The first voice's input streaming, when it offers it and it is configured, behind its own guard ("tts_stream:elevenlabs"). */
  ttsStream?: { provider: TextToSpeech; guard: ProviderGuard } | null;
}

async function bytesOf(speech: SynthesizedSpeech): Promise<Buffer> {
  if ("bytes" in speech) return speech.bytes;
  const chunks: Uint8Array[] = [];
  for await (const chunk of speech.stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Speech in and out for voice turns. Each capability is a fallback chain (every provider behind its own
 * guard: breaker, per-attempt timeout, jittered retries on transient failures only), so callers see
 * plain outcomes: a transcript, or a 503 that tells the person what to do (a 422 when the recording
 * itself could not be read); audio bytes, or an error they can fall back from (to text).
 */
export class Speech {
  constructor(
    private readonly providers: SpeechProviders,
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
      return await stt.run((provider, signal) => provider.transcribe(clip, signal));
    } catch (error) {
      this.logger.warn("speech recognition failed", {
        providers: stt.members.map((m) => m.id),
        error: (error as Error).message,
        format: clip.format.name,
        bytes: clip.bytes.length,
      });
      throw isUnreadableAudio(error) ? AUDIO_UNREADABLE : STT_UNAVAILABLE;
    }
  }

  /** The primary voice provider and the voices a person may choose from, or null without speech. */
  get voiceChoices(): { provider: string; voices: readonly string[] } | null {
    const primary = this.providers.tts?.members[0];
    return primary ? { provider: primary.id, voices: primary.provider.voices ?? [] } : null;
  }

  /**
   * The whole audio for a text. Throws when there is no voice or every voice failed; callers fall back to text.
   * `style`: how it should sound for this listener (see SpeechStyle); each provider applies what it can.
   */
  async synthesize(text: string, signal?: AbortSignal, style?: SpeechStyle): Promise<SpokenAudio> {
    const tts = this.providers.tts;
    if (!tts) throw new Error("no text-to-speech provider is configured");
    return tts.run(
      async (provider, attemptSignal) => {
        // The whole body is read inside the attempt: a stream that breaks off midway is retried like any transient failure.
        const speech = await provider.synthesize(text, attemptSignal, style);
        const bytes = await bytesOf(speech);
        if (bytes.length === 0) throw new ProviderError({ provider: provider.provider, kind: "server", message: `${provider.provider} returned no audio` });
        return { mime: speech.mime, bytes };
      },
      signal ? { signal } : {},
    );
  }

  /**
   * Whether a reply can be spoken over one streaming connection now: the first voice streams, and
   * neither its stream's breaker nor its own is open (then the chain's next voice speaks, sentence by sentence).
   */
  get canStreamSpeech(): boolean {
    const stream = this.providers.ttsStream;
    return !!stream && stream.guard.state !== "open" && this.providers.tts?.primary.guard.state !== "open";
  }

  /**
   * Opens the first voice's input stream under its guard (breaker, time limit on the opening). Not
   * retried: the sentence-by-sentence path takes over at once if it cannot open. A stream owing audio
   * that hears nothing for the voice's timeout (TTS_TIMEOUT_MS) has failed.
   */
  openSpeechStream(style: SpeechStyle | undefined, handlers: SpeechInputHandlers, signal?: AbortSignal): Promise<SpeechInputStream> {
    const stream = this.providers.ttsStream;
    if (!stream?.provider.openInputStream) return Promise.reject(new Error("the voice does not stream"));
    const { provider, guard } = stream;
    return guard.run((attemptSignal) => provider.openInputStream!({ style, signal: attemptSignal, stallMs: guard.policy.timeoutMs }, handlers), {
      canRetry: () => false,
      ...(signal ? { signal } : {}),
    });
  }

  /** Reports both to the service's health: providers, models, breaker states, real (cached) probes and who is serving. Neither is needed for readiness: text turns work without them. */
  registerHealth(health: ServiceHealth): void {
    const { stt, tts, sttMissing } = this.providers;
    if (stt) health.register("stt", chainHealth(stt, { requiredForReadiness: false }));
    else health.notConfigured("stt", sttMissing);
    if (tts) health.register("tts", chainHealth(tts, { requiredForReadiness: false }));
    else health.notConfigured("tts", "TTS_PROVIDER=none: replies are text only");
  }
}

/** A capability's providers as a fallback chain, each behind its own guard ("tts:elevenlabs", "tts:espeak"); null when there are none. */
export function speechChain<P extends SpeechToText | TextToSpeech>(
  capability: "stt" | "tts",
  providers: readonly P[],
  guards: ProviderGuards,
  logger?: Logger,
): FallbackChain<P> | null {
  if (providers.length === 0) return null;
  return new FallbackChain(
    capability,
    providers.map((provider) => ({
      id: provider.provider,
      provider,
      guard: guards.guard(`${capability}:${provider.provider}`, capability),
      ...(provider.model ? { model: provider.model } : {}),
      ...(provider.probe ? { probe: (signal: AbortSignal) => provider.probe!(signal) } : {}),
    })),
    logger,
  );
}
