import type { NextFunction, Request, Response } from "express";
import type { Metrics } from "../../../core/metrics.js";

/** The matched route pattern (never the raw path, whose ids would explode label cardinality). */
function routeLabel(req: Request): string {
  // Express types `req.route` as any; only a string pattern makes a useful label.
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === "string") return `${req.baseUrl}${path}`;
  if (req.path.startsWith("/api")) return "/api/unmatched";
  return req.method === "GET" ? "static" : "unmatched";
}

export function httpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.on("close", () => {
      const labels = { method: req.method, route: routeLabel(req), status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, (performance.now() - started) / 1000);
    });
    next();
  };
}
