import type { BreakerState } from "../resilience/provider-guard.js";
import { CachedProbe } from "./cached-probe.js";

export const SERVICE_NAMES = ["llm", "stt", "tts", "memory", "checkpoints"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceStatus {
  status: "ok" | "degraded" | "down" | "not_configured";
  provider?: string;
  model?: string;
  breaker?: BreakerState;
  detail?: string;
  latency_ms?: number;
}

export interface ServiceCheck {
  provider: string;
  model?: string;
  /** A real round trip to the dependency; omitted for dependencies with nothing to probe (espeak). */
  probe?: (signal: AbortSignal) => Promise<void>;
  breaker?: () => BreakerState;
  /** Whether the service can take turns without it (TTS and STT failures degrade, they do not stop chat). */
  requiredForReadiness: boolean;
}

interface Entry {
  check: ServiceCheck;
  probe?: CachedProbe;
}

/** What every dependency looks like right now, from real (cached) probes and breaker states. */
export class ServiceHealth {
  private readonly entries = new Map<ServiceName, Entry | { notConfigured: string }>();

  register(name: ServiceName, check: ServiceCheck): void {
    this.entries.set(name, { check, ...(check.probe ? { probe: new CachedProbe(check.probe) } : {}) });
  }

  notConfigured(name: ServiceName, detail: string): void {
    this.entries.set(name, { notConfigured: detail });
  }

  async summary(): Promise<Record<ServiceName, ServiceStatus>> {
    const pairs = await Promise.all(SERVICE_NAMES.map(async (name) => [name, await this.status(name)] as const));
    return Object.fromEntries(pairs) as Record<ServiceName, ServiceStatus>;
  }

  /** Ready when every dependency needed for a turn answers; the reasons name what is missing. */
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
    const { check, probe } = entry;
    const breaker = check.breaker?.();
    const result = probe ? await probe.result() : undefined;
    const status: ServiceStatus["status"] = result && !result.ok ? "down" : breaker === "open" ? "degraded" : "ok";
    return {
      status,
      provider: check.provider,
      ...(check.model ? { model: check.model } : {}),
      ...(breaker ? { breaker } : {}),
      ...(result && !result.ok && result.detail ? { detail: result.detail } : {}),
      ...(result ? { latency_ms: result.latencyMs } : {}),
    };
  }
}
