import OpenAI from "openai";
import { providerErrorFrom } from "../../../core/resilience/provider-error.js";
import { type Embedder, type FusionWeights, l2Normalize } from "./types.js";

/** Any OpenAI-compatible /embeddings endpoint (OpenAI, Ollama, vLLM, LM Studio), asked for 384 dimensions. */
export class OpenAiEmbedder implements Embedder {
  readonly relevanceFloor = 0.3;
  // Not measured here (no real model offline): equal weights, the usual reciprocal rank fusion.
  readonly fusionWeights: FusionWeights = { keyword: 1, vector: 1 };
  readonly id: string;
  private readonly client: OpenAI;

  constructor(
    options: { apiKey?: string; baseUrl?: string; model: string },
    readonly dimensions = 384,
  ) {
    this.client = new OpenAI({ apiKey: options.apiKey ?? "not-needed", baseURL: options.baseUrl, maxRetries: 0 });
    this.model = options.model;
    this.id = `openai:${options.model}:${dimensions}`;
  }

  private readonly model: string;

  /** Unguarded: `GuardedEmbedder` gives each call its breaker, deadline and retries. SDK errors become typed `ProviderError`s. */
  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    let response;
    try {
      response = await this.client.embeddings.create({ model: this.model, input: texts, dimensions: this.dimensions }, signal ? { signal } : {});
    } catch (error) {
      throw providerErrorFrom("openai", error);
    }
    return response.data
      .sort((a, b) => a.index - b.index)
      .map((item) => {
        if (item.embedding.length !== this.dimensions)
          throw new Error(`embedding model returned ${item.embedding.length} dimensions, expected ${this.dimensions}`);
        return l2Normalize(Float32Array.from(item.embedding));
      });
  }
}
