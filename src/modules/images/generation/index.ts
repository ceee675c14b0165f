import type { CapabilitySpec } from "../../../core/providers.js";
import { openAiImages } from "./openai-images.js";
import type { ImageGenerator } from "./types.js";

/** Image generation providers, one line each. Off by default: only a configured endpoint is used. */
export const IMAGE_GENERATION_PROVIDERS = [openAiImages] as const;

export const IMAGE_GENERATION_CAPABILITY: CapabilitySpec<ImageGenerator, void> = {
  label: "image generation",
  listVariable: "IMAGE_GENERATION_PROVIDERS",
  singleVariable: "IMAGE_GENERATION_PROVIDER",
  providers: IMAGE_GENERATION_PROVIDERS,
  allowsNone: true,
};
