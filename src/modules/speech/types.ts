import type { AudioFormat } from "./audio-format.js";

/** A recording as it arrived, with its container recognised from the bytes. */
export interface AudioClip {
  bytes: Buffer;
  format: AudioFormat;
}

/** Speech recognition: one recording in, its text out. */
export interface SpeechToText {
  readonly provider: string;
  readonly model: string;
  transcribe(clip: AudioClip, signal: AbortSignal): Promise<string>;
  /** A round trip that proves the provider answers and accepts the key, without spending credits. */
  probe?(signal: AbortSignal): Promise<void>;
}

/**
 * What a text-to-speech provider hands back: whole bytes (espeak-ng), or a body still arriving
 * (HTTP providers), so callers can start forwarding before the last byte is synthesized.
 */
export type SynthesizedSpeech = { mime: string; bytes: Buffer } | { mime: string; stream: AsyncIterable<Uint8Array> };

/**
 * How a reply should sound, decided from the listener (their feeling this turn, their chosen pace and
 * voice). Each provider expresses it with its own controls: ElevenLabs `voice_settings`, OpenAI speed and
 * instructions, espeak-ng rate and pitch. Absent, a provider speaks as it always did.
 */
export interface SpeechStyle {
  /** gentle: grief, sadness, fear; calm: anger, anxiety; bright: joy; warm: everything else. */
  delivery: "gentle" | "calm" | "warm" | "bright";
  /** 0..1: how strongly the delivery shows. */
  intensity: number;
  /** Pace multiplier, 0.5..2 (1 is the provider's normal pace). */
  rate: number;
  /** The voice to use, per provider id (`openai: "nova"`): a provider takes its own entry and ignores the others. */
  voices?: Record<string, string>;
}

export interface TextToSpeech {
  readonly provider: string;
  readonly model?: string;
  /** The voices a person may choose for this provider (ids or names as the provider takes them). */
  readonly voices?: readonly string[];
  synthesize(text: string, signal: AbortSignal, style?: SpeechStyle): Promise<SynthesizedSpeech>;
  /** A round trip that proves the provider can speak (reachable, key accepted, binary installed), without spending credits. */
  probe?(signal: AbortSignal): Promise<void>;
}

/** Speech ready to send or store: all its bytes, with the type a player needs. */
export interface SpokenAudio {
  mime: string;
  bytes: Buffer;
}
