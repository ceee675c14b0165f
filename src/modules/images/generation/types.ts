/** A picture a model made, as it came back (it is checked and re-encoded before it is stored). */
export interface GeneratedImage {
  bytes: Buffer;
}

/** One image-generation provider, unguarded (the caller wraps it in a guard), raising ProviderErrors. */
export interface ImageGenerator {
  readonly provider: string;
  readonly model: string;
  generate(prompt: string, signal: AbortSignal): Promise<GeneratedImage>;
}
