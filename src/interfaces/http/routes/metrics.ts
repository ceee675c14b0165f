import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import { AppError } from "../../../core/errors.js";
import type { HttpDeps } from "../context.js";

const ACTIVE_WINDOW_MS = 15 * 60_000;

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Compares the presented token with the configured one in constant time (hashes have equal lengths). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (.+)$/i.exec(header ?? "")?.[1] ?? "";
  return timingSafeEqual(digest(presented), digest(token));
}

/**
 * Prometheus text format. Gauges that are cheap to compute on demand are refreshed at scrape time.
 * With METRICS_TOKEN set only a scraper presenting it may read them: route counts and provider
 * failures are the operator's business, not the public's.
 */
export function metricsRoute({ metrics, sessions, config }: HttpDeps): RequestHandler {
  return async (req, res) => {
    if (config.metricsToken && !bearerMatches(req.get("authorization"), config.metricsToken)) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"');
      throw new AppError(401, "unauthorized", "Metrics need the bearer token set in METRICS_TOKEN");
    }
    metrics.activeSessions.set(await sessions.countActiveSince(new Date(Date.now() - ACTIVE_WINDOW_MS)));
    res.setHeader("Content-Type", metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
}
