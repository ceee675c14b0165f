import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { DEFAULT_POLICY, ProviderGuard, type ResiliencePolicy } from "./provider-guard.js";

export const GUARDED_OPERATIONS = ["chat", "small", "stt", "tts", "embeddings", "vector_store"] as const;
export type GuardedOperation = (typeof GUARDED_OPERATIONS)[number];
export type Guards = Record<GuardedOperation, ProviderGuard>;

/** One breaker per provider operation, so a failing TTS never trips the chat model's breaker. */
export function createGuards(
  logger: Logger,
  metrics: Metrics | undefined,
  overrides: Partial<Record<GuardedOperation, Partial<ResiliencePolicy>>> = {},
  base: Partial<ResiliencePolicy> = {},
): Guards {
  const entries = GUARDED_OPERATIONS.map((operation) => {
    const policy = { ...DEFAULT_POLICY, ...base, ...overrides[operation] };
    return [operation, new ProviderGuard(operation, policy, logger, metrics)] as const;
  });
  return Object.fromEntries(entries) as Guards;
}

/** The guards as configured: shared breaker settings, and a timeout per kind of provider. */
export function guardsFromConfig(config: Config, logger: Logger, metrics?: Metrics): Guards {
  const r = config.resilience;
  const base: Partial<ResiliencePolicy> = {
    retries: r.retries,
    errorThresholdPercentage: r.errorThresholdPercentage,
    volumeThreshold: r.volumeThreshold,
    rollingWindowMs: r.rollingWindowMs,
    resetTimeoutMs: r.resetTimeoutMs,
  };
  const t = r.timeoutsMs;
  return createGuards(
    logger,
    metrics,
    {
      chat: { timeoutMs: t.llm },
      small: { timeoutMs: t.llm },
      stt: { timeoutMs: t.stt },
      tts: { timeoutMs: t.tts },
      embeddings: { timeoutMs: t.memory },
      vector_store: { timeoutMs: t.memory },
    },
    base,
  );
}
