import type { RequestHandler } from "express";
import type { HttpDeps } from "../context.js";

const ACTIVE_WINDOW_MS = 15 * 60_000;

/** Prometheus text format. Gauges that are cheap to compute on demand are refreshed at scrape time. */
export function metricsRoute({ metrics, sessions }: HttpDeps): RequestHandler {
  return async (_req, res) => {
    metrics.activeSessions.set(await sessions.countActiveSince(new Date(Date.now() - ACTIVE_WINDOW_MS)));
    res.setHeader("Content-Type", metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
}
