import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Logger } from "../../core/logger.js";
import { rms } from "./pcm.js";
import { SileroWorker } from "./silero-worker.js";

/**
 * Voice activity detection for the live socket: how likely one frame of 16 kHz audio is speech.
 *
 * Silero VAD v5, the model `@ricky0123/vad-web` ships in its dist/ (no download), run on the server with
 * onnxruntime-node. Its interface, as the package's own wrapper and silero-vad's OnnxWrapper use it:
 * inputs `input` float32 [1, 64 + 512] (the previous frame's last 64 samples, then 512 new ones),
 * `state` float32 [2, 1, 128] and `sr` int64 [16000]; outputs `output` [1, 1] (speech probability) and
 * `stateN` (the next state). One model session, on its own worker thread (see silero-worker.ts), serves
 * every call, frames batched across calls; each call keeps its own state.
 * When the model or the runtime cannot load, an energy detector stands in (and says so in the log).
 */

export const VAD_FRAME_SAMPLES = 512;
const CONTEXT_SAMPLES = 64;
const STATE_SIZE = 2 * 1 * 128;

/** One call's detector: feed it consecutive 512-sample frames, get each one's speech probability. */
export interface FrameClassifier {
  speechProbability(frame: Float32Array): Promise<number>;
}

export interface VoiceActivityModel {
  readonly name: "silero-v5" | "energy";
  /** A detector with fresh state, for one call. */
  newClassifier(): FrameClassifier;
  /** Frees what the model holds (its worker thread); the detector is not used after. */
  close?(): Promise<void>;
}

/** Below this level (about -54 dBFS) a frame is silence: the model is not asked, which keeps many quiet calls cheap. */
const SILENCE_RMS = 0.002;

interface PendingFrame {
  input: Float32Array;
  state: Float32Array;
  resolve(result: { probability: number; state: Float32Array }): void;
  reject(error: unknown): void;
}

/**
 * Frames from every call run as one batch (Silero takes a batch dimension: input [N, 576], state
 * [2, N, 128]): one model run for twenty calls' frames instead of twenty, which is what lets many calls
 * share a small machine (a frame costs about a quarter as much in a batch of twenty as alone). A batch
 * goes to the worker as soon as none is running there; frames that arrive meanwhile wait for the next
 * one, so the busier the machine, the bigger the batches, and a lone call waits for nothing.
 */
class SileroBatcher {
  private pending: PendingFrame[] = [];
  private scheduled = false;
  private running = false;

  constructor(
    private readonly worker: SileroWorker,
    private readonly maxBatch = 64,
  ) {}

  get failed(): boolean {
    return this.worker.failed;
  }

  classify(input: Float32Array, state: Float32Array): Promise<{ probability: number; state: Float32Array }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ input, state, resolve, reject });
      this.schedule();
    });
  }

  /** Frames pushed in the same turn of the event loop (several sockets' data) join one batch. */
  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.running || this.pending.length === 0) return;
    this.running = true;
    const batch = this.pending.splice(0, this.maxBatch);
    const n = batch.length;
    const width = CONTEXT_SAMPLES + VAD_FRAME_SAMPLES;
    const input = new Float32Array(n * width);
    const state = new Float32Array(2 * n * 128);
    batch.forEach((item, b) => {
      input.set(item.input, b * width);
      // State layout [2, N, 128]: each call's two halves go to their own rows.
      state.set(item.state.subarray(0, 128), b * 128);
      state.set(item.state.subarray(128, 256), (n + b) * 128);
    });
    try {
      const out = await this.worker.run(n, input, state);
      batch.forEach((item, b) => {
        const own = new Float32Array(STATE_SIZE);
        own.set(out.state.subarray(b * 128, (b + 1) * 128), 0);
        own.set(out.state.subarray((n + b) * 128, (n + b + 1) * 128), 128);
        item.resolve({ probability: out.probabilities[b]!, state: own });
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
    } finally {
      this.running = false;
      if (this.pending.length > 0) this.schedule();
    }
  }
}

class SileroClassifier implements FrameClassifier {
  private state: Float32Array = new Float32Array(STATE_SIZE);
  private context = new Float32Array(CONTEXT_SAMPLES);
  /** One frame of a call in flight at a time: the next one needs this one's state. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly batcher: SileroBatcher,
    private readonly standIn: FrameClassifier,
  ) {}

  speechProbability(frame: Float32Array): Promise<number> {
    if (rms(frame) < SILENCE_RMS) return Promise.resolve(0);
    // The model's worker died (logged once, where it is loaded): calls keep listening by loudness.
    if (this.batcher.failed) return this.standIn.speechProbability(frame);
    const run = this.queue.then(() => this.run(frame));
    this.queue = run.catch(() => {});
    return run;
  }

  private async run(frame: Float32Array): Promise<number> {
    const input = new Float32Array(CONTEXT_SAMPLES + frame.length);
    input.set(this.context, 0);
    input.set(frame, CONTEXT_SAMPLES);
    this.context = frame.slice(-CONTEXT_SAMPLES);
    const { probability, state } = await this.batcher.classify(input, this.state);
    this.state = state;
    return probability;
  }
}

/** Loudness instead of a model: speech is frames well above the quiet floor. Cruder (any noise is "speech"), never unavailable. */
export class EnergyVoiceActivity implements VoiceActivityModel {
  readonly name = "energy";
  constructor(private readonly threshold = 0.02) {}
  newClassifier(): FrameClassifier {
    const threshold = this.threshold;
    // Mapped onto a probability so the same thresholds apply: twice the threshold is certain speech.
    return { speechProbability: (frame) => Promise.resolve(Math.min(1, rms(frame) / (2 * threshold))) };
  }
}

/** Where the package keeps its model files, found through Node's resolution (no path guessing). */
export function sileroModelPath(version: "v5" = "v5"): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@ricky0123/vad-web");
  return join(dirname(entry), `silero_vad_${version}.onnx`);
}

export async function loadSileroVad(modelPath = sileroModelPath(), logger?: Logger): Promise<VoiceActivityModel> {
  const worker = await SileroWorker.start(modelPath, CONTEXT_SAMPLES + VAD_FRAME_SAMPLES);
  const batcher = new SileroBatcher(worker);
  const energy = new EnergyVoiceActivity();
  let told = false;
  return {
    name: "silero-v5",
    newClassifier: () => {
      if (batcher.failed && !told) {
        told = true;
        logger?.error("live voice: the Silero VAD worker stopped; detecting speech by loudness until Rose restarts");
      }
      return new SileroClassifier(batcher, energy.newClassifier());
    },
    close: async () => {
      await worker.close();
    },
  };
}

/** Silero when it loads; the energy detector otherwise, with a log line that says why and what it means. */
export async function loadVoiceActivity(logger: Logger, choice: "silero" | "energy" = "silero", modelPath?: string): Promise<VoiceActivityModel> {
  if (choice === "energy") return new EnergyVoiceActivity();
  try {
    const model = await loadSileroVad(modelPath, logger);
    logger.info("live voice: Silero VAD loaded", { model: "silero-v5", runtime: "onnxruntime-node" });
    return model;
  } catch (error) {
    logger.warn("live voice: Silero VAD could not load; detecting speech by loudness instead (noisier rooms may cut turns early)", {
      error: (error as Error).message,
    });
    return new EnergyVoiceActivity();
  }
}
