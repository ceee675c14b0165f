import { isIP } from "node:net";
import { z } from "zod";
import type { ChatProvider, ChatProviderContext } from "../modules/llm/chat-provider.js";
import { CHAT_CAPABILITY } from "../modules/llm/providers/index.js";
import { CrisisResources } from "../modules/care/crisis-resources.js";
import { BUILT_IN_CARDS_DIR, type CharacterCard } from "../modules/character/card.js";
import { loadCardFolders } from "../modules/character/card-files.js";
import { STT_CAPABILITY } from "../modules/speech/stt/index.js";
import { STREAMING_STT_CAPABILITY } from "../modules/speech/stt/streaming.js";
import type { StreamingSpeechToText } from "../modules/speech/stt/streaming-types.js";
import { TTS_CAPABILITY } from "../modules/speech/tts/index.js";
import { IMAGE_GENERATION_CAPABILITY } from "../modules/images/generation/index.js";
import type { ImageGenerator } from "../modules/images/generation/types.js";
import type { SpeechToText, TextToSpeech } from "../modules/speech/types.js";
import { booleanish, optionalString, positiveInt, url } from "./env-schema.js";
import { type ResolvedProvider, resolveChain } from "./providers.js";
import { estimateSecretBits } from "./secret-strength.js";

/**
 * Configuration comes only from the environment. Every variable is validated once at start-up so a
 * typo fails loudly with the variable's name and how to fix it, instead of surfacing mid-conversation.
 */

/** Express's named proxy ranges (see `app.set("trust proxy", ...)`). */
const NAMED_PROXY_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);

