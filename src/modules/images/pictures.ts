import type { Logger } from "../../core/logger.js";
import type { ProviderGuard } from "../../core/resilience/provider-guard.js";
import { cleanImage, type ImageLimits } from "./image-intake.js";
import type { ImageStore } from "./image-store.js";
import type { ImageGenerator } from "./generation/types.js";

/** A stored picture as a chat model's image content part wants it. */
export interface InlineImage {
  id: string;
  mime: string;
  /** `data:image/jpeg;base64,...` */
  dataUrl: string;
}

/**
 * What a turn can do with pictures: read the person's (for a vision model) and draw its own (through a
 * configured image endpoint, each behind its own guard). Bytes go from the store to the model call and
 * from the generator to the store; the graph only ever holds ids.
 */
export class Pictures {
  constructor(
    readonly store: ImageStore,
    private readonly limits: ImageLimits,
    private readonly generators: ReadonlyArray<{ generator: ImageGenerator; guard: ProviderGuard }>,
    private readonly logger: Logger,
  ) {}

  get canDraw(): boolean {
    return this.generators.length > 0;
  }

  /** The owner's pictures by id, inlined; an id that is gone is left out. */
  async inline(ownerId: string, ids: readonly string[]): Promise<InlineImage[]> {
    const found = await Promise.all(ids.map(async (id) => ({ id, image: await this.store.find(ownerId, id) })));
    return found.flatMap(({ id, image }) => (image ? [{ id, mime: image.mime, dataUrl: `data:${image.mime};base64,${image.bytes.toString("base64")}` }] : []));
  }

  /**
   * Draws `prompt` and stores the picture in the conversation; its id, or null when no endpoint could make
   * it (Rose then paints it in words). What came back is checked and re-encoded like a person's upload.
   */
  async draw(ownerId: string, sessionId: string, prompt: string, signal?: AbortSignal): Promise<string | null> {
    for (const { generator, guard } of this.generators) {
      try {
        const made = await guard.run((attempt) => generator.generate(prompt, attempt), signal ? { signal } : {});
        const clean = await cleanImage(made.bytes, this.limits);
        return await this.store.save(ownerId, sessionId, "rose", clean);
      } catch (error) {
        if (signal?.aborted) throw error;
        this.logger.warn("image generation failed; Rose will describe the picture in words", { provider: generator.provider, error: (error as Error).message });
      }
    }
    return null;
  }
}
