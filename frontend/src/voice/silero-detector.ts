import { MicVAD } from "@ricky0123/vad-web";
import type { MicrophoneTap, SpeechDetector } from "./speech-detector";
import type { VoiceActivity } from "./voice-activity";

/**
 * Silero VAD v5 on the microphone's stream, through @ricky0123/vad-web's MicVAD: an AudioWorklet cuts
 * the stream into 32 ms frames at 16 kHz and ONNX Runtime (WebAssembly) scores each for speech.
 *
 * Everything comes from Rose's own origin (frontend/vite.config.ts copies the model, the worklet and
 * ONNX Runtime's WebAssembly into the build's /vad/): no CDN, and it works offline.
 */

/** Where the build puts the model, the worklet and ONNX Runtime's WASM (see VAD_ASSETS in vite.config.ts). */
export const VAD_ASSET_PATH = "/vad/";

/**
 * For an utterance, as UTTERANCE_DETECTION is for loudness: the library's speech thresholds (tuned for
 * v5), patient with pauses between sentences (a second of quiet ends it, as the loudness detector's
 * release does) and deaf to coughs and knocks (under 350 ms of speech is a false start).
 */
const UTTERANCE = {
  positiveSpeechThreshold: 0.3,
  negativeSpeechThreshold: 0.25,
  redemptionMs: 1000,
  minSpeechMs: 350,
  // Rose records the utterance herself (MediaRecorder); MicVAD's copy of the audio is not used.
  preSpeechPadMs: 0,
  submitUserSpeechOnPause: false,
};

/** Who a MicVAD serves: the microphone it listens to and where what it hears goes. */
interface Owner {
  microphone: MicrophoneTap;
  onActivity: (activity: VoiceActivity) => void;
}

/**
 * A loaded MicVAD that never listened, kept when its page was left (MicVAD cannot destroy one that never
 * started: its model would stay in ONNX Runtime's memory for nothing) and handed to the next visit instead
 * of loading the model again. Never one that started: its worklet belongs to an AudioContext since closed.
 */
let spare: { vad: MicVAD; owner: Owner } | null = null;

async function loadMicVAD(owner: Owner): Promise<MicVAD> {
  return MicVAD.new({
    model: "v5",
    baseAssetPath: VAD_ASSET_PATH,
    onnxWASMBasePath: VAD_ASSET_PATH,
    ortConfig: (ort) => {
      // Threads need SharedArrayBuffer, hence cross-origin isolation, which Rose's pages are not.
      ort.env.wasm.numThreads = 1;
      ort.env.logLevel = "error";
    },
    // Loads the model now; listening begins with the first utterance, once the microphone is open.
    startOnLoad: false,
    // The page's own microphone (echo cancellation and noise suppression on, as it opened it): MicVAD
    // neither opens a second one nor stops its tracks; the Microphone closes it when the conversation ends.
    getStream: () => Promise.resolve(owner.microphone.stream()),
    resumeStream: () => Promise.resolve(owner.microphone.stream()),
    pauseStream: () => Promise.resolve(),
    ...UTTERANCE,
    onSpeechStart: () => owner.onActivity("speech-start"),
    onSpeechEnd: () => owner.onActivity("speech-end"),
    onVADMisfire: () => owner.onActivity("false-start"),
  });
}

export async function sileroDetector(microphone: MicrophoneTap, onActivity: (activity: VoiceActivity) => void): Promise<SpeechDetector> {
  const taken = spare;
  spare = null;
  // MicVAD's callbacks reach the page through `owner`, so a spare can be handed to a new one.
  const owner = Object.assign(taken?.owner ?? { microphone, onActivity }, { microphone, onActivity });
  const vad = taken?.vad ?? (await loadMicVAD(owner));
  let started = false;
  let queue = Promise.resolve();
  // MicVAD's start and pause are asynchronous and not safe to overlap (a pause during a first start is
  // lost): one after the other, in the order asked; a step that failed does not stop the next.
  const next = (step: () => Promise<void>) => {
    const done = queue.then(step);
    queue = done.catch(() => {});
    return done;
  };
  return {
    listen: () =>
      next(async () => {
        // Read at the first start: the microphone's AudioContext, so the worklet runs beside its meter.
        vad.options.audioContext = microphone.audioContext();
        started = true;
        await vad.start();
        if (vad.errored) throw new Error(vad.errored);
      }),
    // Pausing resets MicVAD's frame processor, so the next utterance starts from a clean slate.
    pause: () => next(() => vad.pause()),
    destroy: () =>
      next(async () => {
        if (!started && !spare) {
          owner.onActivity = () => {};
          spare = { vad, owner };
          return;
        }
        await vad.destroy().catch(() => {}); // (one that never started cannot be: see `spare`)
      }),
  };
}
