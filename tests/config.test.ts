import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_MODELS, loadConfig } from "../src/core/config.js";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("configuration", () => {
  it("boots with no variables at all: embedded defaults, no chat model", () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe("./data");
    expect(config.llm.provider).toBeNull();
    expect(config.speech.ttsProvider).toBe("espeak");
    expect(config.summary).toEqual({ trigger: 30, keep: 10 });
    expect(config.memory.topK).toBe(5);
    expect(config.rateLimitPerMinute).toBe(30);
  });

  it("picks Groq when its key is set, else an OpenAI-compatible server when its URL or key is set", () => {
    expect(loadConfig({ GROQ_API_KEY: "k" }).llm).toMatchObject({ provider: "groq", chatModel: DEFAULT_MODELS.groq.chat });
    expect(loadConfig({ OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" }).llm).toMatchObject({ provider: "openai", chatModel: DEFAULT_MODELS.openai.chat });
    expect(loadConfig({ GROQ_API_KEY: "k", OPENAI_API_KEY: "o", LLM_PROVIDER: "openai" }).llm.provider).toBe("openai");
    expect(loadConfig({ GROQ_API_KEY: "k", CHAT_MODEL: "my-model" }).llm.chatModel).toBe("my-model");
  });

  it("names the variable and the fix for malformed values", () => {
    const problems = problemsOf({ PORT: "eighty", OPENAI_BASE_URL: "not a url", LLM_PROVIDER: "anthropic" });
    expect(problems.find((p) => p.startsWith("PORT:"))).toMatch(/whole number/);
    expect(problems.find((p) => p.startsWith("OPENAI_BASE_URL:"))).toMatch(/full URL/);
    expect(problems.find((p) => p.startsWith("LLM_PROVIDER:"))).toMatch(/groq or openai/);
  });

  it("rejects contradictory settings", () => {
    expect(problemsOf({ LLM_PROVIDER: "groq" })).toEqual([expect.stringMatching(/needs GROQ_API_KEY/)]);
    expect(problemsOf({ SUMMARY_TRIGGER: "10", SUMMARY_KEEP: "10" })).toEqual([expect.stringMatching(/SUMMARY_KEEP .* smaller than SUMMARY_TRIGGER/)]);
    expect(problemsOf({ DEFAULT_TIMEZONE: "Mars/Olympus" })).toEqual([expect.stringMatching(/IANA time zone/)]);
  });

  it("refuses weak secrets, wildcard CORS and a missing model in production", () => {
    const problems = problemsOf({ ENVIRONMENT: "production", JWT_SECRET: "short", CORS_ORIGINS: "*" });
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^JWT_SECRET must be set/), expect.stringMatching(/^CORS_ORIGINS must list explicit origins/), expect.stringMatching(/production needs a chat model/)]),
    );
    expect(problemsOf({ ENVIRONMENT: "production", JWT_SECRET: "x".repeat(40), CORS_ORIGINS: "https://rose.example", GROQ_API_KEY: "k" })).toEqual([]);
  });
});
