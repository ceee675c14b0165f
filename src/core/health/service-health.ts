import type { ServingStatus } from "../resilience/fallback-chain.js";
import type { BreakerState } from "../resilience/provider-guard.js";
import { CachedProbe, type ProbeResult } from "./cached-probe.js";

export const SERVICE_NAMES = ["llm", "stt", "tts", "memory", "checkpoints"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

type Status = "ok" | "degraded" | "down";

/** One provider of a chain that stands in for the first. */
export interface FallbackStatus {
  provider: string;
  status: Status;
  model?: string;
  breaker?: BreakerState;
  detail?: string;
  latency_ms?: number;
}

export interface ServiceStatus {
  status: Status | "not_configured";
  /** The first provider: the one that serves when all is well. `model`, `breaker`, `detail` and `latency_ms` are its. */
  provider?: string;
  model?: string;
  breaker?: BreakerState;
  detail?: string;
  latency_ms?: number;
  /** For capabilities with a provider chain: who is serving right now (null: nobody can)... */
  serving?: string | null;
  /** ...and, when it is not the first provider, why (e.g. "groq circuit open"). */
  reason?: string;
  /** The providers that stand in for the first, in order. */
  fallbacks?: FallbackStatus[];
}

export interface ProviderCheck {
  provider: string;
  model?: string;
  /** A real round trip to the dependency; omitted for dependencies with nothing to probe. */
  probe?: (signal: AbortSignal) => Promise<void>;
  breaker?: () => BreakerState;
}

export interface ServiceCheck extends ProviderCheck {
  /** Whether the service can take turns without it (TTS and STT failures degrade, they do not stop chat). */
  requiredForReadiness: boolean;
  /** Providers that stand in for this one, in order. The service is down only when all of them are. */
  fallbacks?: ProviderCheck[];
  /** Who is serving and why (a fallback chain's status). */
  serving?: () => ServingStatus;
}

interface Member {
  check: ProviderCheck;
  probe?: CachedProbe;
}

interface Entry {
  check: ServiceCheck;
  members: Member[];
}

interface MemberStatus {
  status: Status;
  breaker?: BreakerState;
  result?: ProbeResult;
}

async function statusOfMember({ check, probe }: Member): Promise<MemberStatus> {
  const breaker = check.breaker?.();
  const result = probe ? await probe.result() : undefined;
  const status: Status = result && !result.ok ? "down" : breaker === "open" ? "degraded" : "ok";
  return { status, ...(breaker ? { breaker } : {}), ...(result ? { result } : {}) };
}

/** What every dependency looks like right now, from real (cached) probes, breaker states and who is serving. */
export class ServiceHealth {
  private readonly entries = new Map<ServiceName, Entry | { notConfigured: string }>();

  register(name: ServiceName, check: ServiceCheck): void {
    const member = (c: ProviderCheck): Member => ({ check: c, ...(c.probe ? { probe: new CachedProbe(c.probe) } : {}) });
    this.entries.set(name, { check, members: [member(check), ...(check.fallbacks ?? []).map(member)] });
  }

  notConfigured(name: ServiceName, detail: string): void {
    this.entries.set(name, { notConfigured: detail });
  }

  async summary(): Promise<Record<ServiceName, ServiceStatus>> {
    const pairs = await Promise.all(SERVICE_NAMES.map(async (name) => [name, await this.status(name)] as const));
    return Object.fromEntries(pairs) as Record<ServiceName, ServiceStatus>;
  }

  /** Ready when every dependency needed for a turn answers (a fallback answering is enough); the reasons name what is missing. */
  async readiness(): Promise<{ ready: boolean; failing: Array<{ service: ServiceName; reason: string }> }> {
    const failing: Array<{ service: ServiceName; reason: string }> = [];
    for (const name of SERVICE_NAMES) {
      const entry = this.entries.get(name);
      if (!entry) continue;
      if ("notConfigured" in entry) {
        if (name === "llm") failing.push({ service: name, reason: entry.notConfigured });
        continue;
      }
      if (!entry.check.requiredForReadiness) continue;
      const status = await this.status(name);
      if (status.status === "down") failing.push({ service: name, reason: status.detail ?? "unavailable" });
    }
    return { ready: failing.length === 0, failing };
  }

  private async status(name: ServiceName): Promise<ServiceStatus> {
    const entry = this.entries.get(name);
    if (!entry) return { status: "not_configured" };
    if ("notConfigured" in entry) return { status: "not_configured", detail: entry.notConfigured };
    const { check, members } = entry;
    const [first, ...rest] = await Promise.all(members.map(statusOfMember));
    const serving = check.serving?.();
    const fallbackOk = rest.some((m) => m.status !== "down");
    // Down only when nobody can answer; degraded while anyone but the first provider is serving, or the first is unwell.
    let status: Status = first!.status;
    if (first!.status === "down" && fallbackOk) status = "degraded";
    if (status === "ok" && serving && serving.serving !== serving.provider) status = "degraded";
    return {
      status,
      provider: check.provider,
      ...(check.model ? { model: check.model } : {}),
      ...(first!.breaker ? { breaker: first!.breaker } : {}),
      ...(first!.result && !first!.result.ok && first!.result.detail ? { detail: first!.result.detail } : {}),
      ...(first!.result ? { latency_ms: first!.result.latencyMs } : {}),
      ...(serving ? { serving: serving.serving, ...(serving.reason ? { reason: serving.reason } : {}) } : {}),
      ...(rest.length > 0
        ? {
            fallbacks: rest.map((m, i) => {
              const c = members[i + 1]!.check;
              return {
                provider: c.provider,
                status: m.status,
                ...(c.model ? { model: c.model } : {}),
                ...(m.breaker ? { breaker: m.breaker } : {}),
                ...(m.result && !m.result.ok && m.result.detail ? { detail: m.result.detail } : {}),
                ...(m.result ? { latency_ms: m.result.latencyMs } : {}),
              };
            }),
          }
        : {}),
    };
  }
}
