import type { FallbackChain } from "../resilience/fallback-chain.js";
import type { ProviderCheck, ServiceCheck } from "./service-health.js";

/** A fallback chain as a health check: its first provider, the ones standing in for it, and who is serving. */
export function chainHealth<P>(chain: FallbackChain<P>, { requiredForReadiness }: { requiredForReadiness: boolean }): ServiceCheck {
  const [first, ...rest] = chain.members.map((m): ProviderCheck => ({
    provider: m.id,
    ...(m.model ? { model: m.model } : {}),
    ...(m.probe ? { probe: m.probe } : {}),
    breaker: () => m.guard.state,
  }));
  return { ...first!, requiredForReadiness, ...(rest.length > 0 ? { fallbacks: rest } : {}), serving: () => chain.status() };
}
