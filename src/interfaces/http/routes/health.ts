import { Router } from "express";
import type { HttpDeps } from "../context.js";

export function healthRoutes({ version, health, isAccepting }: HttpDeps): Router {
  const router = Router();

  /** Liveness: the process answers; the summary says how each dependency is doing. */
  router.get("/health", async (_req, res) => {
    const services = await health.summary();
    const degraded = Object.values(services).some((s) => s.status === "down" || s.status === "degraded");
    res.json({ status: degraded ? "degraded" : "ok", version, services });
  });

  /** Readiness: 503 until a turn can be taken (database, memory store and chat model answer), and during shutdown. */
  router.get("/health/ready", async (_req, res) => {
    const { ready, failing } = await health.readiness();
    const accepting = isAccepting();
    const body = { ready: ready && accepting, ...(accepting ? {} : { reason: "shutting down" }), ...(failing.length ? { failing } : {}) };
    res.status(body.ready ? 200 : 503).json(body);
  });

  return router;
}
