/**
 * Turns text into vectors. `id` names the model and its settings: vectors from different embedders live
 * in different spaces, so every stored vector records the id that made it and searches only compare
 * vectors of the current embedder.
 */
export interface Embedder {
  readonly id: string;
  readonly dimensions: number;
  /** Cosine similarity below which a memory is not relevant enough to inject (model-specific scale). */
  readonly relevanceFloor: number;
  /**
   * How much each retriever's list counts in fusion, as this embedder's vectors deserve: a model that knows
   * meaning earns a weight near the keywords', the lexical fallback (word overlap without word weighting)
   * only enough to break ties among keyword hits. Chosen on `npm run bench -- memory-quality`.
   */
  readonly fusionWeights: FusionWeights;
  /** `signal` ends a remote call early (the guard's per-attempt deadline); local embedders may ignore it. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export interface FusionWeights {
  keyword: number;
  vector: number;
}

export function l2Normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}

/** Cosine similarity of two L2-normalised vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}
