/**
 * Load: 50 concurrent sessions holding text conversations against the simulator for 60 s (loopback
 * only, bounded in time), with 1% of provider calls failing. Reports throughput, latency percentiles
 * and every non-2xx by kind; fallback replies (the in-character apology) are counted separately.
 */
import autocannon from "autocannon";
import { startRose, tempDataDir } from "../tests/helpers/rose-server.js";
import { startSimulator } from "../tests/simulator/server.js";

export async function loadBenchmark({ connections = 50, seconds = 60, failureRate = 0.01 } = {}) {
  const sim = await startSimulator();
  sim.script({ match: { system: "concise conversation summaries" }, reply: { content: "They chatted about their day." } });
  sim.script({ probability: failureRate, fail: { status: 500 } });
  const dir = tempDataDir("rose-load-");
  const server = await startRose(
    { OPENAI_BASE_URL: sim.openaiBaseUrl, OPENAI_API_KEY: "load", CHAT_MODEL: "sim-chat", SMALL_MODEL: "sim-small", RATE_LIMIT_PER_MINUTE: "0" },
    dir.path,
  );
  try {
    // The first call issues the identity cookie; the rest reuse it, so every session has one owner.
    const first = await server.client.startSession();
    const sessions = [first, ...(await Promise.all(Array.from({ length: connections - 1 }, () => server.client.startSession())))];
    const cookieHeader = server.client.cookie;
    let next = 0;
    let fallbacks = 0;
    let turns = 0;
    const result = await autocannon({
      url: server.url,
      connections,
      duration: seconds,
      requests: [
        {
          method: "POST",
          path: "/api/v1/chat",
          headers: { "content-type": "application/json", cookie: cookieHeader },
          setupRequest: (request, context: { session?: string; turn?: number }) => {
            context.session ??= sessions[next++ % sessions.length];
            context.turn = (context.turn ?? 0) + 1;
            return { ...request, body: JSON.stringify({ session_id: context.session, message: `Turn ${context.turn}: I spent the afternoon in the garden.` }) };
          },
          onResponse: (status, body) => {
            if (status !== 200) return;
            turns++;
            if ((JSON.parse(body) as { fallback?: boolean }).fallback) fallbacks++;
          },
        },
      ],
    });
    const non2xx: Record<string, number> = {};
    for (const [code, count] of Object.entries(result.statusCodeStats ?? {})) if (!code.startsWith("2")) non2xx[code] = (count as { count: number }).count;
    const providerFailures = sim.requests().filter((r) => r.failure).length;
    return {
      connections,
      seconds,
      injected_failure_rate: failureRate,
      requests: result.requests.total,
      throughput_rps: result.requests.average,
      latency_ms: { p50: result.latency.p50, p95: percentileFrom(result, 95), p99: result.latency.p99 },
      completed_turns: turns,
      fallback_replies: fallbacks,
      injected_provider_failures: providerFailures,
      non_2xx_by_status: non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    };
  } finally {
    await server.stop();
    await sim.close();
    dir.remove();
  }
}

/** autocannon reports p90 and p97.5, not p95: interpolate between them. */
function percentileFrom(result: autocannon.Result, p: number): number {
  const { p90, p97_5 } = result.latency as unknown as { p90: number; p97_5: number };
  return Math.round((p90 + ((p - 90) / 7.5) * (p97_5 - p90)) * 10) / 10;
}
