import type { Request, RequestHandler } from "express";
import { ipKeyGenerator, rateLimit, type Store } from "express-rate-limit";
import { AppError } from "../../../core/errors.js";

/** Turns cost model calls; everything else is a cheap read and gets a looser limit. */
const TURN_ROUTES = /^\/(chat|chat\/stream|voice\/process|voice\/stream|chat\/completions|audio\/speech|audio\/transcriptions)\/?$/;
const READS_PER_TURN = 10;

export const isTurn = (req: Request) => req.method === "POST" && TURN_ROUTES.test(req.path);

export interface RateLimitOptions {
  turnsPerMinute: number;
  /** A shared store (Redis) so the limit holds across instances; in-memory when absent. */
  makeStore?: (prefix: string) => Store;
}

function limiter(
  name: string,
  limit: number,
  key: (req: Request) => string,
  skip: (req: Request) => boolean,
  makeStore?: (prefix: string) => Store,
): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    keyGenerator: key,
    skip,
    ...(makeStore ? { store: makeStore(`rose:rl:${name}:`) } : {}),
    // Through the router's error handler, so each API answers in its own error shape (Rose's, or OpenAI's under /v1).
    handler: (_req, _res, next) => {
      next(new AppError(429, "rate_limited", `Too many requests: at most ${limit} per minute. Please wait a moment and try again.`));
    },
  });
}

const clientKey = (req: Request) => ipKeyGenerator(req.ip ?? "unknown");

/**
 * Per client (IP) and per user, so neither one browser nor one identity spread over many addresses
 * can monopolise the models. RATE_LIMIT_PER_MINUTE=0 turns the limits off.
 */
export function rateLimits({ turnsPerMinute, makeStore }: RateLimitOptions): RequestHandler[] {
  if (turnsPerMinute <= 0) return [];
  const readsPerMinute = turnsPerMinute * READS_PER_TURN;
  const notTurn = (req: Request) => !isTurn(req);
  return [
    limiter("turn-ip", turnsPerMinute, clientKey, notTurn, makeStore),
    limiter("turn-user", turnsPerMinute, (req) => req.userId, notTurn, makeStore),
    limiter("read-ip", readsPerMinute, clientKey, isTurn, makeStore),
  ];
}
