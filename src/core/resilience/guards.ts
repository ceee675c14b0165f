import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { DEFAULT_POLICY, ProviderGuard, type ResiliencePolicy } from "./provider-guard.js";

/** The kinds of provider, each with its own timeout (LLM_TIMEOUT_MS, STT_TIMEOUT_MS, TTS_TIMEOUT_MS, MEMORY_TIMEOUT_MS). */
export const POLICY_KINDS = ["llm", "stt", "tts", "memory"] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

/**
 * Every provider guard of the service, one per provider and capability ("chat:groq", "small:groq",
 * "tts:elevenlabs", "tts:espeak", "embeddings", "vector_store"), so one failing provider never trips
 * another's breaker. Guards are made here and only here, from the configured policies.
 */
export class ProviderGuards {
  private readonly guards = new Map<string, ProviderGuard>();

  constructor(
    private readonly policies: Record<PolicyKind, ResiliencePolicy>,
    private readonly logger?: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /** Shared breaker settings and a timeout per kind of provider, as configured. */
  static fromConfig(config: Config, logger?: Logger, metrics?: Metrics): ProviderGuards {
    const r = config.resilience;
    const base: ResiliencePolicy = {
      ...DEFAULT_POLICY,
      retries: r.retries,
      errorThresholdPercentage: r.errorThresholdPercentage,
      volumeThreshold: r.volumeThreshold,
      rollingWindowMs: r.rollingWindowMs,
      resetTimeoutMs: r.resetTimeoutMs,
    };
    const t = r.timeoutsMs;
    return new ProviderGuards(
      { llm: { ...base, timeoutMs: t.llm }, stt: { ...base, timeoutMs: t.stt }, tts: { ...base, timeoutMs: t.tts }, memory: { ...base, timeoutMs: t.memory } },
      logger,
      metrics,
    );
  }

  /** One policy for every kind (tests): defaults, overridden by `policy`. */
  static uniform(policy: Partial<ResiliencePolicy> = {}, logger?: Logger, metrics?: Metrics): ProviderGuards {
    const merged = { ...DEFAULT_POLICY, ...policy };
    return new ProviderGuards({ llm: merged, stt: merged, tts: merged, memory: merged }, logger, metrics);
  }

  /** The guard named `name` (made on first use with the policy of `kind`). */
  guard(name: string, kind: PolicyKind): ProviderGuard {
    let guard = this.guards.get(name);
    if (!guard) {
      guard = new ProviderGuard(name, this.policies[kind], this.logger, this.metrics);
      this.guards.set(name, guard);
    }
    return guard;
  }

  /** Every guard made so far, by name. */
  byName(): Record<string, ProviderGuard> {
    return Object.fromEntries(this.guards);
  }

  shutdown(): void {
    for (const guard of this.guards.values()) guard.shutdown();
  }
}
