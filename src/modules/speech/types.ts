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

export interface TextToSpeech {
  readonly provider: string;
  readonly model?: string;
  synthesize(text: string, signal: AbortSignal): Promise<SynthesizedSpeech>;
  /** A round trip that proves the provider can speak (reachable, key accepted, binary installed), without spending credits. */
  probe?(signal: AbortSignal): Promise<void>;
}

/** Speech ready to send or store: all its bytes, with the type a player needs. */
export interface SpokenAudio {
  mime: string;
  bytes: Buffer;
}
