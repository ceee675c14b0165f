import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type Config, ConfigError, loadConfig } from "../src/core/config.js";
import { GROQ_DEFAULT_MODELS } from "../src/modules/llm/providers/groq.js";
import { OPENAI_DEFAULT_MODELS } from "../src/modules/llm/providers/openai.js";
import { STT_DEFAULT_MODELS } from "../src/modules/speech/stt/whisper-api.js";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** The chat chain as configured: each provider's id and its models. */
const chatChain = (config: Config) => config.llm.providers.map((p) => ({ id: p.id, ...(p.settings as { chatModel: string; smallModel: string }) }));

/** What `openssl rand -hex 32` gives. */
const STRONG_SECRET = "3f9c1e7a5b2d48c6a0e9f7b1d3c5e8a2947b6d1f0c3e5a8b7d2f4c6e9a1b3d5f";
const PRODUCTION = { ENVIRONMENT: "production", JWT_SECRET: STRONG_SECRET, CORS_ORIGINS: "https://rose.example", GROQ_API_KEY: "k" };

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
    expect(chatChain(loadConfig({ GROQ_API_KEY: "k" }))).toEqual([
      { id: "groq", apiKey: "k", chatModel: GROQ_DEFAULT_MODELS.chat, smallModel: GROQ_DEFAULT_MODELS.small },
    ]);
    expect(chatChain(loadConfig({ OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" }))).toMatchObject([{ id: "openai", chatModel: OPENAI_DEFAULT_MODELS.chat }]);
    expect(loadConfig({ GROQ_API_KEY: "k", OPENAI_API_KEY: "o", LLM_PROVIDER: "openai" }).llm.provider).toBe("openai");
    expect(chatChain(loadConfig({ GROQ_API_KEY: "k", CHAT_MODEL: "my-model" }))[0]).toMatchObject({ chatModel: "my-model" });
    // Both keys set, one provider named: no second provider is used behind the person's back.
    expect(chatChain(loadConfig({ GROQ_API_KEY: "k", OPENAI_API_KEY: "o" })).map((p) => p.id)).toEqual(["groq"]);
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
      expect.arrayContaining([
        expect.stringMatching(/^JWT_SECRET must be set/),
        expect.stringMatching(/^CORS_ORIGINS must list explicit origins/),
        expect.stringMatching(/production needs a chat model/),
      ]),
    );
    expect(problemsOf({ ENVIRONMENT: "production", JWT_SECRET: STRONG_SECRET, CORS_ORIGINS: "https://rose.example", GROQ_API_KEY: "k" })).toEqual([]);
  });

  it("refuses a long but repetitive JWT_SECRET in production and says how to make one", () => {
    for (const secret of ["a".repeat(32), "ab".repeat(24), "changeme".repeat(5)]) {
      const problems = problemsOf({ ...PRODUCTION, JWT_SECRET: secret });
      expect(problems).toEqual([expect.stringMatching(/^JWT_SECRET is too predictable .*openssl rand -hex 32/)]);
    }
    expect(problemsOf({ JWT_SECRET: "a".repeat(32) })).toEqual([]); // development takes what it is given
  });

  it("judges JWT_SECRET by its randomness, not its length or its distinct characters", () => {
    // 32 characters, 21 distinct, and nothing but a word, a run of digits, the word again and a shorter run.
    for (const secret of [
      "password1234567890password123456",
      "0123456789abcdef".repeat(3),
      "P@ssw0rd!".repeat(4),
      "qwertyuiopasdfghjklzxcvbnm123456",
      "MySuperSecretSigningKeyForRose2024",
    ]) {
      expect(problemsOf({ ...PRODUCTION, JWT_SECRET: secret }), secret).toEqual([
        expect.stringMatching(/^JWT_SECRET is too predictable \(about \d+ bits of randomness/),
      ]);
    }
    // What `openssl rand -hex 32` and `openssl rand -base64 32` print always passes.
    for (let i = 0; i < 200; i++) {
      for (const secret of [randomBytes(32).toString("hex"), randomBytes(32).toString("base64")])
        expect(problemsOf({ ...PRODUCTION, JWT_SECRET: secret }), secret).toEqual([]);
    }
  });

  it("never repeats the value of a variable that may hold a secret in its problems", () => {
    const key = "sk-proj-Q2xhdWRlIHNheXMgaGkgdG8gdGhlIHJldmlld2Vy";
    const problems = problemsOf({
      OPENAI_BASE_URL: key,
      GROQ_BASE_URL: `gsk_${"x1y2".repeat(8)}`,
      QDRANT_URL: "my-qdrant-password",
      PORT: "sk-live-5f2b9c81d04e7a63",
    });
    expect(problems).toHaveLength(4);
    expect(problems.find((p) => p.startsWith("OPENAI_BASE_URL:"))).toMatch(/full URL .*the value is not shown/);
    for (const problem of problems) {
      for (const leaked of [key, "x1y2x1y2", "qdrant-password", "5f2b9c81d04e7a63"]) expect(problem).not.toContain(leaked);
    }
    // A key pasted into a variable that takes a choice is not shown either; a misspelt choice is.
    expect(problemsOf({ LLM_PROVIDER: key })).toEqual([
      expect.stringMatching(/^LLM_PROVIDER: use groq or openai \(the value is not shown: it looks like a key/),
    ]);
    expect(problemsOf({ LLM_PROVIDER: "anthropic", LOG_LEVEL: "loud" })).toEqual([
      'LOG_LEVEL: use error, warn, info, debug or silent (got "loud")',
      'LLM_PROVIDER: use groq or openai (got "anthropic")',
    ]);
  });

  it("refuses the literal origin null in production like a wildcard", () => {
    expect(problemsOf({ ...PRODUCTION, CORS_ORIGINS: "https://rose.example, null" })).toEqual([
      expect.stringMatching(/^CORS_ORIGINS must list explicit origins in production, not null/),
    ]);
    expect(problemsOf({ ...PRODUCTION, CORS_ORIGINS: "*,NULL" })).toEqual([expect.stringMatching(/^CORS_ORIGINS .* not \* or NULL/)]);
    expect(problemsOf({ ...PRODUCTION, CORS_ORIGINS: "" })).toEqual([]);
  });

  it("refuses STT, TTS or embeddings on OpenAI without a key or base URL, as for the chat model", () => {
    for (const name of ["STT_PROVIDER", "TTS_PROVIDER", "EMBEDDINGS_PROVIDER"]) {
      expect(problemsOf({ ...PRODUCTION, [name]: "openai" })).toEqual([
        `${name}=openai needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server`,
      ]);
      expect(problemsOf({ [name]: "openai" })).toEqual([expect.stringMatching(new RegExp(`^${name}=openai needs OPENAI_API_KEY`))]);
      // An OpenAI-compatible server may need no key; a key alone means api.openai.com.
      expect(problemsOf({ ...PRODUCTION, [name]: "openai", OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" })).toEqual([]);
      expect(problemsOf({ ...PRODUCTION, [name]: "openai", OPENAI_API_KEY: "o" })).toEqual([]);
    }
    const config = loadConfig({ ...PRODUCTION, STT_PROVIDER: "openai", TTS_PROVIDER: "openai", EMBEDDINGS_PROVIDER: "openai", OPENAI_API_KEY: "o" });
    expect(config.speech).toMatchObject({ sttProvider: "openai", ttsProvider: "openai" });
    expect(config.speech.stt[0]!.settings).toMatchObject({ model: STT_DEFAULT_MODELS.openai });
    expect(config.memory.embeddingsProvider).toBe("openai");
  });

  it("reads REQUIRE_AUTHENTICATION and the account settings, refusing WebAuthn origins and RP IDs that are not plain origins and host names", () => {
    expect(loadConfig({ REQUIRE_AUTHENTICATION: "true" }).requireAuthentication).toBe(true);
    expect(loadConfig({ REQUIRE_AUTHENTICATION: "false" }).requireAuthentication).toBe(false);
    expect(loadConfig({}).auth).toMatchObject({ maxFailedLogins: 5, lockoutMs: 15 * 60_000, accessTokenSeconds: 900, webauthnOrigins: [] });
    expect(loadConfig({ WEBAUTHN_RP_ID: "Rose.Example", WEBAUTHN_ORIGINS: "https://rose.example, http://localhost:8080" }).auth).toMatchObject({
      webauthnRpId: "rose.example",
      webauthnOrigins: ["https://rose.example", "http://localhost:8080"],
    });
    expect(problemsOf({ WEBAUTHN_ORIGINS: "https://rose.example/app" })).toEqual([expect.stringMatching(/^WEBAUTHN_ORIGINS: each entry must be an origin/)]);
    expect(problemsOf({ WEBAUTHN_RP_ID: "https://rose.example" })).toEqual([expect.stringMatching(/^WEBAUTHN_RP_ID must be a host name/)]);
    expect(problemsOf({ AUTH_LOCKOUT_MINUTES: "0" })).toEqual([expect.stringMatching(/^AUTH_LOCKOUT_MINUTES: must be above 0/)]);
  });

  it("reads TRUST_PROXY as a hop count, a boolean or Express's named ranges, trusting only loopback by default", () => {
    expect(loadConfig({}).trustProxy).toBe("loopback");
    expect(loadConfig({ TRUST_PROXY: "" }).trustProxy).toBe("loopback");
    expect(loadConfig({ TRUST_PROXY: "1" }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: "true" }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: "false" }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "loopback, 10.0.0.0/8, fd00::1" }).trustProxy).toBe("loopback,10.0.0.0/8,fd00::1");
    for (const bad of ["yes", "one", "10.0.0.0/33", "loopback,proxy.example"]) {
      expect(problemsOf({ TRUST_PROXY: bad })).toEqual([expect.stringMatching(/^TRUST_PROXY: use a hop count such as 1/)]);
    }
  });

  it("reads provider chains: LLM_PROVIDERS, STT_PROVIDERS and TTS_PROVIDERS in order, each provider with its own models", () => {
    const both = { GROQ_API_KEY: "g", OPENAI_API_KEY: "o" };
    const config = loadConfig({ ...both, LLM_PROVIDERS: "groq, openai", CHAT_MODEL: "llama-big", OPENAI_CHAT_MODEL: "gpt-fallback" });
    expect(chatChain(config)).toMatchObject([
      { id: "groq", chatModel: "llama-big", smallModel: GROQ_DEFAULT_MODELS.small },
      // CHAT_MODEL is the first provider's: the fallback keeps its own (or its default).
      { id: "openai", chatModel: "gpt-fallback", smallModel: OPENAI_DEFAULT_MODELS.small },
    ]);
    expect(config.llm.provider).toBe("groq");
    expect(chatChain(loadConfig({ ...both, LLM_PROVIDERS: "openai,groq" })).map((p) => p.id)).toEqual(["openai", "groq"]);

    // Speech recognition: every recogniser whose credentials are set, Groq first, unless named.
    const ids = (chain: Array<{ id: string }>) => chain.map((p) => p.id);
    expect(ids(loadConfig(both).speech.stt)).toEqual(["groq", "openai"]);
    expect(ids(loadConfig({ ...both, STT_PROVIDER: "openai" }).speech.stt)).toEqual(["openai"]);
    expect(ids(loadConfig({ ...both, STT_PROVIDERS: "openai,groq", STT_MODEL: "big-whisper" }).speech.stt)).toEqual(["openai", "groq"]);
    expect(
      loadConfig({ ...both, STT_PROVIDERS: "openai,groq", STT_MODEL: "big-whisper" }).speech.stt.map((p) => (p.settings as { model: string }).model),
    ).toEqual(["big-whisper", STT_DEFAULT_MODELS.groq]);
    expect(ids(loadConfig({ ...both, STT_PROVIDER: "none" }).speech.stt)).toEqual([]);

    // Speech synthesis: espeak-ng behind whichever voice is chosen, unless TTS_PROVIDERS names the whole chain.
    expect(ids(loadConfig({}).speech.tts)).toEqual(["espeak"]);
    expect(ids(loadConfig({ ELEVENLABS_API_KEY: "e" }).speech.tts)).toEqual(["elevenlabs", "espeak"]);
    expect(ids(loadConfig({ ...both, TTS_PROVIDER: "openai" }).speech.tts)).toEqual(["openai", "espeak"]);
    expect(ids(loadConfig({ ELEVENLABS_API_KEY: "e", TTS_PROVIDERS: "elevenlabs" }).speech.tts)).toEqual(["elevenlabs"]);
    expect(ids(loadConfig({ ELEVENLABS_API_KEY: "e", ...both, TTS_PROVIDERS: "elevenlabs,openai,espeak" }).speech.tts)).toEqual([
      "elevenlabs",
      "openai",
      "espeak",
    ]);
    expect(ids(loadConfig({ ELEVENLABS_API_KEY: "e", TTS_PROVIDER: "none" }).speech.tts)).toEqual([]);
  });

  it("says how to fix a chain: unknown or repeated providers, and providers missing their credentials", () => {
    expect(problemsOf({ LLM_PROVIDERS: "groq,anthropic", GROQ_API_KEY: "g" })).toEqual([
      'LLM_PROVIDERS: unknown chat model provider (got "anthropic"); list groq or openai in order of preference, comma-separated',
    ]);
    expect(problemsOf({ LLM_PROVIDERS: "groq,openai", LLM_PROVIDER: "openai", GROQ_API_KEY: "g", OPENAI_API_KEY: "o" })).toEqual([
      "LLM_PROVIDER disagrees with LLM_PROVIDERS, which starts with groq: set only LLM_PROVIDERS",
    ]);
    expect(problemsOf({ LLM_PROVIDERS: "groq,groq", GROQ_API_KEY: "g" })).toEqual(["LLM_PROVIDERS: each provider may appear once"]);
    expect(problemsOf({ LLM_PROVIDERS: "groq,openai", GROQ_API_KEY: "g" })).toEqual([
      "LLM_PROVIDERS lists openai, which needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server",
    ]);
    expect(problemsOf({ TTS_PROVIDERS: "elevenlabs,espeak" })).toEqual([
      expect.stringMatching(/^TTS_PROVIDERS lists elevenlabs, which needs ELEVENLABS_API_KEY/),
    ]);
    expect(problemsOf({ STT_PROVIDERS: "none,groq", GROQ_API_KEY: "g" })).toEqual(["STT_PROVIDERS: none cannot be combined with providers"]);
    expect(problemsOf({ STT_PROVIDER: "deepgram" })).toEqual(['STT_PROVIDER: use groq, openai or none (got "deepgram")']);
    expect(problemsOf({ TTS_PROVIDER: "cartesia" })).toEqual(['TTS_PROVIDER: use elevenlabs, openai, espeak or none (got "cartesia")']);
    // A provider's own variables are validated whether or not it is in the chain.
    expect(problemsOf({ ELEVENLABS_BASE_URL: "eleven" })).toEqual([expect.stringMatching(/^ELEVENLABS_BASE_URL: must be a full URL .*the value is not shown/)]);
    expect(problemsOf({ ELEVENLABS_API_KEY: "e", ELEVENLABS_STREAMING: "sse" })).toEqual([
      expect.stringMatching(/^ELEVENLABS_STREAMING: use http \(sentence by sentence\) or websocket/),
    ]);
    expect(problemsOf({ ELEVENLABS_API_KEY: "e", ELEVENLABS_STREAMING: "websocket" })).toEqual([]);
  });
});
