import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/core/config.js";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const settingsOf = (providers: ReadonlyArray<{ id: string; settings: unknown }>) => providers.map((p) => ({ id: p.id, ...(p.settings as object) }));

describe("configuration of pictures", () => {
  it("has bounded defaults and no image generation unless an endpoint or key is set", () => {
    const config = loadConfig({});
    expect(config.images).toMatchObject({ maxBytes: 10 * 1024 * 1024, maxPixels: 40_000_000, maxFrames: 100, maxPerMessage: 4, generation: [] });
    // An OpenAI key for chat does not mean paying for pictures.
    expect(loadConfig({ OPENAI_API_KEY: "o" }).images.generation).toEqual([]);
    expect(settingsOf(loadConfig({ IMAGE_GENERATION_BASE_URL: "http://127.0.0.1:7860/v1" }).images.generation)).toEqual([
      { id: "openai", baseUrl: "http://127.0.0.1:7860/v1", model: "gpt-image-1", size: "1024x1024" },
    ]);
    expect(loadConfig({ IMAGE_GENERATION_API_KEY: "k", IMAGE_GENERATION_PROVIDER: "none" }).images.generation).toEqual([]);
  });

  it("takes a vision model per provider, never guessed", () => {
    const vision = (env: Record<string, string>) => loadConfig(env).llm.providers.map((p) => (p.settings as { visionModel?: string }).visionModel);
    expect(vision({ GROQ_API_KEY: "k" })).toEqual([undefined]);
    expect(vision({ GROQ_API_KEY: "k", GROQ_VISION_MODEL: "meta-llama/llama-4-scout-17b-16e-instruct" })).toEqual([
      "meta-llama/llama-4-scout-17b-16e-instruct",
    ]);
    expect(vision({ GROQ_API_KEY: "k", OPENAI_API_KEY: "o", LLM_PROVIDERS: "groq,openai", VISION_MODEL: "v", OPENAI_VISION_MODEL: "gpt-4o-mini" })).toEqual([
      "v",
      "gpt-4o-mini",
    ]);
  });

  it("names the variable and the fix for malformed picture settings, never echoing a key", () => {
    const problems = problemsOf({ MAX_IMAGES_PER_MESSAGE: "40", IMAGE_GENERATION_SIZE: "big", IMAGE_GENERATION_PROVIDER: "openai" });
    expect(problems.find((p) => p.startsWith("MAX_IMAGES_PER_MESSAGE:"))).toMatch(/at most 10/);
    expect(problems.find((p) => p.startsWith("IMAGE_GENERATION_SIZE:"))).toMatch(/WIDTHxHEIGHT/);
    expect(problemsOf({ IMAGE_GENERATION_PROVIDER: "openai" })).toEqual([
      expect.stringMatching(/needs IMAGE_GENERATION_API_KEY, or IMAGE_GENERATION_BASE_URL/),
    ]);
    expect(problemsOf({ IMAGE_GENERATION_BASE_URL: "sk-secret-key-pasted-here" }).join(" ")).not.toContain("sk-secret");
  });
});
