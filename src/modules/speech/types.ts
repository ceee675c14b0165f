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
  /**
   * One connection for a whole reply, text in as it is written and audio out as it is made (ElevenLabs'
   * stream-input WebSocket), when the provider offers it and it is configured. Resolves once the
   * connection is open; `signal` bounds the opening only, and a stream owing audio that hears nothing
   * for `stallMs` has failed.
   */
  openInputStream?(options: InputStreamOptions, handlers: SpeechInputHandlers): Promise<SpeechInputStream>;
  /** A round trip that proves the provider can speak (reachable, key accepted, binary installed), without spending credits. */
  probe?(signal: AbortSignal): Promise<void>;
}

/** Speech ready to send or store: all its bytes, with the type a player needs. */
export interface SpokenAudio {
  mime: string;
  bytes: Buffer;
}

/**
 * A reply's voice over one streaming connection. Text goes in as it is generated, in pieces (a sentence
 * or a clause each); each piece's audio comes back whole and in order, so it can be sent and played
 * like a clip synthesized on its own, while the provider hears the reply as one text (one voice, one
 * prosody) and starts speaking before the next piece is written.
 */
export interface SpeechInputStream {
  /** More of the current piece's text (whole words: a provider may start synthesizing what it has). */
  write(text: string): void;
  /** The current piece is complete: synthesize it now. Its audio arrives as one `onPiece`. */
  endPiece(): void;
  /** No more text: the stream finishes the pieces it has, says `onDone`, and closes. */
  end(): void;
  /** Stops at once (barge-in, or the listener left): the connection closes and nothing more is delivered. */
  close(): void;
}

export interface InputStreamOptions {
  style?: SpeechStyle | undefined;
  signal: AbortSignal;
  stallMs: number;
}

export interface SpeechInputHandlers {
  /** Piece `index`'s audio (0 for the first piece ended), in order. */
  onPiece(index: number, audio: SpokenAudio): void;
  /** After `end()`: every piece's audio has arrived. */
  onDone(): void;
  /** The stream broke off (an error from the provider, a dropped connection, a stall): no piece after the last delivered will arrive. */
  onError(error: Error): void;
}
