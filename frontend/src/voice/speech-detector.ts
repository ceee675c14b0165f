import type { VoiceActivity } from "./voice-activity";

/**
 * Which detector notices the start and end of an utterance in tap-to-talk: Silero VAD (a small speech
 * model run in the browser, see silero-detector.ts) when it loads, else the loudness detector
 * (voice-activity.ts) — which is also what jsdom and browsers without AudioWorklet or WebAssembly get.
 */
export type VoiceDetection = "silero" | "loudness";

/** A speech detector listening to the microphone's own stream, one utterance at a time. */
export interface SpeechDetector {
  /** Listen (again) from a clean slate: what was heard before does not carry over into this utterance. */
  listen(): Promise<void>;
  /** Stop listening (the utterance is over, or the microphone is about to close). */
  pause(): Promise<void>;
  destroy(): Promise<void>;
}

/** What the detector listens to: the page's microphone, opened once (see Microphone). */
export interface MicrophoneTap {
  stream(): MediaStream;
  audioContext(): AudioContext;
}

export type LoadSpeechDetector = (microphone: MicrophoneTap, onActivity: (activity: VoiceActivity) => void) => Promise<SpeechDetector>;

/**
 * Silero, loaded on demand: the model's module (and ONNX Runtime with it) is a separate chunk, fetched
 * only by the voice page, so the chat page's bundle does not carry it.
 */
export const loadSilero: LoadSpeechDetector = async (microphone, onActivity) => {
  if (typeof AudioWorkletNode === "undefined") throw new Error("this browser has no AudioWorklet");
  if (typeof WebAssembly === "undefined") throw new Error("this browser has no WebAssembly");
  const { sileroDetector } = await import("./silero-detector");
  return sileroDetector(microphone, onActivity);
};