function isProxyAddress(item: string): boolean {
  if (NAMED_PROXY_RANGES.has(item)) return true;
  const [address = "", prefix, ...rest] = item.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * Which peers may set X-Forwarded-For (Express's `trust proxy`): a hop count, true/false, or a
 * comma-separated list of named ranges and addresses/subnets. Trusting too much lets any client
 * pick its own IP and dodge the per-IP rate limit, so the default trusts only a proxy on this host.
 */
export type TrustProxy = boolean | number | string;

const trustProxy = z
  .string()
  .trim()
  .transform((v) => v.toLowerCase())
  .refine((v) => v === "" || v === "true" || v === "false" || /^\d{1,2}$/.test(v) || v.split(",").every((item) => isProxyAddress(item.trim())), {
    error:
      "use a hop count such as 1 (one proxy in front, e.g. Railway), true or false, or loopback, linklocal, uniquelocal or IP addresses/subnets, comma-separated",
  })
  .transform((v): TrustProxy =>
    v === ""
      ? "loopback"
      : v === "true"
        ? true
        : v === "false"
          ? false
          : /^\d+$/.test(v)
            ? Number(v)
            : v
                .split(",")
                .map((item) => item.trim())
                .join(","),
  );

const envSchema = z.object({
  PORT: positiveInt(0, 65535).default(8080),
  HOST: z.string().default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./data"),
  ENVIRONMENT: z.enum(["development", "production", "test"], { error: "use development or production" }).default("development"),
  LOG_LEVEL: z
    .enum(["silent", "error", "warn", "info", "http", "verbose", "debug", "silly"], { error: "use error, warn, info, debug or silent" })
    .default("info"),

  // Chat, speech recognition and speech synthesis providers declare their own variables (GROQ_*,
  // OPENAI_*, ELEVENLABS_*, *_MODEL...) next to their code: src/modules/llm/providers,
  // src/modules/speech/stt, src/modules/speech/tts. These two remain here for OpenAI embeddings.
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: url.optional(),
  LLM_TIMEOUT_MS: positiveInt(100).default(60_000),
  LLM_TEMPERATURE: z.coerce.number().min(0).max(2).default(0.7),

  MAX_AUDIO_MB: positiveInt(1, 25).default(10),
  // Pictures in chat: per file, per frame (checked from the header, before decoding), per animation, per message.
  MAX_IMAGE_MB: positiveInt(1, 50).default(10),
  MAX_IMAGE_MEGAPIXELS: positiveInt(1, 200).default(40),
  MAX_IMAGE_FRAMES: positiveInt(1, 1000).default(100),
  MAX_IMAGES_PER_MESSAGE: positiveInt(1, 10).default(4),
  // Live voice (GET /api/v1/voice/live): the pause that ends a turn, the voice detector, how long a silent socket stays open.
  VOICE_END_OF_TURN_MS: positiveInt(100, 5000).default(700),
  VOICE_VAD: z.enum(["silero", "energy"], { error: "use silero (the model) or energy (loudness only)" }).default("silero"),
  VOICE_LIVE_IDLE_SECONDS: positiveInt(5, 3600).default(30),

  EMBEDDINGS_PROVIDER: z.enum(["local", "openai"], { error: "use local or openai" }).default("local"),
  EMBEDDINGS_MODEL: optionalString,
  QDRANT_URL: url.optional(),
  QDRANT_API_KEY: optionalString,
  DATABASE_URL: optionalString,
  REDIS_URL: optionalString,

  TRUST_PROXY: trustProxy.default("loopback"),
  CORS_ORIGINS: z.string().default(""),
  JWT_SECRET: optionalString,
  METRICS_TOKEN: optionalString,
  REQUIRE_AUTHENTICATION: booleanish.default(false),
  // Accounts (src/modules/accounts): WebAuthn relying party, lockout, token lifetimes, sign-in rate limit.
  WEBAUTHN_RP_ID: optionalString,
  WEBAUTHN_ORIGINS: z.string().default(""),
  WEBAUTHN_RP_NAME: z.string().trim().min(1).default("Rose"),
  AUTH_MAX_FAILED_LOGINS: positiveInt(1, 100).default(5),
  AUTH_LOCKOUT_MINUTES: z.coerce.number({ error: "must be a number of minutes" }).positive({ error: "must be above 0" }).max(1440).default(15),
  ACCESS_TOKEN_MINUTES: z.coerce.number({ error: "must be a number of minutes" }).min(0.01).max(60).default(15),
  REFRESH_TOKEN_DAYS: positiveInt(1, 365).default(30),
  AUTH_RATE_LIMIT_PER_MINUTE: positiveInt(0).default(10),

  SUMMARY_TRIGGER: positiveInt(4, 1000).default(30),
  SUMMARY_KEEP: positiveInt(2, 500).default(10),
  MEMORY_TOP_K: positiveInt(1, 50).default(5),
  MAX_MESSAGE_CHARS: positiveInt(1, 100_000).default(4000),
  RATE_LIMIT_PER_MINUTE: positiveInt(0).default(30),
  DEFAULT_TIMEZONE: z.string().default("UTC"),
  SESSION_RETENTION_DAYS: positiveInt(1).default(7),
  AUDIO_TTL_MINUTES: positiveInt(1).default(60),
  BACKUP_KEEP: positiveInt(1, 365).default(7),
  BACKUP_INTERVAL_HOURS: positiveInt(1).default(24),

  PROVIDER_RETRIES: positiveInt(0, 10).default(2),
  BREAKER_ERROR_PERCENT: positiveInt(1, 100).default(50),
  BREAKER_MIN_CALLS: positiveInt(1).default(5),
  BREAKER_WINDOW_MS: positiveInt(1000).default(30_000),
  BREAKER_RESET_MS: positiveInt(100).default(30_000),
  STT_TIMEOUT_MS: positiveInt(100).default(30_000),
  TTS_TIMEOUT_MS: positiveInt(100).default(20_000),
  MEMORY_TIMEOUT_MS: positiveInt(100).default(5_000),

  // Companion layer: more character cards, the operator's crisis lines, when Rose may speak first.
  CHARACTERS_DIR: optionalString,
  CRISIS_RESOURCES_FILE: optionalString,
  OPENER_AFTER_MINUTES: positiveInt(0).default(360),
  PERCEPTION_TIMEOUT_MS: positiveInt(100).default(1_500),
});

export type ChatChain = ResolvedProvider<ChatProvider, ChatProviderContext>[];

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  environment: "development" | "production" | "test";
  logLevel: string;
  llm: {
    /** The first provider of the chain (the one that serves when all is well); null when none is configured. */
    provider: string | null;
    /** LLM_PROVIDERS (or LLM_PROVIDER, or the first configured), in order, each with its own validated settings. */
    providers: ChatChain;
    timeoutMs: number;
    temperature: number;
  };
  voiceLive: {
    endOfTurnMs: number;
    vad: "silero" | "energy";
    idleMs: number;
    /** STREAMING_STT_PROVIDERS (or every live recogniser whose credentials are set): Deepgram, OpenAI Realtime (only when named). */
    streamingStt: ResolvedProvider<StreamingSpeechToText, void>[];
  };
  speech: {
    /** The first recogniser, or "none". */
    sttProvider: string;
    /** STT_PROVIDERS (or STT_PROVIDER, or every recogniser whose credentials are set), in order. */
    stt: ResolvedProvider<SpeechToText, void>[];
    /** The first voice, or "none" for text-only replies. */
    ttsProvider: string;
    /** TTS_PROVIDERS (or TTS_PROVIDER, or the first configured, then espeak-ng as the last resort), in order. */
    tts: ResolvedProvider<TextToSpeech, void>[];
    maxAudioBytes: number;
  };
  images: {
    maxBytes: number;
    maxPixels: number;
    maxFrames: number;
    maxPerMessage: number;
    /** IMAGE_GENERATION_PROVIDER(S), or the provider whose IMAGE_GENERATION_* is set; empty: Rose paints in words. */
    generation: ResolvedProvider<ImageGenerator, void>[];
  };
  memory: {
    embeddingsProvider: "local" | "openai";
    /** OPENAI_API_KEY / OPENAI_BASE_URL, for EMBEDDINGS_PROVIDER=openai. */
    openai: { apiKey?: string; baseUrl?: string };
    embeddingsModel?: string;
    qdrantUrl?: string;
    qdrantApiKey?: string;
    topK: number;
  };
  databaseUrl?: string;
  redisUrl?: string;
  trustProxy: TrustProxy;
  corsOrigins: string[];
  jwtSecret?: string;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** True: nothing but sign-up, sign-in, refresh and health answers without an account. */
  requireAuthentication: boolean;
  /** Accounts: see src/modules/accounts and the README's "Accounts". */
  auth: {
    /** WEBAUTHN_RP_ID; when unset, the host name of the page that asks (its Origin). */
    webauthnRpId?: string;
    /** WEBAUTHN_ORIGINS; when empty, the page's own origin (the browser vouches for it) and CORS_ORIGINS. */
    webauthnOrigins: string[];
    webauthnRpName: string;
    maxFailedLogins: number;
    lockoutMs: number;
    accessTokenSeconds: number;
    refreshTokenMs: number;
    /** Sign-in and sign-up attempts per minute per address (0: off). */
    rateLimitPerMinute: number;
  };
  summary: { trigger: number; keep: number };
  maxMessageChars: number;
  rateLimitPerMinute: number;
  defaultTimezone: string;
  sessionRetentionDays: number;
  audioTtlMs: number;
  backup: { keep: number; intervalMs: number };
  companion: {
    /** The built-in cards and CHARACTERS_DIR's, validated (a broken card names its file and field). */
    cards: CharacterCard[];
    crisisResources: CrisisResources;
    openerAfterMs: number;
    perceptionTimeoutMs: number;
  };
  resilience: {
    retries: number;
    errorThresholdPercentage: number;
    volumeThreshold: number;
    rollingWindowMs: number;
    resetTimeoutMs: number;
    timeoutsMs: { llm: number; stt: number; tts: number; memory: number };
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * A long secret can still be trivially guessable ("a" × 32, "password1234567890password123456"): it is
 * judged by its estimated randomness (repeats, words, sequences and keyboard runs count for little).
 * The estimate is conservative: `openssl rand -hex 16` scores about 120 bits, `-hex 32` over 200.
 */
export const MIN_SECRET_BITS = 96;

/**
 * Variables whose values are never repeated in an error message, since the log may be read by more
 * people than the secret should be: keys, secrets, tokens, passwords, and URLs, which can carry
 * credentials (postgres://user:password@..., https://key@...) or be where a key was pasted by mistake.
 */
const MAY_HOLD_SECRET = /KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|AUTH|URL|URI|DSN/i;
/** Known API key shapes (OpenAI sk-, Groq gsk_, ElevenLabs sk_, xAI...), wherever they are pasted. */
const KEY_SHAPED = /^(sk|gsk|xai|pk|rk)[-_][A-Za-z0-9_-]{8,}|^Bearer\s/i;

/** How a rejected value is quoted in a problem: only when it is harmless (a misspelt choice, a word), never a secret. */
export function quoteRejected(name: string, value: string | undefined): string {
  if (value === undefined) return "";
  if (MAY_HOLD_SECRET.test(name)) return " (the value is not shown: this variable may hold a secret)";
  const looksSecret = KEY_SHAPED.test(value.trim()) || (value.length >= 16 && !/\s/.test(value) && estimateSecretBits(value) >= 64);
  if (looksSecret || value.length > 64) return " (the value is not shown: it looks like a key or a secret)";
  return ` (got ${JSON.stringify(value)})`;
}

function crossFieldProblems(env: z.infer<typeof envSchema>, chat: ChatChain): string[] {
  const problems: string[] = [];
  if (env.SUMMARY_KEEP >= env.SUMMARY_TRIGGER) {
    problems.push(`SUMMARY_KEEP (${env.SUMMARY_KEEP}) must be smaller than SUMMARY_TRIGGER (${env.SUMMARY_TRIGGER})`);
  }
  if (!isValidTimezone(env.DEFAULT_TIMEZONE)) {
    problems.push(`DEFAULT_TIMEZONE: not an IANA time zone${quoteRejected("DEFAULT_TIMEZONE", env.DEFAULT_TIMEZONE)}; use one such as Europe/Lisbon or UTC`);
  }
  // The same rule as the OpenAI chat, speech and voice providers: a key, or a base URL for an OpenAI-compatible server that may need none.
  if (env.EMBEDDINGS_PROVIDER === "openai" && !env.OPENAI_API_KEY && !env.OPENAI_BASE_URL) {
    problems.push("EMBEDDINGS_PROVIDER=openai needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server");
  }
  for (const origin of splitList(env.WEBAUTHN_ORIGINS)) {
    if (!/^https?:\/\/[^/]+$/.test(origin))
      problems.push(`WEBAUTHN_ORIGINS: each entry must be an origin such as https://rose.example (no path)${quoteRejected("WEBAUTHN_ORIGINS", origin)}`);
  }
  if (env.WEBAUTHN_RP_ID && !/^[a-z0-9.-]+$/i.test(env.WEBAUTHN_RP_ID))
    problems.push(`WEBAUTHN_RP_ID must be a host name such as rose.example (no scheme, port or path)${quoteRejected("WEBAUTHN_RP_ID", env.WEBAUTHN_RP_ID)}`);
  if (env.ENVIRONMENT === "production") {
    const secretBits = env.JWT_SECRET ? Math.floor(estimateSecretBits(env.JWT_SECRET)) : 0;
    if (!env.JWT_SECRET || env.JWT_SECRET.length < 32) {
      problems.push(
        "JWT_SECRET must be set to a random string of at least 32 characters in production (e.g. `openssl rand -hex 32`); it signs user identities",
      );
    } else if (secretBits < MIN_SECRET_BITS) {
      problems.push(
        `JWT_SECRET is too predictable (about ${secretBits} bits of randomness, at least ${MIN_SECRET_BITS} needed: words, repeats and sequences such as 1234 or abcd count for little): set it to a random string, e.g. \`openssl rand -hex 32\`; it signs user identities`,
      );
    }
    const unsafeOrigins = [
      ...new Set(
        env.CORS_ORIGINS.split(",")
          .map((o) => o.trim())
          .filter((o) => o === "*" || o.toLowerCase() === "null"),
      ),
    ];
    if (unsafeOrigins.length > 0) {
      problems.push(
        `CORS_ORIGINS must list explicit origins in production, not ${unsafeOrigins.join(" or ")} (any site, and sandboxed or file:// pages that send the origin "null", could call the API with the user's cookie); list origins such as https://rose.example, or leave it empty`,
      );
    }
    if (chat.length === 0) problems.push("production needs a chat model: set GROQ_API_KEY, or OPENAI_API_KEY / OPENAI_BASE_URL");
  }
  return problems;
}

const splitList = (value: string) =>
  value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);

/** Each problem once (a variable two schemas read, such as OPENAI_BASE_URL, is reported by both). */
const unique = (problems: string[]) => [...new Set(problems)];

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(source);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const name = issue.path.join(".");
        return `${name}: ${issue.message}${quoteRejected(name, source[name])}`;
      });
  const chat = resolveChain(CHAT_CAPABILITY, source, quoteRejected);
  const stt = resolveChain(STT_CAPABILITY, source, quoteRejected);
  const tts = resolveChain(TTS_CAPABILITY, source, quoteRejected);
  const imageGeneration = resolveChain(IMAGE_GENERATION_CAPABILITY, source, quoteRejected);
  const streamingStt = resolveChain(STREAMING_STT_CAPABILITY, source, quoteRejected);
  problems.push(...chat.problems, ...stt.problems, ...tts.problems, ...imageGeneration.problems, ...streamingStt.problems);
  if (!parsed.success || problems.length > 0) throw new ConfigError(unique(problems));
  const env = parsed.data;
  const crossField = crossFieldProblems(env, chat.chain.providers);
  if (crossField.length > 0) throw new ConfigError(crossField);
  let cards: CharacterCard[];
  let crisisResources: CrisisResources;
  try {
    cards = loadCardFolders(env.CHARACTERS_DIR ? [BUILT_IN_CARDS_DIR, env.CHARACTERS_DIR] : [BUILT_IN_CARDS_DIR]);
    crisisResources = CrisisResources.load(env.CRISIS_RESOURCES_FILE);
  } catch (error) {
    throw new ConfigError([`${(error as Error).message} (fix the file, or unset CHARACTERS_DIR / CRISIS_RESOURCES_FILE)`]);
  }

  return {
    port: env.PORT,
    host: env.HOST,
    dataDir: env.DATA_DIR,
    environment: env.ENVIRONMENT,
    logLevel: env.LOG_LEVEL,
    llm: {
      provider: chat.chain.providers[0]?.id ?? null,
      providers: chat.chain.providers,
      timeoutMs: env.LLM_TIMEOUT_MS,
      temperature: env.LLM_TEMPERATURE,
    },
    voiceLive: {
      endOfTurnMs: env.VOICE_END_OF_TURN_MS,
      vad: env.VOICE_VAD,
      idleMs: env.VOICE_LIVE_IDLE_SECONDS * 1000,
      streamingStt: streamingStt.chain.providers,
    },
    speech: {
      sttProvider: stt.chain.providers[0]?.id ?? "none",
      stt: stt.chain.providers,
      ttsProvider: tts.chain.providers[0]?.id ?? "none",
      tts: tts.chain.providers,
      maxAudioBytes: env.MAX_AUDIO_MB * 1024 * 1024,
    },
    images: {
      maxBytes: env.MAX_IMAGE_MB * 1024 * 1024,
      maxPixels: env.MAX_IMAGE_MEGAPIXELS * 1_000_000,
      maxFrames: env.MAX_IMAGE_FRAMES,
      maxPerMessage: env.MAX_IMAGES_PER_MESSAGE,
      generation: imageGeneration.chain.providers,
    },
    memory: {
      embeddingsProvider: env.EMBEDDINGS_PROVIDER,
      openai: { apiKey: env.OPENAI_API_KEY, baseUrl: env.OPENAI_BASE_URL },
      embeddingsModel: env.EMBEDDINGS_MODEL,
      qdrantUrl: env.QDRANT_URL,
      qdrantApiKey: env.QDRANT_API_KEY,
      topK: env.MEMORY_TOP_K,
    },
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    trustProxy: env.TRUST_PROXY,
    corsOrigins: env.CORS_ORIGINS.split(",")
      .map((o) => o.trim())
      .filter(Boolean),
    jwtSecret: env.JWT_SECRET,
    metricsToken: env.METRICS_TOKEN,
    requireAuthentication: env.REQUIRE_AUTHENTICATION,
    auth: {
      ...(env.WEBAUTHN_RP_ID ? { webauthnRpId: env.WEBAUTHN_RP_ID.toLowerCase() } : {}),
      webauthnOrigins: splitList(env.WEBAUTHN_ORIGINS),
      webauthnRpName: env.WEBAUTHN_RP_NAME,
      maxFailedLogins: env.AUTH_MAX_FAILED_LOGINS,
      lockoutMs: Math.round(env.AUTH_LOCKOUT_MINUTES * 60_000),
      accessTokenSeconds: Math.max(1, Math.round(env.ACCESS_TOKEN_MINUTES * 60)),
      refreshTokenMs: env.REFRESH_TOKEN_DAYS * 86_400_000,
      rateLimitPerMinute: env.AUTH_RATE_LIMIT_PER_MINUTE,
    },
    summary: { trigger: env.SUMMARY_TRIGGER, keep: env.SUMMARY_KEEP },
    maxMessageChars: env.MAX_MESSAGE_CHARS,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    defaultTimezone: env.DEFAULT_TIMEZONE,
    sessionRetentionDays: env.SESSION_RETENTION_DAYS,
    audioTtlMs: env.AUDIO_TTL_MINUTES * 60_000,
    backup: { keep: env.BACKUP_KEEP, intervalMs: env.BACKUP_INTERVAL_HOURS * 3_600_000 },
    companion: { cards, crisisResources, openerAfterMs: env.OPENER_AFTER_MINUTES * 60_000, perceptionTimeoutMs: env.PERCEPTION_TIMEOUT_MS },
    resilience: {
      retries: env.PROVIDER_RETRIES,
      errorThresholdPercentage: env.BREAKER_ERROR_PERCENT,
      volumeThreshold: env.BREAKER_MIN_CALLS,
      rollingWindowMs: env.BREAKER_WINDOW_MS,
      resetTimeoutMs: env.BREAKER_RESET_MS,
      timeoutsMs: { llm: env.LLM_TIMEOUT_MS, stt: env.STT_TIMEOUT_MS, tts: env.TTS_TIMEOUT_MS, memory: env.MEMORY_TIMEOUT_MS },
    },
  };
}
