import type { ProviderGuard } from "../../../core/resilience/provider-guard.js";
import type { Embedder, FusionWeights } from "./types.js";

/**
 * A remote embedder behind its guard (breaker, per-attempt deadline, retries of transient failures), so
 * the embedder itself stays a plain provider and the guard is applied where the service is assembled.
 */
export class GuardedEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  readonly relevanceFloor: number;
  readonly fusionWeights: FusionWeights;

  constructor(
    private readonly inner: Embedder,
    private readonly guard: ProviderGuard,
  ) {
    ({ id: this.id, dimensions: this.dimensions, relevanceFloor: this.relevanceFloor, fusionWeights: this.fusionWeights } = inner);
  }

  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    return this.guard.run((attempt) => this.inner.embed(texts, attempt), signal ? { signal } : {});
  }
}
