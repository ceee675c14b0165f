import type { Logger } from "../../../core/logger.js";
import { type Embedder, type FusionWeights } from "./types.js";

export const LOCAL_MODEL = "Xenova/all-MiniLM-L6-v2"; // the ONNX export of sentence-transformers/all-MiniLM-L6-v2
const MAX_BATCH = 32;

type FeatureExtractor = (texts: string[], options: { pooling: "mean"; normalize: boolean }) => Promise<{ data: Float32Array; dims: number[] }>;

/**
 * sentence-transformers/all-MiniLM-L6-v2 (384 dimensions, quantized) run locally with transformers.js.
 * Loaded once; concurrent calls are gathered into batches so a burst of writes costs one model run.
 */
export class TransformersEmbedder implements Embedder {
  readonly relevanceFloor = 0.3;
  // Not measured here (the weights cannot be downloaded offline): equal weights, the usual reciprocal rank fusion.
  readonly fusionWeights: FusionWeights = { keyword: 1, vector: 1 };
  readonly id = `transformers:${LOCAL_MODEL}:q8`;
  readonly dimensions = 384;
  private queue: Array<{ text: string; resolve: (v: Float32Array) => void; reject: (e: unknown) => void }> = [];
  private flushing = false;

  private constructor(private readonly extract: FeatureExtractor) {}

  /** Loads the model from DATA_DIR/models, downloading it once when the machine is online. */
  static async load(cacheDir: string, logger: Logger): Promise<TransformersEmbedder> {
    const { env, pipeline } = await import("@huggingface/transformers");
    env.cacheDir = cacheDir;
    env.localModelPath = cacheDir;
    env.allowLocalModels = true;
    env.allowRemoteModels = process.env.HF_HUB_OFFLINE !== "1";
    const started = performance.now();
    const extractor = (await pipeline("feature-extraction", LOCAL_MODEL, { dtype: "q8" })) as unknown as FeatureExtractor;
    logger.info("local embedding model loaded", { model: LOCAL_MODEL, duration_ms: Math.round(performance.now() - started) });
    const embedder = new TransformersEmbedder(extractor);
    await embedder.embed(["warm up"]);
    return embedder;
  }

  embed(texts: string[]): Promise<Float32Array[]> {
    const results = texts.map((text) => new Promise<Float32Array>((resolve, reject) => this.queue.push({ text, resolve, reject })));
    void this.flush();
    return Promise.all(results);
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const output = await this.extract(
            batch.map((b) => b.text),
            { pooling: "mean", normalize: true },
          );
          batch.forEach((item, i) => item.resolve(output.data.slice(i * this.dimensions, (i + 1) * this.dimensions)));
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
