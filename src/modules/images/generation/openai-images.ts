import OpenAI from "openai";
import { z } from "zod";
import { optionalString, url } from "../../../core/env-schema.js";
import { defineProvider } from "../../../core/providers.js";
import { ProviderError, providerErrorFrom } from "../../../core/resilience/provider-error.js";
import type { GeneratedImage, ImageGenerator } from "./types.js";

export const OPENAI_IMAGE_DEFAULTS = { model: "gpt-image-1", size: "1024x1024" } as const;

/**
 * `POST /images/generations` of OpenAI or any server that speaks it (LocalAI, a Stable Diffusion or FLUX
 * gateway): one picture, returned inline as base64 (b64_json), so nothing is fetched from a third URL.
 */
export class OpenAiImageGenerator implements ImageGenerator {
  readonly provider = "openai";
  private readonly client: OpenAI;

  constructor(private readonly options: { apiKey?: string; baseUrl?: string; model: string; size: string }) {
    this.client = new OpenAI({ apiKey: options.apiKey ?? "not-needed", baseURL: options.baseUrl, maxRetries: 0 });
  }

  get model(): string {
    return this.options.model;
  }

  async generate(prompt: string, signal: AbortSignal): Promise<GeneratedImage> {
    let b64: string | undefined;
    try {
      // gpt-image models always answer in base64 and refuse the parameter; DALL·E and most servers need it.
      const format = this.options.model.startsWith("gpt-image") ? {} : { response_format: "b64_json" as const };
      const response = await this.client.images.generate({ model: this.options.model, prompt, n: 1, size: this.options.size, ...format }, { signal });
      b64 = response.data?.[0]?.b64_json ?? undefined;
    } catch (error) {
      throw providerErrorFrom(this.provider, error);
    }
    if (!b64) throw new ProviderError({ provider: this.provider, kind: "server", message: "the image endpoint answered without b64_json" });
    return { bytes: Buffer.from(b64, "base64") };
  }
}

/** Off unless IMAGE_GENERATION_BASE_URL or IMAGE_GENERATION_API_KEY is set: an OpenAI key for chat does not mean paying for pictures. */
export const openAiImages = defineProvider({
  id: "openai",
  env: () =>
    z
      .object({
        IMAGE_GENERATION_API_KEY: optionalString,
        IMAGE_GENERATION_BASE_URL: url.optional(),
        IMAGE_GENERATION_MODEL: optionalString,
        IMAGE_GENERATION_SIZE: z
          .string()
          .regex(/^\d{2,4}x\d{2,4}$/, { error: "use WIDTHxHEIGHT such as 1024x1024" })
          .optional(),
      })
      .transform((env) => ({
        apiKey: env.IMAGE_GENERATION_API_KEY,
        baseUrl: env.IMAGE_GENERATION_BASE_URL,
        model: env.IMAGE_GENERATION_MODEL ?? OPENAI_IMAGE_DEFAULTS.model,
        size: env.IMAGE_GENERATION_SIZE ?? OPENAI_IMAGE_DEFAULTS.size,
      })),
  missing: (s) => (s.apiKey || s.baseUrl ? null : "needs IMAGE_GENERATION_API_KEY, or IMAGE_GENERATION_BASE_URL for an OpenAI-compatible image server"),
  autoSelect: (s) => s.baseUrl !== undefined || s.apiKey !== undefined,
  create: (s): ImageGenerator => new OpenAiImageGenerator(s),
});
