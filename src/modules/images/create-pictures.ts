import type { Config } from "../../core/config.js";
import type { Logger } from "../../core/logger.js";
import { instantiate } from "../../core/providers.js";
import type { ProviderGuards } from "../../core/resilience/guards.js";
import type { ImageStore } from "./image-store.js";
import { Pictures } from "./pictures.js";

/** Pictures from the configuration: the store, the intake limits, and the image endpoints (each behind its own guard). */
export function createPictures(config: Config, store: ImageStore, guards: ProviderGuards, logger: Logger): Pictures {
  const generators = instantiate(config.images.generation, undefined).map((generator) => ({
    generator,
    guard: guards.guard(`images:${generator.provider}`, "llm"),
  }));
  logger.info("pictures configured", {
    image_generation: generators.map((g) => `${g.generator.provider} (${g.generator.model})`).join(", then ") || "none (Rose describes pictures in words)",
  });
  return new Pictures(store, config.images, generators, logger);
}
