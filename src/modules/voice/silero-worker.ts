import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * Silero VAD's model runs on a worker thread of its own. onnxruntime-node's `session.run` is synchronous
 * on the calling thread (its promise only defers the call to setImmediate), so on the main thread every
 * batch of frames blocked the event loop: with twenty live calls that was about 40% of it while people
 * spoke, and every call's tokens, audio and timers waited behind it. On the worker the model uses the
 * machine's other core, and the event loop only posts frames and reads probabilities.
 *
 * The worker's code is plain JavaScript passed as a string (`eval: true`): a worker file would need tsx
 * under the dev server and tests but not in the build, and this way the same code runs everywhere. It
 * loads onnxruntime-node from the path the main thread resolved, so both use the same installation.
 */

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ort = require(workerData.ortPath);
const width = workerData.width;
(async () => {
  const session = await ort.InferenceSession.create(workerData.modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const missing = ["input", "state", "sr"].filter((name) => !session.inputNames.includes(name));
  if (missing.length > 0) throw new Error("the model at " + workerData.modelPath + ' has no input "' + missing[0] + '": not Silero VAD v5');
  const sr = new ort.Tensor("int64", BigInt64Array.from([16000n]), [1]);
  parentPort.on("message", async ({ id, n, input, state }) => {
    try {
      const out = await session.run({
        input: new ort.Tensor("float32", input, [n, width]),
        state: new ort.Tensor("float32", state, [2, n, 128]),
        sr,
      });
      const probabilities = Float32Array.from(out.output.data);
      const next = Float32Array.from(out.stateN.data);
      parentPort.postMessage({ id, probabilities, state: next }, [probabilities.buffer, next.buffer]);
    } catch (error) {
      parentPort.postMessage({ id, error: String(error && error.message ? error.message : error) });
    }
  });
  parentPort.postMessage({ ready: true });
})().catch((error) => parentPort.postMessage({ failed: String(error && error.message ? error.message : error) }));
`;

export interface SileroBatchResult {
  /** One speech probability per frame of the batch. */
  probabilities: Float32Array;
  /** The next state, laid out [2, N, 128] like the input state. */
  state: Float32Array;
}

interface WorkerReply {
  id?: number;
  ready?: true;
  failed?: string;
  error?: string;
  probabilities?: Float32Array;
  state?: Float32Array;
}

export class SileroWorker {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve(result: SileroBatchResult): void; reject(error: Error): void }>();
  private broken: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly width: number,
  ) {
    worker.on("message", (reply: WorkerReply) => {
      if (reply.id === undefined) return;
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) worker.unref();
      if (reply.error !== undefined) waiter?.reject(new Error(`Silero VAD could not classify: ${reply.error}`));
      else waiter?.resolve({ probabilities: reply.probabilities!, state: reply.state! });
    });
    const fail = (error: Error) => {
      this.broken ??= error;
      for (const waiter of this.waiting.values()) waiter.reject(this.broken);
      this.waiting.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the Silero VAD worker stopped (exit code ${code})`)));
    // Idle, never what keeps the process alive (shutdown does not wait on the detector); referenced while a batch is out.
    worker.unref();
  }

  /** Starts the worker and loads the model in it; rejects when the runtime or the model cannot load. */
  static start(modelPath: string, width: number): Promise<SileroWorker> {
    const ortPath = createRequire(import.meta.url).resolve("onnxruntime-node");
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath, modelPath, width } });
    return new Promise((resolve, reject) => {
      const onMessage = (reply: WorkerReply) => {
        if (reply.ready) {
          cleanup();
          resolve(new SileroWorker(worker, width));
        } else if (reply.failed !== undefined) {
          cleanup();
          void worker.terminate();
          reject(new Error(reply.failed));
        }
      };
      const onError = (error: Error) => {
        cleanup();
        void worker.terminate();
        reject(error);
      };
      const cleanup = () => {
        worker.off("message", onMessage);
        worker.off("error", onError);
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
    });
  }

  /** Runs one batch: `input` [N, width], `state` [2, N, 128]; both buffers move to the worker. */
  run(n: number, input: Float32Array<ArrayBuffer>, state: Float32Array<ArrayBuffer>): Promise<SileroBatchResult> {
    if (this.broken) return Promise.reject(this.broken);
    if (input.length !== n * this.width) return Promise.reject(new Error(`a batch of ${n} frames needs ${n * this.width} samples, got ${input.length}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, n, input, state }, [input.buffer, state.buffer]);
    });
  }

  /** True once the worker has died: the detector then stands in with loudness. */
  get failed(): boolean {
    return this.broken !== null;
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
