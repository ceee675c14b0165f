import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Logger } from "../../core/logger.js";
import { rms } from "./pcm.js";

/**
 * Voice activity detection for the live socket: how likely one frame of 16 kHz audio is speech.
 *
 * Silero VAD v5, the model `@ricky0123/vad-web` ships in its dist/ (no download), run on the server with
 * onnxruntime-node. Its interface, as the package's own wrapper and silero-vad's OnnxWrapper use it:
 * inputs `input` float32 [1, 64 + 512] (the previous frame's last 64 samples, then 512 new ones),
 * `state` float32 [2, 1, 128] and `sr` int64 [16000]; outputs `output` [1, 1] (speech probability) and
 * `stateN` (the next state). One model session serves every call, frames batched across calls; each call
 * keeps its own state.
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
}

type Ort = typeof import("onnxruntime-node");
type Session = Awaited<ReturnType<Ort["InferenceSession"]["create"]>>;

/** Below this level (about -54 dBFS) a frame is silence: the model is not asked, which keeps many quiet calls cheap. */
const SILENCE_RMS = 0.002;

interface PendingFrame {
  input: Float32Array;
  state: Float32Array;
  resolve(result: { probability: number; state: Float32Array }): void;
  reject(error: unknown): void;
}

/**
 * Frames from every call that arrive in the same turn of the event loop run as one batch (Silero takes a
 * batch dimension: input [N, 576], state [2, N, 128]): one model call for twenty calls' frames instead of
 * twenty, which is what lets many calls share a small machine.
 */
class SileroBatcher {
  private pending: PendingFrame[] = [];
  private scheduled = false;

  constructor(
    private readonly ort: Ort,
    private readonly session: Session,
    private readonly sampleRate: InstanceType<Ort["Tensor"]>,
    private readonly maxBatch = 64,
  ) {}

  classify(input: Float32Array, state: Float32Array): Promise<{ probability: number; state: Float32Array }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ input, state, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    while (this.pending.length > 0) {
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
        const out = await this.session.run({
          input: new this.ort.Tensor("float32", input, [n, width]),
          state: new this.ort.Tensor("float32", state, [2, n, 128]),
          sr: this.sampleRate,
        });
        const probabilities = out.output!.data as Float32Array;
        const next = out.stateN!.data as Float32Array;
        batch.forEach((item, b) => {
          const own = new Float32Array(STATE_SIZE);
          own.set(next.subarray(b * 128, (b + 1) * 128), 0);
          own.set(next.subarray((n + b) * 128, (n + b + 1) * 128), 128);
          item.resolve({ probability: probabilities[b]!, state: own });
        });
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
  }
}

class SileroClassifier implements FrameClassifier {
  private state: Float32Array = new Float32Array(STATE_SIZE);
  private context = new Float32Array(CONTEXT_SAMPLES);
  /** One frame of a call in flight at a time: the next one needs this one's state. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly batcher: SileroBatcher) {}

  speechProbability(frame: Float32Array): Promise<number> {
    if (rms(frame) < SILENCE_RMS) return Promise.resolve(0);
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

export async function loadSileroVad(modelPath = sileroModelPath()): Promise<VoiceActivityModel> {
  const ort = (await import("onnxruntime-node")) as Ort & { default?: Ort };
  const runtime: Ort = ort.default ?? ort;
  const session = await runtime.InferenceSession.create(await readFile(modelPath), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  for (const name of ["input", "state", "sr"]) {
    if (!session.inputNames.includes(name)) throw new Error(`the model at ${modelPath} has no input "${name}": not Silero VAD v5`);
  }
  const sampleRate = new runtime.Tensor("int64", BigInt64Array.from([16000n]), [1]);
  const batcher = new SileroBatcher(runtime, session, sampleRate);
  return { name: "silero-v5", newClassifier: () => new SileroClassifier(batcher) };
}

/** Silero when it loads; the energy detector otherwise, with a log line that says why and what it means. */
export async function loadVoiceActivity(logger: Logger, choice: "silero" | "energy" = "silero", modelPath?: string): Promise<VoiceActivityModel> {
  if (choice === "energy") return new EnergyVoiceActivity();
  try {
    const model = await loadSileroVad(modelPath);
    logger.info("live voice: Silero VAD loaded", { model: "silero-v5", runtime: "onnxruntime-node" });
    return model;
  } catch (error) {
    logger.warn("live voice: Silero VAD could not load; detecting speech by loudness instead (noisier rooms may cut turns early)", {
      error: (error as Error).message,
    });
    return new EnergyVoiceActivity();
  }
}
