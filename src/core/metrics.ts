import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Every metric Rose exports, on one registry per service instance (tests start several in one process,
 * so a global registry would mix their numbers).
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: "rose_http_requests_total",
    help: "HTTP requests by route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: "rose_http_request_duration_seconds",
    help: "HTTP request latency by route and status (for streams: until the response ended)",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly providerCalls = new Histogram({
    name: "rose_provider_call_duration_seconds",
    help: "External provider call latency by operation and outcome",
    labelNames: ["operation", "outcome"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly providerFailures = new Counter({
    name: "rose_provider_failures_total",
    help: "External provider call failures by operation and kind",
    labelNames: ["operation", "kind"] as const,
    registers: [this.registry],
  });

  readonly breakerState = new Gauge({
    name: "rose_circuit_breaker_state",
    help: "Circuit breaker state per operation: 0 closed, 1 half-open, 2 open",
    labelNames: ["operation"] as const,
    registers: [this.registry],
  });

  readonly nodeDuration = new Histogram({
    name: "rose_graph_node_duration_seconds",
    help: "Graph node durations",
    labelNames: ["node"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly turns = new Counter({
    name: "rose_turns_total",
    help: "Conversation turns by kind and outcome (ok, fallback, error)",
    labelNames: ["kind", "outcome"] as const,
    registers: [this.registry],
  });

  readonly activeSessions = new Gauge({
    name: "rose_active_sessions",
    help: "Sessions active in the last 15 minutes",
    registers: [this.registry],
  });

  readonly memoryOperations = new Counter({
    name: "rose_memory_operations_total",
    help: "Long-term memory operations by kind and outcome",
    labelNames: ["operation", "outcome"] as const,
    registers: [this.registry],
  });

  /** Turns where the person may be in crisis, by kind and by what noticed it: counted, never their content. */
  readonly crisisTurns = new Counter({
    name: "rose_crisis_turns_total",
    help: "Turns where the person may be in crisis, by kind (suicide, self_harm, abuse, medical) and detector (rules, model)",
    labelNames: ["kind", "detector"] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "rose_" });
  }
}
